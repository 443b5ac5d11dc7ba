// Matching sends to receipts and ordering them, on traces made by the fixture's Lamport clocks:
// what is lost, dropped, held, what a restart does to the order.
import { describe, expect, it } from 'vitest';
import { buildFlow, isHeartbeat, LOST_AFTER_MS, type KeptRecord, type NodeTrace } from '../../src/cli/flow-messages.js';
import { parseTraceLine } from '../../src/trace/trace-record.js';
import { electionAndAccept, TraceFixture } from './trace-fixture.js';

/** The fixture's lines as TraceLog keeps them (epochs counted the same way). */
function traces(f: TraceFixture): NodeTrace[] {
  return f.nodes.map((node) => {
    let last = -1;
    let epoch = 0;
    const records: KeptRecord[] = [];
    const heartbeats: KeptRecord[] = [];
    for (const l of f.lines.get(node) ?? []) {
      const r = parseTraceLine(l);
      if (r === null) throw new Error(`bad fixture line ${l}`);
      if (r.lc < last) epoch++;
      last = r.lc;
      (isHeartbeat(r) ? heartbeats : records).push({ r, epoch });
    }
    return { node, records, heartbeats };
  });
}

describe('buildFlow', () => {
  it('makes one message per send, matched to its receipt, causes above effects', () => {
    const f = new TraceFixture([1, 2, 3]);
    electionAndAccept(f);
    const m = buildFlow(traces(f), f.t);
    expect(m.map((x) => `${x.from}>${x.to} ${x.label} ${x.status}`)).toEqual([
      '1>2 P 3.1 delivered',
      '1>3 P 3.1 delivered',
      '2>1 Pr delivered',
      '3>1 Pr delivered',
      '1>2 A 3.1 s14-20 delivered',
      '1>3 A 3.1 s14-20 delivered',
      '2>1 Ad delivered',
      '3>1 Ad delivered',
    ]);
    expect(m.every((x) => !x.heartbeat)).toBe(true);
  });

  it('calls a send lost only after the window, and only if its receiver traced that time', () => {
    const f = new TraceFixture([1, 2, 3]);
    f.message(2, 1, 'prevote', { ballot: '2.2' });
    const sent = f.send(1, 3, 'accept', { ballot: '3.1', slots: [5, 5] });
    const t = f.t;
    expect(buildFlow(traces(f), t + 10).at(-1)?.status).toBe('in-flight');
    expect(buildFlow(traces(f), t + LOST_AFTER_MS + 10).at(-1)?.status).toBe('lost');
    // Node 3's trace starts after the send: its window cannot say whether it arrived.
    f.message(3, 2, 'catchup-req');
    const late = traces(f).map((tr) => (tr.node === 3 ? { ...tr, records: tr.records.filter((k) => k.r.t > t) } : tr));
    expect(buildFlow(late, t + LOST_AFTER_MS + 10).find((x) => x.key === `1>3@${sent.mlc}`)?.status).toBe('in-flight');
  });

  it('marks drops (where and why) and holds, and a held message later delivered', () => {
    const f = new TraceFixture([1, 2, 3]);
    const atReceiver = f.send(1, 2, 'accept', { ballot: '3.1', slots: [1, 1] });
    f.receive(atReceiver, 'drop', { why: 'partition' });
    const held = f.send(1, 3, 'accept', { ballot: '3.1', slots: [1, 1] });
    f.receive(held, 'hold', { id: 4 });
    const later = f.send(1, 2, 'heartbeat', { ballot: '3.1' });
    f.receive(later, 'hold', { id: 5 });
    f.receive(later);
    // Dropped by the sender's own rules: there is no send line, only the drop.
    f.receive({ from: 3, to: 1, mlc: 99, type: 'nack', extra: { ballot: '3.1' } }, 'drop', { why: 'partition' }, 3);
    const m = buildFlow(traces(f), f.t + 60_000);
    expect(m.find((x) => x.key === `1>2@${atReceiver.mlc}`)).toMatchObject({ status: 'dropped', why: 'partition', dropAt: 2 });
    expect(m.find((x) => x.key === `1>3@${held.mlc}`)).toMatchObject({ status: 'held', holdId: 4 });
    expect(m.find((x) => x.key === `1>2@${later.mlc}`)).toMatchObject({ status: 'delivered', holdId: 5, heartbeat: true });
    expect(m.find((x) => x.key === '3>1@99')).toMatchObject({ status: 'dropped', dropAt: 3, label: 'Nack' });
  });

  it('places a restarted node after what the cluster did before it came back, and matches reused clocks to the newest send', () => {
    const f = new TraceFixture([1, 2, 3]);
    f.message(3, 1, 'catchup-req');
    for (let i = 0; i < 20; i++) f.message(1, i % 2 === 0 ? 2 : 3, 'accept', { ballot: '3.1', slots: [i, i] });
    f.restart(3);
    // Its clock starts again: 3>1@1 names a message the old run also sent.
    const again = f.send(3, 1, 'catchup-req');
    expect(again.mlc).toBe(1);
    const m = buildFlow(traces(f), f.t + 60_000);
    expect(m.at(-1)).toMatchObject({ key: `3>1@${again.mlc}`, from: 3, status: 'lost' });
    expect(m.filter((x) => x.from === 3).map((x) => x.status)).toEqual(['delivered', 'lost']);
  });

  it('tells heartbeats and their empty answers from Accepts', () => {
    expect(isHeartbeat({ type: 'heartbeat' })).toBe(true);
    expect(isHeartbeat({ type: 'accepted' })).toBe(true);
    expect(isHeartbeat({ type: 'accepted', slots: [3, 4] })).toBe(false);
    expect(isHeartbeat({ type: 'accept', slots: [3, 4] })).toBe(false);
  });
});
