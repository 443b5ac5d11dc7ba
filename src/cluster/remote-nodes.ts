// The supervisor's place for a cluster this terminal did not start (`attach`, one-shot commands):
// every node counts as running (the network tells otherwise: a node that does not answer shows
// as unreachable), and what needs the node's process, not its address (kill, restart), is
// refused with a line that says what to do instead. A pause (chaos's SIGSTOP) becomes step mode
// on that one node: it stops its clock and holds every peer message until resumed, then takes
// them late, which is what a stopped process with open sockets does, through the network only.
import { highestLeader } from './reported-leader.js';
import type { SupervisorEvent } from './supervisor.js';

const RESUME_ATTEMPTS = 20;
const MAX_BACKLOG = 2000;
const RESUME_RETRY_MS = 500;

export class RemoteNodeError extends Error {
  readonly code = 'not-ours';
}

export class RemoteNodes {
  private readonly listeners = new Set<(e: SupervisorEvent) => void>();
  /** Each node's last announced role and ballot, from the events fed in. */
  private readonly roles = new Map<number, { role: string; ballot: string }>();

  private readonly paused = new Set<number>();
  private readonly backlog: SupervisorEvent[] = [];
  /** Each node's pause/resume requests, in order. */
  private readonly chains = new Map<number, Promise<void>>();

  constructor(
    readonly ids: number[],
    /** How a person stops a node on its host, shown when `kill`/`restart` are refused. */
    private readonly clusterFile: string,
    /** Step mode through the nodes' API; without it, pausing is refused. */
    private readonly stepper?: (id: number, action: 'pause' | 'resume') => Promise<unknown>,
  ) {}

  isAlive(_id: number): boolean {
    return true;
  }

  /** A node added at runtime (by this terminal or another): it counts from now on. */
  addNode(id: number): void {
    if (!this.ids.includes(id)) {
      this.ids.push(id);
      this.ids.sort((a, b) => a - b);
    }
  }

  /** A node removed from the configuration: no longer a member to poll or count. */
  markRemoved(id: number): void {
    const i = this.ids.indexOf(id);
    if (i >= 0) this.ids.splice(i, 1);
    this.paused.delete(id);
  }

  pid(_id: number): number | undefined {
    return undefined;
  }

  /** The node that last announced itself leader with the highest ballot, as the supervisor says. */
  reportedLeader(): number | null {
    return highestLeader([...this.roles].map(([id, r]) => ({ id, ...r })));
  }

  /** What remote event streams saw (attach): fed in by whoever polls the nodes. */
  emit(e: SupervisorEvent): void {
    if (e.type === 'node-event' && e.event.event === 'role') this.roles.set(e.id, { role: e.event.role, ballot: e.event.ballot });
    this.backlog.push(e);
    if (this.backlog.length > MAX_BACKLOG) this.backlog.shift();
    for (const fn of this.listeners) fn(e);
  }

  onEvent(fn: (e: SupervisorEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The most recent events, oldest first: the UI starts after the first reads of the logs. */
  recentEvents(): readonly SupervisorEvent[] {
    return [...this.backlog];
  }

  refusal(what: string, id: number): RemoteNodeError {
    return new RemoteNodeError(
      `node ${id} runs elsewhere (this terminal did not start it), so it cannot ${what} it: stop ${id} asks it to exit cleanly, ` +
        `and on its host paxos-cli node --id ${id} --cluster ${this.clusterFile} --data-dir DIR starts it`,
    );
  }

  kill(id: number): Promise<void> {
    return Promise.reject(this.refusal('kill', id));
  }

  restart(id: number): Promise<void> {
    return Promise.reject(this.refusal('restart', id));
  }

  pause(id: number): void {
    if (this.stepper === undefined) throw this.refusal('SIGSTOP', id);
    if (this.paused.has(id)) return;
    this.paused.add(id);
    this.send(id, 'pause');
    this.emit({ type: 'stopped', id });
  }

  resume(id: number): void {
    if (!this.paused.delete(id)) return;
    this.send(id, 'resume');
    this.emit({ type: 'continued', id });
  }

  isPaused(id: number): boolean {
    return this.paused.has(id);
  }

  resumeAll(): void {
    for (const id of [...this.paused]) this.resume(id);
  }

  /** Every pause and resume sent so far has been answered (or failed). */
  async settled(): Promise<void> {
    await Promise.all(this.chains.values());
  }

  private send(id: number, action: 'pause' | 'resume'): void {
    const stepper = this.stepper!;
    // A resume must arrive, or the node stays frozen: it is retried while the node is not paused
    // again (a pause that fails leaves a node that is cut off anyway, which the resume undoes).
    const attempt = async (): Promise<void> => {
      for (let i = 0; i < (action === 'resume' ? RESUME_ATTEMPTS : 1); i++) {
        if (action === 'resume' && this.paused.has(id)) return;
        try {
          await stepper(id, action);
          return;
        } catch {
          await new Promise((r) => setTimeout(r, RESUME_RETRY_MS));
        }
      }
    };
    const next = (this.chains.get(id) ?? Promise.resolve()).then(attempt);
    this.chains.set(id, next);
  }
}
