import { describe, expect, it } from 'vitest';
import { formatFailure, simulate } from './simulator.js';
import { runSeeds, summarise } from './run-seeds.js';

// Membership changes mixed into the random schedules: adds, removes, replaces of a node whose
// disk is lost, promotions and transfers, under drops, partitions, crashes and pauses.
describe('simulation with membership changes', () => {
  it('keeps every invariant over seeds 1..500 with changes in every schedule', () => {
    const stats = runSeeds(1, 500, { membership: true });
    console.log(summarise(stats));
    const sum = (k: 'configChanges' | 'transfers' | 'removed' | 'commandsAcked') => stats.reduce((a, s) => a + s[k], 0);
    expect(sum('configChanges')).toBeGreaterThan(500);
    expect(sum('transfers')).toBeGreaterThan(200);
    expect(sum('removed')).toBeGreaterThan(100);
    expect(sum('commandsAcked')).toBeGreaterThan(0);
  });

  // The checks are only worth something if they can fail: a configuration that takes effect one
  // slot early lets a leader count a quorum in the wrong configuration.
  it('catches a configuration used one slot too early, with a replayable seed', () => {
    let failure = null;
    for (let seed = 1; seed <= 500 && failure === null; seed++) {
      const r = simulate({ seed, membership: true, configEarlyBy: 1 });
      if (!r.ok) failure = r;
    }
    expect(failure, 'no seed in 1..500 caught the early configuration').not.toBeNull();
    if (failure === null) return;
    expect(failure.error).toMatch(/SAFETY/);
    expect(formatFailure(failure)).toContain(`npm run sim -- --seed ${failure.seed} --membership on --config-early 1`);
    expect(simulate({ seed: failure.seed, membership: true, configEarlyBy: 1 }).error).toBe(failure.error);
    // The same seed with the rule as written passes.
    expect(simulate({ seed: failure.seed, membership: true }).ok).toBe(true);
  });

  // Each once stuck a removed leader's hand-over for good (DESIGN.md, "After leaving, a member
  // is a stranger with a key" and the timeout-now bullet).
  it.each([
    [560, true],
    [5014, true],
    [6443, undefined],
    [41810, true],
    [4813, true],
  ])('replays seed %i (membership %s) to convergence', (seed, membership) => {
    const r = simulate({ seed, ...(membership !== undefined ? { membership } : {}) });
    expect(r.ok ? null : formatFailure(r)).toBeNull();
  });
});
