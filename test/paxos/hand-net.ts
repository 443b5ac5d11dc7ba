// A hand-driven network for review tests: every message a node sends waits in `inflight` until
// the test delivers (or drops) it, so an exact interleaving can be written down step by step.
import { PaxosNode } from '../../src/paxos/paxos-node.js';
import { seededRng } from '../../src/paxos/rng.js';
import { valueKey } from '../../src/paxos/value.js';
import { persistReceipt, type ChosenEntry, type Command, type Message, type Value } from '../../src/paxos/types.js';

export class HandNet {
  readonly nodes = new Map<number, PaxosNode>();
  inflight: Message[] = [];
  /** Every entry each node ever emitted as committed (what it applied). */
  readonly applied = new Map<number, ChosenEntry[]>();

  constructor(size: number) {
    const ids = Array.from({ length: size }, (_, i) => i + 1);
    for (const id of ids) {
      // Elections happen only when a test ticks a node on purpose; these interleavings predate
      // PreVote and only the ticked node's clock moves, so its peers could not judge a pre-vote.
      this.nodes.set(id, new PaxosNode({ id, nodes: ids, rng: seededRng(id), electionTicksMin: 5, electionTicksMax: 5, heartbeatTicks: 1, preVote: false }));
      this.applied.set(id, []);
    }
  }

  node(id: number): PaxosNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Drain every pending Ready of a node (persist is instant here) into the network. */
  flush(id: number): void {
    const n = this.node(id);
    while (n.hasReady()) {
      const rd = n.ready();
      this.applied.get(id)!.push(...rd.committed);
      this.inflight.push(...rd.unpersistedMessages, ...rd.messages(persistReceipt(rd.id)));
      n.advance(rd);
    }
  }

  flushAll(): void {
    for (const id of this.nodes.keys()) this.flush(id);
  }

  /** Deliver the in-flight messages matching `pick` (in order), keep the rest in flight. */
  deliver(pick: (m: Message) => boolean): number {
    const now = this.inflight.filter(pick);
    this.inflight = this.inflight.filter((m) => !pick(m));
    for (const m of now) {
      this.node(m.to).step(m);
      this.flush(m.to);
    }
    return now.length;
  }

  /** Deliver until nothing matching is left (bounded). */
  settle(pick: (m: Message) => boolean, rounds = 50): void {
    for (let i = 0; i < rounds; i++) if (this.deliver(pick) === 0) return;
  }

  drop(pick: (m: Message) => boolean): void {
    this.inflight = this.inflight.filter((m) => !pick(m));
  }

  tickUntil(id: number, done: () => boolean, max = 100): void {
    for (let i = 0; i < max && !done(); i++) {
      this.node(id).tick();
      this.flush(id);
    }
  }

  /** Slots for which two nodes hold different chosen values. */
  conflicts(): string[] {
    return conflictingSlots([...this.nodes].map(([id, n]) => [id, n.chosenRange(0, 1_000_000)]));
  }
}

/** Slots for which two nodes hold different values, given what each holds as chosen. */
export function conflictingSlots(held: Iterable<readonly [number, readonly ChosenEntry[]]>): string[] {
  const seen = new Map<number, { node: number; key: string }>();
  const out = new Set<string>();
  for (const [id, entries] of held) {
    for (const e of entries) {
      const k = valueKey(e.value);
      const prev = seen.get(e.slot);
      if (prev === undefined) seen.set(e.slot, { node: id, key: k });
      else if (prev.key !== k) out.add(`slot ${e.slot}: n${prev.node} ${prev.key} vs n${id} ${k}`);
    }
  }
  return [...out];
}

export const between =
  (from: number | readonly number[], to: number | readonly number[], type?: Message['type']) =>
  (m: Message): boolean =>
    (typeof from === 'number' ? m.from === from : from.includes(m.from)) &&
    (typeof to === 'number' ? m.to === to : to.includes(m.to)) &&
    (type === undefined || m.type === type);

export const cmd = (key: string, value: string, clientId: string, seq = 1): Command => ({ op: 'set', key, value, clientId, seq });
export const batchOf = (c: Command): Value => ({ kind: 'batch', cmds: [c] });
