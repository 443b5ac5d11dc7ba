// A node's events, appended to <data-dir>/events.ndjson beside its LevelDB files, so its whole
// log can be read later (`paxos-cli logs N`). LevelDB ignores (and never deletes) file names it
// did not make, and the storage checks look for LevelDB's own names only, so this file is never
// taken for a DB nor hides a lost one.
//
// Bounded: at maxBytes the file becomes events.1.ndjson (replacing the older one), so a node
// keeps at most 2 x maxBytes of log (16 MiB by default). Lines are queued and written in one
// batch per event-loop turn, never synchronously on the hot path; a SIGKILL loses at most the
// last batch and may leave a torn last line, which readers skip (and the next open ends with a
// newline first, so the torn line cannot swallow the next one). A write error (disk full) stops
// the file, never the node: it is reported once and the node runs on.
import fs from 'node:fs';
import path from 'node:path';

export const EVENT_FILE = 'events.ndjson';
export const OLD_EVENT_FILE = 'events.1.ndjson';
export const DEFAULT_EVENT_FILE_BYTES = 8 * 1024 * 1024;
/** Lines waiting for a slow disk beyond this are dropped (and counted in the file). */
const MAX_PENDING_CHARS = 4 * 1024 * 1024;

export interface FileNames {
  readonly current: string;
  readonly old: string;
}
const EVENT_NAMES: FileNames = { current: EVENT_FILE, old: OLD_EVENT_FILE };

export function eventFilePaths(dir: string, names: FileNames = EVENT_NAMES): { current: string; old: string } {
  return { current: path.join(dir, names.current), old: path.join(dir, names.old) };
}

export class EventFile {
  private pending: string[] = [];
  private pendingChars = 0;
  private dropped = 0;
  private fh: fs.promises.FileHandle | null = null;
  private size = 0;
  private draining: Promise<void> | null = null;
  private opened = false;
  private failed = false;
  private readonly paths: { current: string; old: string };

  constructor(
    private readonly dir: string,
    /** Told once, when the file cannot be written (the node logs it on stdout). */
    private readonly onError: (msg: string) => void,
    private readonly maxBytes = DEFAULT_EVENT_FILE_BYTES,
    /** The message trace (messages.ndjson) is bounded the same way, under its own names. */
    names: FileNames = EVENT_NAMES,
    /**
     * 0: one write per event-loop turn. More: one write per this many ms, for the message trace,
     * whose lines come on nearly every turn at full load; a write per turn there cost ~9 % of
     * write throughput (bench -c 64), one per 50 ms costs what the noise hides.
     */
    private readonly batchMs = 0,
  ) {
    this.paths = eventFilePaths(dir, names);
  }

  /** Queues one newline-terminated line. Before open() lines only wait in memory. */
  write(line: string): void {
    if (this.failed) return;
    if (this.pendingChars + line.length > MAX_PENDING_CHARS) {
      this.dropped++;
      return;
    }
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.opened) this.schedule();
  }

  /**
   * Starts writing, with what was queued first. Called once the node's DB is open: a node that
   * refuses its data dir must not create it (or put anything in it) on the way out.
   */
  open(): void {
    this.opened = true;
    this.schedule();
  }

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    while (this.draining !== null) await this.draining;
    if (this.opened && this.pending.length > 0 && !this.failed) {
      this.schedule();
      while (this.draining !== null) await this.draining;
    }
    this.opened = false;
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => undefined);
  }

  /**
   * For the way out of a dying process: appends what is queued plus `line`, synchronously. Only
   * into a directory that holds the node's DB (or once the file is open): never into a missing
   * or empty data dir, which the node refused because its DB is gone.
   */
  writeSyncOnExit(line = ''): void {
    if (this.failed) return;
    if (!this.opened && !fs.existsSync(path.join(this.dir, 'CURRENT'))) return;
    const text = this.takePending() + line;
    if (text === '') return;
    try {
      fs.appendFileSync(this.paths.current, text);
    } catch {
      // Dying anyway; stdout and stderr have said it.
    }
  }

  private takePending(): string {
    let text = this.pending.join('');
    if (this.dropped > 0) {
      text += JSON.stringify({ t: Date.now(), event: 'log', level: 'warn', msg: `${this.dropped} event(s) not written to ${path.basename(this.paths.current)}: the disk was too slow` }) + '\n';
      this.dropped = 0;
    }
    this.pending = [];
    this.pendingChars = 0;
    return text;
  }

  private schedule(): void {
    if (this.draining !== null || this.failed) return;
    // One batch per turn: every line emitted in this turn goes in one write.
    this.draining = new Promise<void>((r) => (this.batchMs > 0 ? setTimeout(r, this.batchMs) : setImmediate(r)))
      .then(() => this.drain())
      .finally(() => {
        this.draining = null;
        if (this.opened && this.pending.length > 0 && !this.failed) this.schedule();
      });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.failed) {
        const text = this.takePending();
        if (this.fh === null) await this.openFile();
        const bytes = Buffer.from(text, 'utf8');
        await this.fh!.write(bytes);
        this.size += bytes.length;
        if (this.size >= this.maxBytes) await this.rotate();
      }
    } catch (err) {
      this.failed = true;
      this.pending = [];
      this.pendingChars = 0;
      const fh = this.fh;
      this.fh = null;
      await fh?.close().catch(() => undefined);
      this.onError(`cannot write ${this.paths.current} (${(err as Error).message}); the node runs on without writing its log file`);
    }
  }

  private async openFile(): Promise<void> {
    const fh = await fs.promises.open(this.paths.current, 'a+');
    this.fh = fh;
    const { size } = await fh.stat();
    this.size = size;
    if (size > 0) {
      // A torn last line (SIGKILL mid-write) must stay a line of its own, which readers skip.
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) {
        await fh.write('\n');
        this.size++;
      }
    }
  }

  private async rotate(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close();
    await fs.promises.rename(this.paths.current, this.paths.old);
    this.size = 0;
  }
}
