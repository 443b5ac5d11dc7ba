// Runs one parsed REPL command against the cluster. Shared by the Ink UI and script mode, so
// both print the same results. Expected failures become {ok:false, error}, never throws.
import { helpLines, helpOptionLines, helpText } from './commands.js';
import { compareBallotText } from '../cluster/ballot-text.js';
import { MembershipRunner, type MembershipDeps } from './membership-command.js';
import { configHeader } from '../cluster/membership-plan.js';
import type { ClusterConfig } from '../cluster/data-dir.js';
import type { FlowHow, ReplCommand } from './parse-command.js';
import { errorCode, formatBallotLike, RETRYABLE_CODES, type ClusterClient, type NodeStatus } from '../cluster/cluster-client.js';
import { collectLogs } from '../cluster/collect-logs.js';
import { diffLogs, formatDiff } from '../cluster/diff-logs.js';
import type { Supervisor } from '../cluster/supervisor.js';
import type { RemoteNodes } from '../cluster/remote-nodes.js';
import { HistoryRecorder } from '../check/history.js';
import { recordOp } from '../check/record-op.js';
import type { ChaosProgress } from '../chaos/chaos-run.js';
import { DEFAULT_FAULT_KINDS, type FaultKind } from '../chaos/nemesis.js';
import { describeFaults, isFaultFree, type FaultRules } from '../protocol/fault-rules.js';
import { runFaultCommand } from './execute-fault-command.js';
import { FaultControl } from '../cluster/fault-control.js';
import { watchStart } from '../cluster/watch-start.js';
import { nodeDataPath } from '../cluster/data-dir.js';
import { LogTail } from './event-log.js';
import { EVENT_FILE } from '../node/event-file.js';
import { TRACE_FILE } from '../trace/trace-record.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import { roundMs } from '../json/contract.js';
import { faultsJson } from '../json/fields.js';
import { StepControl, type StepOutcome } from './step-control.js';
import { TraceControl, traceFailureText, TRACING_ON_NOTE, type TraceSwitch } from '../cluster/trace-control.js';

export interface Outcome {
  readonly ok: boolean;
  /** One human line. */
  readonly text: string;
  /** The JSON fields beside cmd/ok/error: docs/json.md and src/json/contract.ts, per command. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly error?: string;
  /** Extra lines the UI may show under the result (script mode prints only `text`). */
  readonly detail?: readonly string[];
  /** What the caller must do besides printing. */
  readonly effect?: 'clear' | 'quit' | { readonly logs: LogsTarget } | { readonly flow: FlowHow };
}

/** What the UI's log viewer opens. */
export interface LogsTarget {
  readonly node: number;
  readonly dir: string;
  readonly file: string;
}

/** The membership commands, by the kind of their parsed command. */
type MembershipKind = 'add' | 'remove' | 'replace' | 'transfer' | 'members';

export type SupervisorLike = Pick<Supervisor, 'ids' | 'isAlive' | 'kill' | 'restart' | 'reportedLeader' | 'onEvent' | 'pid' | 'pause' | 'resume' | 'isPaused' | 'resumeAll'> &
  /** Our own supervisor starts (and restarts) nodes tracing or not; others leave it to the admin API. */
  Partial<Pick<Supervisor, 'tracing' | 'setTracing'>> &
  /** Membership: a node added or removed at runtime (the supervisor spawns and stops; RemoteNodes counts). */
  Partial<Pick<Supervisor, 'addNode' | 'markRemoved' | 'stop' | 'waitExit'>>;

export interface ExecutorDeps {
  readonly sup: SupervisorLike;
  readonly client: ClusterClient;
  readonly dataDir: string;
  /** How long a command may keep retrying while the cluster has no leader. */
  readonly retryMs?: number;
  /** How long `restart` waits for the node to say it is ready before it reports a failure. */
  readonly restartReadyMs?: number;
  /** Where set/get/del (and chaos) are recorded; a fresh recorder by default. */
  readonly history?: HistoryRecorder;
  /** The cluster file's nodes, for the ports `status` shows. */
  readonly nodes?: readonly { readonly id: number; readonly port: number }[];
  /** How `get` reads by default (up --read-mode): index, lease or log. */
  readonly readMode?: 'index' | 'lease' | 'log';
  /** Set when this terminal did not start the nodes (attach, one-shot commands). */
  readonly remote?: RemoteNodes;
  /** Where chaos writes its history file (default: dataDir; attach's dataDir is a temp copy). */
  readonly historyDir?: string;
  /** The nodes were started paused (`up --script` of a scenario that begins with pause). */
  readonly startPaused?: boolean;
  /** The cluster file: what add, remove, replace and transfer rewrite (through its write chain). */
  readonly clusterFile?: string;
  /** Timing of the membership commands' waits (tests shorten them). */
  readonly membershipTiming?: MembershipDeps['timing'];
}

export interface PaneStatus {
  readonly id: number;
  readonly alive: boolean;
  readonly role: string;
  readonly ballot: string;
  readonly promised: string;
  readonly commitIndex: number | null;
  readonly appliedIndex: number | null;
  readonly leader: number | null;
  readonly lastSlot: number | null;
  readonly pid: number | null;
  /** What the node is in the configuration, and the configuration as it knows it; absent when it did not say. */
  readonly membership?: NonNullable<NodeStatus['membership']>;
  /** Absent when the node is down or did not say. */
  readonly secure?: boolean;
  readonly refusedHandshakes?: number;
  /** Whether it writes its message trace now; absent when the node is down or did not say. */
  readonly tracing?: boolean;
  /** In step mode; absent when the node is down or did not say. */
  readonly paused?: boolean;
  /** The fault rules the node itself enforces (whoever set them); absent when it did not say. */
  readonly faults?: FaultRules;
}

/** One line on the links: authenticated or not, and who turned strangers away. */
function describeLinks(nodes: readonly PaneStatus[]): string | null {
  const known = nodes.filter((n) => n.secure !== undefined);
  if (known.length === 0) return null;
  if (known.some((n) => n.secure === false)) return 'links: INSECURE (--insecure: no authentication, no encryption; for debugging only)';
  const refused = known.filter((n) => (n.refusedHandshakes ?? 0) > 0).map((n) => `n${n.id} ${n.refusedHandshakes}`);
  return `links: CURVE-authenticated and encrypted; refused handshakes: ${refused.length === 0 ? 'none' : refused.join(', ')}`;
}

/** One line on the message trace: who writes messages.ndjson now. */
function describeTracing(nodes: readonly PaneStatus[]): string | null {
  const known = nodes.filter((n) => n.tracing !== undefined);
  if (known.length === 0) return null;
  const on = known.filter((n) => n.tracing === true).map((n) => `n${n.id}`);
  if (on.length === 0) return 'message trace: off (flow, pause or up --trace turn it on)';
  return `message trace: ${on.length === known.length ? 'on' : `on in ${on.join(',')} only`} (DIR/node-N/messages.ndjson)`;
}

/** The lines a switch of the trace adds to a command's result: the note the first time, and who failed. */
function traceLines(s: TraceSwitch): string[] {
  const failed = traceFailureText(s);
  return [...(s.changed && s.on ? [TRACING_ON_NOTE] : []), ...(failed !== null ? [failed] : [])];
}

function cancelled(cmd: ReplCommand): Outcome {
  const writes = cmd.kind === 'set' || cmd.kind === 'del';
  const error = writes ? 'cancelled (Esc): outcome unknown, the write may still be applied' : 'cancelled (Esc)';
  return { ok: false, text: `cancelled: ${writes ? 'outcome unknown (the write may still be applied)' : 'stopped waiting'}`, fields: { cancelled: true }, error };
}

function failure(error: string, fields: Record<string, unknown> = {}): Outcome {
  return { ok: false, text: `error: ${error}`, fields, error };
}

function describeError(err: unknown): string {
  const code = errorCode(err);
  const msg = err instanceof Error ? err.message : String(err);
  return code !== undefined && !msg.includes(code) ? `${msg} (${code})` : msg;
}

async function countLines(dir: string): Promise<number> {
  const tail = new LogTail(dir);
  try {
    return (await tail.poll()).length;
  } catch {
    return 0;
  } finally {
    await tail.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** How long `diff` lets live followers catch up with the commit index (a heartbeat is 100 ms). */
const DIFF_SETTLE_MS = 150;
/** keys / get --prefix show at most this many entries (a few pages). */
const MAX_RANGE_SHOWN = 5000;
const DIFF_SETTLE_TRIES = 3;
const PAUSED_WAIT_MS = 15 * 60_000;
/**
 * How long a command submitted while paused may take to reach the leader and be held (the wait
 * ends as soon as it is). 1.5 s was too short on a loaded CI machine: a scenario went on to its
 * next step before the Accept it meant to deliver was there (duel.paxos, once).
 */
const SUBMIT_SETTLE_MS = 6000;

export class Executor {
  private readonly retryMs: number;
  /** How `get` reads unless it says: read index by default, or as `up --read-mode` chose. */
  private readonly readMode: 'index' | 'lease' | 'log';
  /** The history's process for REPL operations: a new one after each cancel. */
  private replProcess = 'repl';
  private cancelCount = 0;
  /** The session's operation history: what `check` checks. */
  readonly history: HistoryRecorder;
  /** Partition/slow rules, pushed to every node and again to a restarted one. */
  readonly faults: FaultControl;
  private readonly chaosListeners = new Set<(p: ChaosProgress | null) => void>();
  /** Set while a chaos command runs: aborting it stops the faults early. */
  private chaosStop: AbortController | null = null;
  /** Step mode: pause, held, step, deliver, drop, tick, elect, resume. */
  readonly steps: StepControl;
  /** The message trace: off unless up --trace; the flow view and step mode turn it on. */
  readonly tracing: TraceControl;
  private readonly backgroundListeners = new Set<(line: string, o: Outcome) => void>();
  private readonly progressListeners = new Set<(line: string) => void>();
  private readonly clusterListeners = new Set<(c: ClusterConfig) => void>();
  /** Ports `status` shows: the cluster file's, updated when membership changes. */
  private nodes: readonly { readonly id: number; readonly port: number; readonly member?: string | undefined }[];
  private membershipRuns = 0;

  constructor(private readonly deps: ExecutorDeps) {
    this.nodes = deps.nodes ?? [];
    this.retryMs = deps.retryMs ?? 20_000;
    this.readMode = deps.readMode ?? 'index';
    this.history = deps.history ?? new HistoryRecorder();
    const admin = deps.client.admin?.bind(deps.client);
    this.faults = new FaultControl(deps.sup, admin === undefined ? undefined : { admin });
    const step = deps.client.step?.bind(deps.client);
    this.steps = new StepControl(deps.sup, {
      step: step ?? (() => Promise.reject(Object.assign(new Error('this client cannot drive step mode'), { code: 'unsupported' }))),
    }, deps.startPaused === true);
    const trace = deps.client.trace?.bind(deps.client);
    this.tracing = new TraceControl(deps.sup, trace === undefined ? undefined : { trace });
  }

  /**
   * Results of client commands submitted while the cluster is paused: they finish only once a
   * person delivers their messages, so the REPL does not wait for them (`line` is the command).
   */
  onBackground(fn: (line: string, o: Outcome) => void): () => void {
    this.backgroundListeners.add(fn);
    return () => this.backgroundListeners.delete(fn);
  }

  /** Progress lines of a running membership command (add, remove, replace, transfer), as they happen. */
  onProgress(fn: (line: string) => void): () => void {
    this.progressListeners.add(fn);
    return () => this.progressListeners.delete(fn);
  }

  /** The cluster file after a membership change: the UI adds a pane, labels a removed one. */
  onClusterChange(fn: (c: ClusterConfig) => void): () => void {
    this.clusterListeners.add(fn);
    return () => this.clusterListeners.delete(fn);
  }

  /** Set while add, remove, replace or transfer runs in this session. */
  get changingMembership(): boolean {
    return this.membershipRuns > 0;
  }

  /** The cluster file changed under us (another terminal's add or remove): ports, panes. */
  clusterChanged(c: ClusterConfig): void {
    this.nodes = c.nodes;
    for (const fn of this.clusterListeners) fn(c);
  }

  /** The member node ids now: what a command may name (they grow with add, shrink with remove). */
  get nodeIds(): number[] {
    return [...this.deps.sup.ids].sort((a, b) => a - b);
  }

  private membership(kind: MembershipKind, signal?: AbortSignal): MembershipRunner | string {
    const { sup, client } = this.deps;
    const file = this.deps.clusterFile;
    if (file === undefined) return 'membership commands need the cluster file, and this session has none';
    if (client.admin === undefined) return 'this client cannot reach the admin API';
    // add has a step-mode form (MembershipRunner.addPaused) and members only looks; the others
    // wait for what a paused cluster cannot do.
    if (this.steps.paused && kind !== 'members' && !(kind === 'add' && this.deps.remote === undefined)) {
      return kind === 'add'
        ? 'the cluster is paused (step mode), and its nodes run in another terminal: resume first, then add'
        : `the cluster is paused (step mode): ${kind} waits for steps only a running cluster takes; resume first (add works paused: it proposes and returns)`;
    }
    const local = this.deps.remote === undefined && sup.addNode !== undefined && sup.stop !== undefined && sup.waitExit !== undefined;
    const deps: MembershipDeps = {
      client,
      clusterFile: file,
      ids: () => sup.ids,
      isAlive: (id) => sup.isAlive(id),
      ...(local
        ? {
            local: {
              spawn: async (id: number) => {
                const started = watchStart(sup, id, this.deps.restartReadyMs);
                sup.addNode!(id);
                const r = await started;
                // Started while paused (add in step mode): paused too, as restart does.
                if (r.ok && this.steps.paused) await this.steps.pauseNode(id);
                return r;
              },
              stop: (id: number) => sup.stop!(id),
              waitExit: (id: number, ms: number) => sup.waitExit!(id, ms),
            },
          }
        : {}),
      noteAdded: (id) => {
        if (!local) sup.addNode?.(id);
      },
      noteRemoved: (id) => sup.markRemoved?.(id),
      onCluster: (c) => this.clusterChanged(c),
      progress: (line) => {
        for (const fn of this.progressListeners) fn(line);
      },
      ...(signal !== undefined ? { signal } : {}),
      ...(this.deps.membershipTiming !== undefined ? { timing: this.deps.membershipTiming } : {}),
    };
    return new MembershipRunner(deps);
  }

  /**
   * Stops a running chaos command's faults now (it still heals, converges, checks and reports).
   * False when no chaos command is running.
   */
  stopChaos(): boolean {
    if (this.chaosStop === null || this.chaosStop.signal.aborted) return false;
    this.chaosStop.abort();
    return true;
  }

  /** Progress of a running chaos command (null when it ends), for the UI. */
  onChaosProgress(fn: (p: ChaosProgress | null) => void): () => void {
    this.chaosListeners.add(fn);
    return () => this.chaosListeners.delete(fn);
  }

  /** A command submitted while paused waits as long as a person stepping by hand may take. */
  private get waitMs(): number {
    return this.steps.paused ? PAUSED_WAIT_MS : this.retryMs;
  }

  /** Retries while the failure says "no leader right now"; anything else fails at once. */
  private async withRetry<T>(what: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const waitMs = this.waitMs;
    const deadline = Date.now() + waitMs;
    let delayMs = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        return await what();
      } catch (err) {
        const code = errorCode(err);
        if (code === undefined || !RETRYABLE_CODES.has(code) || Date.now() + delayMs > deadline || signal?.aborted === true) {
          if (code !== undefined && RETRYABLE_CODES.has(code)) {
            throw Object.assign(new Error(`no leader could serve it within ${Math.round(waitMs / 1000)} s`), { code });
          }
          throw err;
        }
        await sleep(delayMs);
        delayMs = Math.min(delayMs * 2, 500);
      }
    }
  }

  /**
   * Runs one command. An aborted `signal` (Esc) ends the wait at once: the command's outcome is
   * then unknown (a write may still be chosen), and the history records it so when it ends.
   */
  async run(cmd: ReplCommand, signal?: AbortSignal): Promise<Outcome> {
    const impossible = this.quorumImpossible(cmd);
    if (impossible !== null) return failure(impossible);
    if (this.steps.paused && isClientCommand(cmd)) return this.submitPaused(cmd);
    const work = this.dispatch(cmd, signal).catch((err: unknown) => failure(this.explain(err)));
    // Chaos and the membership commands take Esc themselves: they end what they started, and a
    // membership command leaves the cluster file saying what the log says.
    if (signal === undefined || cmd.kind === 'chaos' || isMembershipCommand(cmd)) return work;
    if (signal.aborted) return cancelled(cmd);
    return new Promise<Outcome>((resolve) => {
      const onAbort = () => {
        // The cancelled operation stays in flight in the history (its outcome comes later, or
        // never); the next ones are another process's, as a client that gave up and moved on.
        this.replProcess = `repl-${++this.cancelCount}`;
        resolve(cancelled(cmd));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void work.then((o) => {
        signal.removeEventListener('abort', onAbort);
        resolve(o);
      });
    });
  }

  private async submitPaused(cmd: ReplCommand): Promise<Outcome> {
    const line = describeClientCommand(cmd);
    const before = (await this.steps.listHeld()).length;
    const work = this.dispatch(cmd)
      .catch((err: unknown) => failure(this.explain(err)))
      .then((o) => {
        for (const fn of this.backgroundListeners) fn(line, o);
      });
    // It completes only once its messages are delivered: the next command is another process's,
    // or a second command submitted while paused would find this one in flight.
    this.replProcess = `repl-${++this.cancelCount}`;
    // The client finds the leader in a moment; the next command should see what it proposed.
    // A command that needs no message (one node) is done before anything is held.
    await Promise.race([this.steps.waitForHeld(before + 1, SUBMIT_SETTLE_MS), work]);
    return {
      ok: true,
      text: `${line}: submitted; the cluster is paused, so it completes once its messages are delivered (held, step, resume)`,
      fields: { submitted: true },
    };
  }

  /** Nodes that are down, from the supervisor, and what a quorum needs. */
  private quorumState(): { n: number; need: number; down: number[]; cut: boolean } {
    // Voters only: a learner (as the cluster file last saw it) counts in no quorum.
    const learners = new Set(this.nodes.filter((n) => n.member === 'learner' || n.member === 'removed').map((n) => n.id));
    const ids = this.deps.sup.ids.filter((id) => !learners.has(id));
    const need = Math.floor(ids.length / 2) + 1;
    const down = ids.filter((id) => !this.deps.sup.isAlive(id));
    const groups = this.faults.rules.groups;
    const alive = (g: readonly number[]) => g.filter((id) => this.deps.sup.isAlive(id)).length;
    const cut = groups !== null && groups !== undefined && !groups.some((g) => alive(g) >= need);
    return { n: ids.length, need, down, cut };
  }

  /** A command through the leader cannot succeed while the supervisor knows no quorum is alive. */
  private quorumImpossible(cmd: ReplCommand): string | null {
    const throughLeader = cmd.kind === 'set' || cmd.kind === 'del' || cmd.kind === 'range' || (cmd.kind === 'get' && cmd.local === undefined);
    if (!throughLeader) return null;
    const q = this.quorumState();
    if (q.n - q.down.length >= q.need && !q.cut) return null;
    return this.quorumHint(q) + ' (nothing sent)';
  }

  private quorumHint(q: { n: number; need: number; down: number[]; cut: boolean }): string {
    if (q.n - q.down.length < q.need) {
      const missing = q.need - (q.n - q.down.length);
      const which = q.down.map((id) => `n${id}`).join(', ');
      return `no quorum: ${q.down.length} of ${q.n} nodes down (${which}), ${q.need} needed: restart ${missing === 1 ? 'one' : missing}, e.g. restart ${q.down[0]}`;
    }
    return `no quorum: no side of the partition has ${q.need} of ${q.n} live nodes: heal`;
  }

  /** One line for a failure; a lost quorum says how many nodes are down and what to do. */
  private explain(err: unknown): string {
    const code = errorCode(err);
    if (code !== undefined && (RETRYABLE_CODES.has(code) || code === 'timeout' || code === 'unreachable')) {
      const q = this.quorumState();
      if (q.n - q.down.length < q.need || q.cut) return this.quorumHint(q) + ' (outcome unknown: it may still be applied)';
    }
    return describeError(err);
  }

  private async dispatch(cmd: ReplCommand, signal?: AbortSignal): Promise<Outcome> {
    const { sup, client } = this.deps;
    // Taken now: a command submitted while paused stays in flight as this process after the REPL
    // has moved on to another (submitPaused).
    const proc = this.replProcess;
    switch (cmd.kind) {
      case 'set': {
        // Writes are not re-issued: a fresh seq could apply one `set` twice. The client retries
        // the same (clientId, seq) across leaders for as long as the REPL waits.
        const call = { timeoutMs: this.waitMs, ...(signal !== undefined ? { signal } : {}) };
        const r = await recordOp(this.history, proc, { op: 'set', key: cmd.key, value: cmd.value }, () => client.set(cmd.key, cmd.value, call));
        return { ok: true, text: `OK slot ${r.slot} (leader n${r.leader}, ${r.latencyMs.toFixed(1)} ms)`, fields: { slot: r.slot, leader: r.leader, latencyMs: roundMs(r.latencyMs) } };
      }
      case 'del': {
        const r = await recordOp(this.history, proc, { op: 'del', key: cmd.key }, () => client.del(cmd.key, { timeoutMs: this.waitMs, ...(signal !== undefined ? { signal } : {}) }));
        // A node too old to say leaves `existed` out; the line then says only "deleted".
        const fields = { slot: r.slot, leader: r.leader, latencyMs: roundMs(r.latencyMs), ...(r.existed !== undefined ? { existed: r.existed } : {}) };
        const what = r.existed === false ? `${cmd.key} was not set, nothing deleted` : `deleted ${cmd.key}`;
        return { ok: true, text: `${what}: slot ${r.slot} (leader n${r.leader}, ${r.latencyMs.toFixed(1)} ms)`, fields };
      }
      case 'get': {
        if (cmd.local !== undefined) {
          const id = cmd.local;
          if (!sup.isAlive(id)) return failure(`node ${id} is down; restart ${id} first, or read through the leader with get ${cmd.key}`);
          return this.getLocal(id, cmd.key);
        }
        const mode = cmd.mode ?? this.readMode;
        if (mode === 'log') {
          const r = await this.withRetry(() => recordOp(this.history, proc, { op: 'get', key: cmd.key }, () => client.get(cmd.key, signal !== undefined ? { signal } : {})), signal);
          const shown = r.value === null ? '(nil)' : r.value;
          return {
            ok: true,
            text: `${shown}  (log slot ${r.slot}, leader n${r.leader}, ${r.latencyMs.toFixed(1)} ms)`,
            fields: { value: r.value, readMode: 'log', slot: r.slot, leader: r.leader, latencyMs: roundMs(r.latencyMs) },
          };
        }
        if (cmd.from !== undefined && !sup.isAlive(cmd.from)) return failure(`node ${cmd.from} is down; restart ${cmd.from} first, or leave out --from`);
        const call = { mode, ...(cmd.from !== undefined ? { from: cmd.from } : {}), ...(signal !== undefined ? { signal } : {}) };
        const r = await this.withRetry(() => recordOp(this.history, proc, { op: 'get', key: cmd.key }, () => client.read(cmd.key, call)), signal);
        const shown = r.value === null ? '(nil)' : r.value;
        const how = r.mode === 'lease' ? `lease at n${r.node}` : r.node === r.leader ? `read index at n${r.node}` : `read index from leader n${r.leader ?? '?'}, at n${r.node}`;
        return {
          ok: true,
          text: `${shown}  (${how}, applied ${r.index}, ${r.latencyMs.toFixed(1)} ms)`,
          fields: { value: r.value, readMode: r.mode, appliedIndex: r.index, node: r.node, leader: r.leader, latencyMs: roundMs(r.latencyMs) },
        };
      }
      case 'range':
        return this.range(cmd.prefix, cmd.values, signal);
      case 'stop': {
        if (!sup.isAlive(cmd.node)) return failure(`node ${cmd.node} is already down`);
        if (this.deps.client.admin === undefined) return failure('this client cannot reach the admin API');
        await this.deps.client.admin(cmd.node, 'stop');
        return { ok: true, text: `asked node ${cmd.node} to stop; it exits cleanly in a moment`, fields: { node: cmd.node } };
      }
      case 'kill': {
        if (this.deps.remote !== undefined) return failure(this.deps.remote.refusal('kill', cmd.node).message, { node: cmd.node });
        if (!sup.isAlive(cmd.node)) return failure(`node ${cmd.node} is already down; restart ${cmd.node} starts it`);
        await sup.kill(cmd.node);
        return { ok: true, text: `killed node ${cmd.node} (SIGKILL)`, fields: { node: cmd.node } };
      }
      case 'restart': {
        if (this.deps.remote !== undefined) return failure(this.deps.remote.refusal('restart', cmd.node).message, { node: cmd.node });
        if (sup.isAlive(cmd.node)) return failure(`node ${cmd.node} is running; kill ${cmd.node} first`);
        const started = watchStart(sup, cmd.node, this.deps.restartReadyMs);
        await sup.restart(cmd.node);
        const r = await started;
        if (!r.ok) return failure(r.error, { node: cmd.node, ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}) });
        if (this.steps.paused) {
          await this.steps.pauseNode(cmd.node);
          return { ok: true, text: `restarted node ${cmd.node} (paused, as the cluster is)`, fields: { node: cmd.node } };
        }
        return { ok: true, text: `restarted node ${cmd.node}`, fields: { node: cmd.node } };
      }
      case 'logs': {
        const dir = nodeDataPath(this.deps.dataDir, cmd.node);
        const file = path.join(dir, EVENT_FILE);
        const lineCount = await countLines(dir);
        const text =
          this.deps.remote !== undefined
            ? `node ${cmd.node}'s log: ${lineCount} lines so far, read through its API`
            : `node ${cmd.node}'s log: ${lineCount} lines in ${file} (paxos-cli logs ${cmd.node} --data-dir ${this.deps.dataDir} prints them)`;
        return { ok: true, text, fields: { node: cmd.node, file, lineCount }, effect: { logs: { node: cmd.node, dir, file } } };
      }
      case 'flow': {
        // The view draws the traces: opening it (flow, flow on; Ctrl-T in the UI) turns them on.
        const sw = cmd.how === 'on' || cmd.how === 'toggle' ? await this.tracing.set(true) : null;
        const lines = sw === null ? [] : traceLines(sw);
        // Script mode has no screen to switch: it says where the traces the view draws are.
        const found = await Promise.all(sup.ids.map((id) => fs.stat(path.join(nodeDataPath(this.deps.dataDir, id), TRACE_FILE)).then(() => 1, () => 0)));
        const traceFileCount = found.reduce<number>((a, b) => a + b, 0);
        const tracing = this.tracing.on && (sw === null || sw.failed.length === 0);
        const text = `flow is the terminal UI's message diagram; ${lines.length > 0 ? `${lines.join('; ')}; ` : ''}${traceFileCount} of ${sup.ids.length} nodes have a trace in ${path.join(this.deps.dataDir, 'node-N', TRACE_FILE)}`;
        return { ok: true, text, fields: { traceFileCount, tracing }, ...(lines.length > 0 ? { detail: lines } : {}), effect: { flow: cmd.how } };
      }
      case 'trace': {
        const sw = await this.tracing.set(cmd.on, true);
        const fields = { tracing: cmd.on, appliedNodes: sw.applied, failed: sw.failed };
        const failed = traceFailureText(sw);
        if (failed !== null) return failure(failed, fields);
        return { ok: true, text: `message trace ${cmd.on ? 'on' : 'off'} on ${sw.applied.map((n) => `n${n}`).join(',') || 'no live node'}`, fields };
      }
      case 'leader': {
        const leader = await this.findLeader(Math.min(this.retryMs, 5000));
        // No leader is a failure a script can test for (exit 1), not a fact to parse out.
        if (leader === null) return failure('no leader right now (none of the live nodes leads; status shows why)', { leader: null });
        return { ok: true, text: `leader is node ${leader}`, fields: { leader } };
      }
      case 'status': {
        const nodes = await this.statusAll();
        const port = (id: number): string => {
          const p = this.portOf(id);
          return p === null ? '' : ` :${p}`;
        };
        // A voter is the rule; anything else (learner, joining, leaving, removed) is said.
        const member = (n: (typeof nodes)[number]): string => (n.membership !== undefined && n.membership.self !== 'voter' ? ` ${n.membership.self}` : '');
        const text = nodes
          .map((n) => (n.alive ? `n${n.id}${port(n.id)} ${n.role}${member(n)} b${n.ballot} p${n.promised} c${n.commitIndex ?? '?'} a${n.appliedIndex ?? '?'}` : `n${n.id}${port(n.id)} down`))
          .join(' | ');
        const detail = nodes.map((n) =>
          n.alive
            ? `n${n.id}${port(n.id)} ${`${n.role}${member(n)}`.padEnd(9)} ballot ${n.ballot.padEnd(6)} promised ${n.promised.padEnd(6)} commit ${n.commitIndex ?? '?'} applied ${n.appliedIndex ?? '?'} pid ${n.pid ?? '-'}`
            : `n${n.id}${port(n.id)} down`,
        );
        // The configuration as the node furthest along knows it, after the nodes.
        const furthest = nodes.filter((n) => n.alive && n.membership !== undefined).sort((a, b) => (b.commitIndex ?? -1) - (a.commitIndex ?? -1))[0];
        const config = furthest?.membership !== undefined ? ` | ${configHeader(furthest.membership)}` : '';
        const links = describeLinks(nodes);
        if (links !== null) detail.push(links);
        const tracing = describeTracing(nodes);
        if (tracing !== null) detail.push(tracing);
        // What the nodes do, not what this terminal asked: another terminal (or one that died)
        // may have paused or cut them.
        const paused = nodes.filter((n) => n.paused === true).map((n) => `n${n.id}`);
        if (paused.length > 0) detail.push(`paused (step mode: clock frozen, peer messages held): ${paused.join(',')}; resume ends it`);
        const elsewhere = nodes.filter((n) => n.faults !== undefined && !isFaultFree(n.faults) && describeFaults(n.faults) !== describeFaults(this.faults.rules));
        for (const n of elsewhere) detail.push(`n${n.id} enforces faults this terminal did not set: ${describeFaults(n.faults!)}; heal clears them`);
        const shown = `${text}${config}${nodes.some((n) => n.secure === false) ? ' | links INSECURE' : ''}`;
        const fields = { nodeCount: nodes.length, nodes: nodes.map((n) => this.statusJson(n)), faults: faultsJson(this.faults.rules) };
        // Every node down or silent: the status is still shown, but the command failed (exit 1).
        if (!nodes.some((n) => n.alive && n.commitIndex !== null)) {
          return { ok: false, text: shown, fields, detail, error: `no node answered (${nodes.length} of ${nodes.length} down or unreachable)` };
        }
        if (!isFaultFree(this.faults.rules)) {
          const faults = `faults: ${describeFaults(this.faults.rules)}`;
          return { ok: true, text: `${shown} | ${faults}`, fields, detail: [...detail, faults] };
        }
        return { ok: true, text: shown, fields, detail };
      }
      case 'diff': {
        const collect = async () => {
          const { logs, unreadable } = await collectLogs({ client, dataDir: this.deps.dataDir, ids: sup.ids, isAlive: (id) => sup.isAlive(id) });
          return { r: diffLogs(logs, unreadable), unreadable };
        };
        let { r, unreadable } = await collect();
        // A live follower learns the newest commit index with the leader's next heartbeat: give
        // it that long before reporting it as lagging (a diff right after a set would otherwise).
        for (let i = 0; i < DIFF_SETTLE_TRIES && r.conflicts === 0 && r.lagging.some((l) => sup.isAlive(l.node)); i++) {
          await sleep(DIFF_SETTLE_MS);
          ({ r, unreadable } = await collect());
        }
        const fields = {
          identicalSlotCount: r.identicalPrefix,
          conflictCount: r.conflicts,
          conflictSlots: r.conflictSlots,
          lagging: r.lagging.map((l) => ({ node: l.node, missingCount: l.missing })),
          stateHashByNode: r.stateHashes,
          appliedIndexByNode: r.applied,
          unreadable: r.unreadable,
        };
        if (r.conflicts > 0) return { ...failure(formatDiff(r), fields), text: formatDiff(r) };
        if (unreadable.length > 0) return failure(formatDiff(r), fields);
        return { ok: true, text: formatDiff(r), fields };
      }
      case 'help': {
        const text = helpText(cmd.topic);
        const detail = cmd.topic === undefined ? ['commands:', ...helpLines()] : helpOptionLines(cmd.topic);
        return { ok: true, text, fields: { help: text }, detail };
      }
      case 'clear':
        return { ok: true, text: '', fields: {}, effect: 'clear' };
      case 'quit':
        return { ok: true, text: this.deps.remote !== undefined ? 'detaching; the nodes keep running' : 'stopping every node', fields: {}, effect: 'quit' };
      case 'pause': {
        // Step mode is for watching messages one at a time: the flow view shows the held ones.
        const sw = await this.tracing.set(true);
        const out = await this.steps.pause();
        return stepOutcome({ ...out, detail: [...out.detail, ...traceLines(sw)] });
      }
      case 'resume':
        return stepOutcome(await this.steps.resume());
      case 'held':
        return stepOutcome(await this.steps.held());
      case 'step':
        return stepOutcome(await this.steps.step(cmd.count));
      case 'deliver':
      case 'drop':
        return stepOutcome(await this.steps.deliver(cmd.target, cmd.kind === 'drop'));
      case 'tick':
        return stepOutcome(await this.steps.tick(cmd.count));
      case 'elect':
        return stepOutcome(await this.steps.elect(cmd.node));
      case 'add':
      case 'remove':
      case 'replace':
      case 'transfer':
      case 'members': {
        const runner = this.membership(cmd.kind, signal);
        if (typeof runner === 'string') return failure(runner);
        this.membershipRuns++;
        let o;
        try {
          o =
            cmd.kind === 'add' ? (this.steps.paused ? await runner.addPaused(cmd.at) : await runner.add(cmd.at !== undefined ? { at: cmd.at } : {}))
            : cmd.kind === 'remove' ? await runner.remove(cmd.node)
            : cmd.kind === 'replace' ? await runner.replace(cmd.node, cmd.at)
            : cmd.kind === 'transfer' ? await runner.transfer(cmd.node)
            : await runner.members();
        } finally {
          this.membershipRuns--;
        }
        return { ok: o.ok, text: o.text, fields: o.fields, ...(o.error !== undefined ? { error: o.error } : {}), ...(o.detail !== undefined ? { detail: o.detail } : {}) };
      }
      case 'partition':
      case 'heal':
      case 'isolate':
      case 'slow':
      case 'check':
      case 'chaos': {
        if (cmd.kind === 'chaos' && this.steps.paused) return failure('the cluster is paused; resume first, then run chaos');
        const stop = cmd.kind === 'chaos' ? new AbortController() : null;
        this.chaosStop = stop;
        try {
          return await runFaultCommand(cmd, {
            sup,
            client,
            dataDir: this.deps.dataDir,
            faults: this.faults,
            history: this.history,
            onChaosProgress: (p) => {
              for (const fn of this.chaosListeners) fn(p);
            },
            ...(stop !== null ? { signal: stop.signal } : {}),
            ...(this.deps.historyDir !== undefined ? { historyDir: this.deps.historyDir } : {}),
            // Over the network chaos cuts links and pauses nodes; it cannot kill a process.
            ...(this.deps.remote !== undefined ? { faultKinds: REMOTE_FAULT_KINDS } : {}),
          });
        } finally {
          if (this.chaosStop === stop) this.chaosStop = null;
        }
      }
    }
  }

  private portOf(id: number): number | null {
    return this.nodes.find((n) => n.id === id)?.port ?? null;
  }

  /** A node in `status --json`: counts named as counts, the port from the cluster file. */
  private statusJson(n: PaneStatus): Record<string, unknown> {
    const { refusedHandshakes, faults, membership, ...rest } = n;
    const port = this.portOf(n.id);
    const { id, ...others } = rest;
    return {
      id,
      ...(port !== null ? { port } : {}),
      ...others,
      ...(refusedHandshakes !== undefined ? { refusedHandshakeCount: refusedHandshakes } : {}),
      ...(faults !== undefined ? { faults: faultsJson(faults) } : {}),
      ...(membership !== undefined ? { member: membership.self } : {}),
    };
  }

  /**
   * Node N's own state, without a round. Stale only if it has applied less than the leader it
   * knows had committed before the read: that leader is asked first, so a commit that lands
   * during the read cannot make a caught-up node look behind.
   */
  /** keys / get --prefix: pages until the end or MAX_RANGE_SHOWN entries. */
  private async range(prefix: string, values: boolean, signal?: AbortSignal): Promise<Outcome> {
    const { client } = this.deps;
    const entries: (readonly [string, string])[] = [];
    let after: string | undefined;
    let more = true;
    let index = 0;
    let latencyMs = 0;
    while (more && entries.length < MAX_RANGE_SHOWN) {
      const call = { mode: this.readMode === 'lease' ? ('lease' as const) : ('index' as const), limit: Math.min(1000, MAX_RANGE_SHOWN - entries.length), ...(after !== undefined ? { after } : {}), ...(signal !== undefined ? { signal } : {}) };
      const page = await this.withRetry(() => client.range(prefix, call), signal);
      entries.push(...page.entries);
      more = page.more;
      index = page.index;
      latencyMs += page.latencyMs;
      after = page.entries.at(-1)?.[0];
      if (after === undefined) break;
    }
    const what = prefix === '' ? 'keys' : `keys starting with ${JSON.stringify(prefix)}`;
    const head = entries.length === 0 ? `no ${what}` : `${entries.length}${more ? '+' : ''} ${what}${more ? ` (the first ${MAX_RANGE_SHOWN}; narrow the prefix)` : ''}`;
    const detail = entries.map(([k, v]) => (values ? `${k} = ${JSON.stringify(v)}` : k));
    const first = `${head} (read index, applied ${index}, ${latencyMs.toFixed(1)} ms)`;
    return {
      ok: true,
      // One line in a script (every entry on it), one entry per line on screen.
      text: detail.length === 0 ? first : `${first}: ${detail.join(', ')}`,
      detail: [first, ...detail],
      fields: { prefix, keyCount: entries.length, more, appliedIndex: index, latencyMs: roundMs(latencyMs), ...(values ? { entries: entries.map(([k, v]) => ({ key: k, value: v })) } : { keys: entries.map(([k]) => k) }) },
    };
  }

  private async getLocal(id: number, key: string): Promise<Outcome> {
    const { client } = this.deps;
    const leader = (await client.status(id)).leader;
    let leaderCommitIndex: number | null = null;
    if (leader !== null) {
      try {
        leaderCommitIndex = (await client.status(leader)).commitIndex;
      } catch {
        // The leader it knows is gone or unreachable: nothing to compare with.
      }
    }
    const r = await client.getLocal(id, key);
    const shown = r.value === null ? '(nil)' : r.value;
    const stale = leaderCommitIndex === null ? null : r.appliedIndex < leaderCommitIndex;
    const why =
      stale === null
        ? leader === null
          ? 'it knows no leader, so it may be stale'
          : `its leader n${leader} did not answer, so it may be stale`
        : stale
          ? `behind leader n${leader}'s commit index ${leaderCommitIndex}: may be stale`
          : `caught up with leader n${leader}'s commit index ${leaderCommitIndex}`;
    return {
      ok: true,
      text: `${shown}  (node ${id}'s local state at applied index ${r.appliedIndex}; ${why})`,
      fields: { value: r.value, node: id, appliedIndex: r.appliedIndex, leader, leaderCommitIndex, stale },
    };
  }

  async statusOf(id: number): Promise<PaneStatus> {
    const pid = this.deps.sup.pid(id) ?? null;
    if (!this.deps.sup.isAlive(id)) {
      return { id, alive: false, role: 'down', ballot: '-', promised: '-', commitIndex: null, appliedIndex: null, leader: null, lastSlot: null, pid: null };
    }
    try {
      const s: NodeStatus = await this.deps.client.status(id);
      // What the node says of itself beyond its role and indexes, when it says it.
      const reported = {
        ...(s.secure !== undefined ? { secure: s.secure } : {}),
        ...(s.refusedHandshakes !== undefined ? { refusedHandshakes: s.refusedHandshakes } : {}),
        ...(s.trace !== undefined ? { tracing: s.trace } : {}),
        ...(s.paused !== undefined ? { paused: s.paused } : {}),
        ...(s.faults !== undefined ? { faults: s.faults } : {}),
        ...(s.membership !== undefined ? { membership: s.membership } : {}),
      };
      return { id, alive: true, role: s.role, ballot: formatBallotLike(s.ballot), promised: formatBallotLike(s.promised), commitIndex: s.commitIndex, appliedIndex: s.appliedIndex, leader: s.leader, lastSlot: s.lastSlot, pid, ...reported };
    } catch (err) {
      const code = errorCode(err) ?? 'error';
      return { id, alive: true, role: code === 'unreachable' ? code : `unreachable (${code})`, ballot: '-', promised: '-', commitIndex: null, appliedIndex: null, leader: null, lastSlot: null, pid };
    }
  }

  statusAll(): Promise<PaneStatus[]> {
    return Promise.all(this.deps.sup.ids.map((id) => this.statusOf(id)));
  }

  /** The leader that the live nodes agree on (the leader role with the highest ballot). */
  async findLeader(withinMs: number): Promise<number | null> {
    const deadline = Date.now() + withinMs;
    while (true) {
      const nodes = await this.statusAll();
      const leaders = nodes.filter((n) => n.alive && n.role === 'leader');
      leaders.sort((a, b) => compareBallotText(b.ballot, a.ballot));
      if (leaders[0] !== undefined) return leaders[0].id;
      if (Date.now() + 200 > deadline) return null;
      await sleep(200);
    }
  }
}

function stepOutcome(o: StepOutcome): Outcome {
  return o.ok ? { ok: true, text: o.text, fields: o.fields, ...(o.detail.length > 0 ? { detail: [o.text, ...o.detail] } : {}) } : failure(o.text, o.fields);
}

const REMOTE_FAULT_KINDS: readonly FaultKind[] = DEFAULT_FAULT_KINDS.filter((k) => k !== 'kill' && k !== 'kill-leader');

export const isMembershipCommand = (cmd: ReplCommand): boolean =>
  cmd.kind === 'add' || cmd.kind === 'remove' || cmd.kind === 'replace' || cmd.kind === 'transfer' || cmd.kind === 'members';

const isClientCommand = (cmd: ReplCommand): boolean =>
  cmd.kind === 'set' || cmd.kind === 'del' || cmd.kind === 'range' || (cmd.kind === 'get' && cmd.local === undefined);

function describeClientCommand(cmd: ReplCommand): string {
  switch (cmd.kind) {
    case 'set':
      return `set ${cmd.key}`;
    case 'del':
      return `del ${cmd.key}`;
    case 'get':
      return `get ${cmd.key}`;
    case 'range':
      return cmd.values ? `get --prefix ${cmd.prefix}` : `keys ${cmd.prefix}`;
    default:
      return cmd.kind;
  }
}

export { compareBallotText };
