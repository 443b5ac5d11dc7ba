// Reading a node's log file as `logs N` and `paxos-cli logs` do, when the file is odd or hostile:
// appends racing a rotation, a huge file, an endless line, escape sequences, a FIFO.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_FILE, OLD_EVENT_FILE } from '../../src/node/event-file.js';
import { LogTail, parseLogLine } from '../../src/cli/event-log.js';

let dir: string | null = null;
afterEach(() => {
  if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const line = (i: number, msg = `line ${i}`) => JSON.stringify({ t: 1_700_000_000_000 + i, node: 1, event: 'log', level: 'info', msg }) + '\n';
const msgs = (lines: readonly string[]) => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

describe('LogTail and parseLogLine on odd files', () => {
  it('keeps lines appended to the old file just before it was rotated', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-log-'));
    const cur = path.join(dir, EVENT_FILE);
    fs.writeFileSync(cur, line(1) + line(2));
    const tail = new LogTail(dir);
    expect(msgs(await tail.poll())).toEqual(['line 1', 'line 2']);
    fs.appendFileSync(cur, line(3));
    fs.renameSync(cur, path.join(dir, OLD_EVENT_FILE));
    fs.writeFileSync(cur, line(4));
    expect(msgs(await tail.poll())).toEqual(['line 3', 'line 4']);
    await tail.close();
  });

  it('reads a file of 200,000 lines, and skips a line longer than 1 MiB without stalling', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-log-'));
    const many = Array.from({ length: 200_000 }, (_, i) => line(i)).join('');
    fs.writeFileSync(path.join(dir, EVENT_FILE), many + line(0, 'y'.repeat(3 * 1024 * 1024)) + line(7, 'after'));
    const tail = new LogTail(dir);
    const got = await tail.poll();
    expect(got).toHaveLength(200_001);
    expect(msgs(got.slice(-1))).toEqual(['after']);
    await tail.close();
  });

  it('shows control characters instead of sending them to the terminal, and skips impossible times', () => {
    const r = parseLogLine(line(1, 'evil \u001b]0;pwned\u0007 title'));
    expect(r?.text).toContain('evil \\x1b]0;pwned\\x07 title');
    // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
    expect(r?.text).not.toMatch(/[\u0000-\u001f]/);
    expect(parseLogLine(JSON.stringify({ t: 1e300, node: 1, event: 'log', level: 'info', msg: 'x' }))).toBeNull();
    expect(parseLogLine(JSON.stringify({ t: -5, node: 1, event: 'log', level: 'info', msg: 'x' }))).toBeNull();
  });

  it('refuses a FIFO in place of the log file instead of blocking', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-log-'));
    execFileSync('mkfifo', [path.join(dir, EVENT_FILE)]);
    const tail = new LogTail(dir);
    await expect(tail.poll()).rejects.toThrow(/not a regular file/);
    await tail.close();
  });
});
