// The nemesis' plans: seeded, and each kind has the shape its name promises.
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, faultNodes, planFault, SLOW_MS, type FaultPlan } from '../../src/chaos/nemesis.js';
import { seededRng } from '../../src/paxos/rng.js';

const ids = [1, 2, 3, 4, 5];

const plans = (seed: number, n = 400, kinds?: Parameters<typeof planFault>[3]): FaultPlan[] => {
  const rng = seededRng(seed);
  return Array.from({ length: n }, () => planFault(rng, ids, 3, kinds));
};

describe('nemesis', () => {
  it('replays from its seed and covers every kind with the promised shape', () => {
    expect(plans(9)).toEqual(plans(9));
    expect(plans(9)).not.toEqual(plans(10));
    const seen = new Set<string>();
    const hit = { pause: new Set<boolean>(), slow: new Set<boolean>() };
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
        expect(faultNodes(p)).toEqual(a);
      }
      if (p.kind === 'pause' || p.kind === 'slow') {
        expect(ids).toContain(p.node);
        expect(p.node === 3).toBe(p.leader);
        expect(p.text).toContain(`n${p.node}`);
        expect(p.text).toContain(p.leader ? 'the leader' : 'a follower');
        hit[p.kind].add(p.leader);
      }
      if (p.kind === 'pause') expect(p.text).toContain('SIGSTOP');
      if (p.kind === 'slow') {
        expect(p.ms).toBeGreaterThanOrEqual(SLOW_MS[0]);
        expect(p.ms).toBeLessThanOrEqual(SLOW_MS[1]);
        expect(p.text).toContain(`${p.ms} ms`);
      }
      if ('node' in p) expect(faultNodes(p)).toEqual([p.node]);
    }
    expect([...seen].sort()).toEqual([...FAULT_KINDS].sort());
    // Both the leader and a follower get paused and slowed.
    expect(hit.pause.size).toBe(2);
    expect(hit.slow.size).toBe(2);
  });

  it('picks only the kinds it is given', () => {
    expect(new Set(plans(4, 100, ['pause', 'slow']).map((p) => p.kind))).toEqual(new Set(['pause', 'slow']));
    expect(plans(4, 50, ['pause']).every((p) => p.kind === 'pause')).toBe(true);
  });
});
