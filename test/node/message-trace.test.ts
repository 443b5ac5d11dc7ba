// The trace lines are built by hand (message-trace.ts, for speed): every kind of message, in
// every direction, must still be a line parseTraceLine accepts, with the fields the record
// describes, exactly as JSON.stringify of the record would have written them. Tracing is off by
// default (it costs ~5 % of write throughput): a real node writes lines only with --trace or
// after the admin action `trace` turned it on, and stops when it is turned off.
import fs from 'node:fs';
import { genesisMembership } from '../paxos/harness.js';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describe as describeMessage, MessageTrace } from '../../src/node/message-trace.js';
import { TRACE_FILE } from '../../src/trace/trace-record.js';
import { TestCluster, waitFor } from './harness.js';
import type { EventFile } from '../../src/node/event-file.js';
import type { Message, Value } from '../../src/paxos/types.js';
import { parseTraceLine } from '../../src/trace/trace-record.js';

const b = { round: 7, node: 2 };
const value: Value = { kind: 'noop' };
const MESSAGES: Message[] = [
  { type: 'prepare', from: 2, to: 1, ballot: b, fromSlot: 14 },
  { type: 'promise', from: 1, to: 2, ballot: b, fromSlot: 14, accepted: [{ slot: 15, ballot: b, value }, { slot: 14, ballot: b, value }], commitIndex: 14, chosen: [] },
  { type: 'promise', from: 1, to: 2, ballot: b, fromSlot: 14, accepted: [], commitIndex: 14, chosen: [] },
  { type: 'nack', from: 3, to: 2, ballot: b, promised: { round: 8, node: 3 } },
  { type: 'accept', from: 2, to: 3, ballot: b, entries: [{ slot: 14, value }, { slot: 20, value }], commitIndex: 14 },
  { type: 'accept', from: 2, to: 3, ballot: b, entries: [], commitIndex: 14 },
  { type: 'accepted', from: 3, to: 2, ballot: b, slots: [14, 20], read: 4 },
  { type: 'heartbeat', from: 2, to: 3, ballot: b, commitIndex: 21, read: 4 },
  { type: 'read-req', from: 3, to: 2, id: 9 },
  { type: 'read-resp', from: 2, to: 3, id: 9, index: null },
  { type: 'prevote', from: 1, to: 3, ballot: b, commitIndex: 3 },
  { type: 'prevote-resp', from: 3, to: 1, ballot: b, granted: false },
  { type: 'catchup-req', from: 3, to: 1, fromSlot: 3, toSlot: 9 },
  { type: 'catchup-resp', from: 1, to: 3, entries: [{ slot: 3, value }], commitIndex: 9 },
  { type: 'snapshot', from: 1, to: 3, snapshotIndex: 100, offset: 0, total: 10, chunk: new Uint8Array(10), membership: genesisMembership() },
];

describe('message trace lines', () => {
  it('every message kind and direction parses back to the record it describes', () => {
    const lines: string[] = [];
    const trace = new MessageTrace(2, { write: (l: string) => lines.push(l) } as unknown as EventFile, true);
    for (const m of MESSAGES) {
      const lc = trace.tickSend();
      trace.sent(m, lc, 120);
      trace.received(m, trace.tickReceive(lc + 5), 121);
      trace.held(m, lc, 122, 17);
      trace.dropped(m, lc, 123, 'by "drop" \\ at the REPL\n', 18);
      trace.dropped(m, lc, 124, 'partition');
    }
    expect(lines).toHaveLength(MESSAGES.length * 5);
    lines.forEach((line, i) => {
      expect(line.endsWith('}\n'), line).toBe(true);
      const m = MESSAGES[Math.floor(i / 5)] as Message;
      const r = parseTraceLine(line);
      expect(r, line).not.toBeNull();
      const dir = (['send', 'recv', 'hold', 'drop', 'drop'] as const)[i % 5];
      const expected: Record<string, unknown> = { node: 2, dir, type: m.type, from: m.from, to: m.to, bytes: 120 + (i % 5), ...describeMessage(m) };
      if (i % 5 === 2) expected.id = 17;
      if (i % 5 === 3) Object.assign(expected, { why: 'by "drop" \\ at the REPL\n', id: 18 });
      if (i % 5 === 4) expected.why = 'partition';
      const { t, lc, mlc, ...rest } = r as unknown as Record<string, unknown>;
      expect(rest, line).toEqual(expected);
      expect(typeof t).toBe('number');
      expect(typeof lc).toBe('number');
      expect(typeof mlc).toBe('number');
      // Field for field what JSON.stringify of the parsed record writes: no stray spaces or order.
      expect(line, line).toBe(JSON.stringify(r) + '\n');
    });
    // The spans are [lowest, highest], whatever the order of the entries.
    expect(parseTraceLine(lines[5] as string)).toMatchObject({ type: 'promise', slots: [14, 15], n: 2 });
    expect(parseTraceLine(lines[20] as string)).toMatchObject({ type: 'accept', slots: [14, 20], n: 2, ballot: '7.2' });
  });
});

describe('MessageTrace on and off', () => {
  const m: Message = { type: 'heartbeat', from: 2, to: 3, ballot: b, commitIndex: 1, read: 0 };

  it('writes nothing until enabled, then every line, and nothing once disabled; the clock runs throughout', () => {
    const lines: string[] = [];
    const trace = new MessageTrace(2, { write: (l: string) => lines.push(l) } as unknown as EventFile);
    expect(trace.enabled).toBe(false);
    trace.sent(m, trace.tickSend(), 10);
    trace.received(m, trace.tickReceive(5), 10);
    expect(lines).toEqual([]);
    expect(trace.lc).toBe(6);
    expect(trace.setEnabled(true)).toBe(true);
    trace.sent(m, trace.tickSend(), 10);
    expect(lines).toHaveLength(1);
    expect(parseTraceLine(lines[0] as string)).toMatchObject({ dir: 'send', lc: 7 });
    expect(trace.setEnabled(false)).toBe(true);
    trace.held(m, trace.tickReceive(1), 10, 1);
    trace.dropped(m, trace.lc, 10, 'step');
    expect(lines).toHaveLength(1);
    expect(trace.lc).toBe(8);
  });

  it('without a file it cannot be turned on', () => {
    const trace = new MessageTrace(1, null, true);
    expect(trace.enabled).toBe(false);
    expect(trace.setEnabled(true)).toBe(false);
    expect(trace.enabled).toBe(false);
    expect(trace.setEnabled(false)).toBe(true);
  });
});

describe('a real node: the trace is off by default and switched by the admin action', () => {
  let c: TestCluster | null = null;
  afterEach(async () => {
    await c?.cleanup();
    c = null;
  });

  const traceFile = (cluster: TestCluster, id: number): string => path.join(cluster.dataDir(id), TRACE_FILE);
  const size = (file: string): number => (fs.existsSync(file) ? fs.statSync(file).size : 0);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('off: no messages.ndjson after writes; on: lines appear on every node; off again: they stop', async () => {
    c = await TestCluster.create({ size: 3 });
    await c.startAll();
    const client = c.client();
    const leader = await c.waitForLeader(client);
    await client.set('a', '1');
    await sleep(300);
    for (const id of c.ids) {
      expect(fs.existsSync(traceFile(c, id)), `node ${id}`).toBe(false);
      expect((await client.status(id)).trace).toBe(false);
    }

    // On: the answer says so, status says so, and each node's file fills with its messages.
    for (const id of c.ids) expect(await client.trace(id, true)).toBe(true);
    expect(await client.trace(leader, true)).toBe(true); // twice is fine
    await client.set('b', '2');
    for (const id of c.ids) {
      expect((await client.status(id)).trace).toBe(true);
      const records = await waitFor(`node ${id}'s trace of the write`, () => {
        const r = fs.existsSync(traceFile(c!, id)) ? fs.readFileSync(traceFile(c!, id), 'utf8').split('\n').map(parseTraceLine).filter((x) => x !== null) : [];
        return r.some((x) => x.type === 'accept' || x.type === 'accepted') ? r : undefined;
      });
      expect(records.every((r) => r.node === id)).toBe(true);
    }
    expect(c.procs.get(leader)!.events.some((e) => e.event === 'log' && e.msg.startsWith('message trace on'))).toBe(true);

    // Off: the last batch is written within 50 ms, then nothing more, whatever the traffic.
    for (const id of c.ids) expect(await client.trace(id, false)).toBe(false);
    await sleep(200);
    const sizes = c.ids.map((id) => size(traceFile(c!, id)));
    for (let i = 0; i < 20; i++) await client.set(`k${i}`, 'v');
    await sleep(300);
    expect(c.ids.map((id) => size(traceFile(c!, id)))).toEqual(sizes);
    for (const id of c.ids) expect((await client.status(id)).trace).toBe(false);
  }, 60_000);

  it('--trace: on from the start; malformed trace args are a bad-request answer, never a crash', async () => {
    c = await TestCluster.create({ size: 2, trace: true });
    await c.startAll();
    const client = c.client();
    await c.waitForLeader(client);
    await client.set('a', '1');
    expect((await client.status(1)).trace).toBe(true);
    // The election was traced: no admin request was needed.
    await waitFor('the election in the trace', () => fs.existsSync(traceFile(c!, 1)) && fs.readFileSync(traceFile(c!, 1), 'utf8').split('\n').map(parseTraceLine).some((r) => r?.type === 'prevote' || r?.type === 'prepare'));
    const bad: unknown[] = [undefined, null, true, 1, 'on', [], [true], {}, { on: 'true' }, { on: 1 }, { on: null }, { off: true }, { on: { on: true } }];
    for (const args of bad) {
      await expect(client.admin(1, 'trace', args), JSON.stringify(args) ?? 'undefined').rejects.toMatchObject({ code: 'bad-request' });
    }
    await expect(client.admin(1, 'tracing', { on: false })).rejects.toMatchObject({ code: 'bad-request' });
    // Nothing changed, and the node serves on.
    expect((await client.status(1)).trace).toBe(true);
    await client.set('b', '2');
    expect(c.isAlive(1)).toBe(true);
  }, 60_000);
});
