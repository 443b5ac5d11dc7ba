import { describe, expect, it } from 'vitest';
import { genesisMembership } from './harness.js';
import { MAX_BALLOT_ROUND, MAX_SLOT } from '../../src/paxos/limits.js';
import type { Ballot, Message, Value } from '../../src/paxos/types.js';
import { drain, makeNode, pastLeaseGuard, tickUntilCandidate } from './harness.js';

const b = (round: number, node: number): Ballot => ({ round, node });
const set = (key: string, value: string): Value => ({ kind: 'batch', cmds: [{ op: 'set', key, value, clientId: 'c', seq: 1 }] });

function only<T extends Message['type']>(msgs: readonly Message[], type: T): Extract<Message, { type: T }>[] {
  return msgs.filter((m): m is Extract<Message, { type: T }> => m.type === type);
}

describe('catch-up answers are taken only as asked', () => {
  it('ignores an unsolicited catchup-resp, one from a peer it did not ask, and entries outside the range', () => {
    const n = makeNode(2, 3);
    n.step({ type: 'catchup-resp', from: 3, to: 2, commitIndex: 1, entries: [{ slot: 0, value: set('a', 'forged') }] });
    expect(n.commitIndex).toBe(0);
    expect(n.hasReady()).toBe(false);

    // A leader's heartbeat says slots 0 and 1 are chosen: node 2 asks the leader for [0, 2).
    n.step({ type: 'heartbeat', from: 1, to: 2, ballot: b(1, 1), commitIndex: 2 });
    const [req] = only(drain(n).messages, 'catchup-req');
    expect(req).toMatchObject({ to: 1, fromSlot: 0, toSlot: 2 });
    n.step({ type: 'catchup-resp', from: 3, to: 2, commitIndex: 2, entries: [{ slot: 0, value: set('a', 'forged') }, { slot: 1, value: set('b', 'forged') }] });
    expect(n.commitIndex).toBe(0);

    n.step({
      type: 'catchup-resp',
      from: 1,
      to: 2,
      commitIndex: 2,
      entries: [
        { slot: 0, value: set('a', '1') },
        { slot: 1, value: set('b', '2') },
        { slot: 2, value: set('c', 'beyond the range asked') },
        { slot: 9, value: set('d', 'far beyond') },
      ],
    });
    const { ready } = drain(n);
    expect(ready.committed.map((e) => e.slot)).toEqual([0, 1]);
    expect(n.chosenRange(0, 20).map((e) => e.slot)).toEqual([0, 1]);
  });

  it('ignores snapshot chunks nobody asked for', () => {
    const n = makeNode(2, 3);
    const blob = new Uint8Array([1, 2, 3]);
    n.step({ type: 'snapshot', from: 3, to: 2, snapshotIndex: 50, offset: 0, total: blob.byteLength, chunk: blob, membership: genesisMembership() });
    expect(n.hasReady()).toBe(false);
    expect(n.commitIndex).toBe(0);
  });
});

describe('numbers from the wire are bounded', () => {
  it('refuses a Prepare with ballot round 2^53-1 without promising, so its next election cannot assert', () => {
    const n = makeNode(1, 3);
    expect(() => n.step({ type: 'prepare', from: 3, to: 1, ballot: b(Number.MAX_SAFE_INTEGER, 3), fromSlot: 0 })).not.toThrow();
    expect(n.hasReady()).toBe(false);
    expect(n.promised).toEqual(b(0, 0));
    expect(() => tickUntilCandidate(n)).not.toThrow();
    expect(n.role).toBe('candidate');
    expect(n.ballot).toEqual(b(1, 1));
  });

  it('ignores slots, commit indexes and ranges past MAX_SLOT, and ballots past MAX_BALLOT_ROUND anywhere', () => {
    const n = makeNode(1, 3);
    const big = MAX_SLOT + 1;
    const msgs: Message[] = [
      { type: 'accept', from: 2, to: 1, ballot: b(1, 2), entries: [{ slot: big, value: set('a', '1') }], commitIndex: 0 },
      { type: 'heartbeat', from: 2, to: 1, ballot: b(1, 2), commitIndex: big },
      { type: 'catchup-req', from: 2, to: 1, fromSlot: 0, toSlot: big },
      { type: 'nack', from: 2, to: 1, ballot: b(1, 1), promised: b(MAX_BALLOT_ROUND + 1, 2) },
      { type: 'prevote', from: 2, to: 1, ballot: b(MAX_BALLOT_ROUND + 1, 2), commitIndex: 0 },
      { type: 'accepted', from: 2, to: 1, ballot: b(0.5, 1), slots: [0] },
    ];
    for (const m of msgs) expect(() => n.step(m)).not.toThrow();
    expect(n.hasReady()).toBe(false);
    expect(n.ballot).toEqual(b(0, 0));
  });

  it('a restored promise beyond the bound does not crash: the node stays a follower and says why', () => {
    for (const round of [Number.MAX_SAFE_INTEGER, MAX_BALLOT_ROUND]) {
      const n = makeNode(1, 3, { restored: { promised: b(round, 3), accepted: [], chosen: [], commitIndex: 0 } });
      const events = [];
      const sent: Message[] = [];
      for (let i = 0; i < 100; i++) {
        expect(() => n.tick()).not.toThrow();
        if (n.hasReady()) {
          const { ready, messages } = drain(n);
          events.push(...ready.events);
          sent.push(...messages);
        }
      }
      expect(n.role).toBe('follower');
      expect(sent.filter((m) => m.type === 'prepare' || m.type === 'prevote')).toEqual([]);
      expect(events).toEqual([{ type: 'ballots-exhausted', promised: b(round, 3) }]);
    }
  });

  it('a promise at the bound still lets a node with a higher id take the last round, and no more', () => {
    const n = pastLeaseGuard(makeNode(4, 5));
    n.step({ type: 'prepare', from: 3, to: 4, ballot: b(MAX_BALLOT_ROUND, 3), fromSlot: 0 });
    drain(n);
    expect(n.promised).toEqual(b(MAX_BALLOT_ROUND, 3));
    tickUntilCandidate(n);
    expect(n.ballot).toEqual(b(MAX_BALLOT_ROUND, 4));
    // That candidacy fails: there is no next ballot, so it goes back to following, for good.
    for (let i = 0; i < 200; i++) expect(() => n.tick()).not.toThrow();
    expect(n.role).toBe('follower');
    expect(drain(n).ready.events).toContainEqual({ type: 'ballots-exhausted', promised: b(MAX_BALLOT_ROUND, 4) });
  });
});
