import { describe, expect, it } from 'vitest';
import { runSeeds } from './run-seeds.js';

// Step mode holds every message and lets a person deliver, drop, tick and elect: a held message
// delivered later is only a delayed one, so every invariant must hold under such schedules too.
describe('step-mode schedules', () => {
  it('keep every safety invariant and converge after resume', () => {
    const stats = runSeeds(1, 150, { schedule: 'step' });
    const sum = (k: 'stepWindows' | 'steps' | 'slotsChosen'): number => stats.reduce((a, s) => a + s[k], 0);
    expect(sum('stepWindows')).toBeGreaterThan(150);
    expect(sum('steps')).toBeGreaterThan(3000);
    expect(sum('slotsChosen')).toBeGreaterThan(1000);
  });
});
