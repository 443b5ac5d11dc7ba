import { expect } from 'vitest';
import { formatFailure, simulate, type SimOptions, type SimStats } from './simulator.js';

/** Runs a block of seeds; a failure reports its seed and trace so it can be replayed alone. */
export function runSeeds(from: number, count: number, extra: Partial<SimOptions> = {}): SimStats[] {
  const stats: SimStats[] = [];
  for (let seed = from; seed < from + count; seed++) {
    const r = simulate({ seed, ...extra });
    if (!r.ok) expect.fail(formatFailure(r));
    stats.push(r.stats);
  }
  return stats;
}

export function summarise(stats: SimStats[]): string {
  const sum = (k: keyof SimStats) => stats.reduce((a, s) => a + s[k], 0);
  return `${stats.length} schedules: ${sum('messagesSent')} messages, ${sum('dropped')} dropped, ${sum('duplicated')} duplicated, ` +
    `${sum('crashes')} crashes, ${sum('partitions')} partitions, ${sum('leaderChanges')} leader changes, ` +
    `${sum('slotsChosen')} slots chosen, ${sum('commandsAcked')} commands acknowledged, ${sum('readsServed')} reads served (${sum('leaseReads')} by lease; ${sum('readsFailed')} failed), ${sum('freezes')} leader freezes, ` +
    `${sum('healsWatched')} heals watched, ${sum('rejoinDisruptions')} leader changes caused by a rejoining node`;
}
