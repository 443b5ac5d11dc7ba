// The nemesis' plans: seeded, and each kind has the shape its name promises.
import { describe, expect, it } from 'vitest';
import { DEFAULT_FAULT_KINDS, FAULT_KINDS, faultNodes, planFault, SLOW_MS, type FaultPlan } from '../../src/chaos/nemesis.js';
import { seededRng } from '../../src/paxos/rng.js';

const ids = [1, 2, 3, 4, 5];

const plans = (seed: number, n = 400, kinds?: Parameters<typeof planFault>[3]): FaultPlan[] => {
  const rng = seededRng(seed);
  return Array.from({ length: n }, () => planFault(rng, ids, 3, kinds));
};

describe('nemesis', () => {
  it('replays from its seed and covers every kind with the promised shape', () => {
    expect(plans(9, 400, FAULT_KINDS)).toEqual(plans(9, 400, FAULT_KINDS));
    expect(plans(9, 400, FAULT_KINDS)).not.toEqual(plans(10, 400, FAULT_KINDS));
    const seen = new Set<string>();
    const hit = { pause: new Set<boolean>(), slow: new Set<boolean>() };
    for (const p of plans(9, 400, FAULT_KINDS)) {
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

  it('leaves membership out unless asked for it', () => {
    expect(DEFAULT_FAULT_KINDS).toEqual(FAULT_KINDS.filter((k) => k !== 'membership'));
    expect(plans(9).some((p) => p.kind === 'membership')).toBe(false);
  });

  it('membership: replaces a follower or hands leadership to one, from the members it is given', () => {
    // A cluster whose ids changed: 1 and 3 were replaced by 6 and 7; 5 leads.
    const grown = [2, 4, 5, 6, 7];
    const rng = seededRng(21);
    const ms = Array.from({ length: 200 }, () => planFault(rng, grown, 5, ['membership']));
    const actions = new Set<string>();
    for (const p of ms) {
      if (p.kind !== 'membership') throw new Error(`expected membership, got ${p.kind}`);
      actions.add(p.action);
      expect(grown).toContain(p.node);
      expect(p.node).not.toBe(5);
      expect(faultNodes(p)).toEqual([p.node]);
      expect(p.text).toBe(p.action === 'replace' ? `replace n${p.node} (a follower: removed, a new node added in its place)` : `transfer leadership from n5 to n${p.node}`);
    }
    expect([...actions].sort()).toEqual(['replace', 'transfer']);
    // Every follower gets picked, none of the old ids.
    expect(new Set(ms.map((p) => ('node' in p ? p.node : 0)))).toEqual(new Set([2, 4, 6, 7]));
  });

  it('other faults hit the current members only', () => {
    const grown = [2, 4, 5, 6, 7];
    const rng = seededRng(5);
    for (let i = 0; i < 300; i++) {
      const p = planFault(rng, grown, 6);
      const hit = 'node' in p ? [p.node] : p.groups.flat();
      for (const n of hit) expect(grown).toContain(n);
      if (!('node' in p)) expect([...p.groups.flat()].sort((a, b) => a - b)).toEqual(grown);
    }
  });

  it('picks only the kinds it is given', () => {
    expect(new Set(plans(4, 100, ['pause', 'slow']).map((p) => p.kind))).toEqual(new Set(['pause', 'slow']));
    expect(plans(4, 50, ['pause']).every((p) => p.kind === 'pause')).toBe(true);
  });
});
