// Histories that are linearizable by construction: every operation gets a linearization point
// strictly inside its [invoke, complete] window, and results come from applying the operations
// to a plain map in that order (a real sequential simulation). Processes run one operation at a
// time, many processes at once, so windows overlap at random.

import type { Operation, Outcome } from '../../src/check/history.js';
import { seededRng, type Rng } from '../../src/paxos/rng.js';

export interface RandomHistoryOptions {
  readonly seed: number;
  readonly ops: number;
  readonly keys: number;
  readonly processes: number;
  /** Per mille of operations rejected before proposal (never applied). */
  readonly failedPerMille?: number;
  /** Per mille of operations that time out (applied or not, at any time after invocation). */
  readonly unknownPerMille?: number;
}

interface Planned {
  op: Operation;
  applied: boolean;
  linMs: number;
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + ((hi - lo) * rng.int(0, 1_000_000)) / 1_000_000;
}

export function randomHistory(o: RandomHistoryOptions): Operation[] {
  const rng = seededRng(o.seed);
  const freeAtMs = new Array<number>(o.processes).fill(0);
  const planned: Planned[] = [];
  for (let id = 0; id < o.ops; id++) {
    // The process that becomes free first issues the next operation.
    let p = 0;
    for (let q = 1; q < o.processes; q++) if ((freeAtMs[q] as number) < (freeAtMs[p] as number)) p = q;
    const invokeMs = (freeAtMs[p] as number) + uniform(rng, 0, 2);
    // Mostly quick, sometimes slow: slow ones overlap many others.
    const durationMs = rng.int(0, 9) === 0 ? uniform(rng, 5, 40) : uniform(rng, 0.2, 4);
    const roll = rng.int(0, 999);
    const outcome: Outcome =
      roll < (o.failedPerMille ?? 0) ? 'failed' : roll < (o.failedPerMille ?? 0) + (o.unknownPerMille ?? 0) ? 'unknown' : 'ok';
    const kindRoll = rng.int(0, 99);
    const kind = kindRoll < 45 ? 'set' : kindRoll < 90 ? 'get' : 'del';
    const key = `k${rng.int(0, o.keys - 1)}`;
    const completeMs = invokeMs + durationMs;
    const op: Operation = {
      id,
      process: `p${p}`,
      op: kind,
      key,
      value: kind === 'set' ? `v${id}` : null,
      invokeMs,
      completeMs: outcome === 'unknown' ? null : completeMs,
      outcome,
    };
    const applied = outcome === 'ok' || (outcome === 'unknown' && rng.int(0, 1) === 0);
    // A timed-out operation may take effect long after the client gave up on it.
    const linMs = outcome === 'unknown' ? invokeMs + uniform(rng, 0.01, 100) : invokeMs + durationMs * uniform(rng, 0.05, 0.95);
    planned.push({ op, applied, linMs });
    freeAtMs[p] = completeMs;
  }

  const state = new Map<string, string>();
  const results = new Map<number, string | null>();
  for (const pl of planned.filter((x) => x.applied).sort((a, b) => a.linMs - b.linMs)) {
    const { op } = pl;
    if (op.op === 'set') state.set(op.key, op.value as string);
    else if (op.op === 'del') state.delete(op.key);
    else results.set(op.id, state.get(op.key) ?? null);
  }
  return planned.map(({ op }) =>
    op.op === 'get' && op.outcome === 'ok' ? { ...op, value: results.get(op.id) ?? null } : op,
  );
}

/**
 * Makes one ok get read a stale value: the value of an ok set S_old that an ok set S_new of a
 * different value overwrote in real time (S_old completes before S_new starts) before the get
 * was invoked. Values are unique, so nothing can explain the read. Returns the edited history
 * and the id of the get (the first such get with id >= fromId), or null when there is none.
 */
export function plantStaleRead(
  ops: readonly Operation[],
  fromId = 0,
): { ops: Operation[]; getId: number } | null {
  const sets = ops.filter((o) => o.op === 'set' && o.outcome === 'ok');
  for (const g of ops) {
    if (g.id < fromId) continue;
    if (g.op !== 'get' || g.outcome !== 'ok') continue;
    const before = sets.filter((s) => s.key === g.key && (s.completeMs as number) < g.invokeMs);
    for (const newer of before) {
      const older = before.find((s) => (s.completeMs as number) < newer.invokeMs && s.value !== g.value);
      if (older !== undefined && newer.value !== older.value) {
        return { ops: ops.map((o) => (o.id === g.id ? { ...o, value: older.value } : o)), getId: g.id };
      }
    }
  }
  return null;
}
