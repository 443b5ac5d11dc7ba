// The search (with its memoisation and the pruning of unknown writes) agrees with the definition:
// try every subset of unknown writes and every order that respects real time.
import { describe, expect, it } from 'vitest';
import type { Operation, Outcome } from '../../src/check/history.js';
import { checkKey, checkKeyDetail } from '../../src/check/linearizability.js';
import { seededRng, type Rng } from '../../src/paxos/rng.js';

function linearizableByDefinition(history: readonly Operation[]): boolean {
  const ops = history.filter((o) => o.outcome === 'ok' || (o.outcome === 'unknown' && o.op !== 'get'));
  const unknown = ops.filter((o) => o.outcome === 'unknown');
  const definite = ops.filter((o) => o.outcome === 'ok');
  const end = (o: Operation): number => (o.outcome === 'unknown' ? Infinity : (o.completeMs as number));
  for (let mask = 0; mask < 1 << unknown.length; mask++) {
    const chosen = [...definite, ...unknown.filter((_, i) => (mask >> i) & 1)];
    const used = new Array<boolean>(chosen.length).fill(false);
    const extend = (state: string | null, placed: number): boolean => {
      if (placed === chosen.length) return true;
      for (let i = 0; i < chosen.length; i++) {
        const o = chosen[i] as Operation;
        if (used[i]) continue;
        // o can go next only if no unplaced op returned strictly before o was invoked.
        if (chosen.some((p, j) => !used[j] && j !== i && end(p) < o.invokeMs)) continue;
        if (o.op === 'get' && o.value !== state) continue;
        used[i] = true;
        const ok = extend(o.op === 'set' ? o.value : o.op === 'del' ? null : state, placed + 1);
        used[i] = false;
        if (ok) return true;
      }
      return false;
    };
    if (extend(null, 0)) return true;
  }
  return false;
}

function randomSmallHistory(rng: Rng, n: number): Operation[] {
  const ops: Operation[] = [];
  for (let id = 0; id < n; id++) {
    const invokeMs = rng.int(0, 12);
    const completeMs = invokeMs + rng.int(0, 6);
    const roll = rng.int(0, 9);
    const outcome: Outcome = roll < 6 ? 'ok' : roll < 8 ? 'unknown' : 'failed';
    const kindRoll = rng.int(0, 9);
    const op = kindRoll < 4 ? 'set' : kindRoll < 8 ? 'get' : 'del';
    const v = rng.int(0, 3);
    const value = op === 'set' ? String(v) : op === 'get' && outcome === 'ok' ? (v === 0 ? null : String(v)) : null;
    ops.push({ id, process: `p${id}`, op, key: 'x', value, invokeMs, completeMs: outcome === 'unknown' ? null : completeMs, outcome });
  }
  return ops;
}

describe('linearizability checker agrees with brute force', () => {
  it('on 3,000 random small histories (repeated values, unknown and failed outcomes)', () => {
    const rng = seededRng(7);
    const seen = { yes: 0, no: 0, simplified: 0 };
    for (let round = 0; round < 3000; round++) {
      const history = randomSmallHistory(rng, rng.int(1, 7));
      const expected = linearizableByDefinition(history);
      expect(checkKey(history) === 'ok', `round=${round} ${JSON.stringify(history)}`).toBe(expected);
      // Each search on its own agrees too: the simplification (simplify.ts) loses no linearization.
      expect(checkKey(history, { only: 'full' }) === 'ok', `full, round=${round}`).toBe(expected);
      expect(checkKey(history, { only: 'simplified' }) === 'ok', `simplified, round=${round}`).toBe(expected);
      if (checkKeyDetail(history).decidedBy === 'simplified') seen.simplified++;
      seen[expected ? 'yes' : 'no']++;
    }
    // Both verdicts must be well represented, or this test proves little.
    expect(seen.yes).toBeGreaterThan(500);
    expect(seen.no).toBeGreaterThan(500);
    expect(seen.simplified).toBe(seen.yes);
  });
});
