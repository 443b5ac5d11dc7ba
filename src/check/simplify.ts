// The simplified history searched first, per key: every linearization of it is a linearization
// of the full history, so its pass is the verdict; its violation proves nothing (the full search
// runs next). Why first: an unknown operation has no return, so the full search may linearize it
// at any point after its invocation, and with hundreds of them open at once the configurations
// multiply past any budget (a 15,000-op key with 318 unknowns defeated both this checker and
// Porcupine). Here no operation stays open.
//
// From the operations relevantOps kept (failed ones are gone), it drops or narrows:
// 1. Unknown gets: dropped. They returned nothing, so they constrain nothing.
// 2. Unknown writes whose value no ok get observed (no get of that value completes after the
//    write's invocation): dropped. Such a write may take effect never (or at the very end), and a
//    get's value is matched only by writes that remain, so a linearization without the write is
//    one of the full history in which it never took effect.
// 3. Every other unknown write: made definite, completing when the first ok get of its value
//    (completing after its invocation) completes. It must then take effect, before that get:
//    that only removes linearizations (those where it takes effect later, or never), so a pass
//    still proves a pass. A write of a value written once must precede every get of it anyway,
//    so nothing is lost there; a `del` (null) or a repeated value may really have taken effect
//    later, or never, and then only the full search finds the linearization.
// 4. A write of a value written only once, with gets of it: its window starts no earlier than
//    the first invocation of those gets (see lateStart). Also only a narrowing, so sound for a
//    pass; it keeps a write that cannot be linearized yet from being tried at every step.
import type { Operation } from './history.js';

/** The simplified operations, or null when nothing is unknown (then the full search is exact). */
export function simplifiedOps(ops: readonly Operation[]): Operation[] | null {
  if (!ops.some((o) => o.outcome === 'unknown')) return null;
  const getsOf = new Map<string | null, Operation[]>(); // value read → the ok gets of it
  const writersOf = new Map<string, number>(); // value set → how many sets write it
  for (const o of ops) {
    if (o.op === 'set') writersOf.set(o.value as string, (writersOf.get(o.value as string) ?? 0) + 1);
    if (o.op !== 'get' || o.outcome !== 'ok') continue;
    const list = getsOf.get(o.value);
    if (list === undefined) getsOf.set(o.value, [o]);
    else list.push(o);
  }
  const out: Operation[] = [];
  for (const o of ops) {
    if (o.op === 'get') {
      if (o.outcome === 'ok') out.push(o);
      continue;
    }
    const value = o.op === 'set' ? o.value : null;
    // The gets that can have read this write: those completing after it was invoked.
    const readers = (getsOf.get(value) ?? []).filter((g) => (g.completeMs as number) >= o.invokeMs);
    if (o.outcome === 'unknown' && readers.length === 0) continue;
    const end = o.outcome === 'ok' ? (o.completeMs as number) : Math.min(...readers.map((g) => g.completeMs as number));
    const start = value !== null && writersOf.get(value) === 1 ? lateStart(o.invokeMs, readers, end) : o.invokeMs;
    out.push({ ...o, outcome: 'ok', invokeMs: start, completeMs: end });
  }
  return out;
}

/**
 * The only write of its value sits, in every linearization, right before the first get that
 * reads it: a write between them would change the value, and any get between would be such a
 * get. So no linearization is lost by starting its window at the first invocation of those gets
 * (an op completing before then precedes that get in real time, and so precedes the write). The
 * window never ends before it starts: at most it shrinks to its end.
 */
function lateStart(invokeMs: number, readers: readonly Operation[], end: number): number {
  if (readers.length === 0) return invokeMs;
  const first = Math.min(...readers.map((g) => g.invokeMs));
  return Math.min(Math.max(invokeMs, first), end);
}
