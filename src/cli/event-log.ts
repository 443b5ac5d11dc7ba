// Reads a node's log file (events.ndjson and the rotated events.1.ndjson) from disk: all of it
// (or only its last bytes, for a reader that keeps a window), then, for following, whatever is
// appended, across rotations, restarts and a re-created file. The message trace
// (messages.ndjson) is read with the same class.
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import { eventFilePaths } from '../node/event-file.js';
import { clockTime, logText, printable } from './event-text.js';
import { parseNodeEventLine } from '../cluster/node-events.js';

export interface LogRecord {
  /** The line's object as the node wrote it (t, node, event, …). */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly t: number;
  /** One readable line: local time and the event in the panes' words. */
  readonly text: string;
  readonly level: 'info' | 'warn' | 'error';
}

/** A line of the file, or null for one that is not an event (a torn last line after a SIGKILL). */
export function parseLogLine(line: string): LogRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.event !== 'string' || typeof r.t !== 'number' || !Number.isSafeInteger(r.t) || r.t < 0) return null;
  const event = parseNodeEventLine(line);
  if (event === null) return null;
  const level = r.event === 'log' && (r.level === 'warn' || r.level === 'error') ? r.level : 'info';
  return { raw: r, t: r.t, text: printable(`${clockTime(r.t)}  ${logText(event)}`), level };
}

/** Lines longer than this are not events (a node writes short ones): skipped to the next newline. */
const MAX_LINE_BYTES = 1024 * 1024;

function append(out: string[], lines: readonly string[]): void {
  for (const l of lines) out.push(l);
}

/** The file at `p` must be a regular file: a FIFO or a device would block or never end. */
async function checkRegular(p: string, st: { isFile(): boolean }): Promise<void> {
  if (!st.isFile()) throw new Error(`${p} is not a regular file`);
}

const CHUNK = 1024 * 1024;

export interface LogTailOptions {
  /** The two files; the node's event log by default. */
  readonly paths?: { readonly current: string; readonly old: string };
  /** Start with only the last this many bytes of the two files (a window, not the history). */
  readonly tailBytes?: number;
}

/** Yields complete lines of a node's log: what is there on the first poll, then what is new. */
export class LogTail {
  private readonly paths: { current: string; old: string };
  private readonly tailBytes: number | null;
  private fh: fs.FileHandle | null = null;
  private ino = 0;
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  /** Inside an over-long line: everything up to the next newline is dropped. */
  private skipping = false;
  private started = false;

  constructor(dir: string, options: LogTailOptions = {}) {
    this.paths = options.paths ?? eventFilePaths(dir);
    this.tailBytes = options.tailBytes ?? null;
  }

  /** True if the node has written a log file yet. */
  async exists(): Promise<boolean> {
    const has = (p: string) => fs.stat(p).then(() => true, () => false);
    return (await has(this.paths.current)) || (await has(this.paths.old));
  }

  /** The next complete lines; the first call starts with the rotated file. */
  async poll(): Promise<string[]> {
    const out: string[] = [];
    let skipTo = 0;
    if (!this.started) {
      this.started = true;
      const size = this.tailBytes === null ? 0 : ((await fs.stat(this.paths.current).catch(() => null))?.size ?? 0);
      const fromOld = this.tailBytes === null ? Infinity : this.tailBytes - size;
      skipTo = this.tailBytes === null ? 0 : Math.max(0, size - this.tailBytes);
      try {
        if (fromOld > 0) append(out, await readTail(this.paths.old, fromOld));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    if (this.fh === null) {
      if (!(await this.openCurrent())) return out;
      if (skipTo > 0) {
        // From the byte before the window: the line it cuts is dropped up to its newline (as an
        // over-long one is), and a window that starts on a line's first byte keeps that line.
        this.offset = skipTo - 1;
        this.skipping = true;
      }
    }
    append(out, await this.readNew());
    const st = await fs.stat(this.paths.current).catch(() => null);
    if (st !== null && st.ino !== this.ino) {
      // Rotated (or re-created): what the old file got since the read above comes first.
      append(out, await this.readNew());
      await this.closeFile();
      if (await this.openCurrent()) append(out, await this.readNew());
    } else if (st !== null && st.size < this.offset) {
      this.offset = 0;
      this.partial = Buffer.alloc(0);
      this.skipping = false;
      append(out, await this.readNew());
    }
    return out;
  }

  async close(): Promise<void> {
    await this.closeFile();
  }

  private async openCurrent(): Promise<boolean> {
    try {
      // O_NONBLOCK: opening a FIFO put in the log's place must not wait for a writer.
      await checkRegular(this.paths.current, await fs.stat(this.paths.current));
      this.fh = await fs.open(this.paths.current, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    const st = await this.fh.stat();
    try {
      await checkRegular(this.paths.current, st);
    } catch (err) {
      await this.closeFile();
      throw err;
    }
    this.ino = st.ino;
    this.offset = 0;
    this.partial = Buffer.alloc(0);
    this.skipping = false;
    return true;
  }

  private async closeFile(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    // A torn line left at the end of a replaced file never completes.
    this.partial = Buffer.alloc(0);
    await fh?.close().catch(() => undefined);
  }

  private async readNew(): Promise<string[]> {
    const fh = this.fh;
    if (fh === null) return [];
    const lines: string[] = [];
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, this.offset);
      if (bytesRead === 0) break;
      this.offset += bytesRead;
      let data = buf.subarray(0, bytesRead);
      if (this.skipping) {
        const nl = data.indexOf(0x0a);
        if (nl < 0) continue;
        data = data.subarray(nl + 1);
        this.skipping = false;
      }
      const split = splitLines(Buffer.concat([this.partial, data]));
      append(lines, split.lines.filter((l) => l.length <= MAX_LINE_BYTES));
      this.partial = split.rest;
      if (this.partial.length > MAX_LINE_BYTES) {
        this.partial = Buffer.alloc(0);
        this.skipping = true;
      }
    }
    return lines;
  }
}

/** The complete lines in the last `bytes` of the file at `p` (all of it when it is smaller). */
async function readTail(p: string, bytes: number): Promise<string[]> {
  await checkRegular(p, await fs.stat(p));
  const fh = await fs.open(p, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    await checkRegular(p, st);
    const start = Number.isFinite(bytes) ? Math.max(0, st.size - bytes) : 0;
    const data = Buffer.alloc(st.size - start);
    let got = 0;
    while (got < data.length) {
      const { bytesRead } = await fh.read(data, got, data.length - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    let body = data.subarray(0, got);
    if (start > 0) {
      const nl = body.indexOf(0x0a);
      body = nl < 0 ? Buffer.alloc(0) : body.subarray(nl + 1);
    }
    return splitLines(body).lines.filter((l) => l.length <= MAX_LINE_BYTES);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function splitLines(data: Buffer): { lines: string[]; rest: Buffer } {
  const end = data.lastIndexOf(0x0a);
  if (end < 0) return { lines: [], rest: Buffer.from(data) };
  const lines = data.subarray(0, end).toString('utf8').split('\n').filter((l) => l.trim() !== '');
  return { lines, rest: Buffer.from(data.subarray(end + 1)) };
}
