// `diff`: every node's chosen log compared slot by slot. Pure; the logs are gathered elsewhere.
import { KvStore } from '../paxos/kv.js';
import { valueKey } from '../paxos/value.js';
import type { ChosenEntry, Snapshot } from '../paxos/types.js';

export interface NodeLog {
  readonly node: number;
  /** Where the log came from: the running node's API, or its DB opened read-only. */
  readonly source: 'live' | 'disk';
  readonly chosen: readonly ChosenEntry[];
  /** The node's KV snapshot: slots below its index are compacted, covered rather than missing. */
  readonly snapshot?: Snapshot;
}

export interface DiffReport {
  /** Slots 0..identicalPrefix-1 are chosen on every node, with the same value everywhere. */
  readonly identicalPrefix: number;
  /** Nodes missing slots that some other node has chosen. */
  readonly lagging: readonly { node: number; missing: number }[];
  /** Slots where two nodes hold different chosen values. Must stay 0. */
  readonly conflicts: number;
  readonly conflictSlots: readonly number[];
  /** sha-256 of each node's state after applying its contiguous chosen prefix. */
  readonly stateHashes: Readonly<Record<string, string>>;
  readonly applied: Readonly<Record<string, number>>;
  /** Nodes whose log could not be read at all, with why. */
  readonly unreadable: readonly { node: number; error: string }[];
}

const MAX_CONFLICT_SLOTS_LISTED = 20;

export function diffLogs(logs: readonly NodeLog[], unreadable: readonly { node: number; error: string }[] = []): DiffReport {
  const bySlot = new Map<number, Map<number, string>>();
  const perNode = new Map<number, Map<number, ChosenEntry>>();
  for (const log of logs) {
    const mine = new Map<number, ChosenEntry>();
    for (const e of log.chosen) mine.set(e.slot, e);
    perNode.set(log.node, mine);
    for (const e of mine.values()) {
      let cell = bySlot.get(e.slot);
      if (cell === undefined) bySlot.set(e.slot, (cell = new Map()));
      cell.set(log.node, valueKey(e.value));
    }
  }

  const conflictSlots: number[] = [];
  for (const [slot, cell] of bySlot) {
    if (new Set(cell.values()).size > 1) conflictSlots.push(slot);
  }
  conflictSlots.sort((a, b) => a - b);

  const base = (log: NodeLog): number => log.snapshot?.index ?? 0;
  const holds = (log: NodeLog, slot: number): boolean => slot < base(log) || (perNode.get(log.node)?.has(slot) ?? false);
  // Compacted slots agree by construction of the snapshot; the state hashes below check that.
  let identicalPrefix = 0;
  if (logs.length > 0) {
    while (true) {
      const cell = bySlot.get(identicalPrefix);
      if (!logs.every((l) => holds(l, identicalPrefix))) break;
      if (cell !== undefined && new Set(cell.values()).size !== 1) break;
      identicalPrefix++;
    }
  }
  const maxSnapshot = Math.max(0, ...logs.map(base));
  const maxSlot = Math.max(maxSnapshot - 1, ...bySlot.keys());

  const lagging: { node: number; missing: number }[] = [];
  const stateHashes: Record<string, string> = {};
  const applied: Record<string, number> = {};
  for (const log of logs) {
    const mine = perNode.get(log.node) as Map<number, ChosenEntry>;
    let missing = 0;
    for (let slot = base(log); slot <= maxSlot; slot++) {
      if (!mine.has(slot) && (slot < maxSnapshot || bySlot.has(slot))) missing++;
    }
    if (missing > 0) lagging.push({ node: log.node, missing });
    const kv = log.snapshot !== undefined ? KvStore.fromSnapshot(log.snapshot.blob) : new KvStore();
    for (let slot = kv.appliedIndex; ; slot++) {
      const e = mine.get(slot);
      if (e === undefined) break;
      kv.apply(e);
    }
    stateHashes[String(log.node)] = kv.hash();
    applied[String(log.node)] = kv.appliedIndex;
  }
  lagging.sort((a, b) => a.node - b.node);

  return {
    identicalPrefix,
    lagging,
    conflicts: conflictSlots.length,
    conflictSlots: conflictSlots.slice(0, MAX_CONFLICT_SLOTS_LISTED),
    stateHashes,
    applied,
    unreadable,
  };
}

/** One human line (two when there are conflicts: those must be impossible to miss). */
export function formatDiff(r: DiffReport): string {
  const hashes = Object.entries(r.stateHashes);
  const distinct = new Set(hashes.map(([, h]) => h));
  const hashText =
    distinct.size <= 1
      ? `state hash ${(hashes[0]?.[1] ?? '-').slice(0, 12)} on all ${hashes.length}`
      : 'state hashes ' + hashes.map(([n, h]) => `n${n}=${h.slice(0, 8)}`).join(' ');
  const lagText = r.lagging.length === 0 ? 'no lag' : 'lagging ' + r.lagging.map((l) => `n${l.node}:-${l.missing}`).join(' ');
  const unread = r.unreadable.length === 0 ? '' : '; unreadable ' + r.unreadable.map((u) => `n${u.node} (${u.error})`).join(', ');
  const head = `identical prefix ${r.identicalPrefix}; ${lagText}; ${r.conflicts} conflicts; ${hashText}${unread}`;
  if (r.conflicts === 0) return head;
  return `!!! CONFLICT: ${r.conflicts} slot(s) hold different chosen values (slots ${r.conflictSlots.join(',')}) — SAFETY VIOLATION !!! ${head}`;
}
