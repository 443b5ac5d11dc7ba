// The log files a node serves to `file-read` (attach mirrors them to show a node on another
// host): a fixed name, never a path from the wire, so a request cannot reach any other file.
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { NodeFileName } from '../protocol/wire.js';
import { OLD_TRACE_FILE, TRACE_FILE } from '../trace/trace-record.js';
import { EVENT_FILE, OLD_EVENT_FILE } from './event-file.js';

export const NODE_FILE_NAMES: Readonly<Record<NodeFileName, string>> = {
  events: EVENT_FILE,
  'events-old': OLD_EVENT_FILE,
  messages: TRACE_FILE,
  'messages-old': OLD_TRACE_FILE,
};

const EMPTY = (offset: number) => ({ size: 0, ino: 0, offset, data: new Uint8Array(0) });

/**
 * Up to `max` bytes from `offset`; a file that does not exist (yet) reads as empty. Only a
 * regular file is read: a symlink put in the data dir (to /etc/shadow, say) or a FIFO (which
 * would block a read forever) reads as absent.
 */
export async function readNodeFile(dataDir: string, file: NodeFileName, offset: number, max: number): Promise<{ size: number; ino: number; offset: number; data: Uint8Array }> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(path.join(dataDir, NODE_FILE_NAMES[file]), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return EMPTY(offset);
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return EMPTY(offset);
    const { size, ino } = st;
    const length = Math.max(0, Math.min(max, size - offset));
    const data = Buffer.alloc(length);
    const { bytesRead } = length === 0 ? { bytesRead: 0 } : await fh.read(data, 0, length, offset);
    return { size, ino: Math.min(ino, Number.MAX_SAFE_INTEGER), offset, data: data.subarray(0, bytesRead) };
  } finally {
    await fh.close();
  }
}
