// From every node's message trace to what the space-time diagram draws: each delivered message
// one arrow from its send to its receipt, each dropped or lost one a mark, and the sampling rule
// that bounds a big run's page (docs/runs.md states it; the page states it too).
import { messageKey, messageLabel, type TraceRecord } from '../trace/trace-record.js';

export interface Arrow {
  readonly from: number;
  readonly to: number;
  readonly type: string;
  readonly label: string;
  /** Wall clock ms of the send and of the receipt. */
  readonly sendT: number;
  readonly recvT: number;
}

export interface Mark {
  /** The lane the mark is drawn on: the node that dropped it, or the sender of a lost one. */
  readonly node: number;
  readonly from: number;
  readonly to: number;
  readonly type: string;
  readonly label: string;
  readonly t: number;
  /** Dropped: why (partition, step, size). Lost: 'lost' (sent, never received). */
  readonly why: string;
}

export interface MatchedMessages {
  /** Sent and received: every one is an arrow before sampling. */
  readonly delivered: readonly Arrow[];
  /** Sent, no receipt and no drop in any trace (in flight at a kill or at the end, or lost). */
  readonly lost: readonly Mark[];
  /** A drop line (by the sender's or the receiver's rules). */
  readonly dropped: readonly Mark[];
  /** Receipts whose send line is missing (rotated away, torn by a SIGKILL): not drawn. */
  readonly unmatchedRecvCount: number;
}

/** Matches sends to receipts by (from, to, sender's Lamport clock): see trace-record.ts. */
export function matchMessages(records: Iterable<TraceRecord>): MatchedMessages {
  const sends = new Map<string, TraceRecord>();
  const recvs = new Map<string, TraceRecord>();
  const drops: TraceRecord[] = [];
  for (const r of records) {
    if (r.dir === 'send' && r.node === r.from) sends.set(messageKey(r), r);
    else if (r.dir === 'recv' && r.node === r.to) recvs.set(messageKey(r), r);
    else if (r.dir === 'drop') drops.push(r);
  }
  const droppedKeys = new Set(drops.map((d) => messageKey(d)));
  const delivered: Arrow[] = [];
  const lost: Mark[] = [];
  for (const [key, s] of sends) {
    const r = recvs.get(key);
    if (r !== undefined) {
      delivered.push({ from: s.from, to: s.to, type: s.type, label: messageLabel(s), sendT: s.t, recvT: Math.max(s.t, r.t) });
      recvs.delete(key);
    } else if (!droppedKeys.has(key)) {
      lost.push({ node: s.from, from: s.from, to: s.to, type: s.type, label: messageLabel(s), t: s.t, why: 'lost' });
    }
  }
  const dropped: Mark[] = drops.map((d) => ({ node: d.node, from: d.from, to: d.to, type: d.type, label: messageLabel(d), t: d.t, why: d.why ?? 'dropped' }));
  delivered.sort((a, b) => a.sendT - b.sendT);
  lost.sort((a, b) => a.t - b.t);
  dropped.sort((a, b) => a.t - b.t);
  return { delivered, lost, dropped, unmatchedRecvCount: recvs.size };
}

/** At most this many arrows on one page (each is a few SVG elements). */
export const MAX_ARROWS = 4000;
/** At most this many lost plus dropped marks. */
export const MAX_MARKS = 2000;
/** The chatter sampled first: heartbeats say little one by one. */
export const BACKGROUND_TYPES: ReadonlySet<string> = new Set(['heartbeat']);

export const SAMPLING_RULE =
  `every delivered message is drawn up to ${MAX_ARROWS} arrows; above that, every message that is not a heartbeat is kept (sampled evenly in time if they alone are more than ${MAX_ARROWS}) and heartbeats are sampled evenly in time to fill the rest; lost and dropped marks: at most ${MAX_MARKS}, sampled evenly`;

/** m items of xs spread evenly over it, in order (all of them when m >= xs.length). */
export function sampleEvenly<T>(xs: readonly T[], m: number): T[] {
  if (m >= xs.length) return [...xs];
  if (m <= 0) return [];
  const out: T[] = [];
  for (let i = 0; i < m; i++) out.push(xs[Math.floor((i * xs.length) / m)]!);
  return out;
}

export interface SampledArrows {
  readonly arrows: readonly Arrow[];
  readonly sampled: boolean;
}

/** The page's sampling rule (SAMPLING_RULE), in send order. */
export function sampleArrows(delivered: readonly Arrow[], max = MAX_ARROWS): SampledArrows {
  if (delivered.length <= max) return { arrows: delivered, sampled: false };
  const main = delivered.filter((a) => !BACKGROUND_TYPES.has(a.type));
  const background = delivered.filter((a) => BACKGROUND_TYPES.has(a.type));
  const kept = main.length >= max ? sampleEvenly(main, max) : [...main, ...sampleEvenly(background, max - main.length)];
  kept.sort((a, b) => a.sendT - b.sendT);
  return { arrows: kept, sampled: true };
}

export function sampleMarks(lost: readonly Mark[], dropped: readonly Mark[], max = MAX_MARKS): { marks: Mark[]; sampled: boolean } {
  const all = [...dropped, ...lost].sort((a, b) => a.t - b.t);
  return { marks: sampleEvenly(all, max), sampled: all.length > max };
}
