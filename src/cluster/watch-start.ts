// Whether a node we just spawned came up: `ready`, or an exit (port taken, damaged or lost data
// dir, ...) with its exit code and the one line it printed on stderr, or no word within the bound.
import type { Supervisor } from '../cluster/supervisor.js';

/** A start that takes longer is reported as failed: recovery of a large DB takes well under 1 s. */
export const START_TIMEOUT_MS = 10_000;

export type StartOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: string; readonly exitCode?: number | null; readonly signal?: string | null };

/** Lines the node's stderr may still deliver after the exit itself is reported. */
const STDERR_GRACE_MS = 50;

/** Call before spawning (no event may slip past); resolves once the start is decided. */
export function watchStart(sup: Pick<Supervisor, 'onEvent'>, id: number, limitMs = START_TIMEOUT_MS): Promise<StartOutcome> {
  return new Promise((resolve) => {
    const stderr: string[] = [];
    let decided = false;
    const off = sup.onEvent((e) => {
      if (e.id !== id || decided) return;
      if (e.type === 'stderr') stderr.push(e.line);
      if (e.type === 'node-event' && e.event.event === 'ready') finish({ ok: true });
      if (e.type === 'exited') {
        decided = true;
        setTimeout(() => finish(exitedOutcome(id, e.code, e.signal, stderr)), STDERR_GRACE_MS);
      }
    });
    const timer = setTimeout(
      () => finish({ ok: false, error: `node ${id} did not report ready within ${limitMs / 1000} s; it is still running (kill ${id} stops it)` }),
      limitMs,
    );
    function finish(o: StartOutcome): void {
      decided = true;
      clearTimeout(timer);
      off();
      resolve(o);
    }
  });
}

function exitedOutcome(id: number, code: number | null, signal: string | null, stderr: readonly string[]): StartOutcome {
  const how = code !== null ? `exit code ${code}` : `signal ${signal ?? '?'}`;
  // The node's own line says why; its "paxos-cli node N:" prefix would only repeat the id.
  const reason = stderr.map((l) => l.replace(/^paxos-cli node( \d+)?: /, '')).find((l) => l.trim() !== '');
  const error = `node ${id} exited during its start (${how})${reason !== undefined ? `: ${reason}` : ''}`;
  return { ok: false, error, exitCode: code, signal };
}
