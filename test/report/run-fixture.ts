// A run folder written by hand in the exact formats the runs write: messages.ndjson lines as
// src/trace/trace-record.ts defines them (with Lamport clocks), events.ndjson, history.json,
// faults.json and summary.json. It counts what it wrote itself (delivered, lost, dropped), so
// the tests compare the page with the fixture's own books, not with the code under test.
import fs from 'node:fs';
import path from 'node:path';
import type { Operation } from '../../src/check/history.js';
import type { FaultBand } from '../../src/runs/fault-bands.js';
import type { TraceRecord } from '../../src/trace/trace-record.js';

export interface FixtureOptions {
  readonly dir: string;
  readonly nodes?: readonly number[];
  readonly startMs?: number;
  readonly durationMs?: number;
  /** Plant a stale read: the history is then not linearizable. */
  readonly violation?: boolean;
  /** Keys, values, client names and band texts that try to inject HTML. */
  readonly hostile?: boolean;
  readonly heartbeatEveryMs?: number;
}

export interface FixtureBooks {
  readonly lanes: number;
  readonly delivered: number;
  readonly deliveredHeartbeats: number;
  readonly lost: number;
  readonly dropped: number;
  readonly bands: number;
  readonly ops: number;
}

export const HOSTILE_KEY = '<img src=x onerror="window.__pwned=1">';
export const HOSTILE_VALUE = '</script><script>window.__pwned=2</script>';

export function writeRunFixture(o: FixtureOptions): FixtureBooks {
  const nodes = o.nodes ?? [1, 2, 3];
  const start = o.startMs ?? Date.UTC(2026, 11, 3, 9, 12, 5);
  const duration = o.durationMs ?? 3000;
  const hbEvery = o.heartbeatEveryMs ?? 50;
  const leader = nodes[0]!;
  const followers = nodes.slice(1);
  const victim = nodes[nodes.length - 1]!;
  const kill = { from: 1000, to: 1500 };
  const cut = { from: 2000, to: 2500 };
  const lc = new Map(nodes.map((n) => [n, 0]));
  const lines = new Map<number, TraceRecord[]>(nodes.map((n) => [n, []]));
  const books = { delivered: 0, deliveredHeartbeats: 0, lost: 0, dropped: 0 };
  const alive = (n: number, at: number) => !(n === victim && at >= kill.from && at < kill.to);
  const cutOff = (a: number, b: number, at: number) => at >= cut.from && at < cut.to && (a === victim) !== (b === victim);
  const push = (r: TraceRecord) => lines.get(r.node)!.push(r);

  /** One message from `from` to each of `tos`, sent at `at` (one multicast clock). */
  const send = (from: number, tos: readonly number[], at: number, type: string, extra: Partial<TraceRecord> = {}): number[] => {
    if (!alive(from, at)) return [];
    const mlc = lc.get(from)! + 1;
    lc.set(from, mlc);
    const answered: number[] = [];
    for (const to of tos) {
      const base = { t: start + at, lc: mlc, node: from, type, from, to, mlc, bytes: 40, ...extra };
      if (cutOff(from, to, at)) {
        push({ ...base, dir: 'drop', why: 'partition' });
        books.dropped++;
        continue;
      }
      push({ ...base, dir: 'send' });
      const recvAt = at + 1 + ((mlc + to) % 3);
      if (!alive(to, recvAt)) {
        books.lost++;
        continue;
      }
      const rl = Math.max(lc.get(to)!, mlc) + 1;
      lc.set(to, rl);
      push({ ...base, t: start + recvAt, lc: rl, node: to, dir: 'recv' });
      books.delivered++;
      if (type === 'heartbeat') books.deliveredHeartbeats++;
      answered.push(to);
    }
    return answered;
  };

  let slot = 0;
  for (let at = 0; at < duration; at += hbEvery) {
    if (at % 200 === 0) {
      const s = slot++;
      for (const f of send(leader, followers, at, 'accept', { ballot: '1.1', slots: [s, s], n: 1 })) send(f, [leader], at + 5, 'accepted', { ballot: '1.1' });
    } else {
      send(leader, followers, at, 'heartbeat', { ballot: '1.1' });
    }
  }

  fs.mkdirSync(o.dir, { recursive: true });
  for (const n of nodes) {
    const dir = path.join(o.dir, `node-${n}`);
    fs.mkdirSync(dir, { recursive: true });
    const recs = lines.get(n)!.sort((a, b) => a.t - b.t);
    // A torn last line, as a SIGKILL leaves: readers skip it.
    fs.writeFileSync(path.join(dir, 'messages.ndjson'), recs.map((r) => JSON.stringify(r)).join('\n') + '\n{"t":12,"lc');
    fs.writeFileSync(path.join(dir, 'events.ndjson'), JSON.stringify({ t: start, node: n, event: 'ready', port: 4000 + n, recoveryMs: 1, replayed: 0, commitIndex: 0, pid: 100 + n }) + '\n');
  }

  const key = o.hostile === true ? HOSTILE_KEY : 'k';
  const val = (v: string) => (o.hostile === true ? `${HOSTILE_VALUE}${v}` : v);
  const proc = o.hostile === true ? '<b>c1</b>' : 'c1';
  const ops: Operation[] = [
    { id: 0, process: proc, op: 'set', key, value: val('a'), invokeMs: 100, completeMs: 110, outcome: 'ok' },
    { id: 1, process: 'c2', op: 'set', key, value: val('b'), invokeMs: 200, completeMs: 215, outcome: 'ok' },
    { id: 2, process: proc, op: 'get', key, value: o.violation === true ? val('a') : val('b'), invokeMs: 300, completeMs: 309, outcome: 'ok' },
    { id: 3, process: 'c2', op: 'set', key: 'other', value: 'x', invokeMs: 1100, completeMs: null, outcome: 'unknown' },
    { id: 4, process: 'c3', op: 'del', key: 'other', value: null, invokeMs: 1200, completeMs: 1700, outcome: 'ok' },
    { id: 5, process: 'c3', op: 'get', key: 'other', value: null, invokeMs: 2100, completeMs: 2190, outcome: 'failed' },
  ];
  fs.writeFileSync(path.join(o.dir, 'history.json'), JSON.stringify({ version: 1, startedAt: new Date(start).toISOString(), ops }));

  const bands: FaultBand[] = [
    { kind: 'kill', nodes: [victim], startMs: start + kill.from, endMs: start + kill.to, text: `kill n${victim} (SIGKILL)` },
    { kind: 'partition', nodes: [...nodes], startMs: start + cut.from, endMs: start + cut.to, text: o.hostile === true ? 'partition </title><b>x</b>' : `partition ${followers.join(',')}`, groups: [nodes.filter((n) => n !== victim), [victim]] },
    { kind: 'pause', nodes: [followers[0]!], startMs: start + 2600, endMs: start + 2800, text: `pause n${followers[0]} (SIGSTOP)` },
    { kind: 'slow', nodes: [followers[0]!], startMs: start + 2850, endMs: null, text: `slow n${followers[0]} 200 ms` },
  ];
  fs.writeFileSync(path.join(o.dir, 'faults.json'), JSON.stringify({ version: 1, bands }));
  fs.writeFileSync(
    path.join(o.dir, 'summary.json'),
    JSON.stringify({
      version: 1,
      kind: 'chaos',
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(start + duration).toISOString(),
      startedAtMs: start,
      endedAtMs: start + duration,
      nodeCount: nodes.length,
      nodes,
      interrupted: false,
      verdict: o.violation === true ? 'fail' : 'pass',
      result: { seed: 7, note: o.hostile === true ? HOSTILE_VALUE : 'fixture' },
      historySampled: false,
      files: [],
    }),
  );
  return { lanes: nodes.length, ...books, bands: bands.length, ops: ops.length };
}
