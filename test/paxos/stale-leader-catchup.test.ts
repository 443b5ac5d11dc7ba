// Review finding 1: a stale leader (ballot b) that learns, by catch-up, a slot it itself proposed
// in b but that a higher ballot chose with another value, then advertises a commit index past
// that slot in b. A follower that accepted the stale proposal in b "learns" it as chosen
// (learnCommitIndex trusts any accepted entry of the leader's ballot below the leader's commit):
// two values chosen for one slot. The same situation also crashes the stale leader on its next
// proposal (its nextSlot is now below slots it knows chosen).
import { describe, expect, it } from 'vitest';
import { between, cmd, HandNet } from './hand-net.js';

const X = cmd('x', 'X', 'a');
const Y = cmd('k', 'Y-stale', 'b');
const Z1 = cmd('k', 'Z1', 'c');
const Z2 = cmd('k', 'Z2', 'd');

/** Up to the point where n1 leads in ballot 2.1 with a catch-up to n3 held in flight, and n2 accepted Y at slot 1. */
function staleLeaderSetup(zs: readonly typeof Z1[]): HandNet {
  const net = new HandNet(5);
  const n1 = net.node(1);
  const others = [2, 3, 4, 5];

  // A: n3 leads ballot 1.3 among {2,3,4,5}; X is chosen at slot 0 and everyone but n1 learns it.
  net.tickUntil(3, () => net.node(3).role === 'candidate');
  net.drop((m) => m.to === 1);
  net.settle((m) => others.includes(m.from) && others.includes(m.to));
  expect(net.node(3).role).toBe('leader');
  net.node(3).propose(X);
  net.flush(3);
  net.drop((m) => m.to === 1);
  net.settle((m) => others.includes(m.from) && others.includes(m.to));
  net.node(3).tick();
  net.flush(3);
  net.drop((m) => m.to === 1);
  net.settle((m) => others.includes(m.from) && others.includes(m.to));
  expect([2, 3, 4, 5].map((id) => net.node(id).commitIndex)).toEqual([1, 1, 1, 1]);

  // B: n1 (lagging, commit 0) runs an election; a first ballot is nacked, the next (2.1) wins with
  // promises from n3 (commit 1, arrives first, so it is the catch-up source) and n2.
  net.tickUntil(1, () => n1.role === 'candidate');
  net.deliver(between(1, 2, 'prepare'));
  net.deliver(between(2, 1, 'nack'));
  net.drop((m) => m.from === 1);
  net.tickUntil(1, () => n1.role === 'candidate');
  expect(n1.ballot).toEqual({ round: 2, node: 1 });
  // As if n1 were further behind than one Promise page: it must pull slot 0 by catch-up.
  const pageless = (): void => {
    net.inflight = net.inflight.map((m) => (m.type === 'promise' ? { ...m, chosen: [] } : m));
  };
  net.deliver(between(1, 3, 'prepare'));
  pageless();
  net.deliver(between(3, 1, 'promise'));
  net.deliver(between(1, 2, 'prepare'));
  pageless();
  net.deliver(between(2, 1, 'promise'));
  expect(n1.role).toBe('leader');
  net.drop(between(1, [4, 5]));
  // n1's catch-up request to n3 stays in flight until E.
  expect(net.inflight.filter(between(1, 3, 'catchup-req'))).toHaveLength(1);
  expect(n1.commitIndex).toBe(0);

  // C: n1 proposes Y at slot 1; only n2 hears the Accept.
  n1.propose(Y);
  net.flush(1);
  net.deliver(between(1, 2, 'accept'));
  net.deliver(between(2, 1, 'accepted'));
  net.drop((m) => m.from === 1 && m.type === 'accept');

  // D: n4 wins ballot 2.4 with {3,4,5} (never hearing of Y) and chooses zs at slots 1.. .
  const n4 = net.node(4);
  net.tickUntil(4, () => n4.role === 'candidate');
  expect(n4.ballot).toEqual({ round: 2, node: 4 });
  const q = [3, 4, 5];
  const inQ = (m: { from: number; to: number }): boolean => q.includes(m.from) && q.includes(m.to);
  net.drop((m) => m.from === 4 && !q.includes(m.to));
  net.settle(inQ);
  expect(n4.role).toBe('leader');
  for (const z of zs) {
    // One slot each: commands proposed together would share a batch.
    n4.propose(z);
    net.flush(4);
    net.drop((m) => m.from === 4 && !q.includes(m.to));
    net.settle(inQ);
  }
  n4.tick();
  net.flush(4);
  net.drop((m) => m.from === 4 && !q.includes(m.to));
  net.settle(inQ);
  expect(net.node(3).commitIndex).toBe(1 + zs.length);

  // E: n1's catch-up reaches n3 at last, while n1 still leads in 2.1 (its nacks were lost): it
  // pages through n3's answers and learns slot 1 chosen with Z, although it proposed Y there in 2.1.
  expect(n1.role).toBe('leader');
  net.settle((m) => (m.type === 'catchup-req' || m.type === 'catchup-resp') && [1, 3].includes(m.from) && [1, 3].includes(m.to));
  expect(n1.commitIndex).toBe(1 + zs.length);
  // The fix: a leader that learns a higher ballot chose its slot is stale and steps down at once.
  expect(n1.role).toBe('follower');
  return net;
}

describe('review: stale leader learns by catch-up', () => {
  it('never lets a follower learn the stale proposal as chosen', () => {
    const net = staleLeaderSetup([Z1]);
    // F: n1's next heartbeat (ballot 2.1, commit 2) reaches n2, which accepted Y in 2.1.
    net.node(1).tick();
    net.flush(1);
    net.deliver(between(1, 2, 'heartbeat'));
    net.settle(() => true);
    expect(net.conflicts()).toEqual([]);
  });

  it('does not crash the stale leader on its next proposal', () => {
    const net = staleLeaderSetup([Z1, Z2]);
    net.node(1).propose(cmd('k', 'W', 'e'));
    expect(() => net.flush(1)).not.toThrow();
  });
});
