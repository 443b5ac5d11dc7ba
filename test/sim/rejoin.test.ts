import { describe, expect, it } from 'vitest';
import { simulate } from './simulator.js';
import { runSeeds } from './run-seeds.js';

// Rejoin schedules cut a minority away, pause a follower or isolate the leader, then heal and
// watch the majority's leader: a run fails (DISRUPTION) if a rejoining node deposes it.
describe('a node that rejoins after a partition or a pause', () => {
  it('causes no leader change: the majority leader keeps its ballot', () => {
    const stats = runSeeds(1, 60, { schedule: 'rejoin' });
    const sum = (k: 'healsWatched' | 'rejoinDisruptions'): number => stats.reduce((a, s) => a + s[k], 0);
    expect(sum('healsWatched')).toBeGreaterThan(100);
    expect(sum('rejoinDisruptions')).toBe(0);
  });

  it('does depose it without PreVote: the watch can fail', () => {
    let disruptions = 0;
    for (let seed = 1; seed <= 20; seed++) disruptions += simulate({ seed, schedule: 'rejoin', preVote: false }).stats.rejoinDisruptions;
    expect(disruptions).toBeGreaterThan(5);
  });
});
