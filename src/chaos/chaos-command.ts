// `paxos-cli chaos --nodes N`: brings up a fresh cluster of its own (a temp dir, or --data-dir),
// runs the chaos workload and nemesis against it, prints the report (or one JSON object), stops
// every node. Exit 0 only if the logs agree, the nodes converged and the history is linearizable.
import { asSubcommand, parseSubcommand } from '../command/subcommand.js';
import { guardTempDir } from '../cluster/temp-dir-guard.js';
import { randomInt } from 'node:crypto';
import fs from 'node:fs/promises';
import fsSync from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { HistoryRecorder } from '../check/history.js';
import type { ClusterClient } from '../cluster/cluster-client.js';
import { MembershipRunner } from '../cluster/membership-flow.js';
import { openSwitchableClient, type SwitchableClient } from '../cluster/switchable-client.js';
import { watchStart } from '../cluster/watch-start.js';
import { MAX_NODES, prepareCluster } from '../cluster/data-dir.js';
import { CHAOS_DEFAULTS } from './chaos-defaults.js';
import { FaultControl } from '../cluster/fault-control.js';
import { installShutdownHooks, Supervisor } from '../cluster/supervisor.js';
import { CHAOS_EXIT, chaosExitCode, chaosJson, chaosReasons, formatChaosReport } from './chaos-report.js';
import { jsonLine } from '../json/contract.js';
import { runChaos, type ChaosProgress, type MembershipFaults } from './chaos-run.js';
import { RunRecorder, runFilesJson, runFilesText, type RunFiles } from '../runs/run-recorder.js';
import { DEFAULT_FAULT_KINDS, FAULT_KINDS, type FaultKind } from './nemesis.js';

export interface ChaosCommandOptions {
  nodes: number;
  duration: number;
  clients: number;
  keys: number;
  seed?: number;
  json: boolean;
  dataDir?: string;
  history?: string;
  tickMs?: number;
  quiet: boolean;
  insecure: boolean;
  /** false with --no-record: no run folder. */
  record: boolean;
  /** --trace: message traces even without a run folder (with one they are always on). */
  trace?: boolean;
  runsDir?: string;
  faults: readonly FaultKind[];
  shortTimeouts: number;
}

/** Above the nodes' request timeout (3 s), so a leader's "no quorum" answer arrives first. */
const CLIENT_TIMEOUT_MS = 4000;
const LEADER_WAIT_MS = 30_000;

function faultKinds(raw: string): FaultKind[] {
  const kinds = raw.split(',').map((k) => k.trim()).filter((k) => k !== '');
  const bad = kinds.find((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (bad !== undefined || kinds.length === 0) {
    throw new InvalidArgumentError(`--faults takes a comma-separated list of ${FAULT_KINDS.join(', ')}${bad !== undefined ? `; "${bad}" is none of them` : ''}.`);
  }
  return [...new Set(kinds)] as FaultKind[];
}

const int = (name: string, min: number, max: number) => (raw: string): number => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  return n;
};

function buildProgram(): Command {
  return asSubcommand(
    new Command('paxos-cli chaos')
    .description('Fresh cluster + concurrent sets/gets/deletes while a seeded nemesis SIGKILLs, SIGSTOPs, partitions and slows nodes (leader too), and with --faults membership replaces nodes and transfers leadership; then heal, diff, and check linearizability')
    .option('--nodes <n>', `cluster size, 3 to ${MAX_NODES}`, int('--nodes', 3, MAX_NODES), 5)
    .option('-d, --duration <s>', 'seconds of workload under faults', int('--duration', 1, 86_400), CHAOS_DEFAULTS.durationSec)
    .option('-c, --clients <c>', 'concurrent clients, one operation in flight each', int('--clients', 1, 256), CHAOS_DEFAULTS.clients)
    .option('--keys <k>', 'distinct keys (fewer keys, more contention)', int('--keys', 1, 10_000), CHAOS_DEFAULTS.keys)
    .option('--seed <n>', 'nemesis and workload seed (default: random, printed)', int('--seed', 0, 2 ** 31 - 1))
    .option('--json', 'print one JSON object instead of the report', false)
    .option('--data-dir <dir>', 'data dir of the fresh cluster (wiped first, kept afterwards; default: a temp dir, removed)')
    .option('--history <file>', 'where to save the operation history (default: a file in the temp dir of the OS)')
    .option('--faults <kinds>', `fault kinds the nemesis picks from, comma-separated, of ${FAULT_KINDS.join(',')} (default: all but membership, which replaces a follower or transfers leadership)`, faultKinds, [...DEFAULT_FAULT_KINDS])
    .option('--short-timeouts <pct>', 'per cent of operations given a 50-300 ms client timeout, so faults leave unknown outcomes (default 20)', int('--short-timeouts', 0, 100), 20)
    .addOption(new Option('--tick-ms <ms>', 'node tick length').argParser(int('--tick-ms', 1, 1000)).hideHelp())
    .option('-q, --quiet', 'no progress lines on stderr', false)
    .option('--insecure', 'no CURVE keys on the links (for debugging only)', false)
    .option('--runs-dir <dir>', 'where the run folder goes: DIR/<UTC time>-chaos/ with summary, history, faults, node logs and traces, report.html', 'paxos-runs')
    .option('--no-record', 'write no run folder (and, without --trace, no message traces)')
    .option('--trace', 'nodes record their messages (node-N/messages.ndjson) even with --no-record; a run folder always has them'),
    'chaos',
  );
}

/** Parses `paxos-cli chaos` arguments (without "chaos"); returns options or an exit code. */
export function parseChaosArgs(argv: readonly string[]): ChaosCommandOptions | number {
  return parseSubcommand<ChaosCommandOptions>(buildProgram(), argv);
}

export async function runChaosCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseChaosArgs(argv);
  if (typeof parsed === 'number') return parsed;
  const o = parsed;
  const seed = o.seed ?? randomInt(2 ** 31 - 1);
  const removeDir = o.dataDir === undefined;
  const dataDir = o.dataDir !== undefined ? path.resolve(o.dataDir) : await fs.mkdtemp(path.join(os.tmpdir(), 'paxos-chaos-'));
  const releaseGuard = removeDir ? guardTempDir(dataDir) : () => undefined;
  const historyPath = path.resolve(o.history ?? path.join(os.tmpdir(), `paxos-chaos-${seed}-${Date.now().toString(36)}.json`));
  const say = (line: string) => {
    if (!o.quiet) process.stderr.write(line + '\n');
  };
  say(`chaos: seed ${seed} (replay the schedule with --seed ${seed}), ${o.nodes} nodes, ${o.duration} s, ${o.clients} clients, ${o.keys} keys`);

  let sup: Supervisor | null = null;
  let client: SwitchableClient | null = null;
  let faults: FaultControl | null = null;
  let removeHooks: () => void = () => undefined;
  let started: AbortController | null = null;
  // Made first, so a run cut short still leaves its folder; filled before the data dir goes.
  let recorder: RunRecorder | null = null;
  let history: HistoryRecorder | null = null;
  // The report draws the messages, so a run folder means traces; without one only --trace asks.
  const trace = o.record || o.trace === true;
  const saveRun = (result: Record<string, unknown> | null, verdict: 'pass' | 'fail' | 'undecided' | 'none', interrupted: boolean, check?: Parameters<RunRecorder['finish']>[0]['check']): RunFiles | null =>
    recorder?.finish({ dataDir, history: history?.toJSON() ?? null, result, verdict, interrupted, traced: trace, ...(check !== undefined ? { check } : { checkTimeLimitMs: 5000 }) }) ?? null;
  /** The report is out: a Ctrl-C now only waits for the nodes to stop (the exit code stands). */
  let reported = false;
  try {
    if (o.record) recorder = RunRecorder.start('chaos', Array.from({ length: o.nodes }, (_, i) => i + 1), o.runsDir !== undefined ? { runsDir: o.runsDir } : {});
    const prepared = await prepareCluster({ dataDir, size: o.nodes, basePort: undefined, fresh: true, insecure: o.insecure });
    const s = new Supervisor({
      cluster: prepared.cluster,
      clusterFile: prepared.clusterFile,
      dataDir,
      nodeArgs: [...(o.tickMs === undefined ? [] : ['--tick-ms', String(o.tickMs)]), ...(o.insecure ? ['--insecure'] : [])],
      trace,
    });
    sup = s;
    recorder?.listen({ sup: s });
    s.onEvent((e) => {
      if (e.type === 'stderr') say(`node ${e.id}: ${e.line}`);
      if (e.type === 'exited' && !e.requested) say(`node ${e.id} exited unexpectedly (code ${e.code ?? '-'}, signal ${e.signal ?? '-'})`);
    });
    removeHooks = installShutdownHooks(s, undefined, {
      // Ctrl-C: stop the faults, then heal, converge, check and report what ran; a second quits.
      firstInterrupt: () => {
        if (reported) return true;
        if (started === null || started.signal.aborted) return false;
        say('chaos: interrupted: stopping the faults, then healing, checking and reporting (Ctrl-C again quits now)');
        started.abort();
        return true;
      },
      afterStop: () => {
        // A second Ctrl-C: keep what was gathered, then remove the temp dir.
        if (!reported && recorder?.finished === null) {
          const files = saveRun(null, 'none', true);
          if (files !== null) process.stderr.write(runFilesText(files).join('\n') + '\n');
        }
        if (removeDir) fsSync.rmSync(dataDir, { recursive: true, force: true });
        // A history being written when the second Ctrl-C came: its temp file, never half a history.
        fsSync.rmSync(`${historyPath}.${process.pid}.tmp`, { force: true });
      },
    });
    releaseGuard();
    await s.start();
    // Reopened over the new node list after each membership change (SwitchableClient).
    const c = await openSwitchableClient(prepared.cluster, { clientId: `chaos-${process.pid}`, timeoutMs: CLIENT_TIMEOUT_MS, auth: prepared.auth });
    client = c;
    faults = new FaultControl(s, c);
    recorder?.listen({ faults });
    await waitForWrite(client);
    let lastPrinted = '';
    const onProgress = (p: ChaosProgress) => {
      const key = `${p.phase}:${Math.floor(p.elapsedMs / 5000)}`;
      if (key === lastPrinted) return;
      lastPrinted = key;
      say(`chaos: ${p.phase} ${Math.round(p.elapsedMs / 1000)}/${Math.round(p.durationMs / 1000)} s, ${p.ops} ops, ${p.faults} faults; ${p.faultLine}`);
    };
    started = new AbortController();
    history = new HistoryRecorder();
    const report = await runChaos(
      { sup: s, client, faults, dataDir, history, ...(o.faults.includes('membership') ? { membership: membershipFaults(s, c, prepared.clusterFile, say) } : {}) },
      { durationMs: o.duration * 1000, clients: o.clients, keys: o.keys, seed, historyPath, signal: started.signal, faultKinds: o.faults, shortTimeoutPercent: o.shortTimeouts },
      onProgress,
    );
    const exitCode = chaosExitCode(report);
    const reasons = chaosReasons(report);
    // The nodes stop before their files are copied, so the traces end whole.
    recorder?.faults.stop();
    await s.stopAll();
    const files = saveRun(chaosJson(report), exitCode === CHAOS_EXIT.passed ? 'pass' : exitCode === CHAOS_EXIT.undecided ? 'undecided' : 'fail', report.stopped, report.check);
    const json = jsonLine('chaos', exitCode === CHAOS_EXIT.passed, { ...chaosJson(report), ...runFilesJson(files) }, reasons.length > 0 ? reasons.join('; ') : undefined);
    process.stdout.write(o.json ? json + '\n' : [...formatChaosReport(report), ...(files !== null ? runFilesText(files) : [])].join('\n') + '\n');
    reported = true;
    return exitCode;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string') throw err;
    process.stderr.write(`paxos-cli chaos: ${(err as Error).message}\n`);
    if (o.json) process.stdout.write(jsonLine('chaos', false, { exitCode: CHAOS_EXIT.failed }, (err as Error).message) + '\n');
    return CHAOS_EXIT.failed;
  } finally {
    releaseGuard();
    faults?.dispose();
    await client?.close().catch(() => undefined);
    recorder?.faults.stop();
    await sup?.stopAll();
    if (recorder !== null && recorder.finished === null) {
      // It failed before its report (no leader, a port in use): the folder keeps what there is.
      const files = saveRun(null, 'none', false);
      if (files !== null) process.stderr.write(runFilesText(files).join('\n') + '\n');
    }
    removeHooks();
    if (removeDir) await fs.rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Chaos's membership faults: the flows of `replace N`, `transfer N` and `add` over the run's cluster. */
function membershipFaults(sup: Supervisor, client: ClusterClient, clusterFile: string, say: (line: string) => void): MembershipFaults {
  const runner = new MembershipRunner({
    client,
    clusterFile,
    ids: () => sup.ids,
    isAlive: (id) => sup.isAlive(id),
    local: {
      spawn: (id) => {
        const started = watchStart(sup, id);
        sup.addNode(id);
        return started;
      },
      stop: (id) => sup.stop(id),
      waitExit: (id, ms) => sup.waitExit(id, ms),
    },
    noteAdded: () => undefined,
    noteRemoved: (id) => sup.markRemoved(id),
    onCluster: () => undefined,
    progress: (line) => say(`chaos: membership: ${line}`),
    // Bounded, so a change that cannot finish does not stall the run for minutes.
    timing: { changeMs: 15_000, catchUpMs: 30_000, transferMs: 10_000, exitMs: 10_000 },
  });
  return { replace: (id) => runner.replace(id), transfer: (id) => runner.transfer(id), add: () => runner.add() };
}

/** A write that succeeds proves a leader and a quorum. */
async function waitForWrite(client: ClusterClient): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  let last = '';
  while (Date.now() < deadline) {
    try {
      await client.set('chaos-warmup', 'x');
      return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw Object.assign(new Error(`the cluster did not accept a write within ${LEADER_WAIT_MS / 1000} s (${last})`), { code: 'no-leader' });
}
