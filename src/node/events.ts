// A node's stdout is NDJSON: one event per line, consumed by the supervisor and the UI.
// Every line carries t (ms since epoch), node (id) and event (the discriminant).
import type { NodeId, Role } from '../paxos/types.js';

export type NodeEventBody =
  | { event: 'ready'; port: number; recoveryMs: number; replayed: number; commitIndex: number; pid: number }
  | { event: 'role'; role: Role; ballot: string }
  | { event: 'election'; ballot: string }
  | { event: 'leader'; leader: NodeId; ballot: string }
  | { event: 'nacked'; ballot: string; promised: string }
  | { event: 'catchup'; fromSlot: number; toSlot: number; peer: NodeId }
  /** Slots [fromSlot, commitIndex) became chosen since the previous chosen event (throttled). */
  | { event: 'chosen'; fromSlot: number; slot: number; commitIndex: number }
  | { event: 'bad-frames'; counts: Record<string, number>; total: number }
  | { event: 'log'; level: 'info' | 'warn' | 'error'; msg: string }
  /** A configuration was chosen in `slot` (this node learned it); it rules slots from activeFrom on. */
  | { event: 'config'; slot: number; activeFrom: number; voters: NodeId[]; learners: NodeId[] }
  /** This node's commit index reached activeFrom: the configuration chosen in `slot` decides now. */
  | { event: 'config-in-force'; slot: number; activeFrom: number; voters: NodeId[]; learners: NodeId[] }
  /** The configuration chosen in `slot` does not name this node: it stops (reason REMOVED). */
  | { event: 'removed'; slot: number }
  /** Leadership hand-over from this leader to `to`: started, timeout-now sent, or abandoned. */
  | { event: 'transfer'; to: NodeId; state: 'started' | 'sent' | 'abandoned' }
  | { event: 'stopping'; reason: string };

/** The `stopping` reason of a node that `stop N` asked to exit: its supervisor counts the exit as asked for. */
export const OPERATOR_STOP = 'stop requested by an operator';

/**
 * The `stopping` reason (a prefix; the slot follows) of a node a chosen configuration left out:
 * its exit is the cluster's request, so the supervisor counts it as asked for and never restarts it.
 */
export const REMOVED = 'removed from the cluster';

/** Whether a `stopping` reason is one the supervisor counts as an exit someone asked for. */
export function isRequestedStop(reason: string): boolean {
  return reason.startsWith(OPERATOR_STOP) || reason.startsWith(REMOVED);
}

export type NodeEvent = NodeEventBody & { t: number; node: NodeId };
export type NodeEventName = NodeEvent['event'];

const EVENT_NAMES: ReadonlySet<string> = new Set<NodeEventName>([
  'ready',
  'role',
  'election',
  'leader',
  'nacked',
  'catchup',
  'chosen',
  'bad-frames',
  'log',
  'config',
  'config-in-force',
  'removed',
  'transfer',
  'stopping',
]);

export function formatEvent(node: NodeId, body: NodeEventBody, t = Date.now()): string {
  return JSON.stringify({ t, node, ...body });
}

/**
 * Parses one stdout line of a node. Returns null for anything that is not a node event
 * (a stray line must not break the supervisor). Trusts the field shapes: nodes are ours.
 */
export function parseEventLine(line: string): NodeEvent | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as { event?: unknown; node?: unknown; t?: unknown };
  if (typeof r.event !== 'string' || !EVENT_NAMES.has(r.event)) return null;
  if (typeof r.node !== 'number' || typeof r.t !== 'number') return null;
  return raw as NodeEvent;
}

/** Writes events to a stream; `chosen` is coalesced so a busy leader emits at most one per interval. */
export class EventWriter {
  private chosenFrom: number | null = null;
  private chosenTo = 0;
  private lastChosenAt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly node: NodeId,
    private readonly out: (line: string) => void,
    private readonly chosenIntervalMs = 50,
  ) {}

  emit(body: NodeEventBody): void {
    this.out(formatEvent(this.node, body) + '\n');
  }

  log(level: 'info' | 'warn' | 'error', msg: string): void {
    this.emit({ event: 'log', level, msg });
  }

  /** Records that slots up to (not including) commitIndex are chosen; emits throttled. */
  chosen(fromSlot: number, commitIndex: number): void {
    if (this.chosenFrom === null) this.chosenFrom = fromSlot;
    this.chosenTo = Math.max(this.chosenTo, commitIndex);
    const wait = this.lastChosenAt + this.chosenIntervalMs - Date.now();
    if (wait <= 0) this.flushChosen();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.flushChosen(), wait);
      this.timer.unref();
    }
  }

  flushChosen(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.chosenFrom === null) return;
    this.emit({ event: 'chosen', fromSlot: this.chosenFrom, slot: this.chosenTo - 1, commitIndex: this.chosenTo });
    this.chosenFrom = null;
    this.lastChosenAt = Date.now();
  }
}
