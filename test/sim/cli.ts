// `npm run sim -- --seed S [--nodes N]` replays one schedule with its trace;
// `npm run sim -- --seeds 10000 [--from S]` runs many and stops at the first failure.
import { Command, InvalidArgumentError } from 'commander';
import { formatFailure, simulate, type SimStats } from './simulator.js';

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

const program = new Command('sim')
  .description('Run the deterministic Multi-Paxos simulator')
  .option('--seed <n>', 'replay one seed and print its trace', int)
  .option('--seeds <n>', 'run this many seeds', int)
  .option('--from <n>', 'first seed of a --seeds run', int, 1)
  .option('--nodes <n>', 'cluster size (default: chosen by the seed, 3 or 5)', int)
  .option('--ticks <n>', 'ticks of the fault phase', int)
  .option('--schedule <kind>', 'random, rejoin or step (default: the seed picks, one in ten rejoin, one in ten of the rest with step-mode windows)')
  .option('--amnesia', 'nodes that lose their disk restart empty (unsafe: expect SAFETY failures)')
  .option('--membership <on|off>', 'membership changes in the fault phase (default: the seed picks, about half)')
  .option('--config-early <n>', 'configurations take effect n slots early (a broken rule: expect SAFETY failures)', int)
  .parse(process.argv.slice(2).filter((a) => a !== '--'), { from: 'user' });

const opts = program.opts<{ seed?: number; seeds?: number; from: number; nodes?: number; ticks?: number; schedule?: string; amnesia?: boolean; membership?: string; configEarly?: number }>();
if (opts.membership !== undefined && opts.membership !== 'on' && opts.membership !== 'off') program.error('--membership is on or off');
if (opts.schedule !== undefined && opts.schedule !== 'random' && opts.schedule !== 'rejoin' && opts.schedule !== 'step') program.error('--schedule is random, rejoin or step');
const extra = {
  ...(opts.nodes ? { nodes: opts.nodes } : {}),
  ...(opts.ticks ? { faultTicks: opts.ticks } : {}),
  ...(opts.schedule === 'random' || opts.schedule === 'rejoin' || opts.schedule === 'step' ? { schedule: opts.schedule as 'random' | 'rejoin' | 'step' } : {}),
  ...(opts.amnesia ? { amnesia: true } : {}),
  ...(opts.membership !== undefined ? { membership: opts.membership === 'on' } : {}),
  ...(opts.configEarly !== undefined ? { configEarlyBy: opts.configEarly } : {}),
};

if (opts.seed !== undefined) {
  const r = simulate({ seed: opts.seed, ...extra, traceLines: 100_000 });
  console.log(r.trace.join('\n'));
  console.log(JSON.stringify(r.stats));
  console.log(r.ok ? `seed=${r.seed} ok` : formatFailure(r));
  process.exitCode = r.ok ? 0 : 1;
} else {
  const count = opts.seeds ?? 1000;
  const total: SimStats = { nodes: 0, ticks: 0, messagesSent: 0, dropped: 0, duplicated: 0, crashes: 0, restarts: 0, partitions: 0, leaderChanges: 0, slotsChosen: 0, commandsAcked: 0, faults: 0, compactions: 0, snapshotsInstalled: 0, healsWatched: 0, rejoinDisruptions: 0, disksLost: 0, readsServed: 0, readsFailed: 0, leaseReads: 0, freezes: 0, stepWindows: 0, steps: 0, configChanges: 0, transfers: 0, removed: 0 };
  const started = performance.now();
  let failed = 0;
  let ran = 0;
  for (let seed = opts.from; seed < opts.from + count; seed++) {
    ran += 1;
    const r = simulate({ seed, ...extra });
    for (const k of Object.keys(total) as (keyof SimStats)[]) total[k] += r.stats[k];
    if (!r.ok) {
      failed += 1;
      console.log(formatFailure(r));
      break;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${ran - failed} passed, ${failed} failed in ${seconds.toFixed(1)} s`);
  console.log(`messages=${total.messagesSent} dropped=${total.dropped} duplicated=${total.duplicated} crashes=${total.crashes} partitions=${total.partitions} faults=${total.faults + total.dropped + total.duplicated} leaderChanges=${total.leaderChanges} slotsChosen=${total.slotsChosen} acked=${total.commandsAcked} compactions=${total.compactions} snapshotsInstalled=${total.snapshotsInstalled} disksLost=${total.disksLost} readsServed=${total.readsServed} readsFailed=${total.readsFailed} leaseReads=${total.leaseReads} freezes=${total.freezes} stepWindows=${total.stepWindows} steps=${total.steps} configChanges=${total.configChanges} transfers=${total.transfers} removed=${total.removed}`);
  console.log(`rejoin: ${total.healsWatched} heals watched, ${total.rejoinDisruptions} leader changes caused by a rejoining node`);
  process.exitCode = failed > 0 ? 1 : 0;
}
