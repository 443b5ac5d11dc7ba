// The node's log file: batched appends, size rotation with one old generation, torn lines
// skipped by the reader, a write error that stops the file but not the caller.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_FILE, EventFile, OLD_EVENT_FILE } from '../../src/node/event-file.js';
import { LogTail, parseLogLine } from '../../src/cli/event-log.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-evfile-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const line = (i: number, pad = 0) => JSON.stringify({ t: 1_700_000_000_000 + i, node: 1, event: 'log', level: 'info', msg: `line ${i}${'x'.repeat(pad)}` }) + '\n';
const msgs = (lines: string[]) => lines.map((l) => parseLogLine(l)?.raw.msg);

describe('EventFile', () => {
  it('writes nothing before open (the DB may be missing), then everything queued, in order', async () => {
    const dir = tempDir();
    const f = new EventFile(dir, () => undefined);
    f.write(line(1));
    f.write(line(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(fs.existsSync(path.join(dir, EVENT_FILE))).toBe(false);
    f.open();
    f.write(line(3));
    await f.close();
    expect(msgs(fs.readFileSync(path.join(dir, EVENT_FILE), 'utf8').trim().split('\n'))).toEqual(['line 1', 'line 2', 'line 3']);
  });

  it('rotates at the bound, keeps one old file, and the reader gives old then current lines', async () => {
    const dir = tempDir();
    const f = new EventFile(dir, () => undefined, 2000);
    f.open();
    for (let i = 0; i < 100; i++) {
      f.write(line(i, 50));
      // Time between lines, so each is its own batch (a file overshoots the bound by one batch at most).
      await new Promise((r) => setTimeout(r, 3));
    }
    await f.close();
    // Right after a rotation there is no current file until the next line.
    const cur = fs.existsSync(path.join(dir, EVENT_FILE)) ? fs.statSync(path.join(dir, EVENT_FILE)).size : 0;
    const old = fs.statSync(path.join(dir, OLD_EVENT_FILE)).size;
    expect(cur).toBeLessThan(2000 + 200);
    expect(old).toBeGreaterThanOrEqual(2000);
    expect(old).toBeLessThan(2000 + 200);
    const tail = new LogTail(dir);
    const got = msgs(await tail.poll()).map((m) => Number(String(m).slice(5, 8).replace(/x.*/, '')));
    await tail.close();
    // The newest lines, consecutive, ending with the last one written.
    expect(got.at(-1)).toBe(99);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => 100 - got.length + i));
    expect(got.length).toBeGreaterThan(20);
  });

  it('a torn last line (SIGKILL mid-write) is skipped and does not swallow the next line', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, EVENT_FILE), line(1) + line(2).slice(0, 30));
    const f = new EventFile(dir, () => undefined);
    f.open();
    f.write(line(3));
    await f.close();
    const tail = new LogTail(dir);
    // The torn fragment is a line of its own that parses as nothing; line 3 is whole.
    expect(msgs(await tail.poll())).toEqual(['line 1', undefined, 'line 3']);
    await tail.close();
  });

  it('a write error is reported once and stops the file, without throwing', async () => {
    const dir = tempDir();
    // A directory where the file should be: every open fails.
    fs.mkdirSync(path.join(dir, EVENT_FILE));
    const errors: string[] = [];
    const f = new EventFile(dir, (m) => errors.push(m));
    f.open();
    f.write(line(1));
    await new Promise((r) => setTimeout(r, 20));
    f.write(line(2));
    await f.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/cannot write .*events\.ndjson .*runs on without/);
  });

  it('writeSyncOnExit never creates a missing or DB-less data dir', () => {
    const dir = path.join(tempDir(), 'node-1');
    const f = new EventFile(dir, () => undefined);
    f.write(line(1));
    f.writeSyncOnExit(line(2));
    expect(fs.existsSync(dir)).toBe(false);
    fs.mkdirSync(dir);
    f.writeSyncOnExit(line(2));
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.writeFileSync(path.join(dir, 'CURRENT'), 'MANIFEST-000002\n');
    f.writeSyncOnExit(line(2));
    expect(msgs(fs.readFileSync(path.join(dir, EVENT_FILE), 'utf8').trim().split('\n'))).toEqual(['line 1', 'line 2']);
  });
});

describe('LogTail', () => {
  it('follows appends, a rotation and a re-created file; holds a partial line until it completes', async () => {
    const dir = tempDir();
    const cur = path.join(dir, EVENT_FILE);
    const tail = new LogTail(dir);
    expect(await tail.exists()).toBe(false);
    expect(await tail.poll()).toEqual([]);
    fs.writeFileSync(cur, line(1) + line(2).slice(0, 20));
    expect(msgs(await tail.poll())).toEqual(['line 1']);
    fs.appendFileSync(cur, line(2).slice(20) + line(3));
    expect(msgs(await tail.poll())).toEqual(['line 2', 'line 3']);
    // Rotation: the rest of the old file is read, then the new one.
    fs.appendFileSync(cur, line(4));
    fs.renameSync(cur, path.join(dir, OLD_EVENT_FILE));
    expect(msgs(await tail.poll())).toEqual(['line 4']);
    fs.writeFileSync(cur, line(5));
    expect(msgs(await tail.poll())).toEqual(['line 5']);
    // Wiped and re-created (up --fresh).
    fs.rmSync(cur);
    fs.writeFileSync(cur, line(6));
    expect(msgs(await tail.poll())).toEqual(['line 6']);
    await tail.close();
  });
});
