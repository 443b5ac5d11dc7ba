// Reading the nodes' message traces as the flow view does, when the files are big, rotated,
// torn, damaged or not files at all: a window of the newest lines, never a crash or a hang.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TraceLog } from '../../src/cli/trace-log.js';
import { OLD_TRACE_FILE, TRACE_FILE } from '../../src/trace/trace-record.js';
import { TraceFixture } from './trace-fixture.js';

let dir: string | null = null;
afterEach(() => {
  if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const tmp = () => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-trace-')));
const slotsOf = (log: TraceLog, node: number) => (log.traces().find((t) => t.node === node)?.records ?? []).map((k) => k.r.slots?.[0]);

describe('TraceLog', () => {
  it('starts from the tail of a big file, reads the rotated part only when the current one is short, and follows', async () => {
    const root = tmp();
    const f = new TraceFixture([1, 2]);
    for (let i = 0; i < 3000; i++) f.send(1, 2, 'accept', { ballot: '1.1', slots: [i, i] });
    const [n1] = f.write(root) as [{ node: number; dir: string }];
    const lines = fs.readFileSync(path.join(n1.dir, TRACE_FILE), 'utf8').split('\n');
    // The older half as the rotated file, the newer half as the current one.
    fs.writeFileSync(path.join(n1.dir, OLD_TRACE_FILE), lines.slice(0, 1500).join('\n') + '\n');
    fs.writeFileSync(path.join(n1.dir, TRACE_FILE), lines.slice(1500).join('\n'));
    const lineBytes = (lines[0] as string).length + 1;
    const log = new TraceLog([n1], { tailBytes: 2000 * lineBytes, keep: 5000 });
    await log.poll();
    const got = slotsOf(log, 1);
    // All of the current file and the end of the rotated one (lines grow with the slot numbers).
    expect(got.at(-1)).toBe(2999);
    expect(got.length).toBeGreaterThan(1800);
    expect(got.length).toBeLessThanOrEqual(2000);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => 3000 - got.length + i));
    fs.appendFileSync(path.join(n1.dir, TRACE_FILE), f.lines.get(1)?.[0] + '\n');
    expect(await log.poll()).toEqual({ messages: 1, heartbeats: 0 });
    await log.close();
  });

  it('reads the trace of a member added while it is open', async () => {
    const root = tmp();
    const f = new TraceFixture([1, 4]);
    f.send(1, 4, 'accept', { ballot: '1.1', slots: [7, 7] });
    f.send(4, 1, 'accepted', { ballot: '1.1', slots: [7, 7] });
    const [n1, n4] = f.write(root) as [{ node: number; dir: string }, { node: number; dir: string }];
    const log = new TraceLog([n1]);
    await log.poll();
    expect(log.traces().map((t) => t.node)).toEqual([1]);
    log.addNode(n4);
    log.addNode(n4);
    await log.poll();
    expect(log.traces().map((t) => t.node)).toEqual([1, 4]);
    expect(slotsOf(log, 4)).toEqual([7]);
    await log.close();
  });

  it('keeps a bounded window, heartbeats apart, and skips torn, damaged and huge lines', async () => {
    const root = tmp();
    const f = new TraceFixture([1, 2]);
    for (let i = 0; i < 500; i++) f.message(1, 2, 'heartbeat', { ballot: '1.1' });
    for (let i = 0; i < 300; i++) f.send(1, 2, 'accept', { ballot: '1.1', slots: [i, i] });
    const [n1] = f.write(root) as [{ node: number; dir: string }];
    const file = path.join(n1.dir, TRACE_FILE);
    fs.appendFileSync(file, 'garbage\n{"t":1,"lc":"x"}\n' + JSON.stringify({ t: 1, big: 'y'.repeat(2 * 1024 * 1024) }) + '\n{"t":17000000');
    const log = new TraceLog([n1], { keep: 100, keepHeartbeats: 50, tailBytes: 8 * 1024 * 1024 });
    await log.poll();
    const tr = log.traces()[0];
    expect(tr?.records.length).toBeGreaterThanOrEqual(100);
    expect(tr?.records.length).toBeLessThanOrEqual(125);
    expect(tr?.records.at(-1)?.r.slots).toEqual([299, 299]);
    expect(tr?.heartbeats.length).toBeLessThanOrEqual(63);
    expect(log.skipped).toBeGreaterThanOrEqual(2);
    // The torn last line completes later and is read then.
    fs.appendFileSync(file, `,"lc":9999,"node":1,"dir":"send","type":"accept","from":1,"to":2,"mlc":9999,"bytes":9,"slots":[300,300]}\n`);
    await log.poll();
    expect(log.traces()[0]?.records.at(-1)?.r.slots).toEqual([300, 300]);
    await log.close();
  });

  it('says a FIFO in the trace\'s place cannot be read, without blocking, and reads the other nodes', async () => {
    const root = tmp();
    const f = new TraceFixture([1, 2]);
    f.message(1, 2, 'prepare', { ballot: '1.1' });
    const nodes = f.write(root);
    const n2 = nodes[1] as { node: number; dir: string };
    fs.rmSync(path.join(n2.dir, TRACE_FILE));
    execFileSync('mkfifo', [path.join(n2.dir, TRACE_FILE)]);
    const missing = { node: 3, dir: path.join(root, 'node-3') };
    const log = new TraceLog([...nodes, missing]);
    await log.poll();
    expect(log.errors.get(2)).toMatch(/not a regular file/);
    expect(log.errors.has(3)).toBe(false);
    expect(log.traces()[0]?.records).toHaveLength(1);
    await log.close();
  });

  it('counts a restart (the clock going back) as a new epoch', async () => {
    const root = tmp();
    const f = new TraceFixture([1, 2]);
    f.message(2, 1, 'prepare', { ballot: '1.2' });
    f.message(2, 1, 'prepare', { ballot: '2.2' });
    f.restart(1);
    f.send(1, 2, 'catchup-req');
    const log = new TraceLog(f.write(root));
    await log.poll();
    expect(log.traces()[0]?.records.map((k) => k.epoch)).toEqual([0, 0, 1]);
    await log.close();
  });
});
