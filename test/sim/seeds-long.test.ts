import { describe, expect, it } from 'vitest';
import { runSeeds, summarise } from './run-seeds.js';

// Fewer, ten-times-longer schedules: logs of hundreds of slots, so nodes that were down for a
// while must page through catch-up and the leader's window fills and drains repeatedly.
describe('long simulation schedules', () => {
  it('stays safe and converges over 3,000 faulty ticks', () => {
    const stats = runSeeds(50_000, 60, { faultTicks: 3000 });
    console.log(summarise(stats));
    expect(Math.max(...stats.map((s) => s.slotsChosen))).toBeGreaterThan(300);
  });
});
