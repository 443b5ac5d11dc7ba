// Every protocol message this node sends, receives, holds or drops, as one line of
// <data-dir>/messages.ndjson (format: src/trace/trace-record.ts, docs/trace.md), with a Lamport
// clock so the lines of all nodes can be drawn as one space-time diagram. Bounded and written
// like the event log (EventFile): rotation at maxBytes, in 50 ms batches.
//
// Off by default (it costs ~5 % of write throughput at full load): `paxos-cli node --trace`
// starts with it on, and the admin action `trace` ({on: boolean}) switches it at run time, which
// is what `up` does when the flow view opens or step mode starts. The clock runs whether or not
// lines are written: it travels on every peer frame, so the lines of a node that traces are
// ordered correctly against those of one that began later, or stopped.
import { formatBallot } from '../paxos/ballot.js';
import { MAX_BALLOT_ROUND } from '../paxos/limits.js';
import type { Message, NodeId } from '../paxos/types.js';
import type { TraceDir, TraceRecord } from '../trace/trace-record.js';
import type { EventFile } from './event-file.js';

/** Past this a peer's clock is not believed: a hostile or broken clock cannot overflow ours. */
const MAX_CLOCK = MAX_BALLOT_ROUND;

export class MessageTrace {
  private clock = 0;
  private on: boolean;

  constructor(
    private readonly node: NodeId,
    /** Where lines go; null: nowhere, ever (tests, a runtime without a data dir). The clock still runs. */
    private readonly file: EventFile | null,
    /** Writing from the start (`node --trace`); switched later by setEnabled. */
    enabled = false,
  ) {
    this.on = enabled && file !== null;
  }

  /** Whether lines are written now. */
  get enabled(): boolean {
    return this.on;
  }

  /** Starts or stops writing lines. False (and nothing changes) when there is no file to write to. */
  setEnabled(on: boolean): boolean {
    if (on && this.file === null) return false;
    this.on = on;
    return true;
  }

  get lc(): number {
    return this.clock;
  }

  /** A new send event: the clock value the frame carries. */
  tickSend(): number {
    if (this.clock < MAX_CLOCK) this.clock++;
    return this.clock;
  }

  /** A receipt: Lamport's max(ours, theirs) + 1, with a peer's clock clamped. */
  tickReceive(mlc: number): number {
    const theirs = Math.min(mlc, MAX_CLOCK - 1);
    this.clock = Math.min(Math.max(this.clock, theirs) + 1, MAX_CLOCK);
    return this.clock;
  }

  sent(m: Message, lc: number, bytes: number): void {
    if (this.on) this.write('send', m, lc, lc, bytes);
  }

  received(m: Message, mlc: number, bytes: number): void {
    if (this.on) this.write('recv', m, this.clock, mlc, bytes);
  }

  held(m: Message, mlc: number, bytes: number, id: number): void {
    if (this.on) this.write('hold', m, this.clock, mlc, bytes, undefined, id);
  }

  dropped(m: Message, mlc: number, bytes: number, why: string, id?: number): void {
    if (this.on) this.write('drop', m, this.clock, mlc, bytes, why, id);
  }

  // Built by hand, not by JSON.stringify of a record object: at full load the leader writes tens
  // of thousands of lines a second, and this is the difference between a trace that costs ~10 %
  // of write throughput and one that costs a few. Every field but `why` is a number or one of
  // our own fixed words, so only `why` needs quoting; test/node/message-trace.test.ts checks
  // the lines against parseTraceLine.
  private write(dir: TraceDir, m: Message, lc: number, mlc: number, bytes: number, why?: string, id?: number): void {
    const d = describe(m);
    let line = `{"t":${Date.now()},"lc":${lc},"node":${this.node},"dir":"${dir}","type":"${m.type}","from":${m.from},"to":${m.to},"mlc":${mlc},"bytes":${bytes}`;
    if (d.ballot !== undefined) line += `,"ballot":"${d.ballot}"`;
    if (d.slots !== undefined) line += `,"slots":[${d.slots[0]},${d.slots[1]}]`;
    if (d.n !== undefined) line += `,"n":${d.n}`;
    if (why !== undefined) line += `,"why":${JSON.stringify(why)}`;
    if (id !== undefined) line += `,"id":${id}`;
    this.file!.write(line + '}\n');
  }
}

type Described = Pick<TraceRecord, 'ballot' | 'slots' | 'n'>;

function slotSpan<T>(items: readonly T[], slotOf: (x: T) => number): readonly [number, number] | undefined {
  if (items.length === 0) return undefined;
  let lo = slotOf(items[0]!);
  let hi = lo;
  for (const x of items) {
    const s = slotOf(x);
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  return [lo, hi];
}
const entrySlot = (e: { readonly slot: number }): number => e.slot;
const self = (s: number): number => s;

/** The fields a diagram labels an arrow with: ballot, slot span, entry count. */
export function describe(m: Message): Described {
  switch (m.type) {
    case 'prepare':
      return { ballot: formatBallot(m.ballot), slots: [m.fromSlot, m.fromSlot] };
    case 'promise': {
      const span = slotSpan(m.accepted, entrySlot);
      return { ballot: formatBallot(m.ballot), n: m.accepted.length + m.chosen.length, ...(span !== undefined ? { slots: span } : {}) };
    }
    case 'nack':
      return { ballot: formatBallot(m.ballot) };
    case 'accept': {
      const span = slotSpan(m.entries, entrySlot);
      return { ballot: formatBallot(m.ballot), n: m.entries.length, ...(span !== undefined ? { slots: span } : {}) };
    }
    case 'accepted': {
      const span = slotSpan(m.slots, self);
      return { ballot: formatBallot(m.ballot), n: m.slots.length, ...(span !== undefined ? { slots: span } : {}) };
    }
    case 'heartbeat':
    case 'prevote':
    case 'prevote-resp':
    case 'timeout-now':
      return { ballot: formatBallot(m.ballot) };
    case 'catchup-req':
      return { slots: [m.fromSlot, Math.max(m.fromSlot, m.toSlot - 1)] };
    case 'catchup-resp': {
      const span = slotSpan(m.entries, entrySlot);
      return { n: m.entries.length, ...(span !== undefined ? { slots: span } : {}) };
    }
    case 'snapshot':
      return { slots: [m.snapshotIndex, m.snapshotIndex] };
    case 'read-req':
    case 'read-resp':
      return {};
  }
}
