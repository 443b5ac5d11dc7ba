// The nemesis' plans: seeded, and each kind has the shape its name promises.
import { describe, expect, it } from 'vitest';
import { planFault, type FaultPlan } from '../../src/chaos/nemesis.js';
import { seededRng } from '../../src/paxos/rng.js';

const ids = [1, 2, 3, 4, 5];

describe('nemesis', () => {
  it('replays from its seed and covers every kind with the promised shape', () => {
    const plans = (seed: number): FaultPlan[] => {
      const rng = seededRng(seed);
      return Array.from({ length: 200 }, () => planFault(rng, ids, 3));
    };
    expect(plans(9)).toEqual(plans(9));
    const seen = new Set<string>();
    for (const p of plans(9)) {
      seen.add(p.kind);
      if (p.kind === 'kill') expect(p.node).not.toBe(3);
      if (p.kind === 'kill-leader') expect(p.node).toBe(3);
      if (p.kind === 'isolate-leader') expect(p.groups).toEqual([[3], [1, 2, 4, 5]]);
      if (p.kind === 'partition-minority' || p.kind === 'partition-majority') {
        const [a, b] = p.groups;
        expect(a!.length).toBe(2);
        expect(b!.length).toBe(3);
        expect([...a!, ...b!].sort()).toEqual(ids);
        expect(a!.includes(3)).toBe(p.kind === 'partition-majority');
      }
    }
    expect(seen.size).toBe(5);
  });
});
