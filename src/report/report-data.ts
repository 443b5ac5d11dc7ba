// What the page draws, computed in Node from a loaded run: times relative to the run's start,
// sampled to the page's bounds (message-layout.ts for arrows; here for operations and latency
// points), and the checker's counterexample marked on the operations it names.
import type { Operation } from '../check/history.js';
import type { CheckResult } from '../check/linearizability.js';
import type { RunData } from './load-run.js';
import { matchMessages, sampleArrows, sampleEvenly, sampleMarks } from './message-layout.js';

/** At most this many operation bars on the timeline (the counterexample's always among them). */
export const MAX_OP_BARS = 4000;
/** At most this many points on the latency chart. */
export const MAX_LATENCY_POINTS = 20_000;
/** Values longer than this are cut on the page (the history file keeps them whole). */
export const MAX_VALUE_CHARS = 48;

export interface PageData {
  readonly title: string;
  readonly kind: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly nodes: readonly number[];
  readonly labels: readonly string[];
  /** [from, to, sendMs, recvMs, label index, is heartbeat 0/1] */
  readonly arrows: readonly (readonly number[])[];
  /** [lane node, from, to, ms, label index, dropped 1 / lost 0], why in markWhy */
  readonly marks: readonly (readonly number[])[];
  readonly markWhy: readonly string[];
  readonly bands: readonly { kind: string; nodes: readonly number[]; s: number; e: number; open: boolean; text: string }[];
  readonly procs: readonly string[];
  /** [proc index, invokeMs, completeMs or -1, outcome 0 ok 1 failed 2 unknown, in counterexample 0/1, op id] and the text */
  readonly ops: readonly (readonly number[])[];
  readonly opText: readonly string[];
  /** Latency points: completion time and latency, per kind. */
  readonly latency: { readonly x: readonly number[]; readonly set: readonly (number | null)[]; readonly get: readonly (number | null)[]; readonly del: readonly (number | null)[] };
  readonly counts: PageCounts;
  readonly counterexample: { readonly key: string; readonly ids: readonly number[]; readonly fromMs: number; readonly toMs: number } | null;
}

export interface PageCounts {
  readonly lanes: number;
  /** Delivered messages in the trace (matched send and receipt). */
  readonly delivered: number;
  /** Arrows on the page: `delivered` unless sampled. */
  readonly arrows: number;
  readonly sampled: boolean;
  readonly lost: number;
  readonly dropped: number;
  readonly marks: number;
  readonly unmatchedRecv: number;
  readonly bands: number;
  readonly ops: number;
  readonly opBars: number;
  readonly latencyPoints: number;
}

const cut = (s: string | null): string => (s === null ? 'nil' : s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS)}…` : s);

export function opText(o: Operation): string {
  const outcome = o.outcome === 'ok' ? '' : ` (${o.outcome})`;
  if (o.op === 'set') return `set ${cut(o.key)} = ${cut(o.value)}${outcome}`;
  if (o.op === 'del') return `del ${cut(o.key)}${outcome}`;
  return o.outcome === 'ok' ? `get ${cut(o.key)} → ${cut(o.value)}` : `get ${cut(o.key)}${outcome}`;
}

const r2 = (x: number): number => Math.round(x * 100) / 100;
/** Min and max without spreading: a long run has more values than a call takes arguments. */
const minOf = (xs: Iterable<number>, dflt: number): number => {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m === Infinity ? dflt : m;
};
const maxOf = (xs: Iterable<number>, dflt: number): number => {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m === -Infinity ? dflt : m;
};

export function pageData(run: RunData, check: CheckResult | null): PageData {
  const s = run.summary;
  const historyOrigin = run.history?.startedAt !== undefined ? Date.parse(run.history.startedAt) : NaN;
  const origin = s?.startedAtMs ?? (run.records.length > 0 ? minOf(run.records.map((r) => r.t), 0) : Number.isFinite(historyOrigin) ? historyOrigin : 0);
  const opOffset = (Number.isFinite(historyOrigin) ? historyOrigin : origin) - origin;
  const rel = (t: number): number => r2(t - origin);

  const m = matchMessages(run.records);
  const { arrows, sampled } = sampleArrows(m.delivered);
  const { marks } = sampleMarks(m.lost, m.dropped);
  const labels: string[] = [];
  const labelIx = new Map<string, number>();
  const label = (l: string): number => {
    let i = labelIx.get(l);
    if (i === undefined) {
      i = labels.length;
      labels.push(l);
      labelIx.set(l, i);
    }
    return i;
  };
  const markWhy = marks.map((k) => k.why);

  const ops = run.history?.ops ?? [];
  const cx = check?.counterexample;
  const cxIds = new Set(cx?.ops.map((o) => o.id) ?? []);
  const cxOps = ops.filter((o) => cxIds.has(o.id));
  const rest = ops.filter((o) => !cxIds.has(o.id));
  const shown = [...cxOps, ...sampleEvenly(rest, Math.max(0, MAX_OP_BARS - cxOps.length))];
  const procs = [...new Set(ops.map((o) => o.process))].sort();
  const procIx = new Map(procs.map((p, i) => [p, i]));
  const outcomeIx = { ok: 0, failed: 1, unknown: 2 } as const;

  const okOps = ops.filter((o) => o.outcome === 'ok' && o.completeMs !== null).sort((a, b) => a.completeMs! - b.completeMs!);
  const points = sampleEvenly(okOps, MAX_LATENCY_POINTS);
  const latency = {
    x: points.map((o) => r2(o.completeMs! + opOffset)),
    set: points.map((o) => (o.op === 'set' ? r2(o.completeMs! - o.invokeMs) : null)),
    get: points.map((o) => (o.op === 'get' ? r2(o.completeMs! - o.invokeMs) : null)),
    del: points.map((o) => (o.op === 'del' ? r2(o.completeMs! - o.invokeMs) : null)),
  };

  const durationMs = r2(
    Math.max(
      1,
      s !== null ? s.endedAtMs - origin : 0,
      maxOf(m.delivered.map((a) => a.recvT - origin), 0),
      maxOf(ops.map((o) => (o.completeMs ?? o.invokeMs) + opOffset), 0),
      maxOf(run.bands.map((b) => (b.endMs ?? b.startMs) - origin), 0),
    ),
  );
  const cxRange = cxOps.length === 0 ? null : { from: minOf(cxOps.map((o) => o.invokeMs), 0) + opOffset, to: maxOf(cxOps.map((o) => o.completeMs ?? o.invokeMs), 0) + opOffset };

  return {
    title: `paxos-cli ${s?.kind ?? 'run'} · ${s?.startedAt ?? ''}`,
    kind: s?.kind ?? 'run',
    startedAt: s?.startedAt ?? new Date(origin).toISOString(),
    durationMs,
    nodes: run.nodes,
    labels,
    arrows: arrows.map((a) => [a.from, a.to, rel(a.sendT), rel(a.recvT), label(a.label), a.type === 'heartbeat' ? 1 : 0]),
    marks: marks.map((k) => [k.node, k.from, k.to, rel(k.t), label(k.label), k.why === 'lost' ? 0 : 1]),
    markWhy,
    bands: run.bands.map((b) => ({ kind: b.kind, nodes: b.nodes, s: rel(b.startMs), e: b.endMs === null ? durationMs : rel(b.endMs), open: b.endMs === null, text: b.text })),
    procs,
    ops: shown.map((o) => [procIx.get(o.process)!, r2(o.invokeMs + opOffset), o.completeMs === null ? -1 : r2(o.completeMs + opOffset), outcomeIx[o.outcome], cxIds.has(o.id) ? 1 : 0, o.id]),
    opText: shown.map(opText),
    latency,
    counts: {
      lanes: run.nodes.length,
      delivered: m.delivered.length,
      arrows: arrows.length,
      sampled,
      lost: m.lost.length,
      dropped: m.dropped.length,
      marks: marks.length,
      unmatchedRecv: m.unmatchedRecvCount,
      bands: run.bands.length,
      ops: ops.length,
      opBars: shown.length,
      latencyPoints: points.length,
    },
    counterexample: cx === undefined || cxRange === null ? null : { key: cx.key, ids: [...cxIds], fromMs: r2(cxRange.from), toMs: r2(cxRange.to) },
  };
}
