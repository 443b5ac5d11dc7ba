// One line of DATA_DIR/node-N/messages.ndjson: a protocol message this node sent, received,
// held (step mode) or dropped. Shared by the node (which writes it), the flow view and the run
// report (which draw it). The format is documented in docs/trace.md.
//
// Matching a send to its receipt: (from, to, mlc) names one message, because the sender's
// Lamport clock `mlc` grows at every send event. One multicast (the same Accept batch to every
// follower) shares one clock value, as Lamport allows: `to` tells its copies apart.

export const TRACE_FILE = 'messages.ndjson';
export const OLD_TRACE_FILE = 'messages.1.ndjson';

/**
 * send: left this node (after the fault rules let it go). recv: handed to the protocol core.
 * hold: kept by step mode (delivered later as a recv, or dropped). drop: discarded here, by a
 * partition rule (why 'partition'), by `drop ID` in step mode ('step') or as too large ('size').
 */
export type TraceDir = 'send' | 'recv' | 'hold' | 'drop';
export const TRACE_DIRS: readonly TraceDir[] = ['send', 'recv', 'hold', 'drop'];

export interface TraceRecord {
  /** Wall clock, ms since the epoch (for fault bands and latency plots; not for ordering). */
  readonly t: number;
  /** This node's Lamport clock after the event. */
  readonly lc: number;
  /** The node that wrote the line. */
  readonly node: number;
  readonly dir: TraceDir;
  /** The protocol message type (src/paxos/types.ts Message['type']). */
  readonly type: string;
  readonly from: number;
  readonly to: number;
  /** The sender's Lamport clock when it sent the message (equals lc on a send line). */
  readonly mlc: number;
  /** The message's ballot as "round.node", when it has one. */
  readonly ballot?: string;
  /** First and last slot the message carries or names, when it names slots. */
  readonly slots?: readonly [number, number];
  /** Entries carried (accept, promise, catch-up). */
  readonly n?: number;
  /** Encoded size in bytes. */
  readonly bytes: number;
  /** For drop lines: why. For hold lines: the short id step mode lists it under. */
  readonly why?: string;
  readonly id?: number;
}

const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/**
 * Parses one line; null for anything else (a torn last line after SIGKILL, a stray line). Checks
 * every field's shape: traces are read back from disk by the UI and the report, which must not
 * break on a damaged file.
 */
export function parseTraceLine(line: string): TraceRecord | null {
  const s = line.trim();
  if (!s.startsWith('{')) return null;
  let r: Record<string, unknown>;
  try {
    const raw: unknown = JSON.parse(s);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
    r = raw as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof r.t !== 'number' || !Number.isFinite(r.t)) return null;
  if (!isUint(r.lc) || !isUint(r.node) || !isUint(r.from) || !isUint(r.to) || !isUint(r.mlc) || !isUint(r.bytes)) return null;
  if (typeof r.dir !== 'string' || !(TRACE_DIRS as readonly string[]).includes(r.dir)) return null;
  if (typeof r.type !== 'string' || r.type.length > 32) return null;
  if (r.ballot !== undefined && (typeof r.ballot !== 'string' || !/^\d+\.\d+$/.test(r.ballot))) return null;
  if (r.slots !== undefined && !(Array.isArray(r.slots) && r.slots.length === 2 && isUint(r.slots[0]) && isUint(r.slots[1]))) return null;
  if (r.n !== undefined && !isUint(r.n)) return null;
  if (r.why !== undefined && (typeof r.why !== 'string' || r.why.length > 64)) return null;
  if (r.id !== undefined && !isUint(r.id)) return null;
  return r as unknown as TraceRecord;
}

const SHORT: Readonly<Record<string, string>> = {
  prepare: 'P',
  promise: 'Pr',
  nack: 'Nack',
  accept: 'A',
  accepted: 'Ad',
  heartbeat: 'HB',
  prevote: 'PV',
  'prevote-resp': 'PVr',
  'read-req': 'RI?',
  'read-resp': 'RI',
  'catchup-req': 'catch-up?',
  'catchup-resp': 'catch-up',
  snapshot: 'snap',
};

/** The label an arrow carries: `P 3.2`, `Pr`, `A 3.2 s14-20`, `Ad`, `Nack`, `catch-up`. */
export function messageLabel(r: Pick<TraceRecord, 'type' | 'ballot' | 'slots'>): string {
  const short = SHORT[r.type] ?? r.type;
  const withBallot = r.type === 'prepare' || r.type === 'accept' || r.type === 'prevote' || r.type === 'heartbeat';
  let label = withBallot && r.ballot !== undefined ? `${short} ${r.ballot}` : short;
  if (r.type === 'accept' && r.slots !== undefined) {
    label += r.slots[0] === r.slots[1] ? ` s${r.slots[0]}` : ` s${r.slots[0]}-${r.slots[1]}`;
  }
  return label;
}

/** The key that matches a send line to the recv/hold/drop lines of the same message. */
export const messageKey = (r: Pick<TraceRecord, 'from' | 'to' | 'mlc'>): string => `${r.from}>${r.to}@${r.mlc}`;
