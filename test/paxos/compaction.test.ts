// Log compaction in the core: compact() drops the log below a snapshot, a peer that asks for a
// slot below it gets the snapshot, a node behind installs it, and a restart resumes from it.
import { describe, expect, it } from 'vitest';
import { genesisMembership } from './harness.js';
import { KvStore } from '../../src/paxos/kv.js';
import type { PaxosNode } from '../../src/paxos/paxos-node.js';
import type { Ballot, ChosenEntry, Message, Value } from '../../src/paxos/types.js';
import { drain, makeNode, tickUntilCandidate } from './harness.js';

const b = (round: number, node: number): Ballot => ({ round, node });
const set = (key: string, value: string, seq: number): Value => ({ kind: 'batch', cmds: [{ op: 'set', key, value, clientId: 'c', seq }] });

function only<T extends Message['type']>(msgs: readonly Message[], type: T): Extract<Message, { type: T }>[] {
  return msgs.filter((m): m is Extract<Message, { type: T }> => m.type === type);
}

/** Node 1 of 3 follows leader 2 and learns slots [0, count) chosen; its KV applies them. */
function followerWithLog(count: number): { n: PaxosNode; kv: KvStore } {
  const n = makeNode(1, 3);
  const kv = new KvStore();
  const entries: ChosenEntry[] = Array.from({ length: count }, (_, i) => ({ slot: i, value: set(`k${i}`, `v${i}`, i + 1) }));
  n.step({ type: 'accept', from: 2, to: 1, ballot: b(1, 2), entries, commitIndex: 0 });
  drain(n);
  n.step({ type: 'heartbeat', from: 2, to: 1, ballot: b(1, 2), commitIndex: count });
  const { ready } = drain(n);
  for (const e of ready.committed) kv.apply(e);
  return { n, kv };
}

describe('log compaction', () => {
  it('compact() drops the log below the snapshot and persists it with the next write', () => {
    const { n, kv } = followerWithLog(10);
    expect(n.commitIndex).toBe(10);
    const blob = kv.snapshot();
    n.compact(6, blob);
    expect(n.snapshotIndex).toBe(6);
    expect(n.chosenRange(0, 10).map((e) => e.slot)).toEqual([6, 7, 8, 9]);
    expect(n.acceptedRange(0, 10).map((e) => e.slot)).toEqual([6, 7, 8, 9]);
    expect(n.hasReady()).toBe(true);
    const { ready } = drain(n);
    expect(ready.write.snapshot).toMatchObject({ index: 6, blob });
    // An older or equal index is a no-op; one past what was applied is a programmer error.
    n.compact(4, blob);
    expect(n.snapshotIndex).toBe(6);
    expect(() => n.compact(11, blob)).toThrow(/beyond/);
  });

  it('answers a catch-up below its snapshot with the snapshot, and above it with entries', () => {
    const { n, kv } = followerWithLog(10);
    const blob = kv.snapshot();
    n.compact(10, blob);
    drain(n);
    n.step({ type: 'catchup-req', from: 3, to: 1, fromSlot: 2, toSlot: 10 });
    const [snap] = only(drain(n).messages, 'snapshot');
    expect(snap).toMatchObject({ to: 3, snapshotIndex: 10, offset: 0, total: blob.byteLength, chunk: blob });
  });

  it('declines votes below its snapshot and hands a leader that is behind the snapshot', () => {
    const { n, kv } = followerWithLog(10);
    n.compact(10, kv.snapshot());
    drain(n);
    n.step({ type: 'accept', from: 3, to: 1, ballot: b(5, 3), entries: [{ slot: 3, value: set('x', 'y', 99) }], commitIndex: 2 });
    const { ready, messages } = drain(n);
    expect(ready.write.accepted).toEqual([]);
    expect(only(messages, 'accepted')[0]?.slots).toEqual([]);
    expect(only(messages, 'snapshot')[0]?.snapshotIndex).toBe(10);
  });

  it('a node behind installs a snapshot and its committed entries continue after it', () => {
    const { n: source } = followerWithLog(12);
    source.compact(8, (() => {
      const k = new KvStore();
      for (const e of source.chosenRange(0, 8)) k.apply(e);
      return k.snapshot();
    })());
    // A fresh node 3 learns the leader's commit index, asks node 1, and gets the snapshot.
    const n = makeNode(3, 3);
    n.step({ type: 'accept', from: 2, to: 3, ballot: b(1, 2), entries: [{ slot: 8, value: set('k8', 'v8', 9) }], commitIndex: 12 });
    const [req] = only(drain(n).messages, 'catchup-req');
    expect(req?.fromSlot).toBe(0);
    source.step({ ...req!, to: 1 });
    const [snap] = only(drain(source).messages, 'snapshot');
    expect(snap?.snapshotIndex).toBe(8);
    // Node 3 asked the leader (2): let the answer come from there, as if 2 held this snapshot.
    n.step({ ...snap!, from: 2, to: 3 });
    const { ready, messages } = drain(n);
    expect(ready.installSnapshot?.index).toBe(8);
    expect(ready.write.snapshot?.index).toBe(8);
    // Slot 8 was accepted in the leader's ballot, which chose up to 12: it follows the snapshot.
    expect(ready.committed.map((e) => e.slot)).toEqual([8]);
    expect(n.commitIndex).toBe(9);
    const installed = KvStore.fromSnapshot(ready.installSnapshot!.blob);
    expect(installed.appliedIndex).toBe(8);
    installed.apply(ready.committed[0]!);
    expect(installed.get('k8')).toBe('v8');
    // It goes on pulling what is above the snapshot.
    expect(only(messages, 'catchup-req')[0]?.fromSlot).toBe(9);
    // A stale snapshot (at or below the chosen prefix) changes nothing.
    n.step({ ...snap!, to: 3 });
    expect(drain(n).ready.installSnapshot).toBeUndefined();
  });

  it('restarts from a snapshot plus the log above it', () => {
    const { n, kv } = followerWithLog(10);
    const blob = kv.snapshot();
    const restored = {
      promised: n.promised,
      accepted: n.acceptedRange(0, 10),
      chosen: [],
      commitIndex: 10,
      snapshot: { index: 6, blob },
    };
    const fromSnap = KvStore.fromSnapshot(blob);
    const r = makeNode(1, 3, { restored, appliedIndex: fromSnap.appliedIndex });
    expect(r.commitIndex).toBe(10);
    expect(r.snapshotIndex).toBe(6);
    expect(r.chosenRange(0, 10).map((e) => e.slot)).toEqual([6, 7, 8, 9]);
    // Caller must load the snapshot first: applying from 0 is refused.
    expect(() => makeNode(1, 3, { restored, appliedIndex: 0 })).toThrow(/snapshot/);
    // A lost unsynced commit index below the snapshot is lifted to it.
    const low = makeNode(1, 3, { restored: { ...restored, accepted: [], commitIndex: 2 }, appliedIndex: 6 });
    expect(low.commitIndex).toBe(6);
  });

  // A leader cut off while a higher ballot chose and compacted slots it had proposed in: the
  // snapshot replaces its state, and it stops leading instead of claiming those slots.
  it('a leader that installs a snapshot over slots it proposed steps down and keeps the snapshot state', () => {
    const n = makeNode(1, 3);
    const ballot = only(tickUntilCandidate(n), 'prepare')[0]!.ballot;
    n.step({ type: 'promise', from: 2, to: 1, ballot, fromSlot: 0, commitIndex: 0, chosen: [], accepted: [] });
    drain(n);
    expect(n.role).toBe('leader');
    n.propose({ op: 'set', key: 'mine', value: 'lost', clientId: 'x', seq: 1 });
    const proposed = only(drain(n).messages, 'accept').flatMap((m) => m.entries.map((e) => e.slot));
    expect(proposed).toEqual([0, 0]);

    // Meanwhile nodes 2 and 3 chose slots 0..4 in a higher ballot and compacted them.
    const other = new KvStore();
    for (let i = 0; i < 5; i++) other.apply({ slot: i, value: set(`k${i}`, `v${i}`, i + 1) });
    const state = other.snapshot();
    n.step({ type: 'snapshot', from: 3, to: 1, snapshotIndex: 5, offset: 0, total: state.byteLength, chunk: state, membership: genesisMembership() });
    const { ready } = drain(n);
    expect(n.role).not.toBe('leader');
    expect(ready.installSnapshot?.index).toBe(5);
    expect(ready.write.snapshot?.index).toBe(5);
    expect(n.commitIndex).toBe(5);
    expect(n.snapshotIndex).toBe(5);
    // Its own proposal for slot 0 is not reported as chosen: the snapshot's slot 0 is.
    expect(ready.committed).toEqual([]);
    expect(n.chosenRange(0, 5)).toEqual([]);
    expect(KvStore.fromSnapshot(ready.installSnapshot!.blob).get('mine')).toBeNull();
    // A vote for its old proposal arriving late changes nothing.
    n.step({ type: 'accepted', from: 2, to: 1, ballot, slots: [0] });
    expect(drain(n).ready.committed).toEqual([]);
    expect(n.commitIndex).toBe(5);
  });

  describe('snapshot transfer in chunks', () => {
    /** A snapshot is taken only as the answer to a catch-up: make `n` ask `peer` for slots up to 12. */
    function askFor(n: PaxosNode, peer: number): void {
      n.step({ type: 'heartbeat', from: peer, to: n.id, ballot: b(1, peer), commitIndex: 12 });
      const [req] = only(drain(n).messages, 'catchup-req');
      expect(req?.to).toBe(peer);
    }

    function chunksFrom(node: PaxosNode, to: number): Extract<Message, { type: 'snapshot' }>[] {
      node.step({ type: 'catchup-req', from: to, to: node.id, fromSlot: 0, toSlot: 12 });
      return only(drain(node).messages, 'snapshot');
    }

    it('splits a snapshot into chunks and installs it once every chunk is in, in any order, duplicates ignored', () => {
      const { n: source, kv } = followerWithLog(12);
      const state = kv.snapshot();
      const chunked = makeNode(1, 3, { maxSnapshotChunkBytes: 16 });
      // Give the chunking node the same log and snapshot as source.
      chunked.step({ type: 'accept', from: 2, to: 1, ballot: b(1, 2), entries: source.chosenRange(0, 12), commitIndex: 12 });
      drain(chunked);
      chunked.compact(12, state);
      drain(chunked);
      const chunks = chunksFrom(chunked, 3);
      expect(chunks.length).toBe(Math.ceil(state.byteLength / 16));
      expect(chunks.every((c) => c.total === state.byteLength && c.chunk.byteLength <= 16)).toBe(true);

      const n = makeNode(3, 3);
      askFor(n, 1);
      const shuffled = [...chunks].reverse();
      for (const [i, c] of shuffled.entries()) {
        n.step(c);
        if (i === 0) n.step(c); // a duplicate
        const { ready } = drain(n);
        if (i < shuffled.length - 1) expect(ready.installSnapshot, `after chunk ${i}`).toBeUndefined();
        else {
          expect(ready.installSnapshot?.index).toBe(12);
          expect(Buffer.from(ready.installSnapshot!.blob)).toEqual(Buffer.from(state));
        }
      }
      expect(n.commitIndex).toBe(12);
    });

    it('drops a gathered snapshot that fails validation, and one whose chunks do not tile it', () => {
      const { kv } = followerWithLog(12);
      const state = kv.snapshot();
      const refused: number[] = [];
      const n = makeNode(3, 3, { validateSnapshot: (index) => (refused.push(index), false) });
      askFor(n, 1);
      n.step({ type: 'snapshot', from: 1, to: 3, snapshotIndex: 12, offset: 0, total: state.byteLength, chunk: state, membership: genesisMembership() });
      expect(drain(n).ready.installSnapshot).toBeUndefined();
      expect(refused).toEqual([12]);
      expect(n.commitIndex).toBe(0);

      // Overlapping chunks that add up to the total but leave a gap.
      const m = makeNode(3, 3);
      askFor(m, 1);
      const half = Math.floor(state.byteLength / 2);
      m.step({ type: 'snapshot', from: 1, to: 3, snapshotIndex: 12, offset: 0, total: state.byteLength, chunk: state.subarray(0, half + 1), membership: genesisMembership() });
      m.step({ type: 'snapshot', from: 1, to: 3, snapshotIndex: 12, offset: half, total: state.byteLength, chunk: state.subarray(half, state.byteLength - 1), membership: genesisMembership() });
      expect(drain(m).ready.installSnapshot).toBeUndefined();
      // A chunk past the end is ignored.
      m.step({ type: 'snapshot', from: 1, to: 3, snapshotIndex: 12, offset: state.byteLength, total: state.byteLength, chunk: state.subarray(0, 1), membership: genesisMembership() });
      expect(drain(m).ready.installSnapshot).toBeUndefined();
      // A complete, valid transfer from a peer we did not ask is dropped...
      const whole = { type: 'snapshot', from: 2, to: 3, snapshotIndex: 12, offset: 0, total: state.byteLength, chunk: state, membership: genesisMembership() } as const;
      m.step(whole);
      expect(drain(m).ready.installSnapshot).toBeUndefined();
      // ...and installs once the catch-up, timed out on node 1, asks node 2.
      for (let i = 0; i < 6; i++) m.tick();
      expect(only(drain(m).messages, 'catchup-req').map((r) => r.to)).toEqual([2]);
      m.step(whole);
      expect(drain(m).ready.installSnapshot?.index).toBe(12);
    });

    it('never mixes two peers\' chunks, and completes a peer\'s transfer from its next one', () => {
      const { kv } = followerWithLog(12);
      const state = kv.snapshot();
      const n = makeNode(3, 3, { catchupTicks: 3 });
      const part = (from: number, offset: number, len: number) =>
        n.step({ type: 'snapshot', from, to: 3, snapshotIndex: 12, offset, total: state.byteLength, chunk: state.subarray(offset, offset + len), membership: genesisMembership() });
      askFor(n, 1);
      part(1, 0, 10);
      // The catch-up times out and asks node 2, whose chunk does not complete node 1's transfer.
      for (let i = 0; i < 3; i++) n.tick();
      part(2, 10, state.byteLength - 10);
      expect(drain(n).ready.installSnapshot).toBeUndefined();
      // Asked again after the next timeout, node 1 sends the rest: its transfer completes.
      for (let i = 0; i < 3; i++) n.tick();
      part(1, 10, state.byteLength - 10);
      expect(drain(n).ready.installSnapshot?.index).toBe(12);
    });
  });
});
