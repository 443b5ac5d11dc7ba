import type { MembershipState } from '../../src/paxos/membership.js';
import { PaxosNode, type PaxosConfig } from '../../src/paxos/paxos-node.js';
import { seededRng } from '../../src/paxos/rng.js';
import { persistReceipt, type Message, type Ready } from '../../src/paxos/types.js';

export function makeNode(id: number, size: number, extra: Partial<PaxosConfig> = {}): PaxosNode {
  return new PaxosNode({
    id,
    nodes: Array.from({ length: size }, (_, i) => i + 1),
    rng: seededRng(id),
    electionTicksMin: 5,
    electionTicksMax: 5,
    heartbeatTicks: 1,
    ...extra,
  });
}

/**
 * A node refuses to promise anyone for an election timeout after it last heard a leader, and
 * after it starts (a leader's lease counts on that): tick it past that, its pre-vote drained.
 */
export function pastLeaseGuard(node: PaxosNode, ticks = 5): PaxosNode {
  for (let i = 0; i < ticks; i++) node.tick();
  if (node.hasReady()) drain(node);
  return node;
}

/** Drain one Ready as a runtime would: "persist", then take the messages, then advance. */
export function drain(node: PaxosNode): { ready: Ready; messages: Message[] } {
  const ready = node.ready();
  const messages = [...ready.unpersistedMessages, ...ready.messages(persistReceipt(ready.id))];
  node.advance(ready);
  return { ready, messages };
}

/**
 * Ticks `node` past its election timeout and grants its pre-vote from every peer, so it runs
 * phase 1: returns what it sent then (its Prepares).
 */
export function tickUntilCandidate(node: PaxosNode): Message[] {
  for (let i = 0; i < 100 && node.role === 'follower'; i++) {
    node.tick();
    if (!node.hasReady()) continue;
    for (const m of drain(node).messages) {
      if (m.type === 'prevote') node.step({ type: 'prevote-resp', from: m.to, to: m.from, ballot: m.ballot, granted: true });
    }
  }
  return drain(node).messages;
}

/** The membership a snapshot of a never-changed cluster of nodes 1..n carries. */
export function genesisMembership(n = 3): MembershipState {
  return { configs: [{ slot: -1, activeFrom: 0, members: Array.from({ length: n }, (_, i) => ({ id: i + 1, voter: true, host: '', port: 0 })) }] };
}
