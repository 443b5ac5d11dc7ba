// Runs one client operation and records it in a history: invoke before the request, completion
// after the answer. 'failed' is a promise the checker relies on (the operation never took effect,
// and never will), so it is given only when the client says so (PaxosClientError.notApplied: no
// attempt left it, or the only ones that did were refused as malformed before any proposal).
// Everything else is 'unknown': a timeout, a lost connection, not-leader or no-quorum (the node
// may have proposed the command first), an unexpected reply, an error of any other kind; the
// command may still be chosen later under its (clientId, seq). Exported for every recorder of
// client operations (REPL, chaos, bench):
// `recordOp(history, 'w3', {op:'set', key, value}, () => client.set(key, value))`.
import type { HistoryRecorder } from './history.js';

export function outcomeOfError(err: unknown): 'failed' | 'unknown' {
  return (err as { notApplied?: unknown } | null)?.notApplied === true ? 'failed' : 'unknown';
}

export type RecordedOp = { readonly op: 'set'; readonly key: string; readonly value: string } | { readonly op: 'get' | 'del'; readonly key: string };

export async function recordOp<T>(
  history: HistoryRecorder | undefined,
  process: string,
  op: RecordedOp,
  run: () => Promise<T>,
): Promise<T> {
  if (history === undefined) return run();
  const h = op.op === 'set' ? history.invoke(process, 'set', op.key, op.value) : history.invoke(process, op.op, op.key);
  let result: T;
  try {
    result = await run();
  } catch (err) {
    if (outcomeOfError(err) === 'failed') h.fail();
    else h.unknown();
    throw err;
  }
  if (op.op === 'get') {
    const read = (result as { value?: unknown }).value;
    h.ok(typeof read === 'string' ? read : null);
  }
  else h.ok();
  return result;
}
