// Review finding 2 (liveness): a new leader never re-proposes slots below the highest commit
// index reported in its promises; it relies on catch-up from peers that know them chosen. When the
// only such peer dies (or is cut off) after promising, the leader waits forever although four of
// five nodes are up and connected and two of them hold the accepted value.
import { describe, expect, it } from 'vitest';
import { between, cmd, HandNet } from './hand-net.js';

describe('review: the only node that reported the higher commit index goes away', () => {
  it('the leader of the remaining majority still commits new commands', () => {
    const net = new HandNet(5);
    const n1 = net.node(1);
    const n4 = net.node(4);

    // n1 leads 1.1 and chooses X at slot 0 with n2 and n3; nobody else hears the commit index.
    net.tickUntil(1, () => n1.role === 'candidate');
    net.settle(() => true);
    expect(n1.role).toBe('leader');
    n1.propose(cmd('x', 'X', 'a'));
    net.flush(1);
    net.deliver(between(1, [2, 3], 'accept'));
    net.deliver(between([2, 3], 1, 'accepted'));
    net.drop(() => true);
    expect(n1.commitIndex).toBe(1);

    // n4 wins 2.4 with promises from n1 (commit 1, so it reports no accepted entry below 1) and n5.
    net.tickUntil(4, () => n4.role === 'candidate');
    net.deliver(between(4, [1, 5], 'prepare'));
    net.deliver(between([1, 5], 4, 'promise'));
    expect(n4.role).toBe('leader');

    // n1 crashes for good. n4 serves a command; every other message is delivered.
    const alive = [2, 3, 4, 5];
    n4.propose(cmd('k', 'Y', 'b'));
    net.flush(4);
    for (let t = 0; t < 300; t++) {
      for (const id of alive) {
        net.node(id).tick();
        net.flush(id);
      }
      net.drop((m) => m.to === 1);
      net.settle((m) => alive.includes(m.from) && alive.includes(m.to));
    }
    expect(n4.role).toBe('leader');
    // Slot 1 (Y) was chosen long ago, but the commit index is stuck below slot 0.
    expect(n4.commitIndex).toBeGreaterThanOrEqual(2);
  });
});
