// One request to every live node at once, and who took it: what switching the fault rules or
// the message trace cluster-wide comes to (FaultControl, TraceControl).
import type { Supervisor } from './supervisor.js';

export interface ApplyResult {
  readonly applied: readonly number[];
  /** Live nodes that did not take it (they are told again when they restart). */
  readonly failed: readonly { node: number; error: string }[];
}

/** Runs `push` on every live node in parallel; never throws (a node that fails is in `failed`), ids sorted. */
export async function pushToLiveNodes(sup: Pick<Supervisor, 'ids' | 'isAlive'>, push: (id: number) => Promise<void>): Promise<ApplyResult> {
  const applied: number[] = [];
  const failed: { node: number; error: string }[] = [];
  await Promise.all(
    sup.ids
      .filter((id) => sup.isAlive(id))
      .map(async (id) => {
        try {
          await push(id);
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

/** What a control without a client (a UI-only test double) answers a push with. */
export function noAdminClient(): Error {
  return Object.assign(new Error('this client cannot send admin requests'), { code: 'unsupported' });
}
