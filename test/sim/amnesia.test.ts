import { describe, expect, it } from 'vitest';
import { formatFailure, simulate } from './simulator.js';

// A node that lost its disk and votes again under its old identity breaks Paxos: the checker
// must see two values chosen for one slot. The default (the runtime's rule) keeps it down.
describe('amnesia: a node restarted with an empty disk', () => {
  it('lets the simulator find two values chosen for one slot, replayably', () => {
    let failure = null;
    for (let seed = 1; seed <= 60 && failure === null; seed++) {
      const r = simulate({ seed, amnesia: true });
      if (!r.ok && /two values chosen for slot/.test(r.error ?? '')) failure = r;
    }
    expect(failure, 'no seed in 1..60 found two values chosen under amnesia').not.toBeNull();
    if (failure === null) return;
    expect(formatFailure(failure)).toContain(`npm run sim -- --seed ${failure.seed}`);
    expect(simulate({ seed: failure.seed, amnesia: true }).error).toBe(failure.error);
    // Without the switch the same schedule keeps the node down, and stays safe.
    const safe = simulate({ seed: failure.seed });
    expect(safe.ok, safe.error).toBe(true);
  });

  it('is safe without the switch: a node that lost its disk stays down', () => {
    let lost = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const r = simulate({ seed });
      expect(r.ok, r.error).toBe(true);
      lost += r.stats.disksLost;
    }
    expect(lost).toBeGreaterThan(0);
  });
});
