// Message traces as the nodes write them (src/trace/trace-record.ts), made by a tiny Lamport
// bookkeeper, so the flow view's tests run on files of the real format without a cluster.
import fs from 'node:fs';
import path from 'node:path';
import { TRACE_FILE, type TraceRecord } from '../../src/trace/trace-record.js';

export interface Sent {
  readonly from: number;
  readonly to: number;
  readonly mlc: number;
  readonly type: string;
  readonly extra: Partial<TraceRecord>;
}

export class TraceFixture {
  private readonly clocks = new Map<number, number>();
  readonly lines = new Map<number, string[]>();
  t: number;

  constructor(readonly nodes: readonly number[], t0 = 1_700_000_000_000) {
    this.t = t0;
    for (const n of nodes) {
      this.clocks.set(n, 0);
      this.lines.set(n, []);
    }
  }

  private line(node: number, r: Omit<TraceRecord, 't' | 'node' | 'lc' | 'bytes'>, lc: number): void {
    this.t += 1;
    this.lines.get(node)?.push(JSON.stringify({ t: this.t, lc, node, bytes: 64, ...r }));
  }

  send(from: number, to: number, type: string, extra: Partial<TraceRecord> = {}): Sent {
    const lc = (this.clocks.get(from) ?? 0) + 1;
    this.clocks.set(from, lc);
    this.line(from, { dir: 'send', type, from, to, mlc: lc, ...extra }, lc);
    return { from, to, mlc: lc, type, extra };
  }

  /** The receipt (or hold/drop) of `m`, written by `at` (its receiver unless said). */
  receive(m: Sent, dir: 'recv' | 'hold' | 'drop' = 'recv', more: Partial<TraceRecord> = {}, at = m.to): void {
    const lc = Math.max(this.clocks.get(at) ?? 0, m.mlc) + 1;
    this.clocks.set(at, lc);
    this.line(at, { dir, type: m.type, from: m.from, to: m.to, mlc: m.mlc, ...m.extra, ...more }, lc);
  }

  /** A send and its receipt. */
  message(from: number, to: number, type: string, extra: Partial<TraceRecord> = {}): Sent {
    const m = this.send(from, to, type, extra);
    this.receive(m);
    return m;
  }

  /** A node restarted: its clock starts again. */
  restart(node: number): void {
    this.clocks.set(node, 0);
  }

  /** Writes DIR/node-N/messages.ndjson for every node; returns the node dirs. */
  write(dir: string): { node: number; dir: string }[] {
    return this.nodes.map((n) => {
      const d = path.join(dir, `node-${n}`);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, TRACE_FILE), (this.lines.get(n) ?? []).map((l) => l + '\n').join(''));
      return { node: n, dir: d };
    });
  }
}

/** An election of node 1 at ballot 3.1 and one Accept round for slots 14-20 in a 3-node cluster. */
export function electionAndAccept(f: TraceFixture): void {
  const others = f.nodes.filter((n) => n !== 1);
  for (const n of others) f.message(1, n, 'prepare', { ballot: '3.1' });
  for (const n of others) f.message(n, 1, 'promise', { ballot: '3.1', n: 0 });
  for (const n of others) f.message(1, n, 'accept', { ballot: '3.1', slots: [14, 20], n: 7 });
  for (const n of others) f.message(n, 1, 'accepted', { ballot: '3.1', slots: [14, 20] });
}
