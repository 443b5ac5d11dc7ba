import { describe, expect, it } from 'vitest';
import type { AcceptorPolicy } from '../../src/paxos/acceptor-policy.js';
import { formatFailure, simulate } from './simulator.js';

// The checks are only worth something if they can fail: an acceptor that ignores its promise
// when accepting must be caught choosing two values for one slot, with a replayable seed.
const ignoresPromise: AcceptorPolicy = { mayPromise: () => true, mayAccept: () => true };

describe('simulator against a broken acceptor', () => {
  it('reports a safety violation with its seed', () => {
    let failure = null;
    for (let seed = 1; seed <= 300 && failure === null; seed++) {
      const r = simulate({ seed, acceptor: ignoresPromise });
      if (!r.ok) failure = r;
    }
    expect(failure, 'no seed in 1..300 caught the broken acceptor').not.toBeNull();
    if (failure === null) return;
    expect(failure.error).toMatch(/SAFETY|ACKED-LOST|EXACTLY-ONCE/);
    const report = formatFailure(failure);
    expect(report).toContain(`seed=${failure.seed}`);
    expect(report).toContain(`npm run sim -- --seed ${failure.seed}`);
    // The same seed fails the same way: the run is deterministic.
    expect(simulate({ seed: failure.seed, acceptor: ignoresPromise }).error).toBe(failure.error);
  });

  it('passes the same seeds with the correct acceptor', () => {
    for (let seed = 1; seed <= 50; seed++) expect(simulate({ seed }).ok).toBe(true);
  });
});
