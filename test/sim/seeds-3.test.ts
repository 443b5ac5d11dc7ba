import { describe, expect, it } from 'vitest';
import { runSeeds, summarise } from './run-seeds.js';

// Seeds 1201..1800: sizes, fault rates and schedules all come from each seed.
describe('simulation, seeds 1201..1800', () => {
  it('keeps one value per slot, agreeing prefixes and every acknowledged command, then converges', () => {
    const stats = runSeeds(1201, 600);
    console.log(summarise(stats));
    expect(stats.some((s) => s.nodes === 3) && stats.some((s) => s.nodes === 5)).toBe(true);
    expect(stats.reduce((a, s) => a + s.commandsAcked, 0)).toBeGreaterThan(0);
    expect(stats.reduce((a, s) => a + s.readsServed, 0)).toBeGreaterThan(0);
  });
});
