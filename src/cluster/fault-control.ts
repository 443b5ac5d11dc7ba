// The CLI's side of fault injection: it owns the current rules, pushes them to every live node,
// and pushes them again to a node that restarts (a fresh process starts with no rules). The
// other nodes keep enforcing the partition meanwhile, so the cut holds across the restart.
import { isFaultFree, NO_FAULTS, type FaultRules } from '../protocol/fault-rules.js';
import { noAdminClient, pushToLiveNodes, type ApplyResult } from './live-nodes.js';
import type { Supervisor } from './supervisor.js';

export type { ApplyResult } from './live-nodes.js';

export interface AdminClient {
  admin(nodeId: number, action: string, args?: unknown): Promise<FaultRules>;
}

export type FaultSupervisor = Pick<Supervisor, 'ids' | 'isAlive' | 'onEvent'>;

export class FaultControl {
  private current: FaultRules = NO_FAULTS;
  private readonly listeners = new Set<(rules: FaultRules) => void>();
  private readonly off: () => void;

  constructor(
    private readonly sup: FaultSupervisor,
    private readonly client: AdminClient | undefined,
  ) {
    this.off = sup.onEvent((e) => {
      if (e.type === 'node-event' && e.event.event === 'ready' && !isFaultFree(this.current)) {
        void this.push(e.id, this.current).catch(() => undefined);
      }
    });
  }

  get rules(): FaultRules {
    return this.current;
  }

  get supported(): boolean {
    return this.client !== undefined;
  }

  onChange(fn: (rules: FaultRules) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Records the rules (even if some node is unreachable: it gets them on restart) and pushes them. */
  async set(rules: FaultRules): Promise<ApplyResult> {
    this.current = rules;
    for (const fn of this.listeners) fn(rules);
    return pushToLiveNodes(this.sup, (id) => this.push(id, rules));
  }

  private async push(id: number, rules: FaultRules): Promise<void> {
    if (this.client === undefined) throw noAdminClient();
    await this.client.admin(id, 'faults', rules);
  }

  dispose(): void {
    this.off();
    this.listeners.clear();
  }
}
