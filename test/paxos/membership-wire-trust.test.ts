// What a hostile peer or process could send through membership's new fields: each is refused
// by the wire schema or ignored by the core, never asserted on, never crashes the node.
import { describe, expect, it } from 'vitest';
import { MAX_SLOT } from '../../src/paxos/limits.js';
import { membershipStateValid } from '../../src/paxos/membership.js';
import { messageSchema } from '../../src/protocol/wire.js';
import type { Message } from '../../src/paxos/types.js';
import { drain, makeNode, pastLeaseGuard } from './harness.js';
import { member, MemberNet } from './member-net.js';

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
    const withDeparted = (departed: unknown) => ({ ...snap([{ slot: -1, activeFrom: 0, members: [member(1)] }]), membership: { configs: [{ slot: -1, activeFrom: 0, members: [member(1)] }], departed } });
    expect(parses(withDeparted([{ id: 2, until: 3 }]))).toBe(true);
    expect(parses(withDeparted(Array.from({ length: 65 }, (_, i) => ({ id: i + 2, until: 3 }))))).toBe(false);
    expect(parses(withDeparted([{ id: 0, until: 3 }]))).toBe(false);
    // Valid on the wire, refused by the core: a departure of a member, or past the snapshot.
    expect(membershipStateValid({ configs: [{ slot: -1, activeFrom: 0, members: [member(1)] }], departed: [{ id: 1, until: 3 }] }, 5)).toBe(false);
    expect(membershipStateValid({ configs: [{ slot: -1, activeFrom: 0, members: [member(1)] }], departed: [{ id: 2, until: 6 }] }, 5)).toBe(false);
    expect(membershipStateValid({ configs: [{ slot: -1, activeFrom: 0, members: [member(1)] }], departed: [{ id: 2, until: 5 }] }, 5)).toBe(true);
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

  it('a removed member, its key still admitted, can depose no one and read nothing chosen after it left', () => {
    /** What node `gone` gets by hostile frames once removed, or (the control) while a member. */
    const attack = (remove: boolean) => {
      const net = new MemberNet(3);
      net.until(() => net.leader() !== undefined);
      for (let i = 1; i <= 3; i++) net.write('k', `v${i}`, i);
      const l = net.leader()!;
      const [gone, other] = [1, 2, 3].filter((id) => id !== l.id) as [number, number];
      if (remove) {
        expect(l.proposeConfig([member(l.id), member(other)], l.membershipView.inForce.slot)).toBeNull();
        net.until(() => net.down.has(gone), 200);
      } else {
        net.down.add(gone);
      }
      const leftAt = remove ? l.membershipView.inForce.activeFrom : null;
      for (let i = 4; i <= 6; i++) net.write('k', `after-${i}`, i);
      net.tick(4);
      const ballot = l.ballot;
      const high = b(10 ** 6, gone);
      net.sent.length = 0;
      // A read, a PreVote, a forged Nack, an Accept in a new ballot, then a Prepare to the leader.
      net.node(l.id).step({ type: 'read-req', from: gone, to: l.id, id: 1 });
      net.node(other).step({ type: 'prevote', from: gone, to: other, ballot: high, commitIndex: 10 ** 6 });
      const slot = net.node(other).commitIndex + 20;
      net.node(other).step({ type: 'accept', from: gone, to: other, ballot: high, commitIndex: 0, entries: [{ slot, value: { kind: 'noop' } }] });
      net.node(l.id).step({ type: 'nack', from: gone, to: l.id, ballot, promised: high });
      net.node(l.id).step({ type: 'prepare', from: gone, to: l.id, ballot: high, fromSlot: l.commitIndex });
      net.flush(other);
      net.flush(l.id);
      const answered = net.sent.filter((m) => m.to === gone).map((m) => m.type);
      const deposed = l.role !== 'leader' || JSON.stringify(l.ballot) !== JSON.stringify(ballot);
      net.sent.length = 0;
      net.node(other).step({ type: 'catchup-req', from: gone, to: other, fromSlot: 0, toSlot: 1000 });
      net.flush(other);
      const slots = net.sent.filter((m) => m.to === gone).flatMap((m) => (m.type === 'catchup-resp' ? m.entries.map((e) => e.slot) : []));
      return { answered, deposed, lastSlotSent: Math.max(...slots), commit: net.node(other).commitIndex, leftAt };
    };
    const member_ = attack(false);
    expect(member_.deposed).toBe(true);
    expect(member_.answered).toEqual(expect.arrayContaining(['read-resp', 'prevote-resp', 'accepted', 'promise']));
    expect(member_.lastSlotSent).toBe(member_.commit - 1);
    const removed = attack(true);
    expect(removed.answered).toEqual([]);
    expect(removed.deposed).toBe(false);
    expect(removed.commit).toBeGreaterThan(removed.leftAt! + 2);
    expect(removed.lastSlotSent).toBe(removed.leftAt! - 1);
  });

  it('a removed member stays refused after the node compacts its log past the removal and restarts', () => {
    // Found by review: the departures lived only in memory and in configurations that compaction
    // prunes, so a restart made the removed node (a genesis id, still a contact) a member again.
    const net = new MemberNet(3);
    net.until(() => net.leader() !== undefined);
    for (let i = 1; i <= 3; i++) net.write('k', `v${i}`, i);
    const l = net.leader()!;
    const [gone, other] = [1, 2, 3].filter((id) => id !== l.id) as [number, number];
    expect(l.proposeConfig([member(l.id), member(other)], l.membershipView.inForce.slot)).toBeNull();
    net.until(() => net.down.has(gone), 200);
    const leftAt = l.membershipView.inForce.activeFrom;
    for (let i = 4; i <= 20; i++) net.write('k', `after-${i}`, i);
    net.tick(4);
    const o = net.node(other);
    o.compact(o.commitIndex, new Uint8Array([1, 2, 3]));
    net.flush(other);
    expect(net.disks.get(other)!.state().snapshot?.membership?.departed).toEqual([{ id: gone, until: leftAt }]);
    net.restart(other);
    net.flush(other);
    net.sent.length = 0;
    const r = net.node(other);
    r.step({ type: 'prevote', from: gone, to: other, ballot: b(10 ** 6, gone), commitIndex: 10 ** 6 });
    r.step({ type: 'read-req', from: gone, to: other, id: 1 });
    r.step({ type: 'catchup-req', from: gone, to: other, fromSlot: 0, toSlot: 1000 });
    net.flush(other);
    // Nothing at all: the prefix it was a member for is compacted, and the snapshot is past it.
    expect(net.sent.filter((m) => m.to === gone).map((m) => m.type)).toEqual([]);
  });

  it('a removed leader a cut-off node still follows is told back only the slots it proposed, not what its successor chose (review)', () => {
    const net = new MemberNet(4);
    net.until(() => net.leader() !== undefined);
    for (let i = 1; i <= 3; i++) net.write('k', `before-${i}`, i);
    const x = net.leader()!;
    const X = x.id;
    const bX = x.ballot;
    const others = [1, 2, 3, 4].filter((id) => id !== X);
    const N = others[2]!;
    // X removes itself.
    expect(x.proposeConfig(others.map((id) => member(id)), x.membershipView.inForce.slot)).toBeNull();
    const leftAt = () => net.node(N).membershipView.inForce.activeFrom;
    // N learns the prefix past the change (X departed at N), then N pauses (a partition).
    net.until(() => net.node(N).membershipView.inForce.members.every((m) => m.id !== X), 300);
    const left = leftAt();
    net.down.add(N);
    // X hands over to one of the two others; the new leader writes secrets.
    net.until(() => { const l = net.leader(); return l !== undefined && l.id !== X; }, 500);
    const T = net.leader()!;
    for (let i = 1; i <= 3; i++) net.write('k', `secret-${i}`, 10 + i);
    net.tick(4);
    // X is now a hostile stranger with its key; N comes back, cut from T (still linked to the third).
    net.down.add(X);
    net.down.delete(N);
    net.cut.add(`${N}-${T.id}`);
    const n = net.node(N);
    expect(JSON.stringify((n as unknown as { promisedBallot: unknown }).promisedBallot)).toBe(JSON.stringify(bX));
    const hb = (): void => {
      n.step({ type: 'heartbeat', from: X, to: N, ballot: bX, commitIndex: T.commitIndex } as Message);
      net.flush(N);
      net.settle();
    };
    for (let t = 0; t < 200 && n.commitIndex < T.commitIndex; t++) {
      hb();
      net.tick();
    }
    expect(n.commitIndex).toBe(T.commitIndex);
    hb();
    net.sent.length = 0;
    n.step({ type: 'catchup-req', from: X, to: N, fromSlot: left, toSlot: 1000 } as Message);
    net.flush(N);
    const got = net.sent.filter((m) => m.to === X);
    const leaked = JSON.stringify(got).match(/secret-\d/g) ?? [];
    expect(leaked).toEqual([]);
  });
});
