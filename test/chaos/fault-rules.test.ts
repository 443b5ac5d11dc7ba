// Fault rules are pure: reachability, validation messages and the admin shorthands.
import { describe, expect, it } from 'vitest';
import { applyAdminAction, canReach, describeFaults, NO_FAULTS, slowMsOf, validateGroups } from '../../src/protocol/fault-rules.js';

const ids = [1, 2, 3, 4, 5];

describe('fault rules', () => {
  it('a partition cuts exactly the links between groups', () => {
    const r = { groups: [[1, 2], [3, 4, 5]], slow: [] };
    expect(canReach(r, 1, 2)).toBe(true);
    expect(canReach(r, 3, 5)).toBe(true);
    expect(canReach(r, 2, 3)).toBe(false);
    expect(canReach(r, 5, 1)).toBe(false);
    expect(canReach(NO_FAULTS, 1, 5)).toBe(true);
  });

  it.each([
    [[[1, 2], [3, 4, 5]], null],
    [[[1, 2, 3, 4, 5]], 'a partition needs at least two groups, e.g. 1,2|3,4,5'],
    [[[1, 2], [2, 3, 4, 5]], 'node 2 is in both group 1 and group 2'],
    [[[1, 1], [2, 3, 4, 5]], 'node 1 is listed twice in group 1'],
    [[[1, 2], [3, 9]], 'node 9 does not exist; this cluster has nodes 1,2,3,4,5'],
    [[[1, 2], [3]], 'nodes 4,5 are in no group; place every node, e.g. partition 1,2|3,4,5'],
  ])('validateGroups(%j)', (groups, error) => {
    expect(validateGroups(groups, ids)).toBe(error);
  });

  it('admin shorthands build on the current rules; heal clears everything', () => {
    const slow = applyAdminAction(NO_FAULTS, 'slow', { node: 3, ms: 200 }, ids);
    expect(slow).toEqual({ ok: true, rules: { groups: null, slow: [{ node: 3, ms: 200 }] } });
    if (!slow.ok) return;
    const iso = applyAdminAction(slow.rules, 'isolate', { node: 3 }, ids);
    expect(iso.ok && iso.rules).toEqual({ groups: [[3], [1, 2, 4, 5]], slow: [{ node: 3, ms: 200 }] });
    if (!iso.ok) return;
    expect(slowMsOf(iso.rules, 3)).toBe(200);
    expect(slowMsOf(iso.rules, 1)).toBe(0);
    expect(describeFaults(iso.rules)).toBe('partition 3 | 1,2,4,5 · slow n3 200ms');
    expect(applyAdminAction(iso.rules, 'heal', undefined, ids)).toEqual({ ok: true, rules: NO_FAULTS });
    expect(applyAdminAction(NO_FAULTS, 'explode', undefined, ids).ok).toBe(false);
    expect(applyAdminAction(NO_FAULTS, 'faults', { groups: [[1], [2]], slow: [] }, ids)).toEqual({
      ok: false,
      error: 'nodes 3,4,5 are in no group; place every node, e.g. partition 1|2,3,4,5',
    });
  });
});
