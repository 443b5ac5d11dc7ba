// Linearizability checker timings: `npx tsx bench/check-bench.ts`.
// The target: a 10,000-operation history with 8 keys checked in under 5 seconds.
// The rows after the first raise concurrency per key, where the Wing–Gong/Lowe search grows
// exponentially; they show where the budget starts to matter.

import { performance } from 'node:perf_hooks';
import { checkHistory } from '../src/check/linearizability.js';
import { plantStaleRead, randomHistory } from '../test/check/random-history.js';

const TARGET_MS = 5_000;
const cases = [
  { name: '10k ops, 8 keys, 16 clients, 2% failed, 2% unknown (the test case)', processes: 16, failedPerMille: 20, unknownPerMille: 20 },
  { name: '10k ops, 8 keys, 16 clients, 10% unknown', processes: 16, failedPerMille: 0, unknownPerMille: 100 },
  { name: '10k ops, 8 keys, 32 clients, 2% failed, 5% unknown', processes: 32, failedPerMille: 20, unknownPerMille: 50 },
  { name: '10k ops, 8 keys, 48 clients', processes: 48, failedPerMille: 0, unknownPerMille: 0 },
];

let wrong = 0;
for (const c of cases) {
  const ops = randomHistory({ seed: 20240501, ops: 10_000, keys: 8, ...c });
  const t0 = performance.now();
  const result = checkHistory(ops, { timeLimitMs: 30_000 });
  const tookMs = performance.now() - t0;
  const states = result.perKey.reduce((s, k) => s + k.states, 0);
  const target = c.processes === 16 ? `  (target < ${TARGET_MS} ms: ${tookMs < TARGET_MS ? 'met' : 'MISSED'})` : '';
  console.log(`${c.name}\n  linearizable=${result.linearizable}  ${tookMs.toFixed(1)} ms  ${states} states${target}`);
  if (result.linearizable !== true) wrong++;

  const planted = plantStaleRead(ops, 5_000);
  if (planted === null) continue;
  const t1 = performance.now();
  const bad = checkHistory(planted.ops, { timeLimitMs: 30_000 });
  const cx = bad.counterexample;
  const holdsRead = cx?.ops.some((o) => o.id === planted.getId) === true;
  console.log(
    `  planted stale read: linearizable=${bad.linearizable}  ${(performance.now() - t1).toFixed(1)} ms (incl. shrinking)` +
      `  counterexample ${cx?.ops.length ?? 0} ops${holdsRead ? ', holds the read' : ''}`,
  );
  if (bad.linearizable !== false || !holdsRead) wrong++;
}
process.exitCode = wrong === 0 ? 0 : 1;
