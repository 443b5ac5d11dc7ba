// From the trace lines of every node to the flow view's messages: one per protocol message, its
// send matched to its receipt, in an order that puts every cause above its effects. Pure.
import { messageKey, messageLabel, type TraceRecord } from '../trace/trace-record.js';

/** A send with no receipt this long after it (while its receiver's trace covers it) is lost. */
export const LOST_AFTER_MS = 2000;

/** A trace line as kept: `epoch` counts the times the writer's Lamport clock went back (a restart). */
export interface KeptRecord {
  readonly r: TraceRecord;
  readonly epoch: number;
}

export interface NodeTrace {
  readonly node: number;
  /** File order, oldest first; heartbeats and their answers are kept apart (they are most lines). */
  readonly records: readonly KeptRecord[];
  readonly heartbeats: readonly KeptRecord[];
}

export type FlowStatus = 'delivered' | 'in-flight' | 'lost' | 'dropped' | 'held';

export interface FlowMessage {
  readonly key: string;
  readonly from: number;
  readonly to: number;
  readonly type: string;
  /** messageLabel(): `P 3.2`, `A 3.2 s14-20`. */
  readonly label: string;
  /** Entries carried, when the line said. */
  readonly n?: number;
  readonly heartbeat: boolean;
  /** Display order: the sender's Lamport clock (shifted past a restart), then sender, receiver. */
  readonly order: number;
  readonly t: number;
  readonly status: FlowStatus;
  /** Dropped: why, and which node dropped it (its sender or its receiver). */
  readonly why?: string;
  readonly dropAt?: number;
  /** Held by step mode (now or before it was delivered): the id `drop ID`/`deliver ID` take. */
  readonly holdId?: number;
}

/** A heartbeat, or its answer: an Accepted that names no slot. */
export function isHeartbeat(r: Pick<TraceRecord, 'type' | 'slots'>): boolean {
  return r.type === 'heartbeat' || (r.type === 'accepted' && r.slots === undefined);
}

interface Draft {
  key: string;
  from: number;
  to: number;
  type: string;
  label: string;
  n?: number;
  heartbeat: boolean;
  order: number;
  t: number;
  recv: boolean;
  why?: string;
  dropAt?: number;
  holdId?: number;
}

/**
 * A restarted node's clock starts again near 0; placed as it is, its first messages (catch-up
 * requests: the interesting ones) would sort above everything it missed. Each later epoch is
 * shifted to start just after what the cluster had reached by then (all nodes share one wall
 * clock here, on one machine).
 */
function epochOffsets(traces: readonly NodeTrace[]): Map<string, number> {
  const offsets = new Map<string, number>();
  const byId = new Map<string, { id: string; t: number; lc: number }>();
  for (const tr of traces) {
    for (const k of [...tr.records, ...tr.heartbeats]) {
      const id = `${tr.node}/${k.epoch}`;
      if (k.epoch === 0) {
        offsets.set(id, 0);
        continue;
      }
      const s = byId.get(id);
      if (s === undefined) byId.set(id, { id, t: k.r.t, lc: k.r.lc });
      else if (k.r.t < s.t) {
        s.t = k.r.t;
        s.lc = k.r.lc;
      }
    }
  }
  if (byId.size === 0) return offsets;
  const starts = [...byId.values()].sort((a, b) => a.t - b.t);
  for (const s of starts) {
    let top = 0;
    for (const tr of traces) {
      for (const k of [...tr.records, ...tr.heartbeats]) {
        const off = offsets.get(`${tr.node}/${k.epoch}`);
        if (off !== undefined && k.r.t <= s.t) top = Math.max(top, k.r.lc + off);
      }
    }
    offsets.set(s.id, Math.max(0, top + 1 - s.lc));
  }
  return offsets;
}

function draftOf(r: TraceRecord, order: number): Draft {
  return {
    key: messageKey(r), from: r.from, to: r.to, type: r.type, label: messageLabel(r),
    ...(r.n !== undefined ? { n: r.n } : {}),
    heartbeat: isHeartbeat(r), order, t: r.t, recv: false,
  };
}

/** The messages of these traces, oldest first, each with what became of it by `now`. */
export function buildFlow(traces: readonly NodeTrace[], now: number, lostAfterMs = LOST_AFTER_MS): FlowMessage[] {
  const offsets = epochOffsets(traces);
  const orderOf = (node: number, k: KeptRecord) => k.r.lc + (offsets.get(`${node}/${k.epoch}`) ?? 0);
  const byKey = new Map<string, Draft[]>();
  const all: Draft[] = [];
  const receipts: { node: number; k: KeptRecord }[] = [];
  // Oldest time each node's trace still holds, per kind: before it, a missing receipt proves nothing.
  const since = new Map<string, number>();
  for (const tr of traces) {
    for (const [kind, list] of [['m', tr.records], ['h', tr.heartbeats]] as const) {
      if (list.length > 0) since.set(`${tr.node}${kind}`, (list[0] as KeptRecord).r.t);
      for (const k of list) {
        if (k.r.dir !== 'send') {
          receipts.push({ node: tr.node, k });
          continue;
        }
        const d = draftOf(k.r, orderOf(tr.node, k));
        all.push(d);
        const same = byKey.get(d.key);
        if (same === undefined) byKey.set(d.key, [d]);
        else same.push(d);
      }
    }
  }
  for (const list of byKey.values()) list.sort((a, b) => a.t - b.t);
  for (const { node, k } of receipts) {
    const r = k.r;
    const key = messageKey(r);
    // A restarted sender may reuse a (from, to, mlc): the receipt belongs to the latest send before it.
    const sends = byKey.get(key) ?? [];
    let d: Draft | undefined;
    for (let i = sends.length - 1; i >= 0; i--) {
      if ((sends[i] as Draft).t <= r.t) {
        d = sends[i];
        break;
      }
    }
    if (d === undefined) {
      // Its send is older than the window, or the sender's rules dropped it before it left.
      d = draftOf(r, orderOf(node, k));
      all.push(d);
      byKey.set(key, [...sends, d].sort((a, b) => a.t - b.t));
    }
    if (r.dir === 'recv') d.recv = true;
    else if (r.dir === 'hold') d.holdId = r.id ?? d.holdId;
    else {
      d.why = r.why ?? 'dropped';
      d.dropAt = node;
    }
  }
  const out: FlowMessage[] = all.map((d) => {
    let status: FlowStatus;
    if (d.why !== undefined) status = 'dropped';
    else if (d.recv) status = 'delivered';
    else if (d.holdId !== undefined) status = 'held';
    else {
      const from = since.get(`${d.to}${d.heartbeat ? 'h' : 'm'}`);
      const covered = from === undefined || from <= d.t;
      status = covered && now - d.t > lostAfterMs ? 'lost' : 'in-flight';
    }
    const { recv: _recv, ...rest } = d;
    return { ...rest, status };
  });
  out.sort((a, b) => a.order - b.order || a.from - b.from || a.to - b.to);
  return out;
}
