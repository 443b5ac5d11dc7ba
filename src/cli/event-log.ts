// Reads a node's log file (events.ndjson and the rotated events.1.ndjson) from disk: all of it,
// then, for following, whatever is appended, across rotations, restarts and a re-created file.
import fs from 'node:fs/promises';
import { eventFilePaths } from '../node/event-file.js';
import { clockTime, logText } from './event-text.js';
import { parseNodeEventLine } from './node-events.js';

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
  if (typeof r.event !== 'string' || typeof r.t !== 'number') return null;
  const event = parseNodeEventLine(line);
  if (event === null) return null;
  const level = r.event === 'log' && (r.level === 'warn' || r.level === 'error') ? r.level : 'info';
  return { raw: r, t: r.t, text: `${clockTime(r.t)}  ${logText(event)}`, level };
}

const CHUNK = 1024 * 1024;

/** Yields complete lines of a node's log: what is there on the first poll, then what is new. */
export class LogTail {
  private readonly paths: { current: string; old: string };
  private fh: fs.FileHandle | null = null;
  private ino = 0;
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  private started = false;

  constructor(dir: string) {
    this.paths = eventFilePaths(dir);
  }

  /** True if the node has written a log file yet. */
  async exists(): Promise<boolean> {
    const has = (p: string) => fs.stat(p).then(() => true, () => false);
    return (await has(this.paths.current)) || (await has(this.paths.old));
  }

  /** The next complete lines; the first call starts with the rotated file. */
  async poll(): Promise<string[]> {
    const out: string[] = [];
    if (!this.started) {
      this.started = true;
      try {
        out.push(...splitLines(await fs.readFile(this.paths.old)).lines);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    if (this.fh === null && !(await this.openCurrent())) return out;
    out.push(...(await this.readNew()));
    const st = await fs.stat(this.paths.current).catch(() => null);
    if (st !== null && st.ino !== this.ino) {
      // Rotated (or re-created): the old file is read to its end above; go on with the new one.
      await this.closeFile();
      if (await this.openCurrent()) out.push(...(await this.readNew()));
    } else if (st !== null && st.size < this.offset) {
      this.offset = 0;
      this.partial = Buffer.alloc(0);
      out.push(...(await this.readNew()));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.closeFile();
  }

  private async openCurrent(): Promise<boolean> {
    try {
      this.fh = await fs.open(this.paths.current, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    this.ino = (await this.fh.stat()).ino;
    this.offset = 0;
    this.partial = Buffer.alloc(0);
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
      const split = splitLines(Buffer.concat([this.partial, buf.subarray(0, bytesRead)]));
      lines.push(...split.lines);
      this.partial = split.rest;
    }
    return lines;
  }
}

function splitLines(data: Buffer): { lines: string[]; rest: Buffer } {
  const end = data.lastIndexOf(0x0a);
  if (end < 0) return { lines: [], rest: Buffer.from(data) };
  const lines = data.subarray(0, end).toString('utf8').split('\n').filter((l) => l.trim() !== '');
  return { lines, rest: Buffer.from(data.subarray(end + 1)) };
}
