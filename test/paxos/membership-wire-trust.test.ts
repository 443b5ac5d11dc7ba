// What a hostile peer or process could send through membership's new fields: each is refused
// by the wire schema or ignored by the core, never asserted on, never crashes the node.
import { describe, expect, it } from 'vitest';
import { MAX_SLOT } from '../../src/paxos/limits.js';
import { messageSchema } from '../../src/protocol/wire.js';
import type { Message } from '../../src/paxos/types.js';
import { drain, makeNode, pastLeaseGuard } from './harness.js';
import { member } from './member-net.js';

const b = (round: number, node: number) => ({ round, node });
const parses = (m: unknown): boolean => messageSchema.safeParse(m).success;

describe('membership on the wire, from a hostile sender', () => {
  it('the schema refuses configurations out of bounds, forged counts and out-of-range numbers', () => {
    const accept = (members: unknown) => ({ type: 'accept', from: 1, to: 2, ballot: b(1, 1), commitIndex: 0, entries: [{ slot: 0, value: { kind: 'config', members } }] });
    expect(parses(accept([member(1), member(2)]))).toBe(true);
    expect(parses(accept([]))).toBe(false);
    expect(parses(accept(Array.from({ length: 10 }, (_, i) => member(i + 1))))).toBe(false);
    expect(parses(accept([member(1), member(1)]))).toBe(false);
    expect(parses(accept([{ ...member(1), id: 0 }]))).toBe(false);
    expect(parses(accept([{ ...member(1), port: 70000 }]))).toBe(false);
    expect(parses(accept([{ ...member(1), host: 'x'.repeat(300) }]))).toBe(false);
    expect(parses(accept([{ ...member(1), publicKey: 'short' }]))).toBe(false);
    expect(parses({ type: 'timeout-now', from: 1, to: 2, ballot: b(2 ** 60, 1) })).toBe(false);
    expect(parses({ type: 'prepare', from: 1, to: 2, ballot: b(1, 1), fromSlot: 0, transfer: b(-1, 1) })).toBe(false);
    expect(parses({ type: 'accepted', from: 1, to: 2, ballot: b(1, 1), slots: [], commitIndex: MAX_SLOT + 1 })).toBe(false);
    expect(parses({ type: 'prevote-resp', from: 1, to: 2, ballot: b(1, 1), granted: true, commitIndex: -1 })).toBe(false);
    expect(parses({ type: 'heartbeat', from: 1, to: 2, ballot: b(1, 1), commitIndex: 0, transferTo: 0 })).toBe(false);
    const snap = (configs: unknown) => ({ type: 'snapshot', from: 1, to: 2, snapshotIndex: 5, offset: 0, total: 0, chunk: new Uint8Array(), membership: { configs } });
    expect(parses(snap([]))).toBe(false);
    expect(parses(snap(Array.from({ length: 10 }, () => ({ slot: -1, activeFrom: 0, members: [member(1)] }))))).toBe(false);
  });

  it('the core ignores a timeout-now, a transfer waiver or a config from a stranger or a non-leader', () => {
    const n = pastLeaseGuard(makeNode(2, 3));
    n.step({ type: 'heartbeat', from: 1, to: 2, ballot: b(1, 1), commitIndex: 0 });
    drain(n);
    // A stranger (id 9, in no configuration and no contact) and a follower (3) ask node 2 to campaign.
    n.step({ type: 'timeout-now', from: 9, to: 2, ballot: b(1, 1) } as Message);
    n.step({ type: 'timeout-now', from: 3, to: 2, ballot: b(1, 1) });
    expect(n.role).toBe('follower');
    // Node 3 claims node 1 handed over to it, but node 1's heartbeat named nobody: the guard holds.
    n.step({ type: 'prepare', from: 3, to: 2, ballot: b(2, 3), fromSlot: 0, transfer: b(1, 1) });
    expect(drain(n).messages.filter((m) => m.type === 'promise')).toEqual([]);
    // A snapshot whose membership says its first configuration rules from after the snapshot.
    n.step({ type: 'snapshot', from: 1, to: 2, snapshotIndex: 5, offset: 0, total: 0, chunk: new Uint8Array(), membership: { configs: [{ slot: 3, activeFrom: 11, members: [member(1)] }] } });
    expect(n.commitIndex).toBe(0);
    expect(n.membershipView.inForce.members.map((m) => m.id)).toEqual([1, 2, 3]);
  });

  it('a forged commit index in a heartbeat answer moves nothing but that peer\'s own report', () => {
    const n = makeNode(1, 3, { preVote: false });
    for (let i = 0; i < 30 && n.role !== 'leader'; i++) {
      n.tick();
      for (const m of drain(n).messages) if (m.type === 'prepare') n.step({ type: 'promise', from: m.to, to: 1, ballot: m.ballot, fromSlot: 0, accepted: [], commitIndex: 0, chosen: [] });
    }
    expect(n.role).toBe('leader');
    n.step({ type: 'accepted', from: 2, to: 1, ballot: n.ballot, slots: [], read: 1, commitIndex: MAX_SLOT });
    drain(n);
    expect(n.commitIndex).toBeLessThan(10);
    expect(n.role).toBe('leader');
  });
});
