// A small synchronous network for membership tests: every tick, each live node ticks, and
// messages are delivered until none are left (lossless, in order) except on cut links.
import { PaxosNode } from '../../src/paxos/paxos-node.js';
import { seededRng } from '../../src/paxos/rng.js';
import { persistReceipt, type ChosenEntry, type CoreEvent, type DurableState, type Member, type Message } from '../../src/paxos/types.js';
import { MemDisk } from './mem-disk.js';

export const member = (id: number, voter = true): Member => ({ id, voter, host: '127.0.0.1', port: 7000 + id });

export class MemberNet {
  readonly nodes = new Map<number, PaxosNode>();
  readonly events = new Map<number, CoreEvent[]>();
  readonly applied = new Map<number, ChosenEntry[]>();
  /** Messages each node sent, by type, since the last reset: what a test inspects. */
  readonly sent: Message[] = [];
  readonly down = new Set<number>();
  readonly disks = new Map<number, MemDisk>();
  /** Links that drop everything (both directions). */
  readonly cut = new Set<string>();
  private queue: Message[] = [];
  readonly genesis: readonly Member[];

  constructor(size: number) {
    this.genesis = Array.from({ length: size }, (_, i) => member(i + 1));
    for (const m of this.genesis) this.start(m.id);
  }

  start(id: number, restored?: DurableState, appliedIndex = 0): PaxosNode {
    const ids = [...new Set([...this.genesis.map((m) => m.id), ...this.nodes.keys(), id])];
    const node = new PaxosNode({
      id,
      nodes: this.genesis.map((m) => m.id),
      genesis: this.genesis,
      contacts: ids,
      rng: seededRng(id * 7919),
      electionTicksMin: 10,
      electionTicksMax: 14,
      heartbeatTicks: 2,
      ...(restored !== undefined ? { restored, appliedIndex } : {}),
    });
    this.nodes.set(id, node);
    if (!this.events.has(id)) this.events.set(id, []);
    if (!this.applied.has(id)) this.applied.set(id, []);
    if (!this.disks.has(id)) this.disks.set(id, new MemDisk());
    this.down.delete(id);
    return node;
  }

  /** Restarts `id` from what its disk holds (its state machine replays the whole log). */
  restart(id: number): PaxosNode {
    const state = this.disks.get(id)!.state();
    this.applied.set(id, []);
    return this.start(id, state, state.snapshot?.index ?? 0);
  }

  node(id: number): PaxosNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  isCut(a: number, b: number): boolean {
    return this.cut.has(`${a}-${b}`) || this.cut.has(`${b}-${a}`);
  }

  flush(id: number): void {
    const n = this.node(id);
    while (n.hasReady()) {
      const rd = n.ready();
      this.disks.get(id)!.persist(rd.write);
      this.events.get(id)!.push(...rd.events);
      this.applied.get(id)!.push(...rd.committed);
      const out = [...rd.unpersistedMessages, ...rd.messages(persistReceipt(rd.id))];
      this.sent.push(...out);
      this.queue.push(...out);
      n.advance(rd);
      if (rd.events.some((e) => e.type === 'removed')) this.down.add(id);
    }
  }

  /** Delivers until nothing is in flight (bounded). */
  settle(): void {
    for (let i = 0; i < 10_000 && this.queue.length > 0; i++) {
      const m = this.queue.shift()!;
      if (this.down.has(m.to) || this.down.has(m.from) || this.isCut(m.from, m.to) || !this.nodes.has(m.to)) continue;
      this.node(m.to).step(m);
      this.flush(m.to);
    }
  }

  tick(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const [id, node] of this.nodes) {
        if (this.down.has(id)) continue;
        node.tick();
        this.flush(id);
      }
      this.settle();
    }
  }

  /** Ticks until `cond` holds; fails after `max` ticks. */
  until(cond: () => boolean, max = 500): number {
    for (let t = 0; t < max; t++) {
      if (cond()) return t;
      this.tick();
    }
    throw new Error(`condition not met within ${max} ticks`);
  }

  leader(): PaxosNode | undefined {
    return [...this.nodes.entries()].find(([id, n]) => !this.down.has(id) && n.role === 'leader')?.[1];
  }

  /** Proposes a set through the leader; true once applied there. */
  write(key: string, value: string, seq: number): void {
    const l = this.leader();
    if (l === undefined || !l.propose({ op: 'set', key, value, clientId: 't', seq })) throw new Error('no leader took the write');
    this.flush(l.id);
    this.settle();
  }

  eventsOf(id: number, type: CoreEvent['type']): CoreEvent[] {
    return (this.events.get(id) ?? []).filter((e) => e.type === type);
  }
}
