// The supervisor's place for a cluster this terminal did not start (`attach`, one-shot commands):
// every node counts as running (the network tells otherwise: a node that does not answer shows
// as unreachable), and what needs the node's process, not its address (kill, restart, SIGSTOP),
// is refused with a line that says what to do instead.
import type { SupervisorEvent } from './supervisor.js';

export class RemoteNodeError extends Error {
  readonly code = 'not-ours';
}

export class RemoteNodes {
  private readonly listeners = new Set<(e: SupervisorEvent) => void>();
  /** Each node's last announced role and ballot, from the events fed in. */
  private readonly roles = new Map<number, { role: string; ballot: number[] }>();

  constructor(
    readonly ids: number[],
    /** How a person stops a node on its host, shown when `kill`/`restart` are refused. */
    private readonly clusterFile: string,
  ) {}

  isAlive(_id: number): boolean {
    return true;
  }

  pid(_id: number): number | undefined {
    return undefined;
  }

  /** The node that last announced itself leader with the highest ballot, as the supervisor says. */
  reportedLeader(): number | null {
    let best: { id: number; ballot: number[] } | null = null;
    for (const [id, r] of this.roles) {
      if (r.role !== 'leader') continue;
      if (best === null || r.ballot[0]! > best.ballot[0]! || (r.ballot[0] === best.ballot[0] && r.ballot[1]! > best.ballot[1]!)) best = { id, ballot: r.ballot };
    }
    return best?.id ?? null;
  }

  /** What remote event streams saw (attach): fed in by whoever polls the nodes. */
  emit(e: SupervisorEvent): void {
    if (e.type === 'node-event' && e.event.event === 'role') this.roles.set(e.id, { role: e.event.role, ballot: e.event.ballot.split('.').map(Number) });
    for (const fn of this.listeners) fn(e);
  }

  onEvent(fn: (e: SupervisorEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  recentEvents(): readonly SupervisorEvent[] {
    return [];
  }

  refusal(what: string, id: number): RemoteNodeError {
    return new RemoteNodeError(
      `node ${id} was not started by this terminal, so it cannot ${what} it here; ` +
        `stop N asks a node to exit, and on its host: paxos-cli node --id ${id} --cluster ${this.clusterFile} --data-dir DIR starts it`,
    );
  }

  kill(id: number): Promise<void> {
    return Promise.reject(this.refusal('kill', id));
  }

  restart(id: number): Promise<void> {
    return Promise.reject(this.refusal('restart', id));
  }

  pause(id: number): void {
    throw this.refusal('SIGSTOP', id);
  }

  resume(id: number): void {
    throw this.refusal('SIGCONT', id);
  }

  isPaused(_id: number): boolean {
    return false;
  }

  resumeAll(): void {}
}
