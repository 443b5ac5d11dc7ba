// The CLI's side of fault injection: it owns the current rules, pushes them to every live node,
// and pushes them again to a node that restarts (a fresh process starts with no rules). The
// other nodes keep enforcing the partition meanwhile, so the cut holds across the restart.
import { isFaultFree, NO_FAULTS, type FaultRules } from '../protocol/fault-rules.js';
import type { Supervisor } from './supervisor.js';

export interface AdminClient {
  admin(nodeId: number, action: string, args?: unknown): Promise<FaultRules>;
}

export type FaultSupervisor = Pick<Supervisor, 'ids' | 'isAlive' | 'onEvent'>;

export interface ApplyResult {
  readonly applied: readonly number[];
  /** Live nodes that did not take the rules (they get them again when they restart). */
  readonly failed: readonly { node: number; error: string }[];
}

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
    const applied: number[] = [];
    const failed: { node: number; error: string }[] = [];
    await Promise.all(
      this.sup.ids
        .filter((id) => this.sup.isAlive(id))
        .map(async (id) => {
          try {
            await this.push(id, rules);
            applied.push(id);
          } catch (err) {
            failed.push({ node: id, error: err instanceof Error ? err.message : String(err) });
          }
        }),
    );
    applied.sort((a, b) => a - b);
    failed.sort((a, b) => a.node - b.node);
    return { applied, failed };
  }

  private async push(id: number, rules: FaultRules): Promise<void> {
    if (this.client === undefined) throw Object.assign(new Error('this client cannot send admin requests'), { code: 'unsupported' });
    await this.client.admin(id, 'faults', rules);
  }

  dispose(): void {
    this.off();
    this.listeners.clear();
  }
}
