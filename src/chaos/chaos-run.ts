// One chaos run against a supervised cluster: C workers issue sets, gets and deletes (every op
// recorded in the history, every written value unique; a seeded share of them with a client
// timeout of a few hundred ms, so faults leave operations of unknown outcome behind) while a
// seeded nemesis injects one fault at a time (SIGKILL a follower or the leader, partition a
// minority or the leader's side, isolate the leader, SIGSTOP a node, slow a node's links),
// holds it, and repairs it; asked for, it also changes the membership (replaces a follower by a
// new node, or transfers leadership), so the node ids change during the run: every fault, the
// healing and the final checks take the members of the moment (sup.ids). Then: heal (SIGCONT, no partition, restart the dead), wait for every
// node to hold the same state, diff the logs, check the history, report.
import { setTimeout as sleep } from 'node:timers/promises';
import { checkHistory, type CheckResult } from '../check/linearizability.js';
import { HISTORY_VERSION, writeHistoryFile, type History, type HistoryRecorder, type Operation } from '../check/history.js';
import { recordOp } from '../check/record-op.js';
import { collectLogs } from '../cluster/collect-logs.js';
import type { ClusterClient } from '../cluster/cluster-client.js';
import { diffLogs } from '../cluster/diff-logs.js';
import type { FaultControl } from '../cluster/fault-control.js';
import type { Supervisor } from '../cluster/supervisor.js';
import { NO_FAULTS } from '../protocol/fault-rules.js';
import { seededRng, type Rng } from '../paxos/rng.js';
import { DEFAULT_FAULT_KINDS, FAULT_KINDS, faultNodes, planFault, type FaultKind, type FaultPlan, type MembershipAction } from './nemesis.js';

export interface ChaosOptions {
  readonly durationMs: number;
  readonly clients: number;
  readonly keys: number;
  readonly seed: number;
  /** Where the run's history is saved. */
  readonly historyPath: string;
  /** Quiet time between faults, and how long a fault is held (uniform in each range). */
  readonly calmMs?: readonly [number, number];
  readonly holdMs?: readonly [number, number];
  readonly convergeTimeoutMs?: number;
  readonly checkTimeLimitMs?: number;
  /** The fault kinds the nemesis picks from (default: every kind but membership). */
  readonly faultKinds?: readonly FaultKind[];
  /** Per cent of operations given a short client timeout (default 20), and its range in ms. */
  readonly shortTimeoutPercent?: number;
  readonly shortTimeoutMs?: readonly [number, number];
  /** Aborting ends the fault phase early; the run still heals, converges, checks and reports. */
  readonly signal?: AbortSignal;
}

export interface ChaosDeps {
  readonly sup: Pick<Supervisor, 'ids' | 'isAlive' | 'kill' | 'restart' | 'onEvent' | 'reportedLeader' | 'pause' | 'resume' | 'isPaused' | 'resumeAll'>;
  readonly client: ClusterClient;
  readonly faults: FaultControl;
  readonly dataDir: string;
  /** The run records into it (a REPL session's history, so `check` sees chaos too). */
  readonly history: HistoryRecorder;
  /** Carries out membership faults (the membership flows over the cluster file); needed for that kind. */
  readonly membership?: MembershipFaults;
}

/** One membership step as the flows report it (src/cluster/membership-flow.ts). */
export interface MembershipStep {
  readonly ok: boolean;
  readonly text: string;
  readonly error?: string;
}

export interface MembershipFaults {
  replace(node: number): Promise<MembershipStep>;
  transfer(node: number): Promise<MembershipStep>;
  /** A voter added: after a replace that removed its node but failed to add the new one. */
  add(): Promise<MembershipStep>;
}

/** A membership fault as carried out: what was asked, and how it ended. */
export interface MembershipChange {
  readonly atMs: number;
  readonly action: MembershipAction | 'add';
  readonly node: number | null;
  readonly ok: boolean;
  readonly text: string;
}

export type ChaosPhase = 'running' | 'healing' | 'converging' | 'checking' | 'done';

export interface ChaosProgress {
  readonly phase: ChaosPhase;
  readonly elapsedMs: number;
  readonly durationMs: number;
  readonly ops: number;
  readonly faults: number;
  /** The fault in force (or the last action), one line. */
  readonly faultLine: string;
}

export interface ChaosReport {
  readonly seed: number;
  readonly nodes: number;
  /** How long faults ran: the requested duration, or less when the run was stopped. */
  readonly durationMs: number;
  readonly stopped: boolean;
  readonly clients: number;
  readonly keys: number;
  readonly ops: number;
  readonly ok: number;
  readonly failed: number;
  readonly unknown: number;
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly faultsTotal: number;
  readonly leaderChanges: number;
  readonly noLeaderMs: number;
  readonly maxUnavailableMs: number;
  readonly converged: boolean;
  readonly convergeMs: number;
  readonly conflicts: number;
  readonly unreadable: readonly { node: number; error: string }[];
  readonly linearizable: boolean | 'unknown';
  readonly checkMs: number;
  readonly check: CheckResult;
  readonly history: string;
  /** Faults as injected, with their time offset (ms) into the run. */
  readonly timeline: readonly { atMs: number; text: string }[];
  /** Each fault from injection to repair, in ms since the run started (for fault bands). */
  readonly faultSpans: readonly FaultSpan[];
  /** Membership faults, each with its outcome (empty unless the membership kind ran). */
  readonly membershipChanges: readonly MembershipChange[];
  /** The member nodes when the run ended (they change with membership faults). */
  readonly finalNodes: readonly number[];
}

export interface FaultSpan {
  readonly kind: FaultKind;
  /** The nodes it hits (nemesis.ts faultNodes: for a partition, its minority side). */
  readonly nodes: readonly number[];
  /** Injection began, and repair ended (or healing, for a fault the run stopped inside). */
  readonly startMs: number;
  readonly endMs: number;
  readonly text: string;
}

const DEFAULT_CALM_MS: readonly [number, number] = [200, 700];
const DEFAULT_HOLD_MS: readonly [number, number] = [500, 1500];
/**
 * Most operations get the client's own timeout (above the nodes' request timeout, so a refusal
 * arrives before it); a share gets a short one, which a fault turns into an unknown outcome: the
 * hardest case for the checker, which a run with long timeouts alone never produces.
 */
const DEFAULT_SHORT_TIMEOUT_PERCENT = 20;
const DEFAULT_SHORT_TIMEOUT_MS: readonly [number, number] = [50, 300];
const READY_TIMEOUT_MS = 15_000;
const LEADER_SAMPLE_MS = 50;
/** After a failed op a worker pauses, so a cluster without quorum is not hammered in a loop. */
const ERROR_PAUSE_MS = 25;

export async function runChaos(deps: ChaosDeps, o: ChaosOptions, onProgress: (p: ChaosProgress) => void = () => undefined): Promise<ChaosReport> {
  const { sup, client, faults } = deps;
  const kinds = o.faultKinds ?? DEFAULT_FAULT_KINDS;
  if (kinds.includes('membership') && deps.membership === undefined) {
    throw Object.assign(new Error('membership faults need a cluster file and nodes this process runs (paxos-cli chaos --faults …,membership)'), { code: 'usage' });
  }
  // The members change with membership faults: sup.ids is read afresh wherever it is used.
  const startIds = sup.ids;
  const voterCount = startIds.length;
  const changes: MembershipChange[] = [];
  const startedAt = Date.now();
  let endAt = startedAt + o.durationMs;
  let stopped = false;
  let wake: () => void = () => undefined;
  const woken = new Promise<void>((r) => (wake = r));
  const onAbort = (): void => {
    stopped = true;
    endAt = Math.min(endAt, Date.now());
    wake();
  };
  if (o.signal?.aborted === true) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const running = (): boolean => Date.now() < endAt;
  /** Sleeps until `at` or until the run is stopped. */
  const pause = (at: number): Promise<void> => Promise.race([sleepUntil(at), woken]);
  const firstOp = deps.history.size;
  // Keys of this run only, so the run's slice of a longer history is checkable on its own.
  const keyPrefix = `chaos-${o.seed}-${startedAt.toString(36)}`;
  const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const timeline: { atMs: number; text: string }[] = [];
  const spans: { kind: FaultKind; nodes: readonly number[]; startMs: number; endMs: number | null; text: string }[] = [];
  const sinceStart = (): number => Date.now() - startedAt;
  let faultLine = 'no fault yet';
  let phase: ChaosPhase = 'running';
  const progress = () =>
    onProgress({
      phase,
      elapsedMs: Math.min(endAt, Date.now()) - startedAt,
      durationMs: endAt - startedAt,
      ops: deps.history.size - firstOp,
      faults: timeline.length,
      faultLine,
    });
  const ticker = setInterval(progress, 250);
  const leaders = new LeaderWatch(deps);
  leaders.start();

  try {
    progress();
    const timeouts: OpTimeouts = {
      percent: o.shortTimeoutPercent ?? DEFAULT_SHORT_TIMEOUT_PERCENT,
      ms: o.shortTimeoutMs ?? DEFAULT_SHORT_TIMEOUT_MS,
    };
    const workers = Array.from({ length: o.clients }, (_, i) => worker(deps, i, seededRng(o.seed * 7919 + i + 1), keyPrefix, o.keys, timeouts, running));
    const rng = seededRng(o.seed);
    const nemesis = (async () => {
      while (running()) {
        await pause(Math.min(endAt, Date.now() + between(rng, o.calmMs ?? DEFAULT_CALM_MS)));
        if (!running()) break;
        const plan = planFault(rng, sup.ids, leaders.current, kinds);
        const span = { kind: plan.kind, nodes: faultNodes(plan), startMs: sinceStart(), endMs: null as number | null, text: plan.text };
        spans.push(span);
        timeline.push({ atMs: span.startMs, text: plan.text });
        counts[plan.kind] += 1;
        faultLine = plan.text;
        progress();
        if (plan.kind === 'membership') {
          const change = await changeMembership(deps.membership!, plan.action, plan.node, sup.ids.length < voterCount);
          changes.push({ ...change, atMs: span.startMs });
          faultLine = `${change.ok ? 'done' : 'failed'}: ${change.text}`;
        } else await inject(deps, plan);
        await pause(Math.min(endAt, Date.now() + between(rng, o.holdMs ?? DEFAULT_HOLD_MS)));
        faultLine = `repairing: ${plan.text}`;
        await repair(deps, plan);
        span.endMs = sinceStart();
        faultLine = `repaired: ${plan.text}`;
      }
    })();
    await Promise.all([...workers, nemesis]);

    phase = 'healing';
    faultLine = 'healing: continuing paused nodes, no partition or slow link, restarting dead nodes';
    progress();
    sup.resumeAll();
    await faults.set(NO_FAULTS);
    for (const id of sup.ids) if (!sup.isAlive(id)) await restartAndWait(deps, id);
    const healedAtMs = sinceStart();
    leaders.stop();

    phase = 'converging';
    faultLine = 'waiting for every node to hold the same state';
    progress();
    const convergeStart = Date.now();
    const converged = await waitConverged(client, () => sup.ids, o.convergeTimeoutMs ?? 30_000);
    const ids = sup.ids;
    const convergeMs = Date.now() - convergeStart;
    const { logs, unreadable } = await collectLogs({ client, dataDir: deps.dataDir, ids, isAlive: (id) => sup.isAlive(id) });
    const diff = diffLogs(logs, unreadable);

    phase = 'checking';
    faultLine = 'checking linearizability';
    progress();
    const ops = deps.history.toJSON().ops.slice(firstOp);
    const history: History = { version: HISTORY_VERSION, startedAt: new Date(startedAt).toISOString(), ops };
    await writeHistoryFile(o.historyPath, history);
    const checkStart = performance.now();
    const check = checkHistory(ops, { timeLimitMs: o.checkTimeLimitMs ?? 120_000 });
    const checkMs = Math.round(performance.now() - checkStart);
    phase = 'done';
    faultLine = 'done';
    progress();
    const tally = (outcome: Operation['outcome']) => ops.filter((x) => x.outcome === outcome).length;
    return {
      seed: o.seed,
      nodes: startIds.length,
      durationMs: endAt - startedAt,
      stopped,
      clients: o.clients,
      keys: o.keys,
      ops: ops.length,
      ok: tally('ok'),
      failed: tally('failed'),
      unknown: tally('unknown'),
      faults: counts,
      faultsTotal: timeline.length,
      leaderChanges: leaders.changes,
      noLeaderMs: leaders.noLeaderMs,
      maxUnavailableMs: maxUnavailable(ops),
      converged,
      convergeMs,
      conflicts: diff.conflicts,
      unreadable: diff.unreadable,
      linearizable: check.linearizable,
      checkMs,
      check,
      history: o.historyPath,
      timeline,
      faultSpans: spans.map((x) => ({ ...x, endMs: x.endMs ?? healedAtMs })),
      membershipChanges: changes,
      finalNodes: ids,
    };
  } finally {
    // However the run ends (an error included), no node stays stopped.
    sup.resumeAll();
    clearInterval(ticker);
    leaders.stop();
    o.signal?.removeEventListener('abort', onAbort);
  }
}

function between(rng: Rng, [lo, hi]: readonly [number, number]): number {
  return rng.int(Math.round(lo), Math.round(Math.max(lo, hi)));
}

async function sleepUntil(at: number): Promise<void> {
  const ms = at - Date.now();
  if (ms > 0) await sleep(ms);
}

interface OpTimeouts {
  readonly percent: number;
  readonly ms: readonly [number, number];
}

async function worker(deps: ChaosDeps, i: number, rng: Rng, keyPrefix: string, keys: number, timeouts: OpTimeouts, running: () => boolean): Promise<void> {
  const process = `chaos-w${i + 1}`;
  let n = 0;
  while (running()) {
    const key = `${keyPrefix}-k${rng.int(0, keys - 1)}`;
    const dice = rng.int(0, 99);
    // undefined: the client's own timeout.
    const timeoutMs = rng.int(0, 99) < timeouts.percent ? between(rng, timeouts.ms) : undefined;
    const call = timeoutMs === undefined ? {} : { timeoutMs };
    try {
      if (dice < 45) {
        // Unique per run (worker, counter): a read names the one write it saw.
        const value = `w${i + 1}-${++n}`;
        await recordOp(deps.history, process, { op: 'set', key, value }, () => deps.client.set(key, value, call));
      } else if (dice < 85) {
        // Every linearizable way to read, all checked alike: a log slot, a read index at the
        // leader, a read index at a random node (a follower asks the leader), the leader's lease.
        const ids = deps.sup.ids;
        const read: () => Promise<{ value: string | null }> =
          dice < 55
            ? () => deps.client.get(key, call)
            : dice < 65
              ? () => deps.client.read(key, call)
              : dice < 75
                ? () => deps.client.read(key, { ...call, from: ids[rng.int(0, ids.length - 1)]! })
                : () => deps.client.read(key, { ...call, mode: 'lease' });
        await recordOp(deps.history, process, { op: 'get', key }, read);
      } else {
        await recordOp(deps.history, process, { op: 'del', key }, () => deps.client.del(key, call));
      }
    } catch {
      await sleep(ERROR_PAUSE_MS);
    }
  }
}

/**
 * One membership fault, to its end (the flows wait until the change is in force or the new leader
 * leads; they refuse while another change is under way). `short`: a replace before removed its
 * node but did not add one, so this turn adds a voter back instead, keeping the count.
 */
async function changeMembership(m: MembershipFaults, action: MembershipAction, node: number, short: boolean): Promise<Omit<MembershipChange, 'atMs'>> {
  try {
    if (short) {
      const r = await m.add();
      return { action: 'add', node: null, ok: r.ok, text: `add (a voter short after a failed replace): ${r.ok ? r.text : (r.error ?? r.text)}` };
    }
    const r = action === 'replace' ? await m.replace(node) : await m.transfer(node);
    return { action, node, ok: r.ok, text: `${action} n${node}: ${r.ok ? r.text : (r.error ?? r.text)}` };
  } catch (err) {
    return { action, node, ok: false, text: `${action} n${node}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

async function inject(deps: ChaosDeps, plan: Exclude<FaultPlan, { kind: 'membership' }>): Promise<void> {
  switch (plan.kind) {
    case 'kill':
    case 'kill-leader':
      if (deps.sup.isAlive(plan.node)) await deps.sup.kill(plan.node);
      return;
    case 'pause':
      if (deps.sup.isAlive(plan.node)) deps.sup.pause(plan.node);
      return;
    case 'slow':
      await deps.faults.set({ groups: null, slow: [{ node: plan.node, ms: plan.ms }] });
      return;
    default:
      await deps.faults.set({ groups: plan.groups, slow: [] });
  }
}

async function repair(deps: ChaosDeps, plan: FaultPlan): Promise<void> {
  switch (plan.kind) {
    case 'kill':
    case 'kill-leader':
      if (!deps.sup.isAlive(plan.node)) await restartAndWait(deps, plan.node);
      return;
    case 'pause':
      deps.sup.resume(plan.node);
      return;
    case 'membership':
      // Carried out to its end when injected: nothing to undo (the cluster keeps its new members).
      return;
    default:
      await deps.faults.set(NO_FAULTS);
  }
}

/** Restarts a dead node and waits (bounded) for its `ready` event. */
export async function restartAndWait(deps: Pick<ChaosDeps, 'sup'>, id: number, timeoutMs = READY_TIMEOUT_MS): Promise<boolean> {
  let off: () => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<boolean>((resolve) => {
    off = deps.sup.onEvent((e) => {
      if (e.id !== id) return;
      if (e.type === 'node-event' && e.event.event === 'ready') resolve(true);
      if (e.type === 'exited') resolve(false);
    });
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    await deps.sup.restart(id);
    return await ready;
  } finally {
    off();
    clearTimeout(timer);
  }
}

/** Every node answers, has applied all it knows chosen, and all hold the same state. */
async function waitConverged(client: ClusterClient, ids: () => readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const s = await Promise.all(ids().map((id) => client.status(id)));
      const first = s[0]!;
      const same = s.every(
        (x) => x.appliedIndex === first.appliedIndex && x.commitIndex === x.appliedIndex && x.kvHash === first.kvHash && x.leader !== null,
      );
      if (same) return true;
    } catch {
      // a node still starting: ask again
    }
    await sleep(200);
  }
  return false;
}

/**
 * The longest stretch in which no operation completed successfully: from the first invocation
 * to the first ok, between consecutive oks, and from the last ok to the last invocation.
 */
export function maxUnavailable(ops: readonly Operation[]): number {
  if (ops.length === 0) return 0;
  const start = Math.min(...ops.map((x) => x.invokeMs));
  const end = Math.max(...ops.map((x) => x.invokeMs));
  const oks = ops.filter((x) => x.outcome === 'ok' && x.completeMs !== null).map((x) => x.completeMs!);
  oks.sort((a, b) => a - b);
  let prev = start;
  let worst = 0;
  for (const t of oks) {
    worst = Math.max(worst, t - prev);
    prev = Math.max(prev, t);
  }
  worst = Math.max(worst, end - prev);
  return Math.round(worst);
}

/**
 * Samples who leads: the highest-ballot node that says so, unless the partition in force leaves
 * it without a majority (an isolated old leader does not know it yet, but cannot serve).
 */
class LeaderWatch {
  current: number | null = null;
  changes = 0;
  noLeaderMs = 0;
  private lastSeen: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastAt = 0;

  constructor(private readonly deps: ChaosDeps) {}

  start(): void {
    this.lastAt = Date.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), LEADER_SAMPLE_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private sample(): void {
    const now = Date.now();
    let leader = this.deps.sup.reportedLeader();
    // A stopped leader still says it leads (its last word), but it serves nobody.
    if (leader !== null && this.deps.sup.isPaused(leader)) leader = null;
    const groups = this.deps.faults.rules.groups;
    if (leader !== null && groups !== null) {
      const mine = groups.find((g) => g.includes(leader!)) ?? [leader];
      if (mine.length * 2 <= this.deps.sup.ids.length) leader = null;
    }
    if (this.current === null) this.noLeaderMs += now - this.lastAt;
    this.lastAt = now;
    this.current = leader;
    if (leader !== null && leader !== this.lastSeen) {
      if (this.lastSeen !== null) this.changes += 1;
      this.lastSeen = leader;
    }
  }
}
