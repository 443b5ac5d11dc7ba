import { describe, expect, it } from 'vitest';
import { NOOP } from '../../src/paxos/value.js';
import { persistReceipt, type Ballot, type Message, type Value } from '../../src/paxos/types.js';
import { drain, makeNode, pastLeaseGuard, tickUntilCandidate } from './harness.js';

const b = (round: number, node: number): Ballot => ({ round, node });
const set = (key: string, value: string, seq = 1): Value => ({
  kind: 'batch',
  cmds: [{ op: 'set', key, value, clientId: 'c', seq }],
});

function only<T extends Message['type']>(msgs: readonly Message[], type: T): Extract<Message, { type: T }>[] {
  return msgs.filter((m): m is Extract<Message, { type: T }> => m.type === type);
}

describe('acceptor rules', () => {
  it('promises a higher ballot durably, reporting what it accepted from fromSlot on', () => {
    const n = makeNode(1, 3);
    n.step({ type: 'accept', from: 2, to: 1, ballot: b(1, 2), entries: [{ slot: 0, value: set('a', '1') }, { slot: 1, value: set('b', '2') }], commitIndex: 0 });
    drain(n);
    // Within an election timeout of hearing leader n2 it would promise no one else (its lease).
    n.step({ type: 'prepare', from: 3, to: 1, ballot: b(2, 3), fromSlot: 1 });
    expect(n.hasReady()).toBe(false);
    pastLeaseGuard(n);
    n.step({ type: 'prepare', from: 3, to: 1, ballot: b(2, 3), fromSlot: 1 });
    const { ready, messages } = drain(n);
    expect(ready.write.promised).toEqual(b(2, 3));
    const [promise] = only(messages, 'promise');
    expect(promise?.accepted.map((e) => [e.slot, e.ballot])).toEqual([[1, b(1, 2)]]);
    expect(n.promised).toEqual(b(2, 3));
  });

  it('nacks a lower ballot with the ballot it promised, for prepare, accept and heartbeat', () => {
    const n = pastLeaseGuard(makeNode(1, 3));
    n.step({ type: 'prepare', from: 3, to: 1, ballot: b(5, 3), fromSlot: 0 });
    drain(n);
    n.step({ type: 'prepare', from: 2, to: 1, ballot: b(4, 2), fromSlot: 0 });
    n.step({ type: 'accept', from: 2, to: 1, ballot: b(4, 2), entries: [{ slot: 0, value: set('a', 'x') }], commitIndex: 0 });
    n.step({ type: 'heartbeat', from: 2, to: 1, ballot: b(4, 2), commitIndex: 0 });
    const { ready, messages } = drain(n);
    expect(ready.write.accepted).toEqual([]);
    const nacks = only(messages, 'nack');
    expect(nacks).toHaveLength(3);
    for (const m of nacks) expect(m.promised).toEqual(b(5, 3));
    expect(only(messages, 'accepted')).toHaveLength(0);
  });

  it('accepts at or above its promise and vouches for it only after the write', () => {
    const n = makeNode(1, 3);
    n.step({ type: 'accept', from: 2, to: 1, ballot: b(3, 2), entries: [{ slot: 4, value: set('k', 'v') }], commitIndex: 0 });
    const rd = n.ready();
    expect(rd.write.promised).toEqual(b(3, 2));
    expect(rd.write.accepted).toEqual([{ slot: 4, ballot: b(3, 2), value: set('k', 'v') }]);
    // Messages are handed out only against this Ready's receipt.
    expect(() => rd.messages(persistReceipt(rd.id + 1))).toThrow(/receipt/);
    const [ack] = only(rd.messages(persistReceipt(rd.id)), 'accepted');
    expect(ack?.slots).toEqual([4]);
    expect(() => n.ready()).toThrow(/advance/);
    n.advance(rd);
  });

  it('ignores messages from outside the cluster and forged ballots', () => {
    const n = makeNode(1, 3);
    n.step({ type: 'prepare', from: 9, to: 1, ballot: b(9, 9), fromSlot: 0 });
    n.step({ type: 'prepare', from: 2, to: 1, ballot: b(9, 3), fromSlot: 0 });
    expect(n.hasReady()).toBe(false);
    expect(n.promised).toEqual(b(0, 0));
  });
});

describe('proposer rules', () => {
  it('times out into a candidate whose own promise is persisted with its prepares', () => {
    const n = makeNode(1, 3);
    const msgs = tickUntilCandidate(n);
    expect(n.role).toBe('candidate');
    expect(n.promised).toEqual(n.ballot);
    expect(only(msgs, 'prepare').map((m) => m.to).sort()).toEqual([2, 3]);
  });

  it('re-proposes the highest-ballot value of each reported slot and fills holes with no-ops', () => {
    const n = makeNode(1, 3);
    const prepares = only(tickUntilCandidate(n), 'prepare');
    const ballot = prepares[0]?.ballot ?? b(0, 0);
    n.step({
      type: 'promise', from: 2, to: 1, ballot, fromSlot: 0, commitIndex: 0, chosen: [],
      accepted: [
        { slot: 0, ballot: b(0, 2), value: set('a', 'old') },
        { slot: 2, ballot: b(0, 3), value: set('c', '3') },
      ],
    });
    expect(n.role).toBe('leader');
    const { ready, messages } = drain(n);
    const accepts = only(messages, 'accept').filter((m) => m.to === 2);
    const proposed = accepts.flatMap((m) => m.entries);
    expect(proposed).toEqual([
      { slot: 0, value: set('a', 'old') },
      { slot: 1, value: NOOP },
      { slot: 2, value: set('c', '3') },
    ]);
    // The leader accepts its own proposals in the same durable write.
    expect(ready.write.accepted.map((e) => e.slot)).toEqual([0, 1, 2]);
  });

  it('prefers the higher ballot when two promises report one slot', () => {
    const n = makeNode(1, 5);
    const ballot = only(tickUntilCandidate(n), 'prepare')[0]?.ballot ?? b(0, 0);
    n.step({ type: 'promise', from: 2, to: 1, ballot, fromSlot: 0, commitIndex: 0, chosen: [], accepted: [{ slot: 0, ballot: b(0, 4), value: set('x', 'low') }] });
    n.step({ type: 'promise', from: 3, to: 1, ballot, fromSlot: 0, commitIndex: 0, chosen: [], accepted: [{ slot: 0, ballot: b(0, 5), value: set('x', 'high') }] });
    expect(n.role).toBe('leader');
    const proposed = only(drain(n).messages, 'accept').flatMap((m) => m.entries);
    expect(proposed.filter((e) => e.slot === 0).map((e) => e.value)).toContainEqual(set('x', 'high'));
    expect(proposed.filter((e) => e.slot === 0).map((e) => e.value)).not.toContainEqual(set('x', 'low'));
  });

  it('batches commands that arrive together into one slot, and chooses it on a quorum', () => {
    const n = makeNode(1, 3);
    const ballot = only(tickUntilCandidate(n), 'prepare')[0]?.ballot ?? b(0, 0);
    n.step({ type: 'promise', from: 2, to: 1, ballot, fromSlot: 0, commitIndex: 0, chosen: [], accepted: [] });
    drain(n);
    expect(n.propose({ op: 'set', key: 'a', value: '1', clientId: 'x', seq: 1 })).toBe(true);
    expect(n.propose({ op: 'set', key: 'b', value: '2', clientId: 'y', seq: 1 })).toBe(true);
    const all = only(drain(n).messages, 'accept');
    // Every peer gets the very same page (the runtime encodes it once and readdresses it).
    expect(new Set(all.map((m) => m.entries)).size).toBe(1);
    const accepts = all.filter((m) => m.to === 2);
    expect(accepts).toHaveLength(1);
    expect(accepts[0]?.entries).toHaveLength(1);
    const slot = accepts[0]?.entries[0]?.slot ?? -1;
    n.step({ type: 'accepted', from: 3, to: 1, ballot, slots: [slot] });
    const { ready } = drain(n);
    expect(ready.committed.map((e) => e.slot)).toEqual([slot]);
    expect(n.commitIndex).toBe(slot + 1);
  });

  it('steps down when nacked with a higher ballot, and a follower refuses proposals', () => {
    const n = makeNode(1, 3);
    const ballot = only(tickUntilCandidate(n), 'prepare')[0]?.ballot ?? b(0, 0);
    n.step({ type: 'nack', from: 2, to: 1, ballot, promised: b(ballot.round + 3, 3) });
    expect(n.role).toBe('follower');
    expect(n.propose({ op: 'get', key: 'a', clientId: 'c', seq: 1 })).toBe(false);
    // Its next ballot is above everything it has seen.
    tickUntilCandidate(n);
    expect(n.ballot.round).toBeGreaterThan(ballot.round + 3);
  });
});

describe('what may leave before the write is on disk', () => {
  it('sends Accepts before the leader persists, but counts its own vote only after advance()', () => {
    const n = makeNode(1, 3);
    const ballot = only(tickUntilCandidate(n), 'prepare')[0]?.ballot ?? b(0, 0);
    n.step({ type: 'promise', from: 2, to: 1, ballot, fromSlot: 0, commitIndex: 0, chosen: [], accepted: [] });
    drain(n);
    n.propose({ op: 'set', key: 'a', value: '1', clientId: 'x', seq: 1 });
    const rd = n.ready();
    const [accept] = only(rd.unpersistedMessages, 'accept');
    const slot = accept?.entries[0]?.slot ?? -1;
    expect(rd.write.accepted.map((e) => e.slot)).toEqual([slot]);
    // A follower's Accepted arrives while our own write is still in flight: one vote is no quorum.
    n.step({ type: 'accepted', from: 2, to: 1, ballot, slots: [slot] });
    expect(n.commitIndex).toBe(slot);
    rd.messages(persistReceipt(rd.id));
    n.advance(rd);
    expect(n.commitIndex).toBe(slot + 1);
  });

  it('holds Promises and Accepteds back until the write is persisted', () => {
    const n = pastLeaseGuard(makeNode(1, 3));
    n.step({ type: 'prepare', from: 2, to: 1, ballot: b(1, 2), fromSlot: 0 });
    n.step({ type: 'accept', from: 2, to: 1, ballot: b(1, 2), entries: [{ slot: 0, value: set('a', '1') }], commitIndex: 0 });
    const rd = n.ready();
    expect(rd.unpersistedMessages).toEqual([]);
    expect(rd.messages(persistReceipt(rd.id)).map((m) => m.type).sort()).toEqual(['accepted', 'promise']);
    n.advance(rd);
  });
});

describe('learning and catch-up', () => {
  it('learns slots accepted in the leader ballot from its commit index', () => {
    const n = makeNode(2, 3);
    n.step({ type: 'accept', from: 1, to: 2, ballot: b(1, 1), entries: [{ slot: 0, value: set('a', '1') }], commitIndex: 0 });
    drain(n);
    n.step({ type: 'heartbeat', from: 1, to: 2, ballot: b(1, 1), commitIndex: 1 });
    expect(drain(n).ready.committed).toEqual([{ slot: 0, value: set('a', '1') }]);
    expect(n.leader).toBe(1);
  });

  it('does not trust a value accepted in an older ballot: it fetches the chosen one', () => {
    const n = makeNode(2, 3);
    n.step({ type: 'accept', from: 1, to: 2, ballot: b(1, 1), entries: [{ slot: 0, value: set('a', 'maybe') }], commitIndex: 0 });
    drain(n);
    n.step({ type: 'heartbeat', from: 3, to: 2, ballot: b(2, 3), commitIndex: 2 });
    const { ready, messages } = drain(n);
    expect(ready.committed).toEqual([]);
    const [req] = only(messages, 'catchup-req');
    expect(req).toMatchObject({ to: 3, fromSlot: 0, toSlot: 2 });
    n.step({ type: 'catchup-resp', from: 3, to: 2, commitIndex: 2, entries: [{ slot: 0, value: set('a', 'real') }, { slot: 1, value: NOOP }] });
    const after = drain(n).ready;
    expect(after.committed.map((e) => e.value)).toEqual([set('a', 'real'), NOOP]);
    // Recovery needs the chosen value recorded where the accepted one differs.
    expect(after.write.chosen).toEqual([{ slot: 0, value: set('a', 'real') }, { slot: 1, value: NOOP }]);
    expect(after.write.commitIndex).toBe(2);
  });

  it('answers a catch-up request with the chosen entries it has', () => {
    const n = makeNode(1, 3);
    n.step({ type: 'accept', from: 2, to: 1, ballot: b(1, 2), entries: [{ slot: 0, value: set('a', '1') }], commitIndex: 0 });
    n.step({ type: 'heartbeat', from: 2, to: 1, ballot: b(1, 2), commitIndex: 1 });
    drain(n);
    n.step({ type: 'catchup-req', from: 3, to: 1, fromSlot: 0, toSlot: 10 });
    const [resp] = only(drain(n).messages, 'catchup-resp');
    expect(resp).toMatchObject({ to: 3, commitIndex: 1, entries: [{ slot: 0, value: set('a', '1') }] });
  });
});

describe('restart', () => {
  it('replays the restored chosen prefix through ready() and never reuses a ballot', () => {
    const n = makeNode(1, 3, {
      restored: {
        promised: b(7, 1),
        accepted: [{ slot: 0, ballot: b(7, 1), value: set('a', '1') }, { slot: 1, ballot: b(7, 1), value: set('b', '2') }],
        chosen: [],
        commitIndex: 2,
      },
    });
    expect(drain(n).ready.committed.map((e) => e.slot)).toEqual([0, 1]);
    tickUntilCandidate(n);
    expect(n.ballot.round).toBeGreaterThan(7);
  });

  it('refuses a restored state whose chosen prefix has holes', () => {
    expect(() => makeNode(1, 3, { restored: { promised: b(1, 1), accepted: [], chosen: [], commitIndex: 1 } })).toThrow(/lacks slot 0/);
  });

  it('bounds batches, Accepts and the window by bytes, and always lets one slot through', () => {
    const n = makeNode(1, 3, { maxBatchBytes: 2000, maxMessageBytes: 5000, maxInflightBytes: 9000 });
    const ballot = only(tickUntilCandidate(n), 'prepare')[0]!.ballot;
    n.step({ type: 'promise', from: 2, to: 1, ballot, fromSlot: 0, commitIndex: 0, chosen: [], accepted: [] });
    drain(n);
    // Each command is 64 + 3 * (1 + 500 + 1) = 1570 bytes by commandBytesBound: one per slot.
    for (let i = 0; i < 20; i++) n.propose({ op: 'set', key: 'k', value: 'v'.repeat(500), clientId: 'c', seq: i + 1 });
    const accepts = only(drain(n).messages, 'accept').filter((m) => m.to === 2);
    const slots = accepts.flatMap((m) => m.entries);
    expect(slots.every((e) => e.value.kind === 'batch' && e.value.cmds.length === 1)).toBe(true);
    // The window stops once 9000 bytes are in flight: 6 slots of 1602 bytes.
    expect(slots).toHaveLength(6);
    expect(Math.max(...accepts.map((m) => m.entries.length))).toBeLessThanOrEqual(3);
    // Choosing them opens the window for the rest.
    n.step({ type: 'accepted', from: 2, to: 1, ballot, slots: slots.map((e) => e.slot) });
    const next = only(drain(n).messages, 'accept').filter((m) => m.to === 2).flatMap((m) => m.entries);
    expect(next.length).toBeGreaterThan(0);

    // A single command larger than every budget still gets a slot of its own.
    const big = makeNode(1, 3, { maxBatchBytes: 100, maxMessageBytes: 100, maxInflightBytes: 100 });
    const b2 = only(tickUntilCandidate(big), 'prepare')[0]!.ballot;
    big.step({ type: 'promise', from: 2, to: 1, ballot: b2, fromSlot: 0, commitIndex: 0, chosen: [], accepted: [] });
    drain(big);
    big.propose({ op: 'set', key: 'k', value: 'x'.repeat(1000), clientId: 'c', seq: 1 });
    big.propose({ op: 'set', key: 'k', value: 'y'.repeat(1000), clientId: 'c', seq: 2 });
    const sent = only(drain(big).messages, 'accept').filter((m) => m.to === 2).flatMap((m) => m.entries);
    expect(sent).toHaveLength(1);
  });
});
