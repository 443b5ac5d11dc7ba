// Adversarial interleavings against membership change (review, helper-c). Each test is hand
// driven: every message waits in flight until the test delivers or drops it, so the exact
// schedule that breaks a rule is written down step by step. A failing test here is a finding.
import { describe, expect, it } from 'vitest';
import { MembershipLog } from '../../src/paxos/membership.js';
import { PaxosNode, type PaxosConfig } from '../../src/paxos/paxos-node.js';
import { seededRng } from '../../src/paxos/rng.js';
import { ReadLease } from '../../src/node/reads.js';
import { conflictingSlots } from './hand-net.js';
import { MemDisk } from './mem-disk.js';
import { member } from './member-net.js';
import {
  persistReceipt,
  type ChosenEntry,
  type CoreEvent,
  type DurableState,
  type Member,
  type Message,
} from '../../src/paxos/types.js';

const cmd = (key: string, value: string, seq: number) => ({ op: 'set' as const, key, value, clientId: key, seq });

type Pick = (m: Message) => boolean;

/** Hand-driven network with a genesis configuration and extra contacts (nodes added later). */
class Net {
  readonly nodes = new Map<number, PaxosNode>();
  readonly disks = new Map<number, MemDisk>();
  readonly events = new Map<number, CoreEvent[]>();
  readonly applied = new Map<number, ChosenEntry[]>();
  readonly reads = new Map<number, { id: number; index: number | null }[]>();
  readonly down = new Set<number>();
  inflight: Message[] = [];
  /** Messages matching this are dropped as they are sent. */
  dropIf: Pick = () => false;

  constructor(
    readonly genesis: readonly Member[],
    readonly ids: readonly number[],
    private readonly extra: Partial<PaxosConfig> = {},
  ) {
    for (const id of ids) this.start(id);
  }

  start(id: number, restored?: DurableState, appliedIndex = 0): PaxosNode {
    const node = new PaxosNode({
      id,
      nodes: this.genesis.map((m) => m.id),
      genesis: this.genesis,
      contacts: [...this.ids],
      rng: seededRng(id * 7919),
      electionTicksMin: 10,
      electionTicksMax: 14,
      heartbeatTicks: 2,
      preVote: false,
      ...this.extra,
      ...(restored !== undefined ? { restored, appliedIndex } : {}),
    });
    this.nodes.set(id, node);
    if (!this.disks.has(id)) this.disks.set(id, new MemDisk());
    this.events.set(id, this.events.get(id) ?? []);
    this.applied.set(id, this.applied.get(id) ?? []);
    this.reads.set(id, this.reads.get(id) ?? []);
    this.down.delete(id);
    return node;
  }

  node(id: number): PaxosNode {
    return this.nodes.get(id)!;
  }

  flush(id: number): void {
    const n = this.node(id);
    while (n.hasReady()) {
      const rd = n.ready();
      this.disks.get(id)!.persist(rd.write);
      this.events.get(id)!.push(...rd.events);
      this.applied.get(id)!.push(...rd.committed);
      this.reads.get(id)!.push(...rd.reads);
      for (const m of [...rd.unpersistedMessages, ...rd.messages(persistReceipt(rd.id))]) if (!this.dropIf(m)) this.inflight.push(m);
      n.advance(rd);
      if (rd.events.some((e) => e.type === 'removed')) this.down.add(id);
    }
  }

  deliver(pick: Pick): number {
    const now = this.inflight.filter(pick);
    this.inflight = this.inflight.filter((m) => !pick(m));
    for (const m of now) {
      if (this.down.has(m.to) || this.down.has(m.from)) continue;
      this.node(m.to).step(m);
      this.flush(m.to);
    }
    return now.length;
  }

  settle(pick: Pick = () => true, rounds = 200): void {
    for (let i = 0; i < rounds; i++) if (this.deliver(pick) === 0) return;
  }

  drop(pick: Pick): void {
    this.inflight = this.inflight.filter((m) => !pick(m));
  }

  tick(ids: readonly number[], n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const id of ids) {
        if (this.down.has(id)) continue;
        this.node(id).tick();
        this.flush(id);
      }
    }
  }

  /** Slots for which two nodes hold different chosen values (by their chosen maps and what they applied). */
  conflicts(): string[] {
    return conflictingSlots([...this.nodes].map(([id, n]) => [id, [...n.chosenRange(0, 1_000_000), ...this.applied.get(id)!]]));
  }
}

const is =
  (from: number | readonly number[] | '*', to: number | readonly number[] | '*', type?: Message['type']): Pick =>
  (m) =>
    (from === '*' || (typeof from === 'number' ? m.from === from : from.includes(m.from))) &&
    (to === '*' || (typeof to === 'number' ? m.to === to : to.includes(m.to))) &&
    (type === undefined || m.type === type);

/**
 * The common prefix of the late-promise attacks. Genesis A = {1,2,3}; nodes 4 and 5 are
 * contacts. Node 1 leads (ballot 1.1) with promises from itself and 2 only, proposes
 * B = {1,2,3,4,5} (all voters) in slot 0 and commands in slots 1..7, every Accept carrying
 * commitIndex 0; node 2 alone accepts them, so slots 0..7 are chosen by {1,2} and node 2 never
 * learns they are (its commit stays 0: it does not know B). B rules slot 8: node 1 asks 4 and
 * 5 for promises and gets them, then w8 is chosen in slot 8 by {1,4,5}: acknowledged. Node 4
 * learns the prefix up to 9 (heartbeat + catch-up); node 5 never hears a commit index past 8.
 * Node 1 then crashes.
 */
function lateConfigSetup(opts: { compact4: boolean }): Net {
  const A = [1, 2, 3].map((id) => member(id));
  const net = new Net(A, [1, 2, 3, 4, 5]);
  const n1 = net.node(1);
  expect(n1.campaign()).toBe(true);
  net.flush(1);
  net.drop(is(1, 3, 'prepare'));
  net.deliver(is(1, 2, 'prepare'));
  net.deliver(is(2, 1, 'promise'));
  expect(n1.role).toBe('leader');
  expect(n1.proposeConfig([1, 2, 3, 4, 5].map((id) => member(id)), -1)).toBeNull();
  net.flush(1);
  for (let s = 1; s <= 7; s++) {
    expect(n1.propose(cmd(`k${s}`, `v${s}`, 1))).toBe(true);
    net.flush(1);
  }
  // Only node 2 hears slots 0..7, and answers only after every Accept (commitIndex 0) is out.
  net.drop(is(1, [3, 4, 5]));
  net.deliver(is(1, 2, 'accept'));
  expect(net.node(2).commitIndex).toBe(0);
  net.deliver(is(2, 1, 'accepted'));
  expect(n1.commitIndex).toBe(8);
  expect(n1.membershipView.inForce.members.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
  // B rules slot 8: node 1 holds {1,2}, asks the rest. Only 4 and 5 answer.
  net.drop(is(1, 2));
  net.tick([1]);
  net.drop(is(1, [2, 3]));
  net.deliver(is(1, [4, 5], 'prepare'));
  net.deliver(is([4, 5], 1, 'promise'));
  net.drop(is(1, '*', 'heartbeat'));
  expect(n1.propose(cmd('w8', 'acked', 1))).toBe(true);
  net.flush(1);
  net.drop(is(1, [2, 3]));
  net.deliver(is(1, [4, 5], 'accept'));
  net.deliver(is([4, 5], 1, 'accepted'));
  expect(n1.commitIndex).toBe(9); // w8 is chosen in slot 8 by {1,4,5}: the client has its ack.
  // Node 4 catches up on 0..7 and hears commit 9; node 5 never hears a commit index above 8.
  net.drop((m) => !((m.from === 1 && m.to === 4) || (m.from === 4 && m.to === 1)));
  net.settle((m) => (m.from === 1 && m.to === 4) || (m.from === 4 && m.to === 1));
  net.tick([1], 2);
  net.drop((m) => !((m.from === 1 && m.to === 4) || (m.from === 4 && m.to === 1)));
  net.settle((m) => (m.from === 1 && m.to === 4) || (m.from === 4 && m.to === 1));
  expect(net.node(4).commitIndex).toBe(9);
  expect(net.node(5).commitIndex).toBe(0);
  if (opts.compact4) {
    net.node(4).compact(9, new Uint8Array([4]));
    net.flush(4);
  }
  net.drop(() => true);
  net.down.add(1);

  // Node 2 (commit 0, knows only A) campaigns: A = {2,3} elects it. It re-proposes 0..7 to node 3.
  const n2 = net.node(2);
  expect(n2.campaign()).toBe(true);
  net.flush(2);
  net.deliver(is(2, 3, 'prepare'));
  net.deliver(is(3, 2, 'promise'));
  expect(n2.role).toBe('leader');
  net.drop(is(2, 1, 'accept'));
  net.settle((m) => (m.from === 2 && m.to === 3) || (m.from === 3 && m.to === 2));
  expect(n2.commitIndex).toBe(8);
  expect(n2.membershipView.inForce.members.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
  net.drop(is(2, [1, 4, 5], 'heartbeat'));
  return net;
}

describe('membership attacks: a late promise from a new configuration', () => {
  it('a late promise whose sender compacted past slot 8 must not let the leader choose another value there (SAFETY)', () => {
    const net = lateConfigSetup({ compact4: true });
    const n2 = net.node(2);
    // A client write waits at the leader: slot 8's configuration is B and only {2,3} promised.
    expect(n2.propose(cmd('x', 'other', 1))).toBe(true);
    net.flush(2);
    // Node 2 asks B's voters 1, 4, 5. Node 5's Prepare is lost; node 4 promises with commitIndex 9
    // and (compacted) no chosen page and no accepted entry below 9.
    net.drop(is(2, [1, 5], 'prepare'));
    net.deliver(is(2, 4, 'prepare'));
    net.deliver(is(4, 2, 'promise'));
    // The leader now holds {2,3,4}, a majority of B, and proposes its command in slot 8 ...
    net.drop(is(2, 4));
    net.settle((m) => (m.from === 2 && (m.to === 3 || m.to === 5)) || (m.to === 2 && (m.from === 3 || m.from === 5)));
    // ... which {2,3,5} accept (5 promised only 1.1 and never heard slot 8 was chosen).
    expect(net.conflicts()).toEqual([]);
  });

  it('a late promise whose chosen page covers slot 8 must not make the leader propose there (assertion, LIVENESS)', () => {
    const net = lateConfigSetup({ compact4: false });
    const n2 = net.node(2);
    net.drop(is(2, [1, 5], 'prepare'));
    net.deliver(is(2, 4, 'prepare'));
    // Node 4's promise carries the chosen page [0, 9): the leader learns slot 8 (commit 9) but its
    // nextSlot stays 8, so the next command is proposed in a chosen slot and proposeEntries throws.
    net.deliver(is(4, 2, 'promise'));
    expect(n2.commitIndex).toBe(9);
    expect(() => {
      n2.propose(cmd('x', 'y', 1));
      net.flush(2);
    }).not.toThrow();
    expect(net.conflicts()).toEqual([]);
  });

  it('a read asked before a new configuration promised is answered below what was acknowledged before it (STALE READ)', () => {
    const net = lateConfigSetup({ compact4: false });
    const n2 = net.node(2);
    const n3 = net.node(3);
    // Follower 3 asks the leader for a read index while B has not promised (w8 was acked long before).
    n3.readIndex(77);
    net.flush(3);
    net.deliver(is(3, 2, 'read-req'));
    // Node 4 promises; the leader learns slot 8 from its page (commit 9), phase 1 is complete.
    net.drop(is(2, [1, 5], 'prepare'));
    net.deliver(is(2, 4, 'prepare'));
    net.deliver(is(4, 2, 'promise'));
    expect(n2.commitIndex).toBe(9);
    // A heartbeat round echoed by 3 and 4 ({2,3,4} is a majority of B) confirms the read.
    net.drop(is(2, '*', 'heartbeat'));
    net.tick([2], 2);
    net.deliver((m) => m.type === 'heartbeat' && m.from === 2 && (m.to === 3 || m.to === 4));
    net.drop((m) => m.type === 'accept' || m.type === 'catchup-req');
    net.deliver((m) => m.type === 'accepted' && m.to === 2);
    net.deliver(is(2, 3, 'read-resp'));
    const answer = net.reads.get(3)!.find((r) => r.id === 77);
    expect(answer).toBeDefined();
    // Node 3 reads its own state once applied reaches the index: w8 (slot 8) must be in it.
    expect(answer!.index).toBeGreaterThanOrEqual(9);
  });
});

describe('membership attacks: leader transfer against read leases', () => {
  it('a timeout-now delivered after the transfer was abandoned elects a leader inside the old leader’s renewed lease (LEASE OVERLAP)', () => {
    const A = [1, 2, 3].map((id) => member(id));
    const net = new Net(A, [1, 2, 3], { preVote: true });
    // Past the start-up guard (a node heard "a leader" at tick 0), then elect node 1 by hand.
    net.tick([1, 2, 3], 15);
    net.drop(() => true);
    const n1 = net.node(1);
    const n2 = net.node(2);
    expect(n1.campaign()).toBe(true);
    net.flush(1);
    net.settle();
    expect(n1.role).toBe('leader');
    // The runtime's lease, on a clock of one millisecond per tick: 0.7 of electionTicksMin.
    const lease = new ReadLease(7);
    let t = 0;
    // As the runtime drives it (ReadLease.follow).
    const observe = (): void => lease.follow(t, n1);
    const step = (hold: Message[]): void => {
      t += 1;
      net.tick([1, 2, 3]);
      observe();
      for (const m of net.inflight) if (m.type === 'timeout-now') hold.push(m);
      net.drop((m) => m.type === 'timeout-now');
      net.settle();
      observe();
    };
    const held: Message[] = [];
    for (let i = 0; i < 5; i++) step(held);
    expect(lease.valid(t)).toBe(true);

    // Hand over to node 2. Its timeout-now is delayed in the network (held here).
    expect(n1.transferLeadership(2)).toBeNull();
    net.flush(1);
    observe();
    expect(lease.valid(t)).toBe(false);
    for (const m of net.inflight) if (m.type === 'timeout-now') held.push(m);
    net.drop((m) => m.type === 'timeout-now');
    // Node 2 never takes over in time: node 1 abandons the transfer and serves lease reads again.
    for (let i = 0; i < 40 && n1.transferringTo !== null; i++) step(held);
    expect(held.length).toBeGreaterThan(0);
    expect(n1.transferringTo).toBeNull();
    for (let i = 0; i < 3; i++) step(held);
    expect(n1.role).toBe('leader');
    expect(lease.valid(t)).toBe(true);

    // The first timeout-now arrives now. Node 3 heard node 1 a tick ago, yet grants node 2's
    // Prepare: it names node 1's ballot as the hand-over, and that is all node 3 checks.
    net.inflight.push(held[0]!);
    net.deliver((m) => m === held[0]);
    net.deliver(is(2, 3, 'prepare'));
    net.deliver(is(3, 2, 'promise'));
    const overlap = n2.role === 'leader' && lease.valid(t);
    expect({ newLeader: n2.role, oldLeaderLeaseValid: lease.valid(t), overlap }).toMatchObject({ overlap: false });
  });
});

describe('membership attacks: removed followers leave too early', () => {
  it('replacing two voters: the removed ones stay until the new voters learned the prefix, so {4,5}, a majority of B, get on after the old leader crashes (LIVENESS)', () => {
    const A = [1, 2, 3].map((id) => member(id));
    const net = new Net(A, [1, 2, 3, 4, 5]);
    const n1 = net.node(1);
    expect(n1.campaign()).toBe(true);
    net.flush(1);
    net.settle();
    expect(n1.role).toBe('leader');
    // B = {1,4,5} replaces 2 and 3 (both new members start with an empty disk). The new
    // members' catch-up traffic is lost for a while (a slow or lossy link), nothing else.
    expect(n1.proposeConfig([1, 4, 5].map((id) => member(id)), -1)).toBeNull();
    net.dropIf = (m) => (m.type === 'catchup-req' || m.type === 'catchup-resp' || m.type === 'snapshot') && (m.from >= 4 || m.to >= 4);
    net.flush(1);
    for (let i = 0; i < 60 && !(net.down.has(2) && net.down.has(3)); i++) {
      net.tick([1, 2, 3, 4, 5]);
      net.settle();
    }
    // The leader's commit index passed the change, but the new voters do not know it yet: 2 and
    // 3 must not stop (were they to, only 1 would hold slots 0..7).
    expect(net.down.has(2) || net.down.has(3)).toBe(false);
    expect(n1.propose(cmd('w', 'acked', 1))).toBe(true);
    net.flush(1);
    net.settle();
    const acked = n1.commitIndex;
    expect(acked).toBeGreaterThan(8);
    expect(net.node(4).commitIndex).toBeLessThan(8);
    // The old leader crashes; the network is healthy again. Only 1, 2 and 3 ever held slots
    // 0..7: with 2 and 3 still voting there, {4,5} (a majority of B) get on.
    net.down.add(1);
    net.dropIf = () => false;
    for (let i = 0; i < 400; i++) {
      net.tick([2, 3, 4, 5].filter((id) => !net.down.has(id)));
      net.settle();
    }
    const progress = Math.max(net.node(4).commitIndex, net.node(5).commitIndex);
    expect({ leader4: net.node(4).role, leader5: net.node(5).role, progress }).toMatchObject({ progress: acked });
  });
});

describe('membership attacks: smaller things', () => {
  it('a configuration a snapshot carried is appended again when the prefix passes its slot: the log loses its order (low)', () => {
    // A snapshot at 5 taken where the state machine lagged: configurations chosen in 6 and 15 ride along.
    const m = (ids: number[]) => ids.map((id) => member(id));
    const log = new MembershipLog({
      configs: [
        { slot: -1, activeFrom: 0, members: m([1, 2, 3]) },
        { slot: 6, activeFrom: 14, members: m([1, 2, 3, 4]) },
        { slot: 15, activeFrom: 23, members: m([1, 2, 3, 4, 5]) },
      ],
    });
    // The installing node replays slot 6 from its log / catch-up.
    log.onChosen(6, m([1, 2, 3, 4]));
    expect(log.latest.slot).toBe(15);
    expect(log.at(30).members.map((x) => x.id)).toEqual([1, 2, 3, 4, 5]);
  });

});
