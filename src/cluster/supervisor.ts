// Spawns and supervises the node processes of one cluster: kill, restart, stop all.
// Nodes must never outlive the supervisor: they get --parent-pid (they exit when we vanish,
// even on SIGKILL), and every exit path of this process stops them (installShutdownHooks).
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { nodeDataPath, type ClusterConfig } from './data-dir.js';
import { recordHasRun } from './has-run.js';
import { parseNodeEventLine, type NodeEvent } from './node-events.js';
import { isRequestedStop } from '../node/events.js';
import { highestLeader } from './reported-leader.js';

export type SupervisorEvent =
  | { readonly type: 'spawned'; readonly id: number; readonly pid: number }
  | { readonly type: 'exited'; readonly id: number; readonly code: number | null; readonly signal: string | null; readonly requested: boolean }
  | { readonly type: 'node-event'; readonly id: number; readonly event: NodeEvent }
  | { readonly type: 'stderr'; readonly id: number; readonly line: string }
  /** SIGSTOP and SIGCONT (pause/resume): the run report draws the span as a pause band. */
  | { readonly type: 'stopped'; readonly id: number }
  | { readonly type: 'continued'; readonly id: number };

export interface SupervisorOptions {
  readonly cluster: ClusterConfig;
  readonly clusterFile: string;
  readonly dataDir: string;
  /** Extra arguments for every node (e.g. --tick-ms 20). */
  readonly nodeArgs?: readonly string[];
  /** How long SIGTERM gets before SIGKILL. */
  readonly stopGraceMs?: number;
  /** Nodes start with --trace (their message trace on) until setTracing(false). */
  readonly trace?: boolean;
}

export class SupervisorError extends Error {
  constructor(
    readonly code: 'not-running' | 'already-running' | 'no-such-node' | 'stopping',
    message: string,
  ) {
    super(message);
  }
}

type Subprocess = ResultPromise<{ buffer: false; reject: false; stdin: 'ignore' }>;

interface Slot {
  proc: Subprocess | null;
  exited: Promise<void>;
  /** Set right before we signal it, so an exit we asked for is not reported as a crash. */
  requestedStop: boolean;
  /** SIGSTOPped by pause(): every way out of this process sends SIGCONT (or SIGKILL) first. */
  paused: boolean;
  role: 'leader' | 'follower' | 'candidate' | null;
  ballot: string | null;
  /** Removed from the cluster by a configuration: its exit is asked for, and it never starts again. */
  removed: boolean;
}

const MAX_BACKLOG = 500;
const BIN_PATH = fileURLToPath(new URL('../../bin/paxos-cli.js', import.meta.url));

export class Supervisor {
  private readonly slots = new Map<number, Slot>();
  private readonly listeners = new Set<(e: SupervisorEvent) => void>();
  private stopping = false;
  private readonly markedHasRun = new Set<number>();
  private traceNodes: boolean;

  constructor(private readonly opts: SupervisorOptions) {
    this.traceNodes = opts.trace === true;
    // A removed node stays in the cluster file (its id is never reused) but is not ours to run.
    for (const n of opts.cluster.nodes) if ((n.member ?? 'voter') !== 'removed') this.addSlot(n.id);
  }

  private addSlot(id: number): void {
    this.slots.set(id, { proc: null, exited: Promise.resolve(), requestedStop: false, paused: false, role: null, ballot: null, removed: false });
  }

  /** The member nodes: every node of the cluster file that is not removed, in id order. */
  get ids(): number[] {
    return [...this.slots].filter(([, s]) => !s.removed).map(([id]) => id).sort((a, b) => a - b);
  }

  /** Nodes removed during this session (their processes may still be on their way out). */
  get removedIds(): number[] {
    return [...this.slots].filter(([, s]) => s.removed).map(([id]) => id);
  }

  /**
   * A node added at runtime (`add`): its entry is in the cluster file already, which the node
   * reads at start. Spawns it now; from then on it is supervised like the others.
   */
  addNode(id: number): void {
    if (this.slots.has(id)) throw new SupervisorError('already-running', `node ${id} is in this cluster already`);
    this.addSlot(id);
    this.spawn(id);
  }

  /**
   * Node `id` was removed from the configuration: it exits by itself (that exit is asked for,
   * not a crash) and is never restarted. Nothing to do for an id this supervisor does not run.
   */
  markRemoved(id: number): void {
    const s = this.slots.get(id);
    if (s === undefined) return;
    s.removed = true;
    s.requestedStop = true;
  }

  /** Waits until node `id` has exited (at once when it is not running); false after `ms`. */
  async waitExit(id: number, ms: number): Promise<boolean> {
    const s = this.slots.get(id);
    if (s === undefined || s.proc === null) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
    const done = await Promise.race([s.exited.then(() => true), timeout]);
    clearTimeout(timer);
    return done;
  }

  /** SIGTERM one node (a clean exit) and wait for it; SIGKILL after the grace period. */
  async stop(id: number): Promise<void> {
    const s = this.slot(id);
    if (s.proc === null) return;
    s.requestedStop = true;
    s.proc.kill('SIGTERM');
    if (s.paused) this.resume(id);
    await s.exited;
  }

  onEvent(fn: (e: SupervisorEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private readonly backlog: SupervisorEvent[] = [];

  private emit(e: SupervisorEvent): void {
    this.backlog.push(e);
    if (this.backlog.length > MAX_BACKLOG) this.backlog.shift();
    for (const fn of this.listeners) fn(e);
  }

  /** The most recent events, oldest first: a UI that starts late replays them. */
  recentEvents(): readonly SupervisorEvent[] {
    return [...this.backlog];
  }

  private slot(id: number): Slot {
    const s = this.slots.get(id);
    if (s === undefined) throw new SupervisorError('no-such-node', `node ${id} does not exist; this cluster has nodes ${this.ids.join(', ')}`);
    return s;
  }

  isAlive(id: number): boolean {
    return this.slots.get(id)?.proc != null;
  }

  pid(id: number): number | undefined {
    return this.slots.get(id)?.proc?.pid;
  }

  aliveIds(): number[] {
    return this.ids.filter((id) => this.isAlive(id));
  }

  /** The live node that last announced itself leader with the highest ballot, if any. */
  reportedLeader(): number | null {
    return highestLeader([...this.slots].filter(([, s]) => s.proc !== null).map(([id, s]) => ({ id, role: s.role, ballot: s.ballot })));
  }

  /** Whether nodes spawned from now on get --trace. */
  get tracing(): boolean {
    return this.traceNodes;
  }

  /**
   * From now on, spawn (and restart) nodes with their message trace on, or not. Running nodes
   * are switched through their admin API, by TraceControl.
   */
  setTracing(on: boolean): void {
    this.traceNodes = on;
  }

  /** `firstArgs`: for this first start only (a restart later goes without them). */
  async start(firstArgs: readonly string[] = []): Promise<void> {
    for (const id of this.ids) this.spawn(id, firstArgs);
  }

  private spawn(id: number, extraArgs: readonly string[] = []): void {
    if (this.stopping) throw new SupervisorError('stopping', 'the cluster is shutting down');
    const s = this.slot(id);
    if (s.removed) throw new SupervisorError('no-such-node', `node ${id} was removed from the cluster and does not start again; add makes a new node`);
    if (s.proc !== null) throw new SupervisorError('already-running', `node ${id} is already running; kill it first`);
    const args = [
      BIN_PATH, 'node',
      '--id', String(id),
      '--cluster', this.opts.clusterFile,
      // The node opens this directory as its own DB: DIR/node-N (the layout the CLI owns).
      '--data-dir', nodeDataPath(this.opts.dataDir, id),
      '--parent-pid', String(process.pid),
      ...(this.opts.nodeArgs ?? []),
      ...(this.traceNodes ? ['--trace'] : []),
      ...extraArgs,
    ];
    const proc = execa(process.execPath, args, {
      buffer: false,
      reject: false,
      stdin: 'ignore',
      // execa's own exit hook also kills children when this process exits normally.
      cleanup: true,
      forceKillAfterDelay: this.opts.stopGraceMs ?? 3000,
    }) as Subprocess;
    s.proc = proc;
    s.requestedStop = false;
    s.paused = false;
    s.role = null;
    s.ballot = null;
    if (proc.pid !== undefined) this.emit({ type: 'spawned', id, pid: proc.pid });
    const out = readline.createInterface({ input: proc.stdout });
    out.on('line', (line) => {
      const event = parseNodeEventLine(line);
      if (event === null) return;
      if (event.event === 'role' && s.proc === proc) {
        s.role = event.role;
        s.ballot = event.ballot;
      }
      if (event.event === 'ready') this.markHasRun(id);
      // `stop N` reaches the node through its API, not through us, and a node a configuration
      // removed stops by itself: either exit is still asked for (never reported as a crash).
      if (event.event === 'other' && event.name === 'stopping' && s.proc === proc && isRequestedStop(String(event.fields.reason ?? ''))) s.requestedStop = true;
      this.emit({ type: 'node-event', id, event });
    });
    const err = readline.createInterface({ input: proc.stderr });
    err.on('line', (line) => {
      if (line.trim() !== '') this.emit({ type: 'stderr', id, line: line.slice(0, 500) });
    });
    s.exited = proc.then((result) => {
      if (s.proc === proc) {
        s.proc = null;
        s.paused = false;
        s.role = null;
      }
      // Removed while it ran: whatever it exited with, it was asked to go.
      if (s.removed) s.requestedStop = true;
      this.emit({
        type: 'exited',
        id,
        code: result.exitCode ?? null,
        signal: result.signal ?? null,
        requested: s.requestedStop,
      });
    });
  }

  /** Once per node: from its first `ready` on, it must not start again on a lost data dir. */
  private markHasRun(id: number): void {
    if (this.opts.cluster.hasRun?.includes(id) === true || this.markedHasRun.has(id)) return;
    this.markedHasRun.add(id);
    recordHasRun(this.opts.clusterFile, id).catch((err: unknown) => {
      this.markedHasRun.delete(id);
      const why = err instanceof Error ? err.message : String(err);
      this.emit({ type: 'stderr', id, line: `cannot record in ${this.opts.clusterFile} that node ${id} has run: ${why}` });
    });
  }

  /** SIGKILL: the node gets no chance to flush anything, which is the point. */
  async kill(id: number): Promise<void> {
    const s = this.slot(id);
    if (s.proc === null) throw new SupervisorError('not-running', `node ${id} is not running; restart ${id} starts it`);
    s.requestedStop = true;
    s.proc.kill('SIGKILL');
    await s.exited;
  }

  /**
   * SIGSTOP: the node freezes with its sockets open, as a long GC pause or a stalled VM would
   * leave it; its peers see silence, not a closed connection. resume() must follow: a stopped
   * node ignores SIGTERM (and its own parent watch) until it is continued, so stopAll and the
   * exit hook continue or kill every paused node.
   */
  pause(id: number): void {
    const s = this.slot(id);
    if (s.proc === null) throw new SupervisorError('not-running', `node ${id} is not running; restart ${id} starts it`);
    if (this.stopping) throw new SupervisorError('stopping', 'the cluster is shutting down');
    s.proc.kill('SIGSTOP');
    s.paused = true;
    this.emit({ type: 'stopped', id });
  }

  /** SIGCONT a paused node; nothing for one that is not paused (or gone). */
  resume(id: number): void {
    const s = this.slot(id);
    if (!s.paused) return;
    s.paused = false;
    try {
      s.proc?.kill('SIGCONT');
    } catch {
      // already gone
    }
    this.emit({ type: 'continued', id });
  }

  isPaused(id: number): boolean {
    return this.slots.get(id)?.paused === true;
  }

  /** Continues every paused node: what heal, Ctrl-C and every exit path do first. */
  resumeAll(): void {
    for (const id of this.ids) this.resume(id);
  }

  async restart(id: number): Promise<void> {
    const s = this.slot(id);
    if (s.proc !== null) throw new SupervisorError('already-running', `node ${id} is already running; kill ${id} first`);
    await s.exited;
    this.spawn(id);
  }

  /** SIGTERM everyone, SIGKILL whoever is still there after the grace period. Idempotent. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const waits: Promise<void>[] = [];
    for (const s of this.slots.values()) {
      if (s.proc !== null) {
        s.requestedStop = true;
        s.proc.kill('SIGTERM');
      }
      waits.push(s.exited);
    }
    // After the SIGTERM, so a paused node wakes up to it and stops at once.
    this.resumeAll();
    await Promise.all(waits);
  }

  /** Last resort for synchronous exit paths ('exit' event): no waiting possible. */
  killAllNow(): void {
    // SIGKILL ends a stopped (paused) process too: no SIGCONT needed.
    for (const s of this.slots.values()) {
      if (s.proc !== null) {
        s.requestedStop = true;
        try {
          s.proc.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
      s.paused = false;
    }
  }
}

/**
 * Stops every node on SIGINT/SIGTERM/SIGHUP, on an uncaught error, and (synchronously, with
 * SIGKILL) on any other exit. Returns a function that removes the hooks.
 */
export interface ShutdownHooks {
  /** Runs once every node is gone, before the exit (remove temp dirs here: nothing writes now). */
  readonly afterStop?: () => void;
  /** Every SIGINT goes here first; true if it was taken, false to shut down (e.g. a second one). */
  readonly firstInterrupt?: () => boolean;
}

export function installShutdownHooks(sup: Supervisor, beforeExit?: () => void, more: ShutdownHooks = {}): () => void {
  let exiting = false;
  const shutdown = (code: number) => {
    if (exiting) return;
    exiting = true;
    beforeExit?.();
    const finish = () => {
      try {
        more.afterStop?.();
      } finally {
        process.exit(code);
      }
    };
    const force = setTimeout(() => {
      sup.killAllNow();
      finish();
    }, 5000);
    force.unref();
    void sup.stopAll().finally(finish);
  };
  const onSigint = () => {
    if (more.firstInterrupt?.() === true) return;
    shutdown(130);
  };
  const onSigterm = () => shutdown(143);
  const onSighup = () => shutdown(129);
  const onCrash = (err: unknown) => {
    process.stderr.write(`paxos-cli: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    shutdown(1);
  };
  const onExit = () => sup.killAllNow();
  const hooks: [string, (arg?: unknown) => void][] = [
    ['SIGINT', onSigint],
    ['SIGTERM', onSigterm],
    ['SIGHUP', onSighup],
    ['uncaughtException', onCrash],
    ['unhandledRejection', onCrash],
    ['exit', onExit],
  ];
  for (const [event, fn] of hooks) process.on(event as NodeJS.Signals, fn);
  return () => {
    for (const [event, fn] of hooks) process.off(event as NodeJS.Signals, fn);
  };
}
