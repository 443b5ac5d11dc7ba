// Runs one client operation and records it in a history: invoke before the request, completion
// after the answer. The outcome of an error is judged conservatively: 'failed' only when the
// operation certainly did not take effect (refused as malformed before any proposal); a timeout,
// a lost connection, "no quorum" or a lost leadership may all follow a proposal that is later
// chosen, so they are 'unknown'. Exported for every recorder of client operations (REPL, chaos,
// bench): `recordOp(history, 'w3', {op:'set', key, value}, () => client.set(key, value))`.
import type { HistoryRecorder } from './history.js';

/** Error codes that mean the node refused the request before proposing it. */
const DEFINITELY_NOT_APPLIED: ReadonlySet<string> = new Set(['bad-request', 'unsupported', 'unknown-node']);

export function outcomeOfError(err: unknown): 'failed' | 'unknown' {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DEFINITELY_NOT_APPLIED.has(code) ? 'failed' : 'unknown';
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
