// attach's copy of a node's logs, against a real directory laid out as a node's: the reader is
// the node's own file-read code (readNodeFile), so offsets, inodes and rotation are the real
// ones. The network part (the same request over CURVE) is in test/e2e/multi-host.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeLogMirror } from '../../src/cluster/node-log-mirror.js';
import type { NodeEvent } from '../../src/cluster/node-events.js';
import { readNodeFile } from '../../src/node/node-files.js';

const line = (i: number): string => `${JSON.stringify({ t: i, node: 1, event: 'log', level: 'info', msg: `line ${i}` })}\n`;

describe('NodeLogMirror', () => {
  let nodeDir: string;
  let copyDir: string;
  let mirror: NodeLogMirror | null = null;
  const seen: string[] = [];

  beforeEach(() => {
    nodeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mirror-node-'));
    copyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mirror-copy-'));
    seen.length = 0;
  });
  afterEach(async () => {
    await mirror?.stop();
    mirror = null;
    fs.rmSync(nodeDir, { recursive: true, force: true });
    fs.rmSync(copyDir, { recursive: true, force: true });
  });

  const start = (opts: ConstructorParameters<typeof NodeLogMirror>[4] = {}): NodeLogMirror => {
    const reader = { readFile: (_id: number, file: Parameters<typeof readNodeFile>[1], offset: number, max: number) => readNodeFile(nodeDir, file, offset, max) };
    mirror = new NodeLogMirror(reader, [1], copyDir, (_id, e: NodeEvent) => seen.push(e.event === 'log' ? e.msg : e.event), { intervalMs: 20, ...opts });
    mirror.start();
    return mirror;
  };
  const copied = (name: string): string => fs.readFileSync(path.join(copyDir, 'node-1', name), 'utf8');
  const until = async (what: string, ok: () => boolean): Promise<void> => {
    for (let i = 0; i < 250 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(ok(), what).toBe(true);
  };

  it('copies the whole event log, old part too, but announces only its recent end', async () => {
    fs.writeFileSync(path.join(nodeDir, 'events.1.ndjson'), line(0) + line(1));
    fs.writeFileSync(path.join(nodeDir, 'events.ndjson'), Array.from({ length: 100 }, (_, i) => line(i + 2)).join(''));
    start({ announceTailBytes: 10 * line(99).length });
    await until('the log is copied', () => fs.existsSync(path.join(copyDir, 'node-1', 'events.ndjson')) && copied('events.ndjson').length === fs.statSync(path.join(nodeDir, 'events.ndjson')).size);
    expect(copied('events.1.ndjson')).toBe(line(0) + line(1));
    await until('recent lines announced', () => seen.includes('line 101'));
    expect(seen.length).toBeGreaterThanOrEqual(9);
    expect(seen.length).toBeLessThanOrEqual(11);
  });

  it('follows growth, holds back a torn line until it is whole, and follows a rotation', async () => {
    const current = path.join(nodeDir, 'events.ndjson');
    fs.writeFileSync(current, line(1));
    start();
    await until('the first line', () => seen.includes('line 1'));
    const torn = line(2);
    fs.appendFileSync(current, torn.slice(0, 10));
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).not.toContain('line 2');
    fs.appendFileSync(current, torn.slice(10) + line(3));
    await until('the torn line once whole', () => seen.includes('line 3'));
    expect(seen.filter((s) => s === 'line 2')).toHaveLength(1);
    // The node rotates: the file becomes the old part (same inode) and a new one starts.
    fs.appendFileSync(current, line(4));
    fs.renameSync(current, path.join(nodeDir, 'events.1.ndjson'));
    fs.writeFileSync(current, line(5));
    await until('the line after the rotation', () => seen.includes('line 5'));
    expect(seen).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    expect(copied('events.1.ndjson')).toBe(line(1) + line(2) + line(3) + line(4));
    expect(copied('events.ndjson')).toBe(line(5));
  });

  it('starts the message trace near its end, on a line boundary', async () => {
    const trace = Array.from({ length: 50 }, (_, i) => `{"i":${i},"pad":"${'x'.repeat(30)}"}\n`).join('');
    fs.writeFileSync(path.join(nodeDir, 'messages.ndjson'), trace);
    start({ traceTailBytes: 200 });
    await until('the trace tail is copied', () => fs.existsSync(path.join(copyDir, 'node-1', 'messages.ndjson')) && copied('messages.ndjson').length > 0);
    const text = copied('messages.ndjson');
    expect(trace.endsWith(text)).toBe(true);
    expect(text.startsWith('{"i":')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(200);
  });

  it('a node that cannot be read is retried, not fatal', async () => {
    let fail = true;
    const reader = {
      readFile: (_id: number, file: Parameters<typeof readNodeFile>[1], offset: number, max: number) =>
        fail ? Promise.reject(new Error('unreachable')) : readNodeFile(nodeDir, file, offset, max),
    };
    fs.writeFileSync(path.join(nodeDir, 'events.ndjson'), line(7));
    mirror = new NodeLogMirror(reader, [1], copyDir, (_id, e) => seen.push(e.event === 'log' ? e.msg : e.event), { intervalMs: 20 });
    mirror.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual([]);
    fail = false;
    await until('the line once the node answers', () => seen.includes('line 7'));
  });

  it('a node that lies (a file that never ends) gets a bounded copy, and stop() does not wait for it', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x78);
    const liar = { readFile: (_id: number, _file: Parameters<typeof readNodeFile>[1], offset: number) => Promise.resolve({ size: 2 ** 50, ino: 7, data: offset >= 2 ** 50 ? new Uint8Array(0) : chunk }) };
    mirror = new NodeLogMirror(liar, [1], copyDir, () => undefined, { intervalMs: 5, maxCopyBytes: 512 * 1024 });
    mirror.start();
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    await mirror.stop();
    expect(Date.now() - t0).toBeLessThan(2500);
    for (const name of fs.readdirSync(path.join(copyDir, 'node-1'))) {
      expect(fs.statSync(path.join(copyDir, 'node-1', name)).size, name).toBeLessThanOrEqual(512 * 1024);
    }
  });
});
