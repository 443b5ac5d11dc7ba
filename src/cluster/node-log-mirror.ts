// For `attach`: a local copy of every node's event log and message trace, read through the
// nodes' API (`file-read`), so the views that read a data dir (panes, `logs N`, the flow view)
// work on nodes of other hosts. The copy is laid out as a data dir (DIR/node-N/events.ndjson,
// messages.ndjson and their rotated parts) and bounded like the originals.
//
// Each file is followed by offset. A node rotates a file by renaming it to its old part (same
// inode) and starting a new one: when the current file's inode changes, the rest of the old
// part is read first, then the copy rotates too. A node that does not answer is skipped until
// it does; nothing here throws into the caller.
import fs from 'node:fs';
import path from 'node:path';
import { OLD_TRACE_FILE, TRACE_FILE } from '../trace/trace-record.js';
import { MAX_FILE_CHUNK, type NodeFileName } from '../protocol/wire.js';
import { EVENT_FILE, OLD_EVENT_FILE } from '../node/event-file.js';
import { parseNodeEventLine, type NodeEvent } from './node-events.js';
import { nodeDataPath } from './data-dir.js';


export interface FileReader {
  readFile(nodeId: number, file: NodeFileName, offset: number, max: number): Promise<{ size: number; ino: number; data: Uint8Array }>;
}

export interface MirrorOptions {
  readonly intervalMs?: number;
  /** Events older than this many bytes from the end at the first read are copied but not announced. */
  readonly announceTailBytes?: number;
  /** The trace is copied from this many bytes before its end at the first read (the flow view shows the recent past). */
  readonly traceTailBytes?: number;
  /** Chunks read per file per round, so one node far behind cannot starve the others' rounds. */
  readonly chunksPerRound?: number;
  readonly chunkBytes?: number;
  /** A local copy rotates at this size (default 32 MiB), so it holds at most twice this. */
  readonly maxCopyBytes?: number;
}

interface Followed {
  readonly remote: NodeFileName;
  readonly remoteOld: NodeFileName;
  readonly local: string;
  readonly localOld: string;
  /** The first read starts this many bytes before the end (Infinity: from the start, old part first; a copy's size at most). */
  readonly startTail: number;
  offset: number;
  ino: number | null;
  /** A line not yet complete at the end of what was read (events only). */
  carry: string;
  /** Bytes of the first read to skip announcing. */
  quietUntil: number;
  /** Bytes in the local copy of the current file. */
  localBytes: number;
}

/** A local copy rotates at this size (and an old part is copied from its last this many bytes). */
const DEFAULT_MAX_COPY_BYTES = 32 * 1024 * 1024;

export class NodeLogMirror {
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  /** Each loop's pending sleep: stop() ends them at once. */
  private readonly wakers = new Set<() => void>();
  private readonly maxCopy: number;

  constructor(
    private readonly reader: FileReader,
    private ids: readonly number[],
    readonly dir: string,
    private readonly onEvent: (id: number, e: NodeEvent) => void,
    private readonly opts: MirrorOptions = {},
  ) {
    this.maxCopy = opts.maxCopyBytes ?? DEFAULT_MAX_COPY_BYTES;
  }

  start(): void {
    for (const id of this.ids) this.startNode(id);
  }

  /** A member added after start (membership change): its files are followed from now on. */
  addNode(id: number): void {
    if (this.ids.includes(id) || this.stopped) return;
    this.ids = [...this.ids, id];
    this.startNode(id);
  }

  private startNode(id: number): void {
    {
      const nodeDir = nodeDataPath(this.dir, id);
      fs.mkdirSync(nodeDir, { recursive: true });
      const files: Followed[] = [
        this.followed('events', 'events-old', nodeDir, EVENT_FILE, OLD_EVENT_FILE, Infinity, this.opts.announceTailBytes ?? 64 * 1024),
        this.followed('messages', 'messages-old', nodeDir, TRACE_FILE, OLD_TRACE_FILE, this.opts.traceTailBytes ?? 512 * 1024, 0),
      ];
      this.loops.push(this.loop(id, files));
    }
  }

  /** Stops following; waits for a read under way at most `waitMs` (a node may not answer). */
  async stop(waitMs = 2000): Promise<void> {
    this.stopped = true;
    for (const wake of this.wakers) wake();
    await Promise.race([Promise.all(this.loops), new Promise((r) => setTimeout(r, waitMs).unref())]);
  }

  private followed(remote: NodeFileName, remoteOld: NodeFileName, nodeDir: string, local: string, localOld: string, startTail: number, announceTail: number): Followed {
    return { remote, remoteOld, local: path.join(nodeDir, local), localOld: path.join(nodeDir, localOld), startTail, offset: 0, ino: null, carry: '', quietUntil: -announceTail, localBytes: 0 };
  }

  private async loop(id: number, files: Followed[]): Promise<void> {
    while (!this.stopped) {
      for (const f of files) {
        try {
          await this.follow(id, f);
        } catch {
          // Unreachable or stopping: the next round tries again from where this one was.
        }
      }
      await this.sleep(this.opts.intervalMs ?? 300);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const wake = (): void => {
        clearTimeout(t);
        this.wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private async follow(id: number, f: Followed): Promise<void> {
    const chunk = Math.min(this.opts.chunkBytes ?? MAX_FILE_CHUNK, MAX_FILE_CHUNK);
    if (f.ino === null) await this.firstRead(id, f);
    for (let i = 0; i < (this.opts.chunksPerRound ?? 8) && !this.stopped; i++) {
      const r = await this.reader.readFile(id, f.remote, f.offset, chunk);
      if (this.stopped) return;
      if (r.ino !== f.ino || r.size < f.offset) {
        await this.rotated(id, f, r.ino);
        continue;
      }
      if (r.data.byteLength === 0) return;
      this.append(id, f, r.data);
      if (r.data.byteLength < chunk) return;
    }
  }

  /**
   * Where a file is first read from: the event log whole (its old part first), as far as a copy
   * holds; the trace from its recent end.
   */
  private async firstRead(id: number, f: Followed): Promise<void> {
    const probe = await this.reader.readFile(id, f.remote, 0, 1);
    f.ino = probe.ino;
    if (f.startTail === Infinity) await this.copyWhole(id, f.remoteOld, f.localOld);
    f.quietUntil += probe.size;
    // Mid-file: skip to the next line start, so the copy never begins with half a line.
    f.offset = Math.max(0, probe.size - Math.min(f.startTail, this.maxCopy));
    if (f.offset > 0) {
      const r = await this.reader.readFile(id, f.remote, f.offset, Math.min(64 * 1024, MAX_FILE_CHUNK));
      const nl = Buffer.from(r.data).indexOf(0x0a);
      f.offset = nl < 0 ? probe.size : f.offset + nl + 1;
    }
    fs.writeFileSync(f.local, '');
  }

  /** The old part, or its last maxCopy bytes: streamed to disk, never more than a chunk in memory. */
  private async copyWhole(id: number, remote: NodeFileName, local: string): Promise<void> {
    fs.writeFileSync(local, '');
    const probe = await this.reader.readFile(id, remote, 0, 1);
    let offset = Math.max(0, probe.size - this.maxCopy);
    let copied = 0;
    while (!this.stopped && copied < this.maxCopy) {
      const r = await this.reader.readFile(id, remote, offset, MAX_FILE_CHUNK);
      if (r.data.byteLength === 0) break;
      fs.appendFileSync(local, r.data);
      offset += r.data.byteLength;
      copied += r.data.byteLength;
      if (offset >= r.size) break;
    }
  }

  /** The node rotated (or its file was replaced): finish the old part, then start the new file. */
  private async rotated(id: number, f: Followed, newIno: number): Promise<void> {
    const old = await this.reader.readFile(id, f.remoteOld, f.offset, 1);
    if (old.ino === f.ino && old.size > f.offset) {
      let offset = f.offset;
      // A node that says its file never ends is read no further than a copy may hold.
      const end = Math.min(old.size, f.offset + this.maxCopy);
      while (offset < end && !this.stopped) {
        const r = await this.reader.readFile(id, f.remoteOld, offset, MAX_FILE_CHUNK);
        if (r.ino !== f.ino || r.data.byteLength === 0) break;
        this.append(id, f, r.data);
        offset += r.data.byteLength;
      }
    }
    if (fs.existsSync(f.local)) fs.renameSync(f.local, f.localOld);
    fs.writeFileSync(f.local, '');
    f.localBytes = 0;
    f.ino = newIno;
    f.offset = 0;
    f.carry = '';
    f.quietUntil = 0;
  }

  private append(id: number, f: Followed, data: Uint8Array): void {
    // The copy is bounded like the node's files, by its own rotation: whatever the node says.
    if (f.localBytes + data.byteLength > this.maxCopy) {
      fs.renameSync(f.local, f.localOld);
      fs.writeFileSync(f.local, '');
      f.localBytes = 0;
    }
    fs.appendFileSync(f.local, data);
    f.localBytes += data.byteLength;
    const start = f.offset;
    f.offset += data.byteLength;
    if (f.remote !== 'events') return;
    // `at` is the file offset just past each line (the carried part began before `start`).
    let at = start - Buffer.byteLength(f.carry);
    const lines = (f.carry + Buffer.from(data).toString('utf8')).split('\n');
    f.carry = lines.pop() ?? '';
    if (f.carry.length > 1024 * 1024) f.carry = '';
    // The backlog of a first read is copied for `logs N`; only its recent part reaches the panes.
    if (f.offset <= f.quietUntil) return;
    for (const line of lines) {
      at += Buffer.byteLength(line) + 1;
      if (at <= f.quietUntil) continue;
      // As the supervisor reads a local node's stdout: lenient, a garbled line is shown, not fatal.
      const e = parseNodeEventLine(line);
      if (e !== null) this.onEvent(id, e);
    }
  }
}
