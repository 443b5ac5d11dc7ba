// The vocabulary of the protocol core: ballots, commands, log values, messages, Ready.
// Everything here is plain data so it can cross the wire and the disk unchanged.
import type { MembershipState } from './membership.js';

export type NodeId = number;

/** (round, node) compared lexicographically; unique per proposer because node is part of it. */
export interface Ballot {
  readonly round: number;
  readonly node: NodeId;
}

export type Command =
  | { readonly op: 'set'; readonly key: string; readonly value: string; readonly clientId: string; readonly seq: number }
  | { readonly op: 'del'; readonly key: string; readonly clientId: string; readonly seq: number }
  /** A linearizable read goes through the log like a write. */
  | { readonly op: 'get'; readonly key: string; readonly clientId: string; readonly seq: number };

/**
 * A member as a configuration names it. The core reads `id` and `voter`; host, port and key
 * tell every node where the member listens and which CURVE key proves it is that member, so a
 * member added through the log is reachable and authenticated by all who learn the log.
 */
export interface Member {
  readonly id: NodeId;
  /** Voters decide; a learner receives the log (catching up) and counts in no quorum. */
  readonly voter: boolean;
  readonly host: string;
  readonly port: number;
  readonly publicKey?: string;
}

/**
 * What one slot decides: a batch of commands, a no-op that fills a hole, or the next
 * configuration (every member, voters and learners), which rules from CONFIG_WINDOW slots on.
 */
export type Value =
  | { readonly kind: 'noop' }
  | { readonly kind: 'batch'; readonly cmds: readonly Command[] }
  | { readonly kind: 'config'; readonly members: readonly Member[] };

/** An acceptor's record: it accepted `value` for `slot` in `ballot`. */
export interface AcceptedEntry {
  readonly slot: number;
  readonly ballot: Ballot;
  readonly value: Value;
}

export interface ChosenEntry {
  readonly slot: number;
  readonly value: Value;
}

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
}

export type Message =
  /**
   * transfer: the ballot of the leader that handed over (timeout-now); its followers grant this
   * Prepare although they heard that leader lately.
   */
  | (Envelope & { readonly type: 'prepare'; readonly ballot: Ballot; readonly fromSlot: number; readonly transfer?: Ballot })
  /** The leader asks a caught-up voter to start phase 1 now: leadership transfer. */
  | (Envelope & { readonly type: 'timeout-now'; readonly ballot: Ballot })
  | (Envelope & {
      readonly type: 'promise';
      readonly ballot: Ballot;
      readonly fromSlot: number;
      /** Accepted entries at or after max(fromSlot, commitIndex): below its commitIndex all are chosen. */
      readonly accepted: readonly AcceptedEntry[];
      /** The acceptor's chosen prefix; the new leader learns below it instead of re-proposing. */
      readonly commitIndex: number;
      /** Chosen values from fromSlot up to commitIndex (a page at most): the leader learns them here. */
      readonly chosen: readonly ChosenEntry[];
    })
  | (Envelope & { readonly type: 'nack'; readonly ballot: Ballot; readonly promised: Ballot })
  | (Envelope & {
      readonly type: 'accept';
      readonly ballot: Ballot;
      readonly entries: readonly ChosenEntry[];
      /** The leader's chosen prefix: every slot below it is chosen. */
      readonly commitIndex: number;
    })
  /** `read`: the heartbeat round this answers (an empty Accepted is a heartbeat's answer). */
  | (Envelope & {
      readonly type: 'accepted';
      readonly ballot: Ballot;
      readonly slots: readonly number[];
      readonly read?: number;
      /** In a heartbeat's answer: the follower's chosen prefix. */
      readonly commitIndex?: number;
    })
  /** `read`: the leader's heartbeat round; a quorum echoing it confirms the leader for reads. */
  /**
   * transferTo: this leader is handing over to that node; its followers waive the lease guard
   * for that node's Prepare only while their leader's latest heartbeat says so.
   */
  | (Envelope & { readonly type: 'heartbeat'; readonly ballot: Ballot; readonly commitIndex: number; readonly read?: number; readonly transferTo?: NodeId })
  /** A follower asks the leader for a read index (its read `id`). */
  | (Envelope & { readonly type: 'read-req'; readonly id: number })
  /** The leader's answer: the index to read at, or null (not the leader, or it stepped down). */
  | (Envelope & { readonly type: 'read-resp'; readonly id: number; readonly index: number | null })
  /**
   * PreVote: "would you promise `ballot` if I asked?" Nothing is persisted on either side; a
   * node runs phase 1 only after a majority answered yes (itself included).
   */
  | (Envelope & { readonly type: 'prevote'; readonly ballot: Ballot; readonly commitIndex: number })
  /** The answer to a prevote, echoing its ballot so an answer to an older question is told apart. */
  /**
   * commitIndex: the answerer's chosen prefix. A node refused because a leader it cannot hear
   * is live (one added after it last learned the log, say) catches up from the answerer.
   */
  | (Envelope & { readonly type: 'prevote-resp'; readonly ballot: Ballot; readonly granted: boolean; readonly commitIndex?: number })
  | (Envelope & { readonly type: 'catchup-req'; readonly fromSlot: number; readonly toSlot: number })
  | (Envelope & {
      readonly type: 'catchup-resp';
      readonly entries: readonly ChosenEntry[];
      readonly commitIndex: number;
    })
  /**
   * One chunk of the state machine below snapshotIndex (bytes [offset, offset + chunk.length) of
   * `total`), for a peer whose catch-up starts below the sender's log. A snapshot of any size
   * travels as chunks no larger than the sender's maxSnapshotChunkBytes.
   */
  | (Envelope & {
      readonly type: 'snapshot';
      readonly snapshotIndex: number;
      readonly offset: number;
      readonly total: number;
      readonly chunk: Uint8Array;
      /** The configurations that rule at and after snapshotIndex (the log that said so is gone). */
      readonly membership: MembershipState;
    });

/** The state machine's state covering slots [0, index): opaque to the core. */
export interface Snapshot {
  readonly index: number;
  readonly blob: Uint8Array;
  /** Configurations ruling at and after index; absent in snapshots of a cluster that never changed. */
  readonly membership?: MembershipState;
}

export type MessageType = Message['type'];

/** What must be on disk before the messages of the same Ready may leave the node. */
export interface DurableWrite {
  /** New promised ballot, when it changed. */
  readonly promised?: Ballot;
  /** Entries this acceptor accepted (overwrite the slot). */
  readonly accepted: readonly AcceptedEntry[];
  /** Chosen values this node holds no matching accepted entry for (learned by catch-up). */
  readonly chosen: readonly ChosenEntry[];
  /** New chosen-prefix length, when it grew. */
  readonly commitIndex?: number;
  /**
   * A new snapshot (made by compact() or received from a peer): persist it with this write,
   * then the log below snapshot.index may be deleted.
   */
  readonly snapshot?: Snapshot;
  /**
   * This node was removed by the configuration chosen in this slot, and a leader has shown it
   * knows the prefix past the change: it never serves again, whatever a restart finds.
   */
  readonly removed?: number;
  /**
   * Sync this write even if it only moves the commit index: the chosen prefix just passed a
   * configuration's activeFrom, and removed members may leave on the strength of that knowledge.
   */
  readonly sync?: true;
}

/** What survives a crash: handed back to a restarted node. */
export interface DurableState {
  readonly promised: Ballot;
  readonly accepted: readonly AcceptedEntry[];
  readonly chosen: readonly ChosenEntry[];
  readonly commitIndex: number;
  /** The latest snapshot; entries below its index, if any are left, are ignored. */
  readonly snapshot?: Snapshot;
  /** See DurableWrite.removed. */
  readonly removed?: number;
}

export type Role = 'follower' | 'candidate' | 'leader';

/** Things worth telling a human about; the runtime turns them into NDJSON events. */
export type CoreEvent =
  | { readonly type: 'role'; readonly role: Role; readonly ballot: Ballot }
  | { readonly type: 'election-started'; readonly ballot: Ballot }
  | { readonly type: 'leader-seen'; readonly leader: NodeId; readonly ballot: Ballot }
  | { readonly type: 'nacked'; readonly ballot: Ballot; readonly promised: Ballot }
  | { readonly type: 'catchup'; readonly fromSlot: number; readonly toSlot: number; readonly peer: NodeId }
  /** A pre-vote round began (the ballot this node would run phase 1 with). */
  | { readonly type: 'prevote-started'; readonly ballot: Ballot }
  /** A pre-vote round timed out without a majority: no ballot was raised. */
  | { readonly type: 'prevote-failed'; readonly ballot: Ballot; readonly grants: number }
  /** The promise is at MAX_BALLOT_ROUND: this node can never run phase 1 again, so it stays a follower. */
  | { readonly type: 'ballots-exhausted'; readonly promised: Ballot }
  /** A peer sent a chosen value that differs from the one this node holds: kept ours, ignored theirs. */
  | { readonly type: 'conflicting-chosen'; readonly slot: number; readonly peer: NodeId }
  /** A configuration was chosen in `slot` (this node's chosen prefix passed it); it rules from activeFrom. */
  | { readonly type: 'config-chosen'; readonly slot: number; readonly activeFrom: number; readonly members: readonly Member[] }
  /** The chosen prefix reached a configuration that does not name this node: it must stop serving. */
  | { readonly type: 'removed'; readonly slot: number }
  /** Leadership transfer: `to` was asked to take over (started), or the leader gave up waiting (abandoned). */
  | { readonly type: 'transfer'; readonly to: NodeId; readonly state: 'started' | 'sent' | 'abandoned' };

/** Proof that a Ready's durable write is on disk. Only a storage layer should mint one. */
export interface PersistReceipt {
  readonly readyId: number;
  readonly __persisted: true;
}

export function persistReceipt(readyId: number): PersistReceipt {
  return { readyId, __persisted: true };
}

export interface Ready {
  readonly id: number;
  /** Persist this (one atomic, synced batch) first. */
  readonly write: DurableWrite;
  /**
   * A snapshot received from a peer: replace the state machine with it (after persisting the
   * write, which holds it too) before applying `committed`, which then starts at its index.
   */
  readonly installSnapshot?: Snapshot;
  /** Newly chosen entries, contiguous and in slot order: apply them to the state machine. */
  readonly committed: readonly ChosenEntry[];
  /**
   * Reads asked with readIndex(): once applied reaches `index`, the state machine answers read
   * `id` linearizably. Null: no confirmed leader; the read failed and may be retried.
   */
  readonly reads: readonly { readonly id: number; readonly index: number | null }[];
  readonly events: readonly CoreEvent[];
  /**
   * Messages that vouch for nothing on this node's disk (Accept, heartbeat, catch-up): they may
   * leave before or while the write is persisted, so the leader's fsync overlaps its followers'.
   */
  readonly unpersistedMessages: readonly Message[];
  /** Every other message may be taken only with the receipt of this Ready's write. */
  messages(receipt: PersistReceipt): readonly Message[];
}

export const ZERO_BALLOT: Ballot = Object.freeze({ round: 0, node: 0 });
