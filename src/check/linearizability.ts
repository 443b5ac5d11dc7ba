// Linearizability checker for the KV model: one register per key, `del` writes null, `get` returns
// the current value or null. Keys are independent (P-compositionality), so each key's history is
// searched on its own with the Wing–Gong/Lowe algorithm as Porcupine implements it: call and
// return events in time order in a doubly linked list; linearize ("lift") a call whose
// operation is legal in the current state; backtrack ("unlift") from an explicit stack when a
// return is reached first; memoise (linearized set, state) so no configuration is explored twice.

import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { Operation } from './history.js';
import { simplifiedOps } from './simplify.js';

export type KeyVerdict = 'ok' | 'violation' | 'timeout';

export interface KeyResult {
  readonly key: string;
  /** Operations on this key in the history. */
  readonly ops: number;
  /** Of those, the ones that constrain the search (failed ops, unknown gets and unobserved
   * unknown writes constrain nothing and are left out). */
  readonly searched: number;
  readonly verdict: KeyVerdict;
  /** Distinct (linearized set, state) configurations explored (both searches, when two ran). */
  readonly states: number;
  readonly ms: number;
  /**
   * Which search gave the verdict: the simplified history (simplify.ts; trusted for a pass
   * only), or the full one (after the simplified search found no linearization); null: undecided.
   */
  readonly decidedBy: 'simplified' | 'full' | null;
}

export interface Counterexample {
  readonly key: string;
  /** A sub-history of this key that is not linearizable, shrunk greedily; sorted by invocation. */
  readonly ops: readonly Operation[];
  /** True when no single operation can be removed from `ops` and keep it non-linearizable
   * (writes whose value a get in `ops` read count as needed: see shrink). */
  readonly minimal: boolean;
  /** Failed writes of a value some get in `ops` read: shown because they are the usual story
   * ("a rejected set was read"), though the checker rightly treats them as never applied. */
  readonly failedWrites: readonly Operation[];
}

export interface CheckResult {
  /** 'unknown' when the time limit ran out before every key was decided and none failed. */
  readonly linearizable: boolean | 'unknown';
  readonly keys: number;
  readonly ops: number;
  readonly ms: number;
  readonly perKey: readonly KeyResult[];
  /** Keys whose pass came from the simplified search, and keys left undecided (time limit). */
  readonly simplifiedKeys: number;
  readonly undecidedKeys: number;
  readonly counterexample?: Counterexample;
}

export interface CheckOptions {
  /** Budget for deciding every key. Past it, undecided keys are reported as timeouts. */
  readonly timeLimitMs?: number;
  /** Extra budget for shrinking the counterexample. */
  readonly shrinkTimeLimitMs?: number;
  /** Monotonic milliseconds; performance.now by default. */
  readonly clock?: () => number;
}

const DEFAULT_TIME_LIMIT_MS = 60_000;
const DEFAULT_SHRINK_TIME_LIMIT_MS = 10_000;
/** Shrinking runs one search per attempt; bounded so a pathological key cannot loop forever. */
const SHRINK_MAX_ATTEMPTS = 20_000;
/** How often (in search steps) the clock is read: cheap enough, and well under a millisecond. */
const CLOCK_CHECK_STEPS = 4096;

interface Budget {
  readonly clock: () => number;
  readonly deadlineMs: number;
}

export function checkHistory(ops: readonly Operation[], opts: CheckOptions = {}): CheckResult {
  const clock = opts.clock ?? (() => performance.now());
  const startMs = clock();
  const budget: Budget = { clock, deadlineMs: startMs + (opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS) };

  const byKey = new Map<string, Operation[]>();
  for (const o of ops) {
    const list = byKey.get(o.key);
    if (list === undefined) byKey.set(o.key, [o]);
    else list.push(o);
  }
  const keys = [...byKey.keys()].sort();

  const perKey: KeyResult[] = [];
  for (const key of keys) {
    const keyOps = byKey.get(key);
    assert.ok(keyOps !== undefined);
    const keyStartMs = clock();
    const searchOps = relevantOps(keyOps);
    const outcome = keyStartMs > budget.deadlineMs ? { verdict: 'timeout' as const, states: 0, decidedBy: null } : decideKey(searchOps, budget);
    perKey.push({
      key,
      ops: keyOps.length,
      searched: searchOps.length,
      verdict: outcome.verdict,
      states: outcome.states,
      ms: clock() - keyStartMs,
      decidedBy: outcome.decidedBy,
    });
  }

  const violated = perKey.find((k) => k.verdict === 'violation');
  let counterexample: Counterexample | undefined;
  if (violated !== undefined) {
    const keyOps = byKey.get(violated.key);
    assert.ok(keyOps !== undefined);
    const shrinkBudget: Budget = { clock, deadlineMs: clock() + (opts.shrinkTimeLimitMs ?? DEFAULT_SHRINK_TIME_LIMIT_MS) };
    const shrunk = shrink(relevantOps(keyOps), shrinkBudget);
    const readValues = new Set(shrunk.ops.filter((o) => o.op === 'get').map((o) => o.value));
    counterexample = {
      key: violated.key,
      ops: [...shrunk.ops].sort(byInvocation),
      minimal: shrunk.minimal,
      failedWrites: keyOps
        .filter((o) => o.outcome === 'failed' && o.op !== 'get' && readValues.has(o.value))
        .sort(byInvocation),
    };
  }

  const linearizable =
    violated !== undefined ? false : perKey.some((k) => k.verdict === 'timeout') ? ('unknown' as const) : true;
  const result = {
    linearizable,
    keys: keys.length,
    ops: ops.length,
    ms: clock() - startMs,
    perKey,
    simplifiedKeys: perKey.filter((k) => k.decidedBy === 'simplified').length,
    undecidedKeys: perKey.filter((k) => k.verdict === 'timeout').length,
  };
  return counterexample === undefined ? result : { ...result, counterexample };
}

/**
 * The simplified search first (a pass there is a pass), then, only if it found no
 * linearization, the full one: a violation of the simplified history may be one of the
 * simplification's making (an unknown write it made take effect too early), never a verdict.
 */
function decideKey(ops: readonly Operation[], budget: Budget): SearchOutcome & { decidedBy: KeyResult['decidedBy'] } {
  const first = search(simplifiedOps(ops), budget);
  if (first.verdict === 'ok') return { ...first, decidedBy: 'simplified' };
  if (first.verdict === 'timeout') return { ...first, decidedBy: null };
  const full = search(ops, budget);
  return { verdict: full.verdict, states: first.states + full.states, decidedBy: full.verdict === 'timeout' ? null : 'full' };
}

/** How one key was decided. `only` runs one of the two searches alone (for tests). */
export function checkKeyDetail(
  ops: readonly Operation[],
  opts: CheckOptions & { only?: 'full' | 'simplified' } = {},
): SearchOutcome & { decidedBy: KeyResult['decidedBy'] } {
  const clock = opts.clock ?? (() => performance.now());
  const key = ops[0]?.key;
  assert.ok(ops.every((o) => o.key === key), 'checkKey takes one key');
  const budget = { clock, deadlineMs: clock() + (opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS) };
  if (opts.only !== undefined) {
    const relevant = relevantOps(ops);
    const r = search(opts.only === 'full' ? relevant : simplifiedOps(relevant), budget);
    return { ...r, decidedBy: r.verdict === 'timeout' ? null : opts.only };
  }
  return decideKey(relevantOps(ops), budget);
}

/** Checks one key's operations on their own (all must share a key). Used by tests. */
export function checkKey(ops: readonly Operation[], opts: CheckOptions & { only?: 'full' | 'simplified' } = {}): KeyVerdict {
  return checkKeyDetail(ops, opts).verdict;
}

function byInvocation(a: Operation, b: Operation): number {
  return a.invokeMs - b.invokeMs || a.id - b.id;
}

/**
 * The operations that can constrain a linearization. Failed ones never took effect. An unknown
 * get told nobody anything. An unknown write (it may take effect, or never) matters only if an
 * ok get read its value and completed after the write was invoked: otherwise any linearization
 * that includes it stays valid with it removed, since no read sits directly after it.
 */
function relevantOps(ops: readonly Operation[]): Operation[] {
  const lastReadMs = new Map<string | null, number>(); // value read → latest completion of such a read
  for (const o of ops) {
    if (o.op === 'get' && o.outcome === 'ok') {
      assert.ok(o.completeMs !== null, 'an ok operation has a completion time');
      lastReadMs.set(o.value, Math.max(lastReadMs.get(o.value) ?? -Infinity, o.completeMs));
    }
  }
  return ops.filter((o) => {
    if (o.outcome === 'failed') return false;
    if (o.outcome === 'ok') return true;
    if (o.op === 'get') return false;
    const written = o.op === 'set' ? o.value : null;
    return (lastReadMs.get(written) ?? -Infinity) >= o.invokeMs;
  });
}

const KIND_SET = 0;
const KIND_GET = 1;
const KIND_DEL = 2;

/** An event in the time-ordered list. A call's `match` is its return; null when the operation's
 * outcome is unknown (its return is at +infinity, so it never forces a backtrack). */
interface EventNode {
  readonly op: number;
  readonly call: boolean;
  readonly time: number;
  match: EventNode | null;
  prev: EventNode | null;
  next: EventNode | null;
}

export interface SearchOutcome {
  readonly verdict: KeyVerdict;
  readonly states: number;
}

/** Zobrist-style hashing: the linearized set's hash is the XOR of its members' codes, so it is
 * updated in O(1) on lift and unlift; equal hashes are confirmed by comparing the bitsets. */
function opCode(i: number): number {
  let x = Math.imul(i + 1, 0x9e3779b1) ^ 0x5bd1e995;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 0;
}

function stateCode(state: number): number {
  return Math.imul(state + 0x3c6ef372, 0x27d4eb2d);
}

function search(unordered: readonly Operation[], budget: Budget): SearchOutcome {
  // Invocation order, so that the linearized set is a full prefix plus a short tail (see remember).
  const ops = [...unordered].sort(byInvocation);
  const n = ops.length;
  if (n === 0) return { verdict: 'ok', states: 0 };

  // Values become small integers; 0 is null (absent), the initial state of every key.
  const valueIds = new Map<string | null, number>([[null, 0]]);
  const intern = (v: string | null): number => {
    let id = valueIds.get(v);
    if (id === undefined) {
      id = valueIds.size;
      valueIds.set(v, id);
    }
    return id;
  };
  const kind = new Uint8Array(n);
  const value = new Int32Array(n);
  const unknown = new Uint8Array(n);
  const code = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = ops[i];
    assert.ok(o !== undefined);
    assert.ok(o.outcome !== 'failed', 'failed operations are filtered out before the search');
    assert.ok(!(o.outcome === 'unknown' && o.op === 'get'), 'unknown gets are filtered out before the search');
    kind[i] = o.op === 'set' ? KIND_SET : o.op === 'get' ? KIND_GET : KIND_DEL;
    value[i] = o.op === 'del' ? 0 : intern(o.value);
    unknown[i] = o.outcome === 'unknown' ? 1 : 0;
    code[i] = opCode(i);
  }
  // Gets not yet linearized, per value read: an unknown write is only worth linearizing while
  // someone still has to read what it writes (the argument in relevantOps, applied to the rest).
  const pendingReaders = new Int32Array(valueIds.size);
  for (let i = 0; i < n; i++) {
    const v = value[i] as number;
    if (kind[i] === KIND_GET) pendingReaders[v] = (pendingReaders[v] as number) + 1;
  }

  const events: EventNode[] = [];
  for (let i = 0; i < n; i++) {
    const o = ops[i] as Operation;
    const call: EventNode = { op: i, call: true, time: o.invokeMs, match: null, prev: null, next: null };
    events.push(call);
    if (o.outcome === 'ok') {
      assert.ok(o.completeMs !== null && o.completeMs >= o.invokeMs, 'ok operations complete after their invocation');
      const ret: EventNode = { op: i, call: false, time: o.completeMs, match: null, prev: null, next: null };
      call.match = ret;
      events.push(ret);
    }
  }
  // At equal times calls go first: the operations then count as concurrent, the permissive
  // reading of a tie (a checker must not invent a violation from clock granularity).
  events.sort((a, b) => a.time - b.time || (a.call === b.call ? a.op - b.op : a.call ? -1 : 1));
  const head: EventNode = { op: -1, call: false, time: -Infinity, match: null, prev: null, next: null };
  let tail = head;
  for (const e of events) {
    tail.next = e;
    e.prev = tail;
    tail = e;
  }

  const words = (n + 31) >>> 5;
  const linearized = new Uint32Array(words);
  const cache = new Map<number, { bits: Uint32Array; low: number; state: number }[]>();
  let states = 0;
  const stackCalls: EventNode[] = [];
  const stackStates: number[] = [];
  let setHash = 0;
  let state = 0;
  let definiteLeft = 0;
  for (let i = 0; i < n; i++) if (unknown[i] === 0) definiteLeft++;

  // A configuration is stored from its first word that is not all ones: operations are indexed
  // in invocation order and linearized roughly in that order, so the words below are full in
  // nearly every configuration, and copying or comparing them (a 15,000-op key has 470) would
  // cost more than the search itself. `low` is part of the key: equal tails from different
  // starts are different sets.
  // Bounds of the words that are neither all ones nor all zeros: lowHint is never above the
  // first word that is not full (every clear lowers it, span() raises it); highHint is never
  // below the last word with a bit set (every set raises it, span() lowers it). Both move a word
  // or two per step, so a configuration costs its few words, not the whole bitset.
  let lowHint = 0;
  let highHint = 0;
  const span = (): void => {
    while (lowHint < words && linearized[lowHint] === 0xffffffff) lowHint++;
    if (highHint < lowHint) highHint = lowHint;
    while (highHint > lowHint && linearized[highHint - 1] === 0) highHint--;
  };
  const seen = (h: number, s: number): boolean => {
    const bucket = cache.get(h);
    if (bucket === undefined) return false;
    span();
    outer: for (const c of bucket) {
      if (c.state !== s || c.low !== lowHint || c.bits.length !== highHint - lowHint) continue;
      for (let w = 0; w < c.bits.length; w++) if (c.bits[w] !== linearized[lowHint + w]) continue outer;
      return true;
    }
    return false;
  };
  const remember = (h: number, s: number): void => {
    span();
    const entry = { bits: linearized.slice(lowHint, highHint), low: lowHint, state: s };
    const bucket = cache.get(h);
    if (bucket === undefined) cache.set(h, [entry]);
    else bucket.push(entry);
    states++;
  };
  const setBit = (i: number): void => {
    linearized[i >>> 5] = (linearized[i >>> 5] as number) | (1 << (i & 31));
    if ((i >>> 5) + 1 > highHint) highHint = (i >>> 5) + 1;
  };

  let entry: EventNode | null = head.next;
  let steps = 0;
  // Set on the stack entries of gets taken by the rule below: they have no alternatives.
  const stackForced: boolean[] = [];
  let freshLevel = true;

  const push = (call: EventNode, next: number, nextSetHash: number, forced: boolean): void => {
    const i = call.op;
    stackCalls.push(call);
    stackStates.push(state);
    stackForced.push(forced);
    setHash = nextSetHash;
    state = next;
    if (kind[i] === KIND_GET) pendingReaders[value[i] as number] = (pendingReaders[value[i] as number] as number) - 1;
    if (unknown[i] === 0) definiteLeft--;
    lift(call);
    entry = head.next;
    freshLevel = true;
  };
  const clearBit = (i: number): void => {
    linearized[i >>> 5] = (linearized[i >>> 5] as number) & ~(1 << (i & 31));
    if (i >>> 5 < lowHint) lowHint = i >>> 5;
  };
  /** Linearizes `call` next (state becomes `next`) unless that configuration was explored. */
  const tryPush = (call: EventNode, next: number, forced: boolean): boolean => {
    const i = call.op;
    setBit(i);
    const nextSetHash = setHash ^ (code[i] as number);
    const h = nextSetHash ^ stateCode(next);
    if (seen(h, next)) {
      clearBit(i);
      return false;
    }
    remember(h, next);
    push(call, next, nextSetHash, forced);
    return true;
  };
  /** Undoes the last choice that had alternatives and resumes after it; false: none is left. */
  const backtrack = (): boolean => {
    for (;;) {
      const top = stackCalls.pop();
      if (top === undefined) return false;
      const forced = stackForced.pop() as boolean;
      const i = top.op;
      state = stackStates.pop() as number;
      setHash ^= code[i] as number;
      clearBit(i);
      if (kind[i] === KIND_GET) pendingReaders[value[i] as number] = (pendingReaders[value[i] as number] as number) + 1;
      if (unknown[i] === 0) definiteLeft++;
      unlift(top);
      if (!forced) {
        entry = top.next;
        return true;
      }
    }
  };

  // Unknown operations may stay unlinearized ("never took effect"), so the search succeeds as
  // soon as every operation with a known return is linearized.
  while (definiteLeft > 0) {
    if (++steps % CLOCK_CHECK_STEPS === 0 && budget.clock() > budget.deadlineMs) {
      return { verdict: 'timeout', states };
    }
    if (freshLevel) {
      freshLevel = false;
      // A get that may go next (no pending operation returned before its call) and reads the
      // current value goes next, with no alternatives tried: in any linearization that extends
      // this prefix it can be moved to the front, since it changes no state and nothing still
      // pending has to precede it. Without this, k concurrent gets of one value are tried in k!
      // orders and 2^k subsets, the blow-up that makes long histories with many clients undecided.
      let g: EventNode | null = head.next;
      while (g !== null && g.call && !(kind[g.op] === KIND_GET && value[g.op] === state)) g = g.next;
      if (g !== null && g.call) {
        // Explored before and failed: then so does this prefix.
        if (!tryPush(g, state, true) && !backtrack()) return { verdict: 'violation', states };
        continue;
      }
    }
    // A definite call still in the list has its return after it, so the scan never runs off.
    assert.ok(entry !== null, 'scan ran past the last return');
    if (entry.call) {
      const i = entry.op;
      const k = kind[i] as number;
      const v = value[i] as number;
      let next = state;
      let legal: boolean;
      if (k === KIND_GET) {
        legal = state === v;
      } else {
        next = v;
        legal = unknown[i] === 0 || (pendingReaders[v] as number) > 0;
      }
      if (legal && tryPush(entry, next, false)) continue;
      entry = entry.next;
    } else if (!backtrack()) {
      return { verdict: 'violation', states };
    }
  }
  return { verdict: 'ok', states };
}

/** Removes a call and its return from the list; their own links are kept for unlift (LIFO). */
function lift(call: EventNode): void {
  removeNode(call);
  if (call.match !== null) removeNode(call.match);
}

function unlift(call: EventNode): void {
  if (call.match !== null) reinsertNode(call.match);
  reinsertNode(call);
}

function removeNode(e: EventNode): void {
  assert.ok(e.prev !== null, 'only listed events are removed');
  e.prev.next = e.next;
  if (e.next !== null) e.next.prev = e.prev;
}

function reinsertNode(e: EventNode): void {
  assert.ok(e.prev !== null);
  e.prev.next = e;
  if (e.next !== null) e.next.prev = e;
}

/**
 * Greedy shrinking (ddmin-like): try removing chunks of halving size, keep a removal whenever the
 * rest is still not linearizable, finish with single operations until none can go. Bounded by
 * the budget and an attempt count; `minimal` says whether it got to the end.
 *
 * Only removals that cannot manufacture a violation are tried: a get may always go (a history
 * linearizable with a read is linearizable without it), but a write only once no remaining get
 * reads its value. Dropping a write someone read would leave an unexplained read, a "violation"
 * of our own making; with this rule, a shrunk history that fails means the original fails.
 */
function shrink(ops: readonly Operation[], budget: Budget): { ops: readonly Operation[]; minimal: boolean } {
  let current = ops;
  let attempts = 0;
  let chunk = Math.max(1, Math.ceil(current.length / 2));
  while (true) {
    let removedAny = false;
    let at = 0;
    while (at < current.length) {
      if (attempts >= SHRINK_MAX_ATTEMPTS || budget.clock() > budget.deadlineMs) return { ops: current, minimal: false };
      const candidate = withoutChunk(current, at, chunk);
      if (candidate === null) {
        at += chunk;
        continue;
      }
      attempts++;
      if (search(relevantOps(candidate.ops), budget).verdict === 'violation') {
        current = candidate.ops;
        removedAny = true;
        at += candidate.keptInChunk;
      } else {
        at += chunk;
      }
    }
    if (chunk === 1 && !removedAny) return { ops: current, minimal: true };
    chunk = Math.max(1, Math.min(Math.ceil(chunk / 2), Math.ceil(current.length / 2)));
  }
}

/** `ops` minus the removable operations of ops[at, at + size); null if none is removable. */
function withoutChunk(
  ops: readonly Operation[],
  at: number,
  size: number,
): { ops: Operation[]; keptInChunk: number } | null {
  const end = Math.min(ops.length, at + size);
  const lastReadMs = new Map<string | null, number>();
  ops.forEach((o, i) => {
    if ((i < at || i >= end) && o.op === 'get' && o.completeMs !== null) {
      lastReadMs.set(o.value, Math.max(lastReadMs.get(o.value) ?? -Infinity, o.completeMs));
    }
  });
  const out: Operation[] = ops.slice(0, at);
  let kept = 0;
  for (let i = at; i < end; i++) {
    const o = ops[i] as Operation;
    const stillRead = o.op !== 'get' && (lastReadMs.get(o.op === 'set' ? o.value : null) ?? -Infinity) >= o.invokeMs;
    if (stillRead) {
      out.push(o);
      kept++;
    }
  }
  if (kept === end - at) return null;
  for (let i = end; i < ops.length; i++) out.push(ops[i] as Operation);
  return { ops: out, keptInChunk: kept };
}
