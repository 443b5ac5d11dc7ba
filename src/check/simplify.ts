// The simplified history searched first, per key. Every linearization of it is one of the full
// history, so its pass is the verdict; its violation is re-checked by the full search (each rule
// below is argued to lose no linearization either, but the checker does not stake a "fail" on
// that argument). Why first: an unknown operation has no return, so the full search may
// linearize it at any point after its invocation, and with hundreds of them open at once the
// configurations multiply past any budget (a 15,000-op key with 318 unknowns defeated both this
// checker and Porcupine).
//
// From the operations relevantOps kept (failed ones and unknown gets are gone):
// 1. Unknown writes whose value no ok get observed (no get of that value completes after the
//    write's invocation): dropped. With no get between it and the next write, a linearization
//    that contains it stays one without it, so "it never took effect" explains the same history.
// 2. An unknown write of a value written only once, that a get observed: made definite,
//    completing when the first such get completes. It must take effect before every get of its
//    value, so no linearization is lost.
// 3. A write of a value written only once, with gets of it: its window starts no earlier than
//    the first invocation of those gets (see lateStart). No linearization is lost, and a write
//    that cannot be linearized yet is no longer tried at every step before it: with 16 clients
//    this alone takes a 15,000-op history from undecided to under a second.
// 4. Everything else (a `del`, or a value written more than once) is left as it is.
import type { Operation } from './history.js';

/** The simplified operations (the narrowing rules 1-3 apply with or without unknowns). */
export function simplifiedOps(ops: readonly Operation[]): Operation[] {
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
    const once = value !== null && writersOf.get(value) === 1;
    if (!once) {
      out.push(o);
      continue;
    }
    const end = o.outcome === 'ok' ? (o.completeMs as number) : Math.min(...readers.map((g) => g.completeMs as number));
    out.push({ ...o, outcome: 'ok', invokeMs: lateStart(o.invokeMs, readers, end), completeMs: end });
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
