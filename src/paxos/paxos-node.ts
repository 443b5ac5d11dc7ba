import { paxosAcceptor, type AcceptorPolicy } from './acceptor-policy.js';
import { assert } from './assert.js';
import { ballotEquals, compareBallots, maxBallot } from './ballot.js';
import { MAX_BALLOT_ROUND } from './limits.js';
import { messageInRange } from './message-bounds.js';
import {
  CONFIG_WINDOW,
  configProblem,
  hasMajority,
  isMember,
  isVoter,
  MembershipLog,
  membershipStateValid,
  type ConfigEntry,
  type MembershipState,
} from './membership.js';
import type { Rng } from './rng.js';
import {
  ZERO_BALLOT,
  type AcceptedEntry,
  type Ballot,
  type ChosenEntry,
  type Command,
  type CoreEvent,
  type DurableState,
  type Member,
  type Message,
  type NodeId,
  type PersistReceipt,
  type Ready,
  type Role,
  type Snapshot,
  type Value,
} from './types.js';
import { BATCH_OVERHEAD_BYTES, commandBytesBound, entryBytesBound, NOOP, valueBytesBound, valuesEqual } from './value.js';

export interface PaxosConfig {
  readonly id: NodeId;
  /** The voters of the cluster's first configuration (used when `genesis` is not given). */
  readonly nodes: readonly NodeId[];
  /** The cluster's first configuration, with where each member listens (default: `nodes`, all voters). */
  readonly genesis?: readonly Member[];
  /** Other ids this node may hear from (its address book): a member added later, before the log names it. */
  readonly contacts?: readonly NodeId[];
  /**
   * Test only: a configuration takes effect this many slots before the rule says. Any value but
   * 0 breaks safety; the simulator's test of it proves its oracle catches a wrong rule.
   */
  readonly configEarlyBy?: number;
  readonly rng: Rng;
  /** What this node had on disk, when it restarts. */
  readonly restored?: DurableState;
  /**
   * How many chosen entries the caller has already applied to its state machine. The first
   * ready() emits the restored chosen prefix from here on, so a restarted node replays its log
   * by applying `committed` like any other.
   */
  readonly appliedIndex?: number;
  readonly electionTicksMin?: number;
  readonly electionTicksMax?: number;
  readonly heartbeatTicks?: number;
  readonly retransmitTicks?: number;
  readonly catchupTicks?: number;
  /** Slots proposed but not yet chosen, at most: the pipeline window. */
  readonly maxInflightSlots?: number;
  readonly maxBatchCommands?: number;
  /**
   * Byte bounds (upper bounds of the encoded size, see valueBytesBound) that keep every message
   * below the transport's frame limit whatever the commands hold: a slot's batch, the entries of
   * one Accept / catch-up answer / Promise page, and the leader's uncommitted proposals (which
   * bound what a Promise must report). Each admits at least one item, so progress never stops.
   */
  readonly maxBatchBytes?: number;
  readonly maxMessageBytes?: number;
  readonly maxInflightBytes?: number;
  /**
   * A Promise carries every accepted entry above the commit index (at most the window plus the
   * batch that crossed it) and, in the room left under this, a page of chosen values.
   */
  readonly maxPromiseBytes?: number;
  readonly maxQueuedCommands?: number;
  readonly maxEntriesPerMessage?: number;
  /** A snapshot is sent in chunks of at most this many bytes (default 1 MiB). */
  readonly maxSnapshotChunkBytes?: number;
  /**
   * Checks a snapshot received from a peer once all its chunks are in (the core treats it as
   * opaque bytes): a snapshot that fails is dropped, never persisted. Default: accept.
   */
  readonly validateSnapshot?: (index: number, blob: Uint8Array) => boolean;
  readonly acceptor?: AcceptorPolicy;
  /**
   * Ask peers before raising a ballot (etcd-raft's PreVote; default on): a node cut off from a
   * live leader cannot depose it on its return. Off only for hand-driven tests of other rules.
   */
  readonly preVote?: boolean;
}

/** Election timeouts grow at most 2^3 = 8-fold after elections that elected nobody. */
const MAX_ELECTION_BACKOFF = 3;

/** A snapshot transfer with no chunk for this many catch-up periods is dropped. */
const ASSEMBLY_IDLE_CATCHUPS = 10;

/** Chunks of one peer's snapshot, gathered until they cover it. */
interface SnapshotAssembly {
  readonly from: NodeId;
  readonly index: number;
  readonly total: number;
  readonly chunks: Map<number, Uint8Array>;
  bytes: number;
  lastTick: number;
}

interface Proposal {
  readonly value: Value;
  /** valueBytesBound(value), kept so the in-flight byte budget costs nothing to check. */
  readonly bytes: number;
  readonly acks: Set<NodeId>;
  sentTick: number;
}

interface PendingWrite {
  promised: Ballot | undefined;
  accepted: Map<number, AcceptedEntry>;
  chosen: Map<number, ChosenEntry>;
  commitIndex: number | undefined;
  snapshot: Snapshot | undefined;
  removed: number | undefined;
  sync: boolean;
}

const MAX_EVENTS_BUFFERED = 256;
/** Reads waiting for a heartbeat round (leader) or for the leader's answer (follower), at most. */
const MAX_READS = 10_000;

/** A read the leader answers once a quorum echoed `round`: it reads at `index`. */
interface LeaderRead {
  readonly id: number;
  /** This node, or the follower that asked. */
  readonly from: NodeId;
  readonly round: number;
  readonly index: number;
}

function emptyWrite(): PendingWrite {
  return { promised: undefined, accepted: new Map(), chosen: new Map(), commitIndex: undefined, snapshot: undefined, removed: undefined, sync: false };
}

/**
 * One Multi-Paxos replica as a deterministic state machine (proposer, acceptor and learner).
 * Inputs: tick(), step(message), propose(command). Output: ready(), whose durable write must be
 * persisted before its messages are sent (the Ready hands them out only against a receipt).
 * No I/O, no clock, no randomness but the injected Rng.
 */
export class PaxosNode {
  readonly id: NodeId;
  private readonly genesis: readonly Member[];
  private readonly contacts: ReadonlySet<NodeId>;
  private readonly configEarlyBy: number;
  /** Who decides which slot: fed by the chosen prefix only. */
  private membership: MembershipLog;
  /** Ids this node takes messages from: its contacts and every member of a known configuration. */
  private known = new Set<NodeId>();
  /** The chosen prefix reached a configuration without this node (reported once). */
  private removedNow = false;
  private readonly rng: Rng;
  private readonly policy: AcceptorPolicy;
  private readonly preVoteOn: boolean;

  private readonly electionTicksMin: number;
  private readonly electionTicksMax: number;
  private readonly heartbeatTicks: number;
  private readonly retransmitTicks: number;
  private readonly catchupTicks: number;
  private readonly maxInflightSlots: number;
  private readonly maxBatchCommands: number;
  private readonly maxBatchBytes: number;
  private readonly maxMessageBytes: number;
  private readonly maxInflightBytes: number;
  private readonly maxPromiseBytes: number;
  /** Sum of the proposals' bytes: what the byte window counts. */
  private inflightBytes = 0;
  private readonly maxQueuedCommands: number;
  private readonly maxEntriesPerMessage: number;

  // Acceptor state (durable).
  private promisedBallot: Ballot;
  private readonly accepted = new Map<number, AcceptedEntry>();
  // Learner state: chosen values and the contiguous chosen prefix [0, commit).
  private readonly chosen = new Map<number, Value>();
  private commit = 0;
  private emitted: number;
  private highestSlot = -1;
  // Compaction: the state machine below snap.index is this blob; the log below it is dropped.
  private snap: Snapshot | null = null;
  private snapIndex = 0;
  /** A snapshot from a peer the runtime has yet to install (handed out by the next Ready). */
  private pendingInstall: Snapshot | null = null;
  private readonly snapshotSentTick = new Map<NodeId, number>();
  /** One per sender: a transfer cut short goes on where it stopped when that peer sends again. */
  private readonly assemblies = new Map<NodeId, SnapshotAssembly>();
  private readonly maxSnapshotChunkBytes: number;
  private readonly validateSnapshot: (index: number, blob: Uint8Array) => boolean;

  // Proposer state (volatile).
  private roleNow: Role = 'follower';
  private myBallot: Ballot = ZERO_BALLOT;
  private highestSeen: Ballot;
  private leaderId: NodeId | null = null;
  private readonly promises = new Map<NodeId, { accepted: readonly AcceptedEntry[]; commitIndex: number }>();
  /** Who promised this ballot: a slot is proposed only once a majority of its configuration did. */
  private readonly promisedBy = new Set<NodeId>();
  /** Phase 1's findings for slots not proposed yet (highest ballot reported per slot). */
  private readonly recovery = new Map<number, AcceptedEntry>();
  /** Slots below this may hold a value an earlier ballot chose: each is re-proposed or filled. */
  private recoverUntil = 0;
  /** A configuration the operator asked for, proposed in the next slot the window allows. */
  private pendingConfig: readonly Member[] | null = null;
  /** Leadership hand-over under way: no new commands until `to` takes over or time runs out. */
  private transfer: { to: NodeId; sinceTick: number; sentTick: number | null } | null = null;
  /** The node our leader's latest heartbeat said it hands over to: only its Prepare waives the lease guard. */
  private handoverTo: NodeId | null = null;
  private prepareFrom = 0;
  /** Whom this candidacy sent its Prepare. */
  private preparedTo = new Set<NodeId>();
  /** When the leader last asked a configuration's voters for the promises it lacks. */
  private lastPromiseAsk: number | null = null;
  private readonly proposals = new Map<number, Proposal>();
  private queue: Command[] = [];
  private nextSlot = 0;
  private readonly lastHeard = new Map<NodeId, number>();
  private leaderSinceTick = 0;
  private commitProgressTick = 0;

  // Timers, in ticks.
  private now = 0;
  private electionElapsed = 0;
  private electionTimeout: number;
  /**
   * Elections this node started in a row without electing anyone: each doubles its timeout (up
   * to 8x), so a candidate whose quorum is further than a timeout away (a slow peer) still gets
   * its Promises back before it gives up and starts over.
   */
  private failedElections = 0;
  /** The pre-vote round under way: the ballot phase 1 would use and who granted it. */
  private preVote: { ballot: Ballot; grants: Set<NodeId> } | null = null;
  /**
   * When a leader's Accept or heartbeat last reached us: while recent, we refuse pre-votes.
   * It starts at 0, not -Infinity: a restarted node may have answered a leader's heartbeat just
   * before it went down, and that leader's read lease counts on it not helping depose it.
   */
  private leaderHeardTick = 0;
  private stepMode = false;
  private exhaustedReported = false;
  private heartbeatElapsed = 0;
  private leaderCommitSeen = 0;
  /** The catch-up request in flight: only its peer's answer, and only within its range, is taken. */
  private catchup: { peer: NodeId; sentTick: number; fromSlot: number; toSlot: number } | null = null;
  private catchupPeerHint: NodeId | null = null;

  // Reads. The leader numbers its heartbeats (rounds); a read asked before round r is answered
  // once a quorum has echoed r in this ballot, i.e. still followed this leader after the read
  // began. It reads at max(commit, recoveredTo): everything acknowledged before it began.
  private readRound = 0;
  private confirmedRound = 0;
  private readRoundWanted = false;
  private readonly roundAcks = new Map<NodeId, number>();
  private leaderReads: LeaderRead[] = [];
  /** One past the last slot phase 1 recovered: a value chosen by an earlier leader is below it. */
  private recoveredTo = 0;
  /** Follower: reads asked of the leader, by id. */
  private readonly remoteReads = new Map<number, { leader: NodeId; sentTick: number }>();
  private readResults: { id: number; index: number | null }[] = [];

  // Output buffers, drained by ready().
  private write: PendingWrite = emptyWrite();
  private outbox: Message[] = [];
  private earlyOutbox: Message[] = [];
  /** The leader's own votes, counted only once the Ready that writes them is persisted. */
  private selfVotes: { ballot: Ballot; slots: number[] }[] = [];
  private outstandingSelfVotes: { ballot: Ballot; slots: number[] }[] = [];
  private events: CoreEvent[] = [];
  private readyCount = 0;
  private outstanding: number | null = null;

  constructor(cfg: PaxosConfig) {
    assert(new Set(cfg.nodes).size === cfg.nodes.length, 'cluster node ids must be unique');
    assert(cfg.nodes.every((n) => Number.isInteger(n) && n > 0), 'node ids are positive integers');
    this.id = cfg.id;
    this.genesis = cfg.genesis ?? [...cfg.nodes].sort((a, b) => a - b).map((id) => ({ id, voter: true, host: '', port: 0 }));
    const problem = configProblem(this.genesis);
    assert(problem === null, `the first configuration is invalid: ${problem}`);
    this.contacts = new Set([...(cfg.contacts ?? []), ...cfg.nodes]);
    this.configEarlyBy = cfg.configEarlyBy ?? 0;
    this.membership = this.newMembership({ configs: [{ slot: -1, activeFrom: 0, members: this.genesis }] });
    this.namedOnce = isMember(this.genesis, this.id);
    this.rng = cfg.rng;
    this.policy = cfg.acceptor ?? paxosAcceptor;
    this.preVoteOn = cfg.preVote ?? true;
    this.electionTicksMin = cfg.electionTicksMin ?? 10;
    this.electionTicksMax = cfg.electionTicksMax ?? 20;
    this.heartbeatTicks = cfg.heartbeatTicks ?? 2;
    this.retransmitTicks = cfg.retransmitTicks ?? 4;
    this.catchupTicks = cfg.catchupTicks ?? 6;
    this.maxInflightSlots = cfg.maxInflightSlots ?? 256;
    this.maxBatchCommands = cfg.maxBatchCommands ?? 256;
    this.maxBatchBytes = cfg.maxBatchBytes ?? 1024 * 1024;
    this.maxMessageBytes = cfg.maxMessageBytes ?? 2 * 1024 * 1024;
    this.maxInflightBytes = cfg.maxInflightBytes ?? 2 * 1024 * 1024;
    this.maxPromiseBytes = cfg.maxPromiseBytes ?? 3.5 * 1024 * 1024;
    // What a Promise must carry in full, the window plus the batch that crossed it, fits its budget.
    assert(this.maxInflightBytes + this.maxBatchBytes <= this.maxPromiseBytes, 'maxInflightBytes + maxBatchBytes must fit maxPromiseBytes');
    this.maxQueuedCommands = cfg.maxQueuedCommands ?? 10_000;
    this.maxEntriesPerMessage = cfg.maxEntriesPerMessage ?? 512;
    this.maxSnapshotChunkBytes = cfg.maxSnapshotChunkBytes ?? 1024 * 1024;
    this.validateSnapshot = cfg.validateSnapshot ?? (() => true);
    assert(this.maxSnapshotChunkBytes >= 1, 'maxSnapshotChunkBytes >= 1');
    assert(this.electionTicksMin > this.heartbeatTicks, 'election timeout must exceed the heartbeat interval');
    assert(this.electionTicksMax >= this.electionTicksMin, 'electionTicksMax >= electionTicksMin');

    const restored = cfg.restored;
    this.promisedBallot = restored?.promised ?? ZERO_BALLOT;
    this.highestSeen = this.promisedBallot;
    if (restored) this.restore(restored);
    this.persistedCommit = this.commit;
    if (restored?.removed !== undefined) {
      // It stopped as removed before: whatever its log says now, it does not serve again.
      this.removedNow = true;
      this.namedOnce = true;
      this.pushEvent({ type: 'removed', slot: restored.removed });
    }
    this.checkRemoved();
    this.refreshKnown();
    this.emitted = cfg.appliedIndex ?? 0;
    assert(this.emitted >= this.snapIndex, `appliedIndex ${this.emitted} is below the restored snapshot ${this.snapIndex}: load it first`);
    assert(this.emitted <= this.commit, `appliedIndex ${this.emitted} is beyond the chosen prefix ${this.commit}`);
    this.electionTimeout = this.randomElectionTimeout();
  }

  private restore(state: DurableState): void {
    const base = state.snapshot?.index ?? 0;
    if (state.snapshot !== undefined) {
      this.snap = state.snapshot;
      this.snapIndex = base;
      this.highestSlot = base - 1;
      if (state.snapshot.membership !== undefined) this.adoptMembership(state.snapshot.membership);
    }
    for (const e of state.accepted) {
      // Left over when a crash came between the snapshot's write and the log's deletion.
      if (e.slot < base) continue;
      assert(compareBallots(e.ballot, this.promisedBallot) <= 0, `restored slot ${e.slot} accepted above the promise`);
      this.accepted.set(e.slot, e);
      this.highestSlot = Math.max(this.highestSlot, e.slot);
    }
    for (const e of state.chosen) {
      if (e.slot < base) continue;
      this.chosen.set(e.slot, e.value);
      this.highestSlot = Math.max(this.highestSlot, e.slot);
    }
    // An unsynced commit-index write may be lost while the synced snapshot survives.
    const commitIndex = Math.max(state.commitIndex, base);
    for (let s = base; s < commitIndex; s++) {
      if (this.chosen.has(s)) continue;
      const a = this.accepted.get(s);
      assert(a !== undefined, `restored chosen prefix ${state.commitIndex} lacks slot ${s}`);
      this.chosen.set(s, a.value);
    }
    this.commit = base;
    this.advanceCommit();
    assert(this.commit >= commitIndex, `restored chosen prefix stops at ${this.commit}, below ${commitIndex}`);
    // Replaying the prefix is not news: only what grew past the stored commit index is written,
    // and of the events only a removal matters (the node must not serve).
    if (this.commit === state.commitIndex) this.write.commitIndex = undefined;
    this.events = this.events.filter((e) => e.type === 'removed');
  }

  private adoptMembership(state: MembershipState): void {
    this.membership = this.newMembership(state);
    if (state.configs.some((c) => isMember(c.members, this.id))) this.namedOnce = true;
    this.refreshKnown();
  }

  private newMembership(state: MembershipState): MembershipLog {
    return new MembershipLog(state, CONFIG_WINDOW - this.configEarlyBy, this.contacts);
  }

  /** The configurations ruling the slots this node may still vote, propose or learn in. */
  private configsNow(): ConfigEntry[] {
    return this.membership.from(this.commit);
  }

  /** Voters of every configuration ruling from the commit index on, this node excluded. */
  private votingPeers(): NodeId[] {
    const out = new Set<NodeId>();
    for (const c of this.configsNow()) for (const m of c.members) if (m.voter && m.id !== this.id) out.add(m.id);
    return [...out].sort((a, b) => a - b);
  }

  /** Every member (voters and learners) from the commit index on, this node excluded. */
  private memberPeers(): NodeId[] {
    return [...this.membership.membersFrom(this.commit)].filter((id) => id !== this.id).sort((a, b) => a - b);
  }

  /** True when `ids` hold a majority of every configuration ruling from the commit index on. */
  private majorityOfAll(ids: ReadonlySet<NodeId>): boolean {
    return this.configsNow().every((c) => hasMajority(c.members, ids));
  }

  private refreshKnown(): void {
    this.known = new Set([...this.contacts, ...this.membership.everKnown]);
    this.known.delete(this.id);
    this.refreshDeparted();
  }

  /**
   * Members that left stay departed (their frames refused, but for what leaving needs) even once
   * the configurations that named them are pruned away; one named again is a member again.
   */
  private refreshDeparted(): void {
    // Mid-install of a snapshot the commit index has yet to reach its configurations: called again then.
    if (!this.membership.covers(this.commit)) return;
    for (const [id, until] of this.membership.departures(this.commit)) if (id !== this.id) this.departed.set(id, until);
    if (this.departed.size === 0) return;
    for (const id of this.membership.membersFrom(this.commit)) this.departed.delete(id);
  }

  /**
   * What a member that left may still send: its echo of the heartbeat that lets it go, a leader's
   * messages in the ballot we follow it in or one below our promise (a removed leader leads on
   * until it hands over, and hears of a higher ballot by the usual Nack), and a
   * request for the prefix it was a member for. Not a Prepare or a PreVote (it would depose a
   * leader it no longer belongs under), a Nack (a forged ballot), a read, or an answer to a
   * question we put only to members.
   */
  private departedMaySend(msg: Message): boolean {
    switch (msg.type) {
      case 'accepted':
      case 'catchup-req':
        return true;
      case 'heartbeat':
      case 'accept':
      case 'timeout-now':
        // Our leader, removed, leading on (in the ballot we follow or promised it: a restart
        // forgets whom it followed, not what it promised); or a lower ballot, nacked as usual so
        // a superseded removed leader learns it. Never a ballot new to us.
        return (msg.from === this.leaderId && this.leaderBallot !== null && ballotEquals(msg.ballot, this.leaderBallot)) || compareBallots(msg.ballot, this.promisedBallot) <= 0;
      case 'read-resp':
      case 'catchup-resp':
        return msg.from === this.leaderId;
      default:
        return false;
    }
  }

  /**
   * A voter of a configuration ruling from the commit index on: only such a node campaigns. A
   * newly added voter that knows the change campaigns before it rules (the old voters may all
   * be gone or leaving); a removed one may while the old configuration rules undecided slots.
   */
  private get votesNow(): boolean {
    return this.configsNow().some((c) => isVoter(c.members, this.id));
  }

  // ---- read-only views -------------------------------------------------------------------

  get role(): Role {
    return this.roleNow;
  }
  /** The ballot this node proposes with when leading, else the highest one it has seen. */
  get ballot(): Ballot {
    return this.roleNow === 'follower' ? this.highestSeen : this.myBallot;
  }
  get promised(): Ballot {
    return this.promisedBallot;
  }
  get commitIndex(): number {
    return this.commit;
  }
  get leader(): NodeId | null {
    return this.leaderId;
  }
  get lastSlot(): number {
    return this.highestSlot;
  }
  /** Ticks a follower waits after hearing a leader before it helps elect another: what bounds a lease. */
  get electionTicksMinimum(): number {
    return this.electionTicksMin;
  }
  /** The leader's heartbeat round: a new one with every heartbeat and read batch. */
  get readRoundNow(): number {
    return this.roleNow === 'leader' ? this.readRound : 0;
  }
  /** The highest round a quorum echoed in this ballot (0 when not leading). */
  get confirmedReadRound(): number {
    return this.roleNow === 'leader' ? this.confirmedRound : 0;
  }
  /** Where a read served by this leader now must read (null when not leading). */
  get readIndexNow(): number | null {
    return this.roleNow === 'leader' ? Math.max(this.commit, this.recoveredTo) : null;
  }
  get queuedCommands(): number {
    return this.queue.length;
  }
  get inflightSlots(): number {
    return this.proposals.size;
  }
  /** The latest snapshot (its state machine blob), for a log dump that starts below it. */
  get latestSnapshot(): Snapshot | null {
    return this.snap;
  }

  /** The first slot not covered by the latest snapshot (0 when there is none). */
  get snapshotIndex(): number {
    return this.snapIndex;
  }

  /**
   * The caller has applied every slot below `index` and `blob` is its state machine there: the
   * log below it is dropped (the next Ready's write carries the snapshot, after which storage
   * deletes that range). A peer that needs a slot below it gets the snapshot instead.
   */
  compact(index: number, blob: Uint8Array): void {
    assert(Number.isSafeInteger(index) && index <= this.commit, `compact(${index}) beyond the chosen prefix ${this.commit}`);
    assert(index <= this.emitted, `compact(${index}) beyond what was handed out to apply (${this.emitted})`);
    if (index <= this.snapIndex) return;
    this.snap = { index, blob, membership: this.membership.stateAt(index) };
    this.dropBelow(index);
    this.write.snapshot = this.snap;
  }

  private dropBelow(index: number): void {
    this.snapIndex = index;
    this.membership.pruneBelow(index);
    for (const s of this.accepted.keys()) if (s < index) this.accepted.delete(s);
    for (const s of this.chosen.keys()) if (s < index) this.chosen.delete(s);
    for (const s of this.proposals.keys()) if (s < index) this.removeProposal(s);
    this.highestSlot = Math.max(this.highestSlot, index - 1);
  }

  chosenRange(fromSlot: number, toSlot: number): ChosenEntry[] {
    const out: ChosenEntry[] = [];
    const end = Math.min(toSlot, this.highestSlot + 1);
    for (let s = Math.max(0, fromSlot); s < end; s++) {
      const v = this.chosen.get(s);
      if (v !== undefined) out.push({ slot: s, value: v });
    }
    return out;
  }

  acceptedRange(fromSlot: number, toSlot: number): AcceptedEntry[] {
    const out: AcceptedEntry[] = [];
    const end = Math.min(toSlot, this.highestSlot + 1);
    for (let s = Math.max(0, fromSlot); s < end; s++) {
      const a = this.accepted.get(s);
      if (a !== undefined) out.push(a);
    }
    return out;
  }

  // ---- inputs ----------------------------------------------------------------------------

  /**
   * Step mode (a paused cluster driven by hand): a follower no longer refuses a stranger's
   * Prepare because it heard its leader lately. That refusal protects read leases only, never
   * what is chosen; the runtime must serve no lease read while this is on, nor from a lease
   * confirmed before it was turned off (see ReadLease.invalidate).
   */
  setStepMode(on: boolean): void {
    this.stepMode = on;
  }

  /** Starts phase 1 now, without a pre-vote: `elect N` in step mode. False when this node may not vote. */
  campaign(): boolean {
    if (!this.votesNow || this.removedNow) return false;
    this.startElection();
    return true;
  }

  /**
   * Proposes the next configuration (every member, voters and learners). Null when queued; else
   * why not: only a leader changes membership, one change at a time (the last one rules and no
   * other is proposed), within the limits of configProblem. `basedOn`: the slot of the
   * configuration the caller built this one from; refused if another has been chosen since.
   */
  proposeConfig(members: readonly Member[], basedOn?: number): string | null {
    if (this.roleNow !== 'leader') return 'not the leader';
    const problem = configProblem(members);
    if (problem !== null) return problem;
    if (this.transfer !== null) return 'a leadership transfer is under way';
    if (this.leaving !== null) return 'this leader was removed and is handing over';
    if (this.configInFlight()) return 'another membership change is in flight: wait until it is in force';
    // A new leader may not know the latest configuration until what it recovered is chosen.
    if (!this.phase1Complete() || this.commit < this.leaderCommitSeen) return 'the leader is still catching up: try again shortly';
    if (basedOn !== undefined && basedOn !== this.membership.latest.slot) {
      return `the configuration changed (now the one chosen in slot ${this.membership.latest.slot}): look again and retry`;
    }
    this.pendingConfig = [...members].sort((a, b) => a.id - b.id);
    return null;
  }

  /** A configuration was proposed, recovered, or chosen and not in force yet. */
  private configInFlight(): boolean {
    if (this.pendingConfig !== null || this.membership.latest.activeFrom > this.commit) return true;
    for (const p of this.proposals.values()) if (p.value.kind === 'config') return true;
    for (const e of this.recovery.values()) if (e.value.kind === 'config') return true;
    // Chosen above a hole: the prefix has not reached it, so the membership does not show it yet.
    for (const [slot, v] of this.chosen) if (slot >= this.commit && v.kind === 'config') return true;
    return false;
  }

  /**
   * Hands leadership to voter `to`: no new commands are taken, and once `to` has accepted all
   * this leader proposed it is told to run phase 1 at once (timeout-now). The runtime must stop
   * serving lease reads from here on: `to`'s Prepare is granted by followers still hearing us.
   * Null when started; else why not. Given up after two election timeouts.
   */
  transferLeadership(to: NodeId): string | null {
    if (this.roleNow !== 'leader') return 'not the leader';
    if (to === this.id) return `node ${to} already leads`;
    if (!this.configsNow().every((c) => isVoter(c.members, to))) return `node ${to} is not a voter`;
    if (this.transfer !== null) return `a transfer to node ${this.transfer.to} is under way`;
    if (this.leaving !== null) return 'this leader was removed and is handing over already';
    if (this.configInFlight()) return 'a membership change is in flight: wait until it is in force';
    this.startTransfer(to);
    return null;
  }

  private startTransfer(to: NodeId): void {
    this.transfer = { to, sinceTick: this.now, sentTick: null };
    this.pushEvent({ type: 'transfer', to, state: 'started' });
    // Followers learn of the hand-over from a heartbeat before the target may ask them.
    this.sendHeartbeats();
  }

  /**
   * The ballot a read lease may stand on: leading, not handing over (once a transfer starts,
   * followers may promise the target at once), and phase 1 done for every configuration ruling
   * from the commit index on (a newly chosen one may need none of the nodes that echoed the old
   * rounds). Null otherwise: the runtime drops its lease, and only rounds begun after renew it.
   */
  get leaseBallot(): Ballot | null {
    return this.roleNow === 'leader' && this.transfer === null && this.leaving === null && this.phase1Complete() ? this.myBallot : null;
  }

  /** Who promised the ballot this node leads or campaigns with (empty as a follower). */
  get promisers(): ReadonlySet<NodeId> {
    return this.roleNow === 'follower' ? new Set() : this.promisedBy;
  }

  /** The node a transfer is handing over to, while one is under way. */
  get transferringTo(): NodeId | null {
    return this.transfer?.to ?? null;
  }

  private tickTransfer(t: { to: NodeId; sinceTick: number; sentTick: number | null }): void {
    if (this.now - t.sinceTick > this.electionTicksMax * 2) {
      this.transfer = null;
      this.pushEvent({ type: 'transfer', to: t.to, state: 'abandoned' });
      return;
    }
    // `to` holds every value this ballot proposed (its phase 1 will find them all) and knows the
    // configuration in force (its quorums are the ones this leader uses).
    for (const p of this.proposals.values()) if (!p.acks.has(t.to)) return;
    if ((this.peerCommit.get(t.to) ?? 0) < Math.max(0, this.membership.at(this.commit).activeFrom)) return;
    // Once per heartbeat interval at most (it may be lost), reported once.
    if (t.sentTick !== null && this.now - t.sentTick < this.heartbeatTicks) return;
    if (t.sentTick === null) this.pushEvent({ type: 'transfer', to: t.to, state: 'sent' });
    t.sentTick = this.now;
    this.send({ type: 'timeout-now', from: this.id, to: t.to, ballot: this.myBallot });
  }

  /** The leader hands over: campaign now, without a pre-vote (the leader asked). */
  private onTimeoutNow(from: NodeId, ballot: Ballot): void {
    // From the leader we follow, in the ballot we follow it in. A higher ballot we saw but refused
    // (the lease guard) is no reason to ignore it: its leader, were there one, keeps its lease
    // through its own followers, who waive nothing for this hand-over.
    if (this.roleNow === 'leader' || from !== this.leaderId || this.leaderBallot === null || !ballotEquals(ballot, this.leaderBallot)) return;
    if (!this.votesNow || this.removedNow) return;
    this.startElection(ballot);
  }

  /** Who decides now, what is chosen to decide next, and what this node is in it. */
  get membershipView(): {
    readonly inForce: ConfigEntry;
    readonly next: ConfigEntry | null;
    /** leaving: removed by the configuration in force, and staying until a leader shows it knows that prefix. */
    readonly self: 'voter' | 'learner' | 'removed' | 'joining' | 'leaving';
  } {
    const inForce = this.membership.at(this.commit);
    const latest = this.membership.latest;
    const me = inForce.members.find((m) => m.id === this.id);
    const leaving = this.namedOnce && !this.removedNow && !this.membership.membersFrom(this.commit).has(this.id);
    const self = this.removedNow ? 'removed' : leaving ? 'leaving' : me === undefined ? 'joining' : me.voter ? 'voter' : 'learner';
    return { inForce, next: latest.activeFrom > this.commit ? latest : null, self };
  }

  tick(): void {
    this.now += 1;
    if (this.roleNow === 'leader') {
      this.tickLeader();
    } else {
      this.electionElapsed += 1;
      if (this.electionElapsed >= this.electionTimeout) this.onElectionTimeout();
    }
    if (this.assemblies.size > 0) this.dropStaleAssemblies();
    if (this.remoteReads.size > 0) this.expireRemoteReads();
    if (this.catchup !== null && this.now - this.catchup.sentTick >= this.catchupTicks) {
      // The peer did not answer in time: ask another one.
      const others = [...this.known].filter((p) => p !== this.catchup?.peer && !this.departed.has(p));
      this.catchup = null;
      this.catchupPeerHint = others.length > 0 ? (others[this.rng.int(0, others.length - 1)] ?? null) : null;
      this.maybeCatchup();
    }
  }

  /**
   * Asks for a linearizable read index for read `id` (unique among this node's reads in
   * flight). The leader confirms it still leads with one heartbeat round, shared by every read
   * asked meanwhile; a follower asks the leader. The answer comes in a later Ready's `reads`.
   */
  readIndex(id: number): void {
    assert(Number.isSafeInteger(id) && id >= 0, 'read ids are non-negative integers');
    if (this.roleNow === 'leader') {
      this.leaderRead(id, this.id);
      return;
    }
    const leader = this.leaderId;
    if (this.roleNow !== 'follower' || leader === null || leader === this.id || this.remoteReads.size >= MAX_READS || this.remoteReads.has(id)) {
      this.readResults.push({ id, index: null });
      return;
    }
    this.remoteReads.set(id, { leader, sentTick: this.now });
    this.send({ type: 'read-req', from: this.id, to: leader, id });
  }

  private leaderRead(id: number, from: NodeId): void {
    if (this.leaderReads.length >= MAX_READS) {
      this.answerRead(id, from, null);
      return;
    }
    this.leaderReads.push({ id, from, round: this.readRound + 1, index: Math.max(this.commit, this.recoveredTo) });
    this.readRoundWanted = true;
  }

  private answerRead(id: number, from: NodeId, index: number | null): void {
    if (from === this.id) this.readResults.push({ id, index });
    else this.send({ type: 'read-resp', from: this.id, to: from, id, index });
  }

  /**
   * Reads wait for a round, and none is in flight: one round at a time serves every read that
   * arrived meanwhile, so a busy leader sends a round per round trip, not per loop turn.
   */
  private readRoundDue(): boolean {
    return this.readRoundWanted && this.roleNow === 'leader' && this.confirmedRound >= this.readRound;
  }

  /** A heartbeat to every peer, numbered: its echoes confirm this leader for the reads before it. */
  private sendHeartbeats(): void {
    this.heartbeatElapsed = 0;
    this.readRound += 1;
    this.readRoundWanted = false;
    const handover = this.transfer !== null ? { transferTo: this.transfer.to } : {};
    for (const p of new Set([...this.memberPeers(), ...this.departing.keys()])) {
      // A departing member leaves once a leader shows it knows the prefix past the change: not
      // before a majority of the new voters have it on disk too, or they could need its vote.
      const d = this.departing.get(p);
      const told = d === undefined || this.newVotersKnow(d.until);
      const commitIndex = told ? this.commit : Math.min(this.commit, d.until - 1);
      if (d !== undefined && told && this.commit >= d.until && d.toldRound === null) d.toldRound = this.readRound;
      // Told many times over and never answered: it is gone (it stops on the first it hears).
      if (d?.toldRound != null && this.readRound - d.toldRound > 64) this.departing.delete(p);
      this.send({ type: 'heartbeat', from: this.id, to: p, ballot: this.myBallot, commitIndex, read: this.readRound, ...handover });
    }
    this.confirmRounds();
  }

  private onReadAck(from: NodeId, ballot: Ballot, round: number): void {
    if (this.roleNow !== 'leader' || !ballotEquals(ballot, this.myBallot) || round > this.readRound) return;
    if (round <= (this.roundAcks.get(from) ?? 0)) return;
    this.roundAcks.set(from, round);
    this.confirmRounds();
  }

  /**
   * The highest round a majority of every configuration ruling from the commit index on has
   * echoed: a leader that a competitor could depose in any slot it may still choose in is not
   * confirmed. While a slot's configuration is unknown (the leader may not propose there) the
   * rounds wait too, since a read must see every value chosen before it began.
   */
  private confirmRounds(): void {
    if (!this.phase1Complete()) return;
    let confirmed = Infinity;
    for (const c of this.configsNow()) {
      const echoed = c.members.filter((m) => m.voter).map((m) => (m.id === this.id ? this.readRound : (this.roundAcks.get(m.id) ?? 0)));
      echoed.sort((a, b) => b - a);
      confirmed = Math.min(confirmed, echoed[Math.floor(echoed.length / 2)] ?? 0);
    }
    if (!Number.isFinite(confirmed) || confirmed <= this.confirmedRound) return;
    this.confirmedRound = confirmed;
    const waiting: LeaderRead[] = [];
    for (const r of this.leaderReads) {
      // Read where the leader now knows to read: phase 1 may have found values (in a
      // configuration that promised late) that were chosen before the read was asked.
      if (r.round <= confirmed) this.answerRead(r.id, r.from, Math.max(r.index, this.commit, this.recoveredTo));
      else waiting.push(r);
    }
    this.leaderReads = waiting;
  }

  /** Leadership ended (or never was): every read waiting on this leader fails, to be retried. */
  private failLeaderReads(): void {
    for (const r of this.leaderReads) this.answerRead(r.id, r.from, null);
    this.leaderReads = [];
    this.roundAcks.clear();
    this.readRoundWanted = false;
  }

  /** Reads asked of a leader we no longer follow, or that did not answer in time, fail. */
  private expireRemoteReads(): void {
    for (const [id, r] of this.remoteReads) {
      if (r.leader === this.leaderId && this.roleNow === 'follower' && this.now - r.sentTick <= this.electionTicksMax) continue;
      this.remoteReads.delete(id);
      this.readResults.push({ id, index: null });
    }
  }

  private onReadRequest(from: NodeId, id: number): void {
    if (this.roleNow === 'leader') this.leaderRead(id, from);
    else this.send({ type: 'read-resp', from: this.id, to: from, id, index: null });
  }

  private onReadResponse(from: NodeId, id: number, index: number | null): void {
    const r = this.remoteReads.get(id);
    if (r === undefined || r.leader !== from) return;
    this.remoteReads.delete(id);
    this.readResults.push({ id, index });
  }

  /** Queue a command for the log. False when this node is not the leader (or hands over) or its queue is full. */
  propose(cmd: Command): boolean {
    if (this.roleNow !== 'leader' || this.transfer !== null || this.leaving !== null) return false;
    if (this.queue.length >= this.maxQueuedCommands) return false;
    this.queue.push(cmd);
    return true;
  }

  step(msg: Message): void {
    // The runtime validates the wire; here we refuse, never assert on, what no correct member
    // sends: misaddressed, from outside the cluster, or numbers beyond the core's bounds.
    if (msg.to !== this.id || msg.from === this.id || !this.known.has(msg.from)) return;
    if (!messageInRange(msg)) return;
    if (this.departed.has(msg.from) && !this.departedMaySend(msg)) return;
    switch (msg.type) {
      case 'prepare':
        if (msg.ballot.node !== msg.from) return;
        this.onPrepare(msg.from, msg.ballot, msg.fromSlot, msg.transfer);
        return;
      case 'timeout-now':
        this.onTimeoutNow(msg.from, msg.ballot);
        return;
      case 'promise':
        this.onPromise(msg.from, msg.ballot, msg.accepted, msg.commitIndex, msg.chosen);
        return;
      case 'nack':
        this.onNack(msg.ballot, msg.promised);
        return;
      case 'accept':
        if (msg.ballot.node !== msg.from) return;
        this.onAccept(msg.from, msg.ballot, msg.entries, msg.commitIndex);
        return;
      case 'accepted': {
        this.onAccepted(msg.from, msg.ballot, msg.slots);
        if (msg.read !== undefined) this.onReadAck(msg.from, msg.ballot, msg.read);
        if (msg.commitIndex !== undefined && ballotEquals(msg.ballot, this.myBallot) && msg.commitIndex > (this.peerCommit.get(msg.from) ?? 0)) {
          this.peerCommit.set(msg.from, msg.commitIndex);
        }
        // It answered a heartbeat that told it the prefix passes its removal: it has stopped.
        const d = this.departing.get(msg.from);
        if (d?.toldRound != null && msg.read !== undefined && msg.read >= d.toldRound && ballotEquals(msg.ballot, this.myBallot)) this.departing.delete(msg.from);
        return;
      }
      case 'heartbeat':
        if (msg.ballot.node !== msg.from) return;
        this.onHeartbeat(msg.from, msg.ballot, msg.commitIndex, msg.read, msg.transferTo);
        return;
      case 'read-req':
        this.onReadRequest(msg.from, msg.id);
        return;
      case 'read-resp':
        this.onReadResponse(msg.from, msg.id, msg.index);
        return;
      case 'prevote':
        if (msg.ballot.node !== msg.from) return;
        this.onPreVote(msg.from, msg.ballot, msg.commitIndex);
        return;
      case 'prevote-resp':
        if (msg.ballot.node !== this.id) return;
        this.onPreVoteResponse(msg.from, msg.ballot, msg.granted, msg.commitIndex);
        return;
      case 'catchup-req':
        this.onCatchupRequest(msg.from, msg.fromSlot, msg.toSlot);
        return;
      case 'catchup-resp':
        this.onCatchupResponse(msg.from, msg.entries, msg.commitIndex);
        return;
      case 'snapshot':
        if (!membershipStateValid(msg.membership, msg.snapshotIndex)) return;
        this.onSnapshotChunk(msg.from, msg.snapshotIndex, msg.offset, msg.total, msg.chunk, msg.membership);
        return;
    }
  }

  // ---- output ----------------------------------------------------------------------------

  hasReady(): boolean {
    return (
      this.outbox.length > 0 ||
      this.earlyOutbox.length > 0 ||
      this.events.length > 0 ||
      this.readResults.length > 0 ||
      this.readRoundDue() ||
      this.emitted < this.commit ||
      this.write.promised !== undefined ||
      this.write.accepted.size > 0 ||
      this.write.chosen.size > 0 ||
      this.write.commitIndex !== undefined ||
      this.write.snapshot !== undefined ||
      this.write.removed !== undefined ||
      this.pendingInstall !== null ||
      this.hasProposalWork()
    );
  }

  ready(): Ready {
    assert(this.outstanding === null, `ready() called again before advance() of ready ${this.outstanding}`);
    this.flushQueue();
    if (this.readRoundDue()) this.sendHeartbeats();
    const id = ++this.readyCount;
    const w = this.write;
    const write = {
      ...(w.promised !== undefined ? { promised: w.promised } : {}),
      accepted: [...w.accepted.values()],
      chosen: [...w.chosen.values()],
      ...(w.commitIndex !== undefined ? { commitIndex: w.commitIndex } : {}),
      ...(w.snapshot !== undefined ? { snapshot: w.snapshot } : {}),
      ...(w.removed !== undefined ? { removed: w.removed } : {}),
      ...(w.sync ? { sync: true as const } : {}),
    };
    const install = this.pendingInstall;
    this.pendingInstall = null;
    const committed: ChosenEntry[] = [];
    for (let s = this.emitted; s < this.commit; s++) {
      const v = this.chosen.get(s);
      assert(v !== undefined, `slot ${s} below the chosen prefix has no value`);
      committed.push({ slot: s, value: v });
    }
    this.emitted = this.commit;
    const messages = this.outbox;
    const unpersistedMessages = this.earlyOutbox;
    const events = this.events;
    const reads = this.readResults;
    this.readResults = [];
    this.write = emptyWrite();
    this.outbox = [];
    this.earlyOutbox = [];
    this.events = [];
    this.outstandingSelfVotes = this.selfVotes;
    this.selfVotes = [];
    this.outstanding = id;
    return {
      id,
      write,
      ...(install !== null ? { installSnapshot: install } : {}),
      committed,
      reads,
      events,
      unpersistedMessages,
      messages(receipt: PersistReceipt): readonly Message[] {
        assert(receipt.readyId === id, `receipt for ready ${receipt.readyId} used on ready ${id}`);
        return messages;
      },
    };
  }

  advance(rd: Ready): void {
    assert(this.outstanding === rd.id, `advance(${rd.id}) but the outstanding ready is ${this.outstanding}`);
    this.outstanding = null;
    if (rd.write.commitIndex !== undefined && rd.write.commitIndex > this.persistedCommit) this.persistedCommit = rd.write.commitIndex;
    // rd's write is on disk now, and with it the leader's votes it held: count them.
    const votes = this.outstandingSelfVotes;
    this.outstandingSelfVotes = [];
    for (const v of votes) this.onAccepted(this.id, v.ballot, v.slots);
  }

  // ---- proposer: election ------------------------------------------------------------------

  private randomElectionTimeout(): number {
    const scale = 2 ** this.failedElections;
    return this.rng.int(this.electionTicksMin * scale, this.electionTicksMax * scale);
  }

  private setRole(role: Role): void {
    if (this.roleNow === role) return;
    this.roleNow = role;
    this.pushEvent({ type: 'role', role, ballot: this.ballot });
  }

  /**
   * A failed candidacy or pre-vote round counts toward the back-off, so a node that cannot reach
   * a majority asks less and less often; hearing a leader resets it (followLeader).
   */
  private onElectionTimeout(): void {
    if (!this.votesNow || this.removedNow) {
      // A learner, a joining or a removed node never campaigns: it waits to hear a leader. Not
      // idly: what it has not learned may make it a voter (the only one left, even), so it asks
      // a peer how far the chosen prefix reaches, and catches up from there.
      this.resetElectionTimer();
      this.abandonCandidacy();
      if (!this.removedNow) this.probeCatchup();
      return;
    }
    if (this.roleNow === 'candidate' || this.preVote !== null) {
      this.failedElections = Math.min(MAX_ELECTION_BACKOFF, this.failedElections + 1);
    }
    if (this.preVote !== null) this.pushEvent({ type: 'prevote-failed', ballot: this.preVote.ballot, grants: this.preVote.grants.size });
    if (this.preVoteOn) this.startPreVote();
    else this.startElection();
  }

  /**
   * The ballot phase 1 would use: above everything seen, capped at MAX_BALLOT_ROUND. Null when
   * even the cap does not exceed our promise: a promise at the bound ends this node's elections.
   */
  private nextBallot(): Ballot | null {
    const round = Math.min(Math.max(this.highestSeen.round, this.promisedBallot.round) + 1, MAX_BALLOT_ROUND);
    const ballot = { round, node: this.id };
    if (compareBallots(ballot, this.promisedBallot) > 0) return ballot;
    if (!this.exhaustedReported) {
      this.exhaustedReported = true;
      this.pushEvent({ type: 'ballots-exhausted', promised: this.promisedBallot });
    }
    return null;
  }

  private resetElectionTimer(): void {
    this.electionElapsed = 0;
    this.electionTimeout = this.randomElectionTimeout();
  }

  /** Asks every peer whether it would promise, without raising or persisting anything. */
  private startPreVote(): void {
    this.preVote = null;
    this.resetElectionTimer();
    // A failed candidacy asks again before raising its ballot once more.
    this.abandonCandidacy();
    const ballot = this.nextBallot();
    if (ballot === null) return;
    this.leaderId = null;
    this.preVote = { ballot, grants: new Set([this.id]) };
    this.pushEvent({ type: 'prevote-started', ballot });
    for (const p of this.votingPeers()) this.send({ type: 'prevote', from: this.id, to: p, ballot, commitIndex: this.commit });
    if (this.majorityOfAll(this.preVote.grants)) this.startElection();
  }

  /**
   * Any node may lead in Paxos (phase 1 recovers what was accepted), so a peer checks liveness
   * only: it refuses while it hears a live leader, or is one with a quorum behind it.
   */
  private onPreVote(from: NodeId, ballot: Ballot, commitIndex: number): void {
    const window = this.electionTicksMin;
    const leaderLive =
      this.roleNow === 'leader'
        ? this.now - this.leaderSinceTick < window || this.quorumHeardWithin(window)
        : this.now - this.leaderHeardTick < window;
    // Only a voter may lead: a node removed while it was down must not disrupt the new members.
    // One whose chosen prefix is ahead of ours may know a configuration we have yet to learn.
    const voter = commitIndex > this.commit || this.configsNow().some((c) => isVoter(c.members, from));
    this.send({ type: 'prevote-resp', from: this.id, to: from, ballot, granted: voter && !leaderLive, commitIndex: this.commit });
  }

  private onPreVoteResponse(from: NodeId, ballot: Ballot, granted: boolean, commitIndex: number | undefined): void {
    if (commitIndex !== undefined && commitIndex > this.commit) {
      // The answerer knows more of the log: learn it from there (it may name a leader we cannot hear).
      if (commitIndex > this.leaderCommitSeen) this.leaderCommitSeen = commitIndex;
      if (this.catchup === null) this.catchupPeerHint = from;
      this.maybeCatchup();
    }
    if (!granted || this.preVote === null || !ballotEquals(ballot, this.preVote.ballot)) return;
    this.preVote.grants.add(from);
    if (this.majorityOfAll(this.preVote.grants)) this.startElection();
  }

  private abandonCandidacy(): void {
    if (this.roleNow !== 'candidate') return;
    this.promises.clear();
    this.setRole('follower');
  }

  /** transfer: the ballot of the leader that handed over to us (timeout-now). */
  private startElection(transfer?: Ballot): void {
    this.preVote = null;
    const ballot = this.nextBallot();
    if (ballot === null) {
      this.resetElectionTimer();
      this.abandonCandidacy();
      return;
    }
    this.myBallot = ballot;
    assert(compareBallots(this.myBallot, this.promisedBallot) > 0, 'a new ballot exceeds every promise');
    this.clearProposals();
    this.queue = [];
    this.promises.clear();
    this.promisedBy.clear();
    this.leaderId = null;
    this.electionElapsed = 0;
    this.electionTimeout = this.randomElectionTimeout();
    this.prepareFrom = this.commit;
    this.setRole('candidate');
    this.pushEvent({ type: 'election-started', ballot: this.myBallot });
    // Our own promise: persisted with the Prepares, so a restart can never reuse this ballot.
    this.promise(this.myBallot);
    this.promises.set(this.id, { accepted: this.acceptedFrom(this.prepareFrom), commitIndex: this.commit });
    this.promisedBy.add(this.id);
    this.preparedTo = new Set(this.votingPeers());
    for (const p of this.votingPeers()) {
      this.send({ type: 'prepare', from: this.id, to: p, ballot: this.myBallot, fromSlot: this.prepareFrom, ...(transfer !== undefined ? { transfer } : {}) });
    }
    if (this.majorityOfAll(this.promisedBy)) this.becomeLeader();
  }

  private onPromise(
    from: NodeId,
    ballot: Ballot,
    accepted: readonly AcceptedEntry[],
    commitIndex: number,
    chosen: readonly ChosenEntry[],
  ): void {
    this.observe(ballot);
    if (this.roleNow === 'follower' || !ballotEquals(ballot, this.myBallot)) return;
    // Learned here, the new leader does not depend on one peer staying up to serve a catch-up.
    // Only the page we asked for: at or after our fromSlot, below the acceptor's chosen prefix.
    for (const e of chosen) if (e.slot >= this.prepareFrom && e.slot < commitIndex) this.learnChosen(e.slot, e.value, from, true);
    this.advanceCommit();
    if (this.roleNow === 'leader') {
      // A late promise (or one asked of a new configuration's voters): what it accepted where
      // this leader has not proposed yet joins phase 1's findings before those slots are proposed.
      this.promisedBy.add(from);
      if (commitIndex > this.nextSlot) {
        // Chosen below its commit index, though its page may not say what (compacted, or cut
        // short): never propose there; learn them by catch-up from this peer.
        for (const s of this.recovery.keys()) if (s < commitIndex) this.recovery.delete(s);
        this.nextSlot = commitIndex;
        this.recoverUntil = Math.max(this.recoverUntil, commitIndex);
        this.recoveredTo = Math.max(this.recoveredTo, commitIndex);
      }
      this.mergeRecovery(accepted);
      if (commitIndex > this.leaderCommitSeen) {
        this.leaderCommitSeen = commitIndex;
        this.catchupPeerHint = from;
        this.maybeCatchup();
      }
      return;
    }
    if (this.roleNow !== 'candidate') return;
    this.promises.set(from, { accepted, commitIndex });
    this.promisedBy.add(from);
    if (this.majorityOfAll(this.promisedBy)) {
      this.becomeLeader();
      return;
    }
    // The page may have carried the prefix past a configuration whose new voters we never asked.
    for (const p of this.votingPeers()) {
      if (this.promisedBy.has(p) || this.preparedTo.has(p)) continue;
      this.preparedTo.add(p);
      this.send({ type: 'prepare', from: this.id, to: p, ballot: this.myBallot, fromSlot: this.prepareFrom });
    }
  }

  /** Phase 1 reports for slots not proposed yet: the highest ballot's value wins each slot. */
  private mergeRecovery(accepted: readonly AcceptedEntry[]): void {
    for (const e of accepted) {
      if (e.slot < this.nextSlot || this.chosen.has(e.slot)) continue;
      const cur = this.recovery.get(e.slot);
      if (cur === undefined || compareBallots(e.ballot, cur.ballot) > 0) this.recovery.set(e.slot, e);
      if (e.slot >= this.recoverUntil) this.recoverUntil = e.slot + 1;
    }
    this.recoveredTo = Math.max(this.recoveredTo, this.recoverUntil);
  }

  private becomeLeader(): void {
    assert(this.roleNow === 'candidate', 'only a candidate becomes leader');
    assert(this.majorityOfAll(this.promisedBy), 'leader needs a majority of every ruling configuration');
    this.failedElections = 0;
    // Below the highest reported chosen prefix every slot is chosen: learn it, never re-propose.
    let reportedCommit = 0;
    let catchupFrom: NodeId = this.id;
    const highest = new Map<number, AcceptedEntry>();
    for (const [node, p] of this.promises) {
      if (p.commitIndex > reportedCommit) {
        reportedCommit = p.commitIndex;
        catchupFrom = node;
      }
      for (const e of p.accepted) {
        const cur = highest.get(e.slot);
        if (cur === undefined || compareBallots(e.ballot, cur.ballot) > 0) highest.set(e.slot, e);
      }
    }
    let maxSlot = Math.max(this.highestSlot, reportedCommit - 1);
    for (const s of highest.keys()) maxSlot = Math.max(maxSlot, s);
    // Phase 1's findings above every slot: what the promises reported in the highest ballot.
    this.recovery.clear();
    for (const [slot, e] of highest) if (slot >= this.commit) this.recovery.set(slot, e);

    this.setRole('leader');
    this.leaderId = this.id;
    this.promises.clear();
    this.clearProposals();
    this.lastHeard.clear();
    this.failLeaderReads();
    this.readRound = 0;
    this.confirmedRound = 0;
    this.leaderSinceTick = this.now;
    this.commitProgressTick = this.now;
    // Rounds start again from 0 in this ballot: departing members are told anew.
    for (const d of this.departing.values()) d.toldRound = null;
    this.heartbeatElapsed = 0;
    this.pushEvent({ type: 'leader-seen', leader: this.id, ballot: this.myBallot });

    this.nextSlot = Math.max(this.prepareFrom, reportedCommit, this.commit);
    this.recoverUntil = maxSlot + 1;
    this.recoveredTo = maxSlot + 1;
    this.pendingConfig = null;
    this.transfer = null;
    if (reportedCommit > this.commit) {
      this.leaderCommitSeen = Math.max(this.leaderCommitSeen, reportedCommit);
      this.catchupPeerHint = catchupFrom;
      this.maybeCatchup();
    }
    this.pump();
  }

  /**
   * May this leader propose in `slot` now? It must know who decides the slot (the chosen prefix
   * reaches slot - CONFIG_WINDOW) and hold promises from a majority of that configuration.
   */
  private mayPropose(slot: number): boolean {
    return slot < this.commit + CONFIG_WINDOW && hasMajority(this.membership.at(slot).members, this.promisedBy);
  }

  /** Phase 1 is done for everything this leader may choose in, and all it recovered is chosen. */
  private phase1Complete(): boolean {
    return (
      this.roleNow === 'leader' &&
      this.nextSlot >= this.recoverUntil &&
      this.commit >= this.recoverUntil &&
      this.configsNow().every((c) => hasMajority(c.members, this.promisedBy))
    );
  }


  /**
   * The leader's proposals in slot order: first phase 1's findings (the highest ballot's value,
   * or a no-op for a hole), then a configuration change, then batches of commands, then no-ops
   * that bring a chosen configuration into force when there is nothing else to propose.
   */
  private pump(): void {
    if (this.roleNow !== 'leader') return;
    const entries: ChosenEntry[] = [];
    let inflight = this.inflightBytes;
    for (;;) {
      const slot = this.nextSlot;
      // Chosen already (learned from a peer above our proposals): never proposed again.
      if (this.chosen.has(slot)) {
        this.nextSlot += 1;
        continue;
      }
      if (slot < this.recoverUntil) {
        if (!this.mayPropose(slot)) break;
        entries.push({ slot, value: this.recovery.get(slot)?.value ?? NOOP });
        this.recovery.delete(slot);
        this.nextSlot += 1;
        continue;
      }
      if (!this.mayPropose(slot) || !this.windowHasRoom(this.proposals.size + entries.length, inflight)) break;
      if (this.pendingConfig !== null) {
        const value: Value = { kind: 'config', members: this.pendingConfig };
        this.pendingConfig = null;
        entries.push({ slot, value });
        inflight += valueBytesBound(value);
        this.nextSlot += 1;
        continue;
      }
      if (this.queue.length > 0 && this.transfer === null) {
        let n = 0;
        let bytes = BATCH_OVERHEAD_BYTES;
        while (n < this.queue.length && n < this.maxBatchCommands) {
          const b = commandBytesBound(this.queue[n]!);
          if (n > 0 && bytes + b > this.maxBatchBytes) break;
          bytes += b;
          n += 1;
        }
        const cmds = this.queue.splice(0, n);
        entries.push({ slot, value: { kind: 'batch', cmds } });
        inflight += bytes;
        this.nextSlot += 1;
        continue;
      }
      if (this.fillDue(slot)) {
        entries.push({ slot, value: NOOP });
        inflight += valueBytesBound(NOOP);
        this.nextSlot += 1;
        continue;
      }
      break;
    }
    this.proposeEntries(entries);
    this.askForPromises();
  }

  /** Whether pump() would propose (or skip) something now: its first step's conditions. */
  private hasProposalWork(): boolean {
    if (this.roleNow !== 'leader') return false;
    const slot = this.nextSlot;
    if (this.chosen.has(slot)) return true;
    if (slot < this.recoverUntil) return this.mayPropose(slot);
    if (!this.mayPropose(slot) || !this.windowHasRoom(this.proposals.size, this.inflightBytes)) return false;
    return this.pendingConfig !== null || (this.queue.length > 0 && this.transfer === null) || this.fillDue(slot);
  }

  /** An idle slot before a chosen configuration rules gets a no-op, so the change is in force at once. */
  private fillDue(slot: number): boolean {
    const latest = this.membership.latest;
    return latest.slot >= 0 && slot < latest.activeFrom && latest.slot < this.commit;
  }

  /** The next slot waits for promises of its configuration's voters: ask those that owe one. */
  private askForPromises(): void {
    if (this.roleNow !== 'leader') return;
    const missing = new Set<NodeId>();
    for (const c of this.configsNow()) {
      if (hasMajority(c.members, this.promisedBy)) continue;
      for (const m of c.members) if (m.voter && m.id !== this.id && !this.promisedBy.has(m.id)) missing.add(m.id);
    }
    if (missing.size === 0) return;
    if (this.lastPromiseAsk !== null && this.now - this.lastPromiseAsk < this.retransmitTicks) return;
    this.lastPromiseAsk = this.now;
    for (const p of missing) this.send({ type: 'prepare', from: this.id, to: p, ballot: this.myBallot, fromSlot: this.prepareFrom });
  }

  // ---- proposer: phase 2 -------------------------------------------------------------------

  private flushQueue(): void {
    if (this.roleNow !== 'leader') {
      this.queue = [];
      return;
    }
    this.pump();
  }

  /** The pipeline window, by slots and by bytes; it always has room for one slot, however large. */
  private windowHasRoom(slots: number, bytes: number): boolean {
    return slots < this.maxInflightSlots && (slots === 0 || bytes < this.maxInflightBytes);
  }

  private removeProposal(slot: number): void {
    const p = this.proposals.get(slot);
    if (p === undefined) return;
    this.proposals.delete(slot);
    this.inflightBytes -= p.bytes;
    assert(this.inflightBytes >= 0, `in-flight bytes went negative at slot ${slot}`);
  }

  private clearProposals(): void {
    this.proposals.clear();
    this.inflightBytes = 0;
  }

  private proposeEntries(entries: readonly ChosenEntry[]): void {
    if (entries.length === 0) return;
    assert(this.roleNow === 'leader', 'only the leader proposes');
    for (const e of entries) {
      // One value per slot per ballot: the heart of Paxos' phase 2.
      assert(!this.proposals.has(e.slot), `slot ${e.slot} proposed twice in ballot ${this.myBallot.round}`);
      assert(!this.chosen.has(e.slot), `slot ${e.slot} is already chosen`);
      const bytes = valueBytesBound(e.value);
      this.proposals.set(e.slot, { value: e.value, bytes, acks: new Set(), sentTick: this.now });
      this.inflightBytes += bytes;
      this.highestSlot = Math.max(this.highestSlot, e.slot);
    }
    this.acceptLocally(entries);
    this.sendAccepts(this.memberPeers(), entries);
  }

  /** Pages are cut once and shared by every peer (the runtime then encodes each page once). */
  private sendAccepts(peers: readonly NodeId[], entries: readonly ChosenEntry[]): void {
    for (let i = 0; i < entries.length; ) {
      const n = this.pageLength(entries, i);
      const page = entries.slice(i, i + n);
      for (const to of peers) this.send({ type: 'accept', from: this.id, to, ballot: this.myBallot, entries: page, commitIndex: this.commit });
      i += n;
    }
  }

  /**
   * How many entries from `start` fit one message: maxEntriesPerMessage and `maxBytes`; at least
   * one unless `mayBeEmpty`.
   */
  private pageLength(entries: readonly { readonly value: Value }[], start: number, maxBytes = this.maxMessageBytes, mayBeEmpty = false): number {
    let n = 0;
    let bytes = 0;
    while (start + n < entries.length && n < this.maxEntriesPerMessage) {
      bytes += entryBytesBound(entries[start + n]!);
      if ((n > 0 || mayBeEmpty) && bytes > maxBytes) break;
      n += 1;
    }
    return n;
  }

  /** Chosen entries of [fromSlot, toSlot), cut to `maxBytes` (one message's worth by default). */
  private chosenPage(fromSlot: number, toSlot: number, maxBytes = this.maxMessageBytes, atLeastOne = true): ChosenEntry[] {
    const entries = this.chosenRange(fromSlot, Math.min(toSlot, fromSlot + this.maxEntriesPerMessage));
    return entries.slice(0, this.pageLength(entries, 0, maxBytes, !atLeastOne));
  }

  /**
   * The leader is an acceptor too: its acceptance is written in the same Ready whose Accepts
   * may leave before the write, and counted toward a quorum only in advance(), once on disk.
   */
  private acceptLocally(entries: readonly ChosenEntry[]): void {
    assert(compareBallots(this.promisedBallot, this.myBallot) <= 0, 'a leader never promised above its ballot');
    if (compareBallots(this.myBallot, this.promisedBallot) > 0) this.promise(this.myBallot);
    for (const e of entries) {
      const ok = this.recordAccepted(e.slot, this.myBallot, e.value);
      assert(ok, `leader proposes slot ${e.slot} against its own chosen value`);
    }
    this.selfVotes.push({ ballot: this.myBallot, slots: entries.map((e) => e.slot) });
  }

  private onAccepted(from: NodeId, ballot: Ballot, slots: readonly number[]): void {
    if (this.roleNow !== 'leader' || !ballotEquals(ballot, this.myBallot)) return;
    this.lastHeard.set(from, this.now);
    for (const s of slots) {
      const p = this.proposals.get(s);
      if (p === undefined) continue;
      p.acks.add(from);
      if (hasMajority(this.membership.at(s).members, p.acks)) {
        this.removeProposal(s);
        this.learnChosen(s, p.value);
      }
    }
    this.advanceCommit();
  }

  private tickLeader(): void {
    // A transfer given up ends before this tick's heartbeats: they no longer name its target, so
    // every round a lease may count (the runtime dates rounds per call) clears the followers' waiver.
    if (this.transfer !== null) this.tickTransfer(this.transfer);
    this.heartbeatElapsed += 1;
    if (this.heartbeatElapsed >= this.heartbeatTicks) this.sendHeartbeats();
    this.retransmit();
    this.askForPromises();
    if (this.leaving !== null && this.roleNow === 'leader') this.tickLeaving(this.leaving);
    // A leader that has not heard from a quorum for a whole election timeout is probably cut
    // off: stepping down makes its clients fail fast instead of waiting on it.
    // This is CheckQuorum: with it, a follower that hears a leader may trust it is live.
    const window = this.electionTicksMax * 2;
    if (this.now - this.leaderSinceTick > window && !this.quorumHeardWithin(window)) {
      this.stepDown(null);
      return;
    }
    // Stuck below a chosen prefix no live peer will serve (the peer that knew it is gone):
    // a new phase 1 makes the live quorum report what it accepted there, and it is re-proposed.
    if (this.commit < this.leaderCommitSeen && this.now - this.commitProgressTick > window) this.stepDown(null);
  }

  /** A majority (this leader included) answered in this ballot within the last `window` ticks. */
  private quorumHeardWithin(window: number): boolean {
    const heard = new Set<NodeId>([this.id]);
    for (const [p, t] of this.lastHeard) if (this.now - t <= window) heard.add(p);
    return this.majorityOfAll(heard);
  }

  private retransmit(): void {
    const stale: [number, Proposal][] = [];
    for (const entry of this.proposals) {
      if (this.now - entry[1].sentTick >= this.retransmitTicks) stale.push(entry);
    }
    if (stale.length === 0) return;
    stale.sort((a, b) => a[0] - b[0]);
    for (const p of this.memberPeers()) {
      const missing = stale.filter(([, prop]) => !prop.acks.has(p)).map(([slot, prop]) => ({ slot, value: prop.value }));
      // One message's worth per peer per retransmit tick.
      this.sendAccepts([p], missing.slice(0, this.pageLength(missing, 0)));
    }
    for (const [, prop] of stale) prop.sentTick = this.now;
  }

  private stepDown(leader: NodeId | null): void {
    if (this.roleNow === 'leader') this.failLeaderReads();
    this.preVote = null;
    this.clearProposals();
    this.queue = [];
    this.promises.clear();
    this.promisedBy.clear();
    this.recovery.clear();
    this.recoverUntil = 0;
    this.pendingConfig = null;
    this.transfer = null;
    this.peerCommit.clear();
    this.leaderId = leader;
    this.electionElapsed = 0;
    this.electionTimeout = this.randomElectionTimeout();
    this.setRole('follower');
  }

  private onNack(ballot: Ballot, promised: Ballot): void {
    this.observe(promised);
    if (this.roleNow === 'follower' || !ballotEquals(ballot, this.myBallot)) return;
    if (compareBallots(promised, this.myBallot) > 0) {
      this.pushEvent({ type: 'nacked', ballot, promised });
      this.stepDown(null);
    }
  }

  // ---- acceptor ----------------------------------------------------------------------------

  private promise(ballot: Ballot): void {
    assert(compareBallots(ballot, this.promisedBallot) >= 0, 'promises only grow');
    if (ballotEquals(ballot, this.promisedBallot)) return;
    this.promisedBallot = ballot;
    this.write.promised = ballot;
    this.observe(ballot);
  }

  /**
   * False when the slot is known chosen with another value: that Accept comes from a stale
   * ballot. Paxos would let us accept it (it can never gather a quorum), but declining keeps
   * our accepted entry equal to the chosen value, which recovery relies on.
   */
  private recordAccepted(slot: number, ballot: Ballot, value: Value): boolean {
    // Below the snapshot the slot is chosen but its value is gone: never vote there again.
    if (slot < this.snapIndex) return false;
    const known = this.chosen.get(slot);
    if (known !== undefined && !valuesEqual(known, value)) return false;
    const entry: AcceptedEntry = { slot, ballot, value };
    this.accepted.set(slot, entry);
    this.write.accepted.set(slot, entry);
    this.highestSlot = Math.max(this.highestSlot, slot);
    return true;
  }

  private acceptedFrom(fromSlot: number): AcceptedEntry[] {
    const start = Math.max(fromSlot, this.commit);
    const out: AcceptedEntry[] = [];
    for (const [slot, e] of this.accepted) if (slot >= start) out.push(e);
    return out.sort((a, b) => a.slot - b.slot);
  }

  private onPrepare(from: NodeId, ballot: Ballot, fromSlot: number, transfer: Ballot | undefined): void {
    this.observe(ballot);
    // A removed node votes no more: the configurations it could vote in are all decided.
    if (this.removedNow) return;
    // While we heard a leader within electionTicksMin, help elect no one else: a pre-vote we
    // granted before its heartbeat must not become a promise after it. A leader's read lease
    // counts on this (etcd-raft drops votes in a lease the same way). Found by review.
    // In step mode the person at the keyboard is the clock: the runtime serves no lease reads
    // then, so `elect N` must be able to win.
    // A hand-over by the very leader we follow (its ballot, which we promised) is its own wish:
    // it stopped serving lease reads before asking. Another leader's hand-over is no reason.
    const handedOver =
      transfer !== undefined && transfer.node === this.leaderId && ballotEquals(transfer, this.promisedBallot) && from === this.handoverTo;
    if (!handedOver && !this.stepMode && this.preVoteOn && this.roleNow === 'follower' && from !== this.leaderId && this.now - this.leaderHeardTick < this.electionTicksMin) return;
    if (!this.policy.mayPromise(this.promisedBallot, ballot)) {
      this.send({ type: 'nack', from: this.id, to: from, ballot, promised: this.promisedBallot });
      return;
    }
    if (this.roleNow !== 'follower' && compareBallots(ballot, this.myBallot) > 0) this.stepDown(null);
    if (compareBallots(ballot, this.promisedBallot) > 0) this.promise(ballot);
    const accepted = this.acceptedFrom(fromSlot);
    // Granting a promise is a sign of a live election: give it time before starting our own.
    this.electionElapsed = 0;
    this.preVote = null;
    this.send({
      type: 'promise',
      from: this.id,
      to: from,
      ballot,
      fromSlot,
      accepted,
      commitIndex: this.commit,
      // The accepted entries must all go (safety); the chosen page only gets the room they leave.
      chosen: this.chosenPage(fromSlot, this.commit, this.maxPromiseBytes - accepted.reduce((n, e) => n + entryBytesBound(e), 0), false),
    });
  }

  private onAccept(from: NodeId, ballot: Ballot, entries: readonly ChosenEntry[], commitIndex: number): void {
    this.observe(ballot);
    if (this.removedNow) return;
    if (!this.policy.mayAccept(this.promisedBallot, ballot)) {
      this.send({ type: 'nack', from: this.id, to: from, ballot, promised: this.promisedBallot });
      return;
    }
    if (compareBallots(ballot, this.promisedBallot) > 0) this.promise(ballot);
    this.followLeader(from, ballot);
    if (this.leaderProposed === null || this.leaderProposed.leader !== from || !ballotEquals(this.leaderProposed.ballot, ballot)) this.leaderProposed = { leader: from, ballot, upTo: 0 };
    for (const e of entries) this.leaderProposed.upTo = Math.max(this.leaderProposed.upTo, e.slot + 1);
    const slots = entries.filter((e) => this.recordAccepted(e.slot, ballot, e.value)).map((e) => e.slot);
    this.send({ type: 'accepted', from: this.id, to: from, ballot, slots });
    // A leader behind our snapshot waits for votes we can no longer give: hand it the snapshot.
    if (commitIndex < this.snapIndex && entries.some((e) => e.slot < this.snapIndex)) this.sendSnapshot(from, this.catchupTicks);
    this.learnCommitIndex(from, ballot, commitIndex);
  }

  private onHeartbeat(from: NodeId, ballot: Ballot, commitIndex: number, read: number | undefined, transferTo: NodeId | undefined): void {
    this.observe(ballot);
    if (compareBallots(ballot, this.promisedBallot) < 0) {
      this.send({ type: 'nack', from: this.id, to: from, ballot, promised: this.promisedBallot });
      return;
    }
    this.followLeader(from, ballot);
    // Before the echo leaves: a round this node confirms after a hand-over was given up must
    // find it no longer waiving the guard (the leader's lease counts on that).
    this.handoverTo = transferTo ?? null;
    this.learnCommitIndex(from, ballot, commitIndex);
    // An empty Accepted acknowledges the heartbeat: the leader counts who still follows it, and
    // learns how far this node's chosen prefix reaches on disk (removed members leave on it).
    this.send({ type: 'accepted', from: this.id, to: from, ballot, slots: [], ...(read !== undefined ? { read } : {}), commitIndex: this.persistedCommit });
  }

  private followLeader(from: NodeId, ballot: Ballot): void {
    if (this.roleNow !== 'follower' && compareBallots(ballot, this.myBallot) > 0) this.stepDown(from);
    if (this.roleNow === 'follower') {
      this.electionElapsed = 0;
      if (this.failedElections > 0) {
        // Backed-off timeouts end with the leader heard: the next loss is noticed at 1x.
        this.failedElections = 0;
        this.electionTimeout = this.randomElectionTimeout();
      }
      this.leaderHeardTick = this.now;
      this.leaderBallot = ballot;
      this.preVote = null;
      if (this.leaderId !== from) {
        this.handoverTo = null;
        this.leaderId = from;
        this.pushEvent({ type: 'leader-seen', leader: from, ballot });
      }
    }
  }

  // ---- learner -----------------------------------------------------------------------------

  /**
   * Every slot below the leader's commit index is chosen; the value we accepted in the very same
   * ballot is the one the leader chose (it proposes one value per slot per ballot). Anything
   * else we fetch from a peer.
   */
  private learnCommitIndex(from: NodeId, ballot: Ballot, leaderCommit: number): void {
    if (leaderCommit > this.leaderCommitSeen) this.leaderCommitSeen = leaderCommit;
    if (leaderCommit > this.leaderCommitHeard) {
      this.leaderCommitHeard = leaderCommit;
      this.checkRemoved();
      if (this.removedNow) return;
    }
    const end = Math.min(leaderCommit, this.commit + this.maxEntriesPerMessage * 4);
    for (let s = this.commit; s < end; s++) {
      if (this.chosen.has(s)) continue;
      const a = this.accepted.get(s);
      if (a !== undefined && ballotEquals(a.ballot, ballot)) this.learnChosen(s, a.value);
    }
    this.advanceCommit();
    this.catchupPeerHint = from;
    this.maybeCatchup();
  }

  /**
   * `peer` is who vouched for the value (this node when a quorum of votes chose it). A value
   * that contradicts one we hold comes from a faulty peer (or a bug the simulator's oracle
   * catches): it is reported and ignored, never asserted on, since the wire must not stop us.
   */
  private learnChosen(slot: number, value: Value, peer: NodeId = this.id, fromPhase1 = false): void {
    if (slot < this.snapIndex) return;
    const known = this.chosen.get(slot);
    if (known !== undefined) {
      if (!valuesEqual(known, value)) this.pushEvent({ type: 'conflicting-chosen', slot, peer });
      return;
    }
    const a = this.accepted.get(slot);
    if (this.roleNow === 'leader') {
      const mine = a !== undefined && ballotEquals(a.ballot, this.myBallot);
      // A promise's page may report slots above nextSlot this ballot has yet to recover: not a sign.
      if ((slot >= this.nextSlot && !fromPhase1) || (mine && !valuesEqual(a.value, value))) {
        // A higher ballot chose this slot: we are a stale leader. Going on would advertise a
        // commit index over a slot whose value in our ballot is not the chosen one, and our
        // followers would take that value as chosen. Step down before anything is sent.
        this.stepDown(null);
      }
    }
    this.chosen.set(slot, value);
    this.highestSlot = Math.max(this.highestSlot, slot);
    // Recovery rebuilds chosen values from accepted ones; record those it could not.
    if (a === undefined || !valuesEqual(a.value, value)) this.write.chosen.set(slot, { slot, value });
  }

  private advanceCommit(): void {
    const before = this.commit;
    for (let v = this.chosen.get(this.commit); v !== undefined; v = this.chosen.get(this.commit)) {
      if (v.kind === 'config') this.onConfigChosen(this.commit, v.members);
      const ruling = this.membership.at(this.commit);
      this.commit += 1;
      const next = this.membership.at(this.commit);
      if (next !== ruling) {
        this.noteDeparted(ruling.members, next);
        this.refreshDeparted();
        this.write.sync = true;
      }
    }
    if (this.commit !== before) this.checkRemoved();
    if (this.commit !== before) {
      this.write.commitIndex = this.commit;
      this.commitProgressTick = this.now;
    }
    if (this.commit > this.leaderCommitSeen) this.leaderCommitSeen = this.commit;
  }

  /** A majority of the voters in force report (from disk) a chosen prefix reaching `slot`. */
  private newVotersKnow(slot: number): boolean {
    const knows = new Set<NodeId>();
    for (const [id, c] of this.peerCommit) if (c >= slot) knows.add(id);
    if (this.persistedCommit >= slot) knows.add(this.id);
    return hasMajority(this.membership.at(this.commit).members, knows);
  }

  private noteDeparted(before: readonly Member[], now: ConfigEntry): void {
    for (const m of before) if (m.id !== this.id && !isMember(now.members, m.id)) this.departing.set(m.id, { until: now.activeFrom, toldRound: null });
    for (const id of this.departing.keys()) if (isMember(now.members, id)) this.departing.delete(id);
  }

  /** The commit index passed a configuration: from its activeFrom on, it decides. */
  private onConfigChosen(slot: number, members: readonly Member[]): void {
    const entry = this.membership.onChosen(slot, members);
    if (isMember(members, this.id)) this.namedOnce = true;
    // Not below the snapshot: a snapshot taken there later must carry the configuration ruling it.
    this.membership.pruneBelow(this.snapIndex);
    this.refreshKnown();
    this.pushEvent({ type: 'config-chosen', slot, activeFrom: entry.activeFrom, members });
  }

  /** The chosen prefix reached a configuration that does not name this node: it stops voting and leading. */
  private checkRemoved(): void {
    const cur = this.membership.at(this.commit);
    // A node no configuration it knows has named is joining: it learns its way to the one that
    // adds it. One named before, and by none ruling now or chosen to rule later, was removed.
    if (this.removedNow || !this.namedOnce || this.membership.membersFrom(this.commit).has(this.id)) return;
    // Until a leader has shown it knows the prefix past the change, this node's votes may still be
    // needed in the slots before it (the old configuration rules them): it stays and votes.
    if (this.roleNow !== 'leader' && this.leaderCommitHeard < cur.activeFrom) return;
    if (this.roleNow === 'leader') {
      // Only this leader may know the slots up to the new configuration are chosen; were it to
      // leave now, the new members would need the old configuration's quorum to find out, and
      // this node is no longer part of it. It hands over first (see tickLeaving).
      if (this.leaving === null) this.leaving = { slot: cur.slot, activeFrom: cur.activeFrom };
      return;
    }
    this.finishRemoval(cur.slot);
  }

  private finishRemoval(slot: number): void {
    this.leaving = null;
    this.removedNow = true;
    this.write.removed = slot;
    if (this.roleNow !== 'follower') this.stepDown(null);
    this.pushEvent({ type: 'removed', slot });
  }

  /**
   * A leader the chosen prefix removed: once a majority of the new configuration's voters have
   * learned the prefix up to it (their heartbeat answers say so), the most caught-up of them is
   * asked to take over (timeout-now) and this node steps down. Until then it leads on: without it
   * they could need the old configuration's quorum, which counts on it, to learn that prefix.
   */
  private tickLeaving(l: { slot: number; activeFrom: number }): void {
    const members = this.membership.at(this.commit).members;
    const told = new Set<NodeId>();
    let best: NodeId | null = null;
    for (const m of members) {
      const seen = this.peerCommit.get(m.id) ?? 0;
      if (!m.voter || seen < l.activeFrom) continue;
      told.add(m.id);
      // Only one that answers this ballot now can take over: a voter that restarted since may
      // refuse a removed leader's frames, and would be asked again and again (review, seed 41810).
      const heard = this.lastHeard.get(m.id);
      if (heard === undefined || this.now - heard > this.electionTicksMin) continue;
      if (best === null || seen > (this.peerCommit.get(best) ?? 0)) best = m.id;
    }
    // A hand-over like `transfer` (tickTransfer sends timeout-now once `best` is caught up): this
    // node steps down when `best` runs phase 1, stays and votes as a follower until a leader
    // shows the prefix past the change, and only then is removed.
    if (best !== null && this.transfer === null && hasMajority(members, told)) this.startTransfer(best);
  }

  /** The highest commit index a leader's Accept or heartbeat carried to this node. */
  private leaderCommitHeard = 0;
  /** A removed leader handing over (tickLeaving): it takes no commands meanwhile. */
  private leaving: { slot: number; activeFrom: number } | null = null;
  /**
   * Members a configuration in force no longer names, and where it took over: the leader keeps
   * sending them heartbeats until they answer from past it, so they learn they were removed.
   */
  private readonly departing = new Map<NodeId, { until: number; toldRound: number | null }>();
  /** The ballot of the leader this follower last heard (leaderId's). */
  private leaderBallot: Ballot | null = null;
  /** How far the leader we follow proposed to this node in its ballot: what it may be told back. */
  private leaderProposed: { leader: NodeId; ballot: Ballot; upTo: number } | null = null;

  /**
   * How far a member that left may be told the chosen prefix: the prefix it was a member for,
   * or, for the removed leader we follow and still promised, the slots it proposed itself.
   */
  private departedCap(id: NodeId): number {
    const until = this.departed.get(id);
    if (until === undefined) return Infinity;
    const p = this.leaderProposed;
    const ours = p !== null && p.leader === id && id === this.leaderId && this.leaderBallot !== null && ballotEquals(p.ballot, this.leaderBallot) && ballotEquals(p.ballot, this.promisedBallot);
    return ours ? Math.max(until, p.upTo) : until;
  }

  /** Members that left, as this node's chosen prefix shows: id → the first slot ruled without them. */
  private readonly departed = new Map<NodeId, number>();
  /** The commit index of the last Ready persisted (what a heartbeat answer reports). */
  private persistedCommit = 0;
  /** How far each follower's chosen prefix reaches, as its heartbeat answers said (this ballot). */
  private readonly peerCommit = new Map<NodeId, number>();

  /** Some configuration in force at this node's commit index has named it. */
  private namedOnce = false;

  /** A catch-up request to a random peer, without knowing the prefix is longer: its answer says. */
  private probeCatchup(): void {
    if (this.catchup !== null) return;
    const peers = [...this.known].filter((p) => !this.departed.has(p));
    const peer = peers.length > 0 ? peers[this.rng.int(0, peers.length - 1)]! : null;
    if (peer === null) return;
    const toSlot = this.commit + this.maxEntriesPerMessage;
    this.catchup = { peer, sentTick: this.now, fromSlot: this.commit, toSlot };
    this.send({ type: 'catchup-req', from: this.id, to: peer, fromSlot: this.commit, toSlot });
  }

  private maybeCatchup(): void {
    if (this.catchup !== null || this.commit >= this.leaderCommitSeen) return;
    const peer = this.catchupPeerHint ?? this.leaderId;
    if (peer === null || peer === this.id) return;
    const toSlot = Math.min(this.leaderCommitSeen, this.commit + this.maxEntriesPerMessage);
    this.catchup = { peer, sentTick: this.now, fromSlot: this.commit, toSlot };
    this.pushEvent({ type: 'catchup', fromSlot: this.commit, toSlot, peer });
    this.send({ type: 'catchup-req', from: this.id, to: peer, fromSlot: this.commit, toSlot });
  }

  private onCatchupRequest(from: NodeId, fromSlot: number, asked: number): void {
    // A member that left gets the prefix it was a member for, and nothing chosen after it left;
    // but for the leader we follow, which proposed it.
    const toSlot = Math.min(asked, this.departedCap(from));
    if (fromSlot < this.snapIndex) {
      // Asked for: sent again only after half a catch-up period, so re-asks cannot pile up copies.
      this.sendSnapshot(from, Math.floor(this.catchupTicks / 2));
      return;
    }
    const entries = this.chosenPage(fromSlot, toSlot);
    this.send({ type: 'catchup-resp', from: this.id, to: from, entries, commitIndex: this.commit });
  }

  private onCatchupResponse(from: NodeId, entries: readonly ChosenEntry[], commitIndex: number): void {
    // Unsolicited, or from a peer we stopped waiting for: a late answer is dropped, not trusted.
    const asked = this.catchup;
    if (asked?.peer !== from) return;
    const before = this.commit;
    for (const e of entries) if (e.slot >= asked.fromSlot && e.slot < asked.toSlot) this.learnChosen(e.slot, e.value, from);
    if (commitIndex > this.leaderCommitSeen) this.leaderCommitSeen = commitIndex;
    this.advanceCommit();
    if (this.commit > before) {
      // Progress: keep pulling from the same peer right away.
      this.catchup = null;
      this.catchupPeerHint = from;
      this.maybeCatchup();
    }
    // No progress: this peer cannot help; the tick timeout moves on to another one.
  }

  /** Sends the snapshot to `to` unless it was sent there less than minTicksBetween ago. */
  private sendSnapshot(to: NodeId, minTicksBetween: number): void {
    if (this.snap === null) return;
    // Not to a member that left before the state it holds: that is state it never belonged to.
    // Unless it is the leader we follow (leading on until it hands over): it proposed what
    // follows its departure, and it cannot learn it chosen without this (seed 4813).
    if (this.snap.index > this.departedCap(to)) return;
    const last = this.snapshotSentTick.get(to);
    if (last !== undefined && this.now - last < minTicksBetween) return;
    this.snapshotSentTick.set(to, this.now);
    const { index, blob } = this.snap;
    const membership = this.snap.membership ?? { configs: [{ slot: -1, activeFrom: 0, members: this.genesis }] };
    const total = blob.byteLength;
    // An empty state still goes as one (empty) chunk.
    for (let offset = 0; offset === 0 || offset < total; offset += this.maxSnapshotChunkBytes) {
      const chunk = blob.subarray(offset, Math.min(total, offset + this.maxSnapshotChunkBytes));
      this.send({ type: 'snapshot', from: this.id, to, snapshotIndex: index, offset, total, chunk, membership });
    }
  }

  /**
   * Gathers a peer's snapshot chunk by chunk, in any order, duplicates ignored. Chunks are kept
   * per sender (two peers' encodings of one state need not match byte for byte), so a transfer
   * that lost chunks is completed by that peer's next one; a catch-up that timed out asks again.
   */
  private onSnapshotChunk(from: NodeId, index: number, offset: number, total: number, chunk: Uint8Array, membership: MembershipState): void {
    if (index <= this.commit || !this.snapshotSolicited(from, index)) return;
    if (offset < 0 || offset + chunk.byteLength > total || (chunk.byteLength === 0 && total > 0)) return;
    let a = this.assemblies.get(from);
    if (a !== undefined && (index < a.index || (index === a.index && total !== a.total))) return;
    if (a === undefined || index > a.index) {
      a = { from, index, total, chunks: new Map(), bytes: 0, lastTick: this.now };
      this.assemblies.set(from, a);
    }
    a.lastTick = this.now;
    // A transfer under way is progress: the catch-up that asked for it must not ask again.
    if (this.catchup?.peer === from) this.catchup.sentTick = this.now;
    if (a.chunks.has(offset)) return;
    a.chunks.set(offset, chunk);
    a.bytes += chunk.byteLength;
    if (a.bytes < total) return;
    this.assemblies.delete(from);
    const blob = joinChunks(a);
    if (blob === null || !this.validateSnapshot(index, blob)) return;
    this.onSnapshot(from, index, blob, membership);
  }

  /**
   * A snapshot answers our catch-up request to that peer, or (to a leader) Accepts it sent for
   * slots below the peer's snapshot, which the peer can no longer vote on (see onAccept).
   */
  private snapshotSolicited(from: NodeId, index: number): boolean {
    if (this.catchup?.peer === from) return true;
    if (this.roleNow !== 'leader') return false;
    for (const slot of this.proposals.keys()) if (slot < index) return true;
    return false;
  }

  /** Frees transfers made useless by what was learned since, or abandoned by their sender. */
  private dropStaleAssemblies(): void {
    for (const [from, a] of this.assemblies) {
      if (a.index <= this.commit || this.now - a.lastTick > ASSEMBLY_IDLE_CATCHUPS * this.catchupTicks) this.assemblies.delete(from);
    }
  }

  /**
   * A peer's state machine below `index`, which is past our chosen prefix: it replaces ours
   * (the runtime installs it from the next Ready) and the log below it is dropped.
   */
  private onSnapshot(from: NodeId, index: number, blob: Uint8Array, membership: MembershipState): void {
    if (index > this.commit) {
      if (this.roleNow === 'leader') {
        // Our ballot's values below index can no longer be checked against the chosen ones
        // (learnChosen's stale-leader test): if we proposed any there, stop leading.
        let proposedBelow = this.nextSlot < index;
        for (const a of this.accepted.values()) {
          if (a.slot >= this.commit && a.slot < index && ballotEquals(a.ballot, this.myBallot)) proposedBelow = true;
        }
        if (proposedBelow) this.stepDown(null);
      }
      this.snap = { index, blob, membership };
      this.dropBelow(index);
      this.adoptMembership(membership);
      this.pendingInstall = this.snap;
      this.write.snapshot = this.snap;
      this.commit = index;
      this.emitted = index;
      this.refreshDeparted();
      this.advanceCommit();
      this.write.commitIndex = this.commit;
      this.commitProgressTick = this.now;
      if (this.catchup?.peer === from) {
        this.catchup = null;
        this.catchupPeerHint = from;
      }
      this.maybeCatchup();
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  private observe(ballot: Ballot): void {
    this.highestSeen = maxBallot(this.highestSeen, ballot);
  }

  private send(msg: Message): void {
    assert(msg.to !== this.id, 'a node never sends to itself');
    // Promise, Accepted and Prepare (which stands on our own promise) vouch for what we wrote.
    // An empty Accepted (a heartbeat's answer) vouches for nothing new: the promise it stands on
    // is on disk already (a heartbeat never raises it). Sent at once, a read's round does not
    // wait behind this node's fsync of other slots.
    const vouches = msg.type === 'promise' || (msg.type === 'accepted' && msg.slots.length > 0) || msg.type === 'prepare' || msg.type === 'nack';
    (vouches ? this.outbox : this.earlyOutbox).push(msg);
  }

  private pushEvent(e: CoreEvent): void {
    if (this.events.length < MAX_EVENTS_BUFFERED) this.events.push(e);
  }
}

/** The chunks in offset order, if they tile [0, total) exactly; null if they overlap or leave a gap. */
function joinChunks(a: SnapshotAssembly): Uint8Array | null {
  const out = new Uint8Array(a.total);
  let at = 0;
  for (const offset of [...a.chunks.keys()].sort((x, y) => x - y)) {
    if (offset !== at) return null;
    const c = a.chunks.get(offset)!;
    out.set(c, at);
    at += c.byteLength;
  }
  return at === a.total ? out : null;
}
