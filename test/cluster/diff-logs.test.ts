import { describe, expect, it } from 'vitest';
import { diffLogs, formatDiff, type NodeLog } from '../../src/cluster/diff-logs.js';
import type { ChosenEntry, Value } from '../../src/paxos/types.js';

const set = (key: string, value: string, seq: number): Value => ({ kind: 'batch', cmds: [{ op: 'set', key, value, clientId: 'c', seq }] });
const log = (node: number, values: Value[], source: NodeLog['source'] = 'live'): NodeLog => ({
  node,
  source,
  chosen: values.map((value, slot): ChosenEntry => ({ slot, value })),
});
const a = set('a', '1', 1);
const b = set('b', '2', 2);
const c = set('c', '3', 3);

describe('diffLogs', () => {
  it('identical logs: full prefix, no lag, no conflict, one hash', () => {
    const r = diffLogs([log(1, [a, b]), log(2, [a, b]), log(3, [a, b], 'disk')]);
    expect(r).toMatchObject({ identicalPrefix: 2, lagging: [], conflicts: 0 });
    expect(new Set(Object.values(r.stateHashes)).size).toBe(1);
    expect(formatDiff(r)).toMatch(/^identical prefix 2; no lag; 0 conflicts; state hash [0-9a-f]{12} on all 3$/);
  });

  it('a lagging node: prefix stops at its end, its missing count, its own hash', () => {
    const r = diffLogs([log(1, [a, b, c]), log(2, [a]), log(3, [a, b, c])]);
    expect(r.identicalPrefix).toBe(1);
    expect(r.lagging).toEqual([{ node: 2, missing: 2 }]);
    expect(r.conflicts).toBe(0);
    expect(r.stateHashes['2']).not.toBe(r.stateHashes['1']);
    expect(r.applied).toEqual({ 1: 3, 2: 1, 3: 3 });
    expect(formatDiff(r)).toContain('lagging n2:-2');
  });

  it('a hole: the state hash covers only the contiguous prefix', () => {
    const holey: NodeLog = { node: 2, source: 'live', chosen: [{ slot: 0, value: a }, { slot: 2, value: c }] };
    const r = diffLogs([log(1, [a, b, c]), holey]);
    expect(r.lagging).toEqual([{ node: 2, missing: 1 }]);
    expect(r.applied['2']).toBe(1);
  });

  it('two values for one slot are a conflict, reported loudly', () => {
    const r = diffLogs([log(1, [a, b]), log(2, [a, c]), log(3, [a, b])]);
    expect(r.conflicts).toBe(1);
    expect(r.conflictSlots).toEqual([1]);
    expect(r.identicalPrefix).toBe(1);
    expect(formatDiff(r)).toMatch(/^!!! CONFLICT: 1 slot\(s\) hold different chosen values \(slots 1\)/);
  });

  it('reports unreadable nodes', () => {
    const r = diffLogs([log(1, [a])], [{ node: 2, error: 'locked' }]);
    expect(r.unreadable).toEqual([{ node: 2, error: 'locked' }]);
    expect(formatDiff(r)).toContain('unreadable n2 (locked)');
  });
});

describe('diffLogs with compacted logs', () => {
  it('counts slots under a snapshot as held, and hashes snapshot + log', async () => {
    const { KvStore } = await import('../../src/paxos/kv.js');
    const kv = new KvStore();
    kv.apply({ slot: 0, value: a });
    kv.apply({ slot: 1, value: b });
    const snapshot = { index: 2, blob: kv.snapshot() };
    const compacted: NodeLog = { node: 1, source: 'live', chosen: [{ slot: 2, value: c }], snapshot };
    const full = log(2, [a, b, c]);
    const behind = log(3, [a]);
    const r = diffLogs([compacted, full, behind]);
    expect(r.conflicts).toBe(0);
    expect(r.stateHashes['1']).toBe(r.stateHashes['2']);
    expect(r.applied).toMatchObject({ 1: 3, 2: 3 });
    expect(r.lagging).toEqual([{ node: 3, missing: 2 }]);
    expect(r.identicalPrefix).toBe(1);
    expect(diffLogs([compacted, full]).identicalPrefix).toBe(3);
  });
});
