// `paxos-cli bench`: a closed-loop load generator against a paxos-cli cluster (its own fresh
// one by default, or a running one) or an etcd cluster, with the same loop and the same
// latency accounting for both. Prints a table, or one JSON object with --json.
import { asSubcommand, parseSubcommand } from '../command/subcommand.js';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { BenchError, type BenchTarget } from './bench-target.js';
import { EtcdTarget } from './etcd-target.js';
import { formatTable, type BenchReport } from './format-report.js';
import { PaxosTarget, type BenchReadMode } from './paxos-target.js';
import { progressPrinter } from './progress.js';
import { runWorkload, verifyWrites, type VerifyResult } from './workload.js';
import { benchJson } from './bench-json.js';
import { jsonLine } from '../json/contract.js';
import type { RestartResult } from './paxos-target.js';
import { OpSampler } from '../runs/op-sampler.js';
import { RunRecorder, runFilesJson, runFilesText, type RunFiles } from '../runs/run-recorder.js';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const DEFAULT_DURATION_SEC = 10;

export interface BenchOptions {
  target: 'paxos' | 'etcd';
  nodes: number;
  cluster?: string;
  endpoints?: string;
  clients: number;
  duration?: number;
  warmup: number;
  ops?: number;
  valueSize: number;
  readRatio: number;
  readMode: BenchReadMode;
  keys: number;
  json: boolean;
  verify: boolean;
  measureRestart: boolean;
  dataDir?: string;
  tickMs?: number;
  insecure: boolean;
  /** --trace: the fresh cluster records its messages (off by default: the figures are the product's speed). */
  trace?: boolean;
  quiet: boolean;
  /** false with --no-record: no run folder. */
  record: boolean;
  runsDir: string;
}

const int = (name: string, min: number, max: number) => (raw: string): number => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  return n;
};

const num = (name: string, min: number, max: number) => (raw: string): number => {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}, got "${raw}".`);
  return n;
};

function buildProgram(): Command {
  return asSubcommand(
    new Command('paxos-cli bench')
    .description('Closed-loop load: C clients, each with one operation in flight, for S seconds; prints ops/s and latency percentiles per operation')
    .addOption(new Option('--target <system>', 'what to measure').choices(['paxos', 'etcd']).default('paxos'))
    .option('--nodes <n>', 'size of the fresh paxos cluster the bench starts (ignored with --cluster)', int('--nodes', 1, 9), 5)
    .option('--cluster <file>', 'bench a running paxos cluster described by this cluster file (e.g. paxos-data/cluster.json)')
    .option('--endpoints <urls>', 'etcd client URLs, comma-separated (with --target etcd), e.g. http://127.0.0.1:2379')
    .option('-c, --clients <c>', 'concurrent clients, each with one operation in flight', int('--clients', 1, 4096), 16)
    .option('-d, --duration <s>', 'seconds to run (default 10, or until --ops are done)', num('--duration', 0.1, 86_400))
    .option('--warmup <s>', 'seconds of the same load before measuring, on other keys (JIT, connections, caches)', num('--warmup', 0, 3600), 2)
    .option('--ops <n>', 'stop after this many operations (the duration still caps the run)', int('--ops', 1, 1e9))
    .option('--value-size <bytes>', 'bytes per written value', int('--value-size', 1, 64 * 1024), 100)
    .option('--read-ratio <r>', 'fraction of operations that are linearizable gets, 0 to 1', num('--read-ratio', 0, 1), 0)
    .addOption(
      new Option('--read-mode <mode>', 'paxos gets: index (read index, linearizable), lease (leader lease, linearizable), log (a log slot each, linearizable), local (one node\'s state, may be stale)')
        .choices(['index', 'lease', 'log', 'local'])
        .default('index'),
    )
    .option('--keys <k>', 'number of distinct keys', int('--keys', 1, 1e8), 1000)
    .option('--json', 'print one JSON object instead of a table', false)
    .option('--verify', 'afterwards, read every written key back and compare with its last acknowledged write', false)
    .option('--measure-restart', 'afterwards, SIGKILL a follower and time its restart back to serving (own cluster only)', false)
    .option('--data-dir <dir>', 'data dir of the fresh cluster (kept afterwards; default: a temp dir, removed)')
    .addOption(new Option('--tick-ms <ms>', 'node tick length').argParser(int('--tick-ms', 1, 1000)).hideHelp())
    .option('-q, --quiet', 'no progress output', false)
    .option('--insecure', 'no CURVE on the links of the fresh cluster (to measure what CURVE costs; debugging only)', false)
    .option('--trace', 'the fresh cluster records its messages (node-N/messages.ndjson, drawn in the report); off by default, as it costs ~5 % of write throughput')
    // The default since tracing became opt-in; still taken, so old scripts run unchanged.
    .addOption(new Option('--no-trace', 'no message trace (the default)').hideHelp())
    .option('--runs-dir <dir>', 'where the run folder goes: DIR/<UTC time>-bench/ with summary, a sampled history, node logs (and traces, with --trace), report.html', 'paxos-runs')
    .option('--no-record', 'write no run folder'),
    'bench',
  );
}

/** Parses `paxos-cli bench` arguments (without "bench"); returns options or an exit code. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions | number {
  const parsed = parseSubcommand<BenchOptions>(buildProgram(), argv);
  if (typeof parsed === 'number') return parsed;
  const o = parsed;
  const usage = (msg: string): number => {
    process.stderr.write(`paxos-cli bench: ${msg} (see paxos-cli bench --help)\n`);
    if (o.json) process.stdout.write(jsonLine('bench', false, { exitCode: EXIT_USAGE }, msg) + '\n');
    return EXIT_USAGE;
  };
  if (o.target === 'etcd' && (o.endpoints === undefined || o.endpoints.trim() === '')) {
    return usage('--target etcd needs --endpoints URL[,URL...], e.g. --endpoints http://127.0.0.1:2379');
  }
  if (o.target === 'paxos' && o.endpoints !== undefined) return usage('--endpoints is for --target etcd; use --cluster FILE for a running paxos cluster');
  if (o.target === 'etcd' && (o.cluster !== undefined || o.measureRestart || o.dataDir !== undefined)) {
    return usage('--cluster, --data-dir and --measure-restart apply to --target paxos only');
  }
  if (o.cluster !== undefined && (o.measureRestart || o.dataDir !== undefined)) {
    return usage('--measure-restart and --data-dir need the bench\'s own cluster; leave out --cluster');
  }
  if (o.trace === true && (o.target === 'etcd' || o.cluster !== undefined)) {
    return usage('--trace applies to the bench\'s own paxos cluster; a running cluster traces as its nodes were started (paxos-cli node --trace)');
  }
  if (o.dataDir !== undefined) o.dataDir = path.resolve(o.dataDir);
  return o;
}

export async function runBenchCommand(argv: string[]): Promise<number> {
  const parsed = parseBenchArgs(argv);
  if (typeof parsed === 'number') return parsed;
  const o = parsed;
  const say = (line: string): void => {
    if (!o.quiet) process.stderr.write(`${line}\n`);
  };
  let target: BenchTarget | null = null;
  // Ctrl-C: stop the load and report what ran, marked interrupted; a second Ctrl-C quits.
  const stop = new AbortController();
  const interrupt = (): boolean => {
    if (stop.signal.aborted) return false;
    stop.abort();
    say('bench: interrupted: stopping the load and reporting what ran (Ctrl-C again quits now)');
    return true;
  };
  const onSigint = (): void => {
    if (!interrupt()) process.exit(130);
  };
  // The run folder: made first, so an interrupted run leaves one; a second Ctrl-C exits the
  // process, and this 'exit' listener, added before the cluster's own (which removes its temp
  // dir), saves what was gathered first.
  let recorder: RunRecorder | null = null;
  const sample = new OpSampler();
  let measured = false;
  const saveRun = (result: Record<string, unknown> | null, interrupted: boolean): RunFiles | null => {
    if (recorder === null || recorder.finished !== null) return recorder?.finished ?? null;
    const own = target instanceof PaxosTarget ? target.ownDataDir : null;
    return recorder.finish({ dataDir: own, history: measured ? sample.toHistory() : null, result, verdict: 'none', interrupted, historySampled: true, historyOpCount: sample.offered, traced: o.trace === true });
  };
  const onExit = (): void => {
    if (recorder?.finished !== null) return;
    const files = saveRun(null, true);
    if (files !== null) process.stderr.write(runFilesText(files).join('\n') + '\n');
  };
  process.on('exit', onExit);
  try {
    if (o.record) recorder = RunRecorder.start('bench', o.target === 'paxos' && o.cluster === undefined ? Array.from({ length: o.nodes }, (_, i) => i + 1) : [], { runsDir: o.runsDir });
    if (o.target === 'etcd') {
      const endpoints = o.endpoints!.split(',').map((e) => e.trim()).filter((e) => e !== '');
      say(`bench: connecting to etcd at ${endpoints.join(', ')}`);
      target = await EtcdTarget.connect(endpoints);
    } else if (o.cluster !== undefined) {
      say(`bench: connecting to the paxos cluster in ${o.cluster}`);
      target = await PaxosTarget.running(o.cluster);
    } else {
      say(`bench: starting a fresh ${o.nodes}-node paxos cluster`);
      target = await PaxosTarget.ownCluster({
        nodes: o.nodes,
        ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
        ...(o.tickMs !== undefined ? { tickMs: o.tickMs } : {}),
        insecure: o.insecure,
        trace: o.trace === true,
        onNodeError: (line) => process.stderr.write(`${line}\n`),
        firstInterrupt: interrupt,
      });
    }
    if (target instanceof PaxosTarget) target.readMode = o.readMode;
    const own = target instanceof PaxosTarget ? target.ownSupervisor : null;
    if (own !== null) recorder?.listen({ sup: own });
    // Other targets have no supervisor hooks: this process takes the signal itself.
    if (!(target instanceof PaxosTarget) || o.cluster !== undefined) process.on('SIGINT', onSigint);
    if (o.warmup > 0) {
      say(`bench: warming up for ${o.warmup} s`);
      const warm = { clients: o.clients, durationSec: o.warmup, valueSize: o.valueSize, readRatio: o.readRatio, keys: o.keys };
      await runWorkload(target, { ...warm, trackWrites: false, keyPrefix: 'warmup', signal: stop.signal });
    }
    const serverCpuBefore = (await target.serverCpuSeconds?.()) ?? null;
    const clientCpuBefore = process.cpuUsage();
    const progress = o.quiet ? null : progressPrinter(process.stderr, `bench ${target.name} c=${o.clients}`);
    const result = await runWorkload(
      target,
      {
        clients: o.clients,
        durationSec: o.duration ?? (o.ops !== undefined ? 86_400 : DEFAULT_DURATION_SEC),
        ...(o.ops !== undefined ? { maxOps: o.ops } : {}),
        valueSize: o.valueSize,
        readRatio: o.readRatio,
        keys: o.keys,
        trackWrites: o.verify,
        signal: stop.signal,
        ...(recorder !== null ? { sample } : {}),
      },
      progress?.update,
    );
    progress?.done();
    measured = true;
    const cpu = cpuReport(serverCpuBefore, (await target.serverCpuSeconds?.()) ?? null, process.cpuUsage(clientCpuBefore), result.set.ops + result.get.ops);
    const report: BenchReport = {
      target: target.name,
      clients: o.clients,
      valueSize: o.valueSize,
      readRatio: o.readRatio,
      keys: o.keys,
      durationSec: Math.round(result.elapsedSec * 100) / 100,
      set: result.set,
      get: result.get,
      errors: result.errors,
      cpu,
      ...(stop.signal.aborted ? { interrupted: true } : {}),
      ...(await target.describe()),
    };
    const extra: { verify?: VerifyResult; restart?: RestartResult } = {};
    if (o.verify) {
      say(`bench: reading back ${result.lastWrites.size} keys`);
      extra.verify = await verifyWrites(target, result.lastWrites);
    }
    if (o.measureRestart && target instanceof PaxosTarget && !stop.signal.aborted) {
      say('bench: restarting a follower');
      extra.restart = await target.measureRestart();
    }
    const failedVerify = extra.verify !== undefined && extra.verify.mismatches > 0;
    const failure = failedVerify ? `${extra.verify!.mismatches} key(s) read back other than their last acknowledged write` : undefined;
    // The nodes stop before their files are copied, so the traces end whole.
    recorder?.faults.stop();
    if (target instanceof PaxosTarget) await target.stopNodes();
    const files = saveRun(benchJson(report, extra), stop.signal.aborted);
    if (o.json) process.stdout.write(jsonLine('bench', !failedVerify, { ...benchJson(report, extra), ...runFilesJson(files) }, failure) + '\n');
    else {
      process.stdout.write(formatTable(report));
      if (extra.verify !== undefined) process.stdout.write(`verify: ${JSON.stringify(extra.verify)}\n`);
      if (extra.restart !== undefined) process.stdout.write(`restart: ${JSON.stringify(extra.restart)}\n`);
      if (Array.isArray(report.nodeStats)) process.stdout.write(`nodes: ${JSON.stringify(report.nodeStats)}\n`);
      if (files !== null) process.stdout.write(runFilesText(files).join('\n') + '\n');
    }
    return failedVerify ? EXIT_FAILURE : EXIT_OK;
  } catch (err) {
    if (err instanceof BenchError || (err as { code?: unknown }).code !== undefined) {
      process.stderr.write(`paxos-cli bench: ${(err as Error).message}\n`);
      if (o.json) process.stdout.write(jsonLine('bench', false, { exitCode: EXIT_FAILURE }, (err as Error).message) + '\n');
      return EXIT_FAILURE;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    if (recorder !== null && recorder.finished === null) {
      // It failed before its report: the folder keeps what there is.
      recorder.faults.stop();
      if (target instanceof PaxosTarget) await target.stopNodes().catch(() => undefined);
      const files = saveRun(null, stop.signal.aborted);
      if (files !== null) process.stderr.write(runFilesText(files).join('\n') + '\n');
    }
    process.off('exit', onExit);
    await target?.close().catch(() => undefined);
  }
}

/**
 * CPU actually consumed during the measured run (from /proc, so it is immune to how busy the
 * machine was): per server process, in total, and per operation; plus the load generator's own.
 */
function cpuReport(before: (number | null)[] | null, after: (number | null)[] | null, client: NodeJS.CpuUsage, ops: number) {
  const clientSec = (client.user + client.system) / 1e6;
  const perOp = (sec: number) => (ops > 0 ? Math.round((sec * 1e6) / ops) : 0);
  const base = { clientSec: Math.round(clientSec * 100) / 100, clientUsPerOp: perOp(clientSec) };
  if (before === null || after === null || before.length !== after.length) return base;
  const servers = after.map((a, i) => (a === null || before[i] == null ? null : Math.round((a - before[i]!) * 100) / 100));
  if (servers.some((s) => s === null)) return { ...base, serverSec: servers };
  const total = servers.reduce<number>((sum, s) => sum + s!, 0);
  return { ...base, serverSec: servers, serverTotalSec: Math.round(total * 100) / 100, serverUsPerOp: perOp(total) };
}
