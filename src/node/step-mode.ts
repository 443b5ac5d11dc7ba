// Step mode: a paused cluster whose clock and network a person drives by hand (`pause`, `held`,
// `deliver ID`, `drop ID`, `tick N`, `elect N`, `resume`). While paused a node holds every
// authenticated, validated peer message here instead of stepping it into the core; delivering
// one later is exactly a delayed message, which Paxos must survive anyway. What a step caused is
// read off the Readys it produced (describeReady), so the person sees the protocol's reaction.
import { formatBallot } from '../paxos/ballot.js';
import type { ChosenEntry, Message, NodeId, Ready } from '../paxos/types.js';
import { describe } from './message-trace.js';
import { messageLabel } from '../trace/trace-record.js';
import { describeConfig } from '../paxos/value.js';

/** Held messages beyond this are dropped (and traced so): memory stays bounded under load. */
export const MAX_HELD = 10_000;

export interface HeldMessage {
  readonly id: number;
  readonly m: Message;
  /** The sender's Lamport clock (for the trace line of its eventual receipt). */
  readonly mlc: number;
  readonly bytes: number;
  readonly heldAt: number;
}

export class HeldQueue {
  private readonly items = new Map<number, HeldMessage>();
  private nextId = 1;

  get size(): number {
    return this.items.size;
  }

  /** Null when full: the caller drops the message. */
  add(m: Message, mlc: number, bytes: number, now: number): HeldMessage | null {
    if (this.items.size >= MAX_HELD) return null;
    const h: HeldMessage = { id: this.nextId++, m, mlc, bytes, heldAt: now };
    this.items.set(h.id, h);
    return h;
  }

  take(id: number): HeldMessage | undefined {
    const h = this.items.get(id);
    if (h !== undefined) this.items.delete(id);
    return h;
  }

  /** Oldest first (ids grow with arrival). */
  list(limit = Infinity): HeldMessage[] {
    const out: HeldMessage[] = [];
    for (const h of this.items.values()) {
      if (out.length >= limit) break;
      out.push(h);
    }
    return out;
  }

  takeAll(): HeldMessage[] {
    const all = [...this.items.values()];
    this.items.clear();
    return all;
  }
}

const slotText = (slots: readonly number[]): string => {
  if (slots.length === 0) return '';
  const lo = Math.min(...slots);
  const hi = Math.max(...slots);
  return lo === hi ? `s${lo}` : `s${lo}-${hi}`;
};

function valueText(e: ChosenEntry): string {
  if (e.value.kind === 'noop') return 'no-op';
  if (e.value.kind === 'config') return describeConfig(e.value.members);
  const cmds = e.value.cmds;
  const first = cmds[0];
  if (first === undefined) return 'empty batch';
  const one = first.op === 'set' ? `set ${first.key}=${first.value}` : `${first.op} ${first.key}`;
  const shown = one.length > 40 ? `${one.slice(0, 39)}…` : one;
  return cmds.length === 1 ? shown : `${shown} +${cmds.length - 1} more`;
}

/** One line per consequence of a Ready, in the order a reader follows them. */
export function describeReady(rd: Ready, sent: readonly Message[], self: NodeId): string[] {
  const out: string[] = [];
  const w = rd.write;
  if (w.promised !== undefined) out.push(`promised b${formatBallot(w.promised)}`);
  if (w.accepted.length > 0) {
    out.push(`accepted ${slotText(w.accepted.map((e) => e.slot))} in b${formatBallot(w.accepted[0]!.ballot)}`);
  }
  for (const e of rd.events) {
    switch (e.type) {
      case 'role':
        out.push(`became ${e.role} (b${formatBallot(e.ballot)})`);
        break;
      case 'election-started':
        out.push(`started phase 1 with b${formatBallot(e.ballot)}`);
        break;
      case 'leader-seen':
        if (e.leader !== self) out.push(`follows n${e.leader} (b${formatBallot(e.ballot)})`);
        break;
      case 'nacked':
        out.push(`its b${formatBallot(e.ballot)} was rejected: a node promised b${formatBallot(e.promised)}`);
        break;
      case 'catchup':
        out.push(`asked n${e.peer} for s${e.fromSlot}-${e.toSlot - 1}`);
        break;
      default:
        break;
    }
  }
  for (const e of rd.committed.slice(0, 5)) out.push(`chose s${e.slot}: ${valueText(e)}`);
  if (rd.committed.length > 5) out.push(`chose ${rd.committed.length - 5} more slots`);
  // Messages grouped by label: "sent P 2.1 to n2,n3".
  const groups = new Map<string, NodeId[]>();
  for (const m of sent) {
    let label = messageLabel({ type: m.type, ...describe(m) });
    if (m.type === 'nack') label = `Nack b${formatBallot(m.ballot)} (promised ${formatBallot(m.promised)})`;
    const to = groups.get(label) ?? [];
    to.push(m.to);
    groups.set(label, to);
  }
  for (const [label, to] of groups) out.push(`sent ${label} to ${to.map((n) => `n${n}`).join(',')}`);
  return out;
}
