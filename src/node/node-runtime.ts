// One running node: drives the pure Paxos core with real time (ticks), real disk (storage) and
// a real network (transport), and serves the client API. The Ready loop is serialised: persist,
// apply, send, advance — inputs arriving meanwhile are stepped into the core and batched into
// the next Ready (so many commands share one fsync).
import { randomInt } from 'node:crypto';
import { formatBallot } from '../paxos/ballot.js';
import { KvSnapshotError, KvStore, type CommandResult } from '../paxos/kv.js';
import { PaxosNode } from '../paxos/paxos-node.js';
import { seededRng } from '../paxos/rng.js';
import type { AcceptedEntry, Ballot, ChosenEntry, Command, CoreEvent, Member, Message, NodeId, Ready, Snapshot } from '../paxos/types.js';
import { entryBytesBound } from '../paxos/value.js';
import type { ConfigEntry } from '../paxos/membership.js';
import { findNode, genesisIds, nodeAddress, type Cluster } from '../cluster/cluster-file.js';
import { applyAdminAction, describeFaults, NO_FAULTS, type FaultRules } from '../protocol/fault-rules.js';
import { parseTraceArgs, TRACE_ACTION } from '../protocol/trace-switch.js';
import { TRACE_FILE } from '../trace/trace-record.js';
import type { EventWriter } from './events.js';
import { damagedLine } from './db-damage.js';
import { chosenPrefix, NodeStorage, StorageError } from './storage.js';
import { ReplyBatcher } from './reply-batcher.js';
import { AppliedWaiters, LEASE_FRACTION, ReadLease } from './reads.js';
import { Transport, type Inbound, type LinkSecurity, type PeerInbound, type PeerLink } from './transport.js';
import type { ZapRefusal } from './zap-handler.js';
import { MessageTrace } from './message-trace.js';
import { readNodeFile } from './node-files.js';
import { OPERATOR_STOP, REMOVED } from './events.js';
import { parseMembershipAction, type MembershipAction } from './membership-admin.js';
import { describeReady, HeldQueue, type HeldMessage } from './step-mode.js';
import { describe } from './message-trace.js';
import {
  decodeFrame,
  errorReply,
  encodePeerFrame,
  readdressPeerFrame,
  MAX_FRAME_BYTES,
  MAX_RANGE_BYTES,
  MAX_RANGE_ENTRIES,
  MAX_SNAPSHOT_BYTES,
  SNAPSHOT_CHUNK_BYTES,
  type BadFrameKind,
  type ClientRequest,
  MAX_HELD_LISTED,
  type HeldInfo,
  type MembershipStatus,
  type NodeStatus,
  type Reply,
  type StepAction,
} from '../protocol/wire.js';

export interface NodeOptions {
  readonly id: NodeId;
  readonly cluster: Cluster;
  readonly dataDir: string;
  readonly tickMs: number;
  readonly requestTimeoutMs: number;
  readonly events: EventWriter;
  /** CURVE keys of this node and whom to admit, or insecure (debugging only). */
  readonly security: LinkSecurity;
  /** Snapshot the KV and compact the log every this many applied slots (default 10,000). */
  readonly snapshotEvery?: number;
  /** The ZeroMQ endpoint to listen on; default: the cluster file's address of this node. */
  readonly bindAddress?: string;
  /** The message trace (messages.ndjson); default: the Lamport clock only, no file. */
  readonly trace?: MessageTrace;
  /** Start in step mode (a scenario that begins with `pause`): no tick happens unasked. */
  readonly startPaused?: boolean;
}

export const DEFAULT_SNAPSHOT_EVERY = 10_000;

/** Bounds on client work held by the node (TigerStyle: a limit on everything). */
const MAX_PENDING_COMMANDS = 10_000;
const MAX_LOG_DUMP_SLOTS = 1000;
/**
 * Results of commands chosen after every waiter had timed out: the client's retry (same seq)
 * gets the real answer and slot instead of proposing the command a second time.
 */
const MAX_LATE_RESULTS = 1000;
const MAX_LATE_RESULT_VALUE_BYTES = 64 * 1024;
const BAD_FRAME_SUMMARY_MS = 1000;
/** file-read requests served at once; attach reads each file in turn, so two nodes' worth is plenty. */
const MAX_FILE_READS = 4;
/** How often a commit index that moved on its own is written (the loop runs at least every tick). */
const COMMIT_FLUSH_MS = 200;

interface Pending {
  /** The ballot this node led with when it proposed: a new term may have dropped the command. */
  readonly ballot: string;
  readonly waiters: Waiter[];
}

interface Waiter {
  readonly routingId: Buffer;
  readonly reqId: number;
  readonly deadline: number;
}

type ReadRequest = Extract<ClientRequest, { op: 'read' | 'range' }>;

interface ReadWaiter extends Waiter {
  readonly req: ReadRequest;
}

/** Reads waiting for a read index or for the state machine to reach it, at most. */
const MAX_PENDING_READS = 10_000;

const commandKey = (clientId: string, seq: number): string => `${clientId}\u0000${seq}`;

/** For describeReady() of messages alone. */
const EMPTY_READY: Ready = {
  id: 0,
  write: { accepted: [], chosen: [] },
  committed: [],
  reads: [],
  events: [],
  unpersistedMessages: [],
  messages: () => [],
};

const heldInfo = (h: HeldMessage): HeldInfo => ({ id: h.id, type: h.m.type, from: h.m.from, to: h.m.to, bytes: h.bytes, heldAt: h.heldAt, ...describe(h.m) });

export class NodeRuntime {
  private readonly startedAt = Date.now();
  private readonly pending = new Map<string, Pending>();
  private readonly lateResults = new Map<string, Reply>();
  /**
   * Random per process: a restarted follower must not be handed the leader's answer to a read
   * its previous process asked under the same id (the leader matches answers by id alone).
   */
  private nextReadId = randomInt(1, 2 ** 40);
  /** Reads whose read index the core has yet to give, by read id. */
  private readonly readsAsked = new Map<number, ReadWaiter>();
  private readonly readsWaiting = new AppliedWaiters<ReadWaiter>();
  private readonly lease: ReadLease;
  /** file-read requests being served now (at most MAX_FILE_READS). */
  private fileReads = 0;
  private readonly lastHeard = new Map<NodeId, number>();
  private readonly badFrames = new Map<BadFrameKind, number>();
  private badFramesTotal = 0;
  private badFramesReported = 0;
  private lastBadFrameSummaryAt = 0;
  private loopScheduled = false;
  private commitFlushedAt = 0;
  private loopRunning: Promise<void> | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private stopping = false;
  private transport: Transport | null = null;
  private readonly replies = new ReplyBatcher((routingId, bytes) => this.transport?.reply(routingId, bytes));
  private replyFlushScheduled = false;
  /** This node and every node it may talk to: the cluster file's and every member linked since. */
  private readonly clusterIds: Set<NodeId>;
  /** The slot of the configuration in force last reported (config-in-force events). */
  private inForceSlot: number;
  /** The transfer whose timeout-now was reported (the core repeats 'sent' every tick until it ends). */
  private transferSent: NodeId | null = null;
  private readonly trace: MessageTrace;
  /** Step mode: no ticks, peer messages held, request deadlines frozen. */
  private paused = false;
  private pausedAt = 0;
  private pausedTotalMs = 0;
  private readonly held = new HeldQueue();
  /** While a step is being carried out: what its Readys caused, for the person who asked. */
  private capture: string[] | null = null;
  private resolveDone!: () => void;
  /** Resolves once the node has stopped and closed its sockets and DB. */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  private constructor(
    private readonly opts: NodeOptions,
    private readonly storage: NodeStorage,
    private readonly core: PaxosNode,
    private kv: KvStore,
  ) {
    this.clusterIds = new Set([opts.id, ...opts.cluster.nodes.filter((n) => n.member !== 'removed').map((n) => n.id)]);
    this.inForceSlot = core.membershipView.inForce.slot;
    this.trace = opts.trace ?? new MessageTrace(opts.id, null);
    this.lease = new ReadLease(core.electionTicksMinimum * opts.tickMs * LEASE_FRACTION);
    if (opts.startPaused === true) this.enterStepMode();
  }

  /** The leader to redirect a client to: never this node itself. */
  private otherLeader(): NodeId | null {
    return this.core.leader === this.opts.id ? null : this.core.leader;
  }

  /** After every call into the core that may start or confirm a heartbeat round. */
  private observeLease(before: number): void {
    this.lease.follow(before, this.core);
  }

  private onRead(routingId: Buffer, reqId: number, req: ReadRequest): void {
    const w: ReadWaiter = { routingId, reqId, req, deadline: this.requestClock() + this.opts.requestTimeoutMs };
    if (this.readsAsked.size + this.readsWaiting.size >= MAX_PENDING_READS) {
      return this.reply(routingId, reqId, errorReply('no-quorum', `node ${this.opts.id} has too many reads in flight`));
    }
    const readIndex = this.core.readIndexNow;
    // No lease while handing over: the target's Prepare is granted despite it (see ReadLease).
    const lease = req.mode === 'lease' && readIndex !== null && this.lease.valid(performance.now());
    if (lease) return this.serveRead(w, 'lease', readIndex);
    const id = this.nextReadId++;
    this.readsAsked.set(id, w);
    this.core.readIndex(id);
    this.schedule();
  }

  private onReadIndexes(reads: readonly { id: number; index: number | null }[]): void {
    for (const r of reads) {
      const w = this.readsAsked.get(r.id);
      if (w === undefined) continue; // timed out meanwhile
      this.readsAsked.delete(r.id);
      if (r.index === null) {
        this.reply(w.routingId, w.reqId, errorReply('not-leader', `node ${this.opts.id} could not confirm a leader for this read`, this.otherLeader()));
      } else {
        this.serveRead(w, 'index', r.index);
      }
    }
  }

  private serveRead(w: ReadWaiter, mode: 'index' | 'lease', index: number): void {
    if (this.kv.appliedIndex >= index) this.answerRead(w, mode);
    else this.readsWaiting.add({ index, mode, deadline: w.deadline, waiter: w });
  }

  private serveWaitingReads(): void {
    for (const r of this.readsWaiting.takeReady(this.kv.appliedIndex)) this.answerRead(r.waiter, r.mode);
  }

  /** The state machine has applied at least the read's index: its state now is a linearizable answer. */
  private answerRead(w: ReadWaiter, mode: 'index' | 'lease'): void {
    const base = { ok: true as const, node: this.opts.id, leader: this.core.leader, mode, index: this.kv.appliedIndex };
    const req = w.req;
    if (req.op === 'read') return this.reply(w.routingId, w.reqId, { ...base, op: 'read', value: this.kv.get(req.key) });
    const page = this.kv.range(req.prefix, req.after, req.limit ?? MAX_RANGE_ENTRIES, MAX_RANGE_BYTES);
    this.reply(w.routingId, w.reqId, { ...base, op: 'range', entries: page.entries, more: page.more });
  }

  private expireReads(now: number): void {
    const timeout = errorReply('no-quorum', `no quorum: read not confirmed within ${this.opts.requestTimeoutMs} ms (fewer than a majority of nodes answer)`);
    for (const [id, w] of this.readsAsked) {
      if (w.deadline > now) continue;
      this.readsAsked.delete(id);
      this.reply(w.routingId, w.reqId, timeout);
    }
    for (const r of this.readsWaiting.takeExpired(now)) this.reply(r.waiter.routingId, r.waiter.reqId, timeout);
  }

  /** Opens the DB, rebuilds state, binds and connects, then emits `ready`. */
  static async start(opts: NodeOptions): Promise<NodeRuntime> {
    const began = performance.now();
    const self = findNode(opts.cluster, opts.id);
    if (self === undefined) throw new Error(`node ${opts.id} is not in the cluster`);
    const storage = await NodeStorage.open(opts.dataDir, {
      owner: { node: opts.id, cluster: opts.cluster.clusterId, hasRunBefore: opts.cluster.hasRun?.includes(opts.id) },
    });
    let runtime: NodeRuntime;
    let replayed: number;
    try {
      const restored = await storage.load();
      // Replay the chosen prefix before the core exists, so its first Ready starts after it.
      let kv = new KvStore();
      if (restored.snapshot !== undefined) {
        try {
          kv = KvStore.fromSnapshot(restored.snapshot.blob);
        } catch (err) {
          if (err instanceof KvSnapshotError) throw new StorageError('corrupt', damagedLine(opts.dataDir, err.message));
          throw err;
        }
      }
      let prefix;
      try {
        prefix = chosenPrefix(restored);
      } catch (err) {
        if (err instanceof StorageError) throw new StorageError('corrupt', damagedLine(opts.dataDir, err.message));
        throw err;
      }
      for (const e of prefix) kv.apply(e);
      const core = new PaxosNode({
        id: opts.id,
        nodes: genesisIds(opts.cluster),
        genesis: genesisMembers(opts.cluster),
        // Anyone the file lists and has not removed may speak before the log names it (a new member).
        contacts: opts.cluster.nodes.filter((n) => n.member !== 'removed').map((n) => n.id),
        // Election jitter must differ between nodes and between restarts of one node.
        rng: seededRng(randomInt(2 ** 31)),
        restored,
        appliedIndex: kv.appliedIndex,
        maxSnapshotChunkBytes: SNAPSHOT_CHUNK_BYTES,
        validateSnapshot: (index, blob) => validSnapshot(opts.events, index, blob),
      });
      replayed = prefix.length;
      if (restored.snapshot !== undefined) opts.events.log('info', `restored snapshot at slot ${restored.snapshot.index}`);
      runtime = new NodeRuntime(opts, storage, core, kv);
    } catch (err) {
      await storage.close();
      throw err;
    }
    try {
      runtime.transport = await Transport.start({
        selfId: opts.id,
        bindAddress: opts.bindAddress ?? nodeAddress(self),
        peers: linkTargets(opts.cluster, opts.id, runtime.core.membershipView),
        security: opts.security,
        onInbound: (msg) => runtime.onInbound(msg),
        onPeer: (msg) => runtime.onPeerFrame(msg),
        onRefused: (r) => runtime.onRefused(r),
        onFatal: (err) => fatal(opts.id, err),
      });
    } catch (err) {
      await storage.close();
      throw err;
    }
    for (const id of runtime.transport.peerIds) runtime.clusterIds.add(id);
    runtime.ticker = setInterval(() => runtime.onTick(), opts.tickMs);
    opts.events.emit({
      event: 'ready',
      port: self.port,
      recoveryMs: Math.round(performance.now() - began),
      replayed,
      commitIndex: runtime.core.commitIndex,
      pid: process.pid,
    });
    runtime.schedule();
    return runtime;
  }

  // ---- the Ready loop ----

  private schedule(): void {
    if (this.loopScheduled || this.stopping) return;
    this.loopScheduled = true;
    // setImmediate, not a microtask: lets a burst of inbound frames land in one Ready.
    setImmediate(() => {
      this.loopScheduled = false;
      if (this.loopRunning === null) this.loopRunning = this.runLoop().finally(() => (this.loopRunning = null));
    });
  }

  /** final: the shutdown drain, which still persists what the core has produced. */
  private async runLoop(final = false): Promise<void> {
    try {
      while (final || !this.stopping) {
        if (!this.core.hasReady()) {
          // A commit index that moved without other writes goes to disk now and then, not per slot.
          if (!this.storage.hasDeferredCommit || (!final && Date.now() - this.commitFlushedAt < COMMIT_FLUSH_MS)) break;
          this.commitFlushedAt = Date.now();
          await this.storage.flushCommit();
          continue;
        }
        const beforeReady = performance.now();
        const rd = this.core.ready();
        this.observeLease(beforeReady);
        // Entries whose every vote is already on disk are answered before this Ready's fsync,
        // which only concerns newer slots: a client waits for one leader fsync, not two.
        // After a snapshot install nothing goes first: the KV is replaced once it is on disk.
        const early = rd.installSnapshot === undefined ? durablyChosenPrefix(rd) : 0;
        this.applyCommitted(rd.committed, 0, early);
        // Accepts and heartbeats vouch for nothing on our disk: the followers' fsyncs overlap ours.
        this.sendPeers(rd.unpersistedMessages);
        const receipt = await this.storage.persist(rd);
        if (this.capture !== null) this.capture.push(...describeReady(rd, [], this.opts.id));
        this.onCoreEvents(rd.events);
        if (rd.installSnapshot !== undefined) this.installSnapshot(rd.installSnapshot.index, rd.installSnapshot.blob);
        this.applyCommitted(rd.committed, early, rd.committed.length);
        // The core never addresses itself (it asserts so): every message is for a peer.
        this.sendPeers(rd.messages(receipt));
        this.core.advance(rd);
        if (rd.committed.length > 0 || rd.installSnapshot !== undefined) this.reportInForce();
        if (rd.reads.length > 0) this.onReadIndexes(rd.reads);
        this.serveWaitingReads();
        if (this.pending.size > 0) this.failOrphanedCommands();
        this.maybeCompact();
      }
    } catch (err) {
      // A failed fsync or a broken core contract: going on could lose acknowledged data.
      fatal(this.opts.id, err);
    }
  }

  /** Bounds memory and restart time: the next Ready persists the snapshot and drops the log below it. */
  private maybeCompact(): void {
    const every = this.opts.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    const applied = this.kv.appliedIndex;
    if (applied - this.core.snapshotIndex < every) return;
    const began = performance.now();
    const blob = this.kv.snapshot();
    this.core.compact(applied, blob);
    const ms = (performance.now() - began).toFixed(1);
    this.opts.events.log('info', `snapshot at slot ${applied}: ${blob.byteLength} bytes in ${ms} ms`);
    if (blob.byteLength > MAX_SNAPSHOT_BYTES) {
      this.opts.events.log('warn', `the state is ${blob.byteLength} bytes, over the ${MAX_SNAPSHOT_BYTES}-byte limit peers accept: a node that falls behind this snapshot cannot catch up`);
    }
  }

  private installSnapshot(index: number, blob: Uint8Array): void {
    // Checked in onPeerMessage before the core saw it, so a failure here is a broken contract.
    this.kv = KvStore.fromSnapshot(blob);
    if (this.kv.appliedIndex !== index) throw new Error(`snapshot at ${index} holds applied index ${this.kv.appliedIndex}`);
    this.opts.events.log('info', `installed a snapshot at slot ${index} (${blob.byteLength} bytes)`);
  }

  private applyCommitted(committed: readonly ChosenEntry[], from: number, to: number): void {
    if (from >= to) return;
    for (let i = from; i < to; i++) this.onResults(this.kv.apply(committed[i]!));
    this.replies.flush();
    this.opts.events.chosen(committed[from]!.slot, this.kv.appliedIndex);
  }

  /** An Accept that repeats the previous one for another peer reuses its bytes. */
  private sendPeers(msgs: readonly Message[]): void {
    let last: { m: Message; bytes: Uint8Array; lc: number } | null = null;
    for (const m of msgs) {
      // One multicast of the same Accept shares one clock value, and so one encoding.
      const prev = last;
      const reuse: boolean = prev !== null && sameAccept(prev.m, m);
      const lc: number = prev !== null && reuse ? prev.lc : this.trace.tickSend();
      const bytes: Uint8Array = prev !== null && reuse ? readdressPeerFrame(prev.bytes, prev.m.to, m.to) : encodePeerFrame(m, lc);
      last = { m, bytes, lc };
      this.sendPeer(m, bytes, lc);
    }
    if (this.capture !== null) this.capture.push(...describeReady(EMPTY_READY, msgs, this.opts.id));
  }

  private sendPeer(m: Message, bytes: Uint8Array, lc: number): void {
    if (bytes.byteLength > MAX_FRAME_BYTES) {
      this.opts.events.log('warn', `dropped a ${m.type} to n${m.to}: ${bytes.byteLength} bytes exceeds the frame limit`);
      this.trace.dropped(m, lc, bytes.byteLength, 'size');
      return;
    }
    const sent: string = this.transport?.sendToPeer(m.to, bytes) ?? 'closed';
    if (sent === 'sent') this.trace.sent(m, lc, bytes.byteLength);
    else this.trace.dropped(m, lc, bytes.byteLength, sent);
  }

  private onCoreEvents(events: readonly CoreEvent[]): void {
    const ev = this.opts.events;
    for (const e of events) {
      switch (e.type) {
        case 'role':
          ev.emit({ event: 'role', role: e.role, ballot: formatBallot(e.ballot) });
          break;
        case 'election-started':
          ev.emit({ event: 'election', ballot: formatBallot(e.ballot) });
          break;
        case 'leader-seen':
          ev.emit({ event: 'leader', leader: e.leader, ballot: formatBallot(e.ballot) });
          break;
        case 'nacked':
          ev.emit({ event: 'nacked', ballot: formatBallot(e.ballot), promised: formatBallot(e.promised) });
          break;
        case 'catchup':
          ev.emit({ event: 'catchup', fromSlot: e.fromSlot, toSlot: e.toSlot, peer: e.peer });
          break;
        case 'prevote-started':
          ev.log('info', `pre-vote for b${formatBallot(e.ballot)}`);
          break;
        case 'prevote-failed':
          ev.log('info', `pre-vote for b${formatBallot(e.ballot)} failed (${e.grants} granted)`);
          break;
        case 'ballots-exhausted':
          ev.log('error', `promised b${formatBallot(e.promised)}, at the ballot bound: this node will never start an election`);
          break;
        case 'conflicting-chosen':
          ev.log('error', `n${e.peer} sent a chosen value for slot ${e.slot} that differs from ours: ignored`);
          break;
        case 'config-chosen':
          ev.emit({ event: 'config', slot: e.slot, activeFrom: e.activeFrom, ...votersAndLearners(e.members) });
          this.linkMembers(e.members);
          break;
        case 'removed':
          this.onRemoved(e.slot);
          break;
        case 'transfer':
          if (e.state === 'sent' && this.transferSent === e.to) break;
          this.transferSent = e.state === 'sent' ? e.to : null;
          ev.emit({ event: 'transfer', to: e.to, state: e.state });
          break;
      }
    }
  }

  /** Links every member of a chosen configuration not linked yet (its key admitted, its ROUTER dialled). */
  private linkMembers(members: readonly Member[]): void {
    const t = this.transport;
    if (t === null) return;
    for (const m of members) {
      if (m.id === this.opts.id) continue;
      const listed = findNode(this.opts.cluster, m.id);
      const r = t.addPeer(memberLink(m, listed));
      if (!r.ok) this.opts.events.log('error', `cannot link node ${m.id} of the configuration: ${r.reason}`);
      else if (r.added) this.opts.events.log('info', `linked node ${m.id} at ${memberLink(m, listed).address} (a member the log added)`);
      if (r.ok) this.clusterIds.add(m.id);
    }
  }

  /** The commit index passed a configuration's activeFrom: it decides from now on. */
  private reportInForce(): void {
    const c = this.core.membershipView.inForce;
    if (c.slot === this.inForceSlot) return;
    this.inForceSlot = c.slot;
    this.opts.events.emit({ event: 'config-in-force', slot: c.slot, activeFrom: c.activeFrom, ...votersAndLearners(c.members) });
  }

  /** The chosen prefix reached a configuration without this node: it stops serving and exits. */
  private onRemoved(slot: number): void {
    const why = `${REMOVED} by the configuration chosen in slot ${slot}`;
    // The event and the `stopping` event that follows say it all; no log line repeats them.
    this.opts.events.emit({ event: 'removed', slot });
    void this.stop(why);
  }

  private onResults(results: readonly CommandResult[]): void {
    for (const r of results) {
      const key = commandKey(r.clientId, r.seq);
      const p = this.pending.get(key);
      if (p === undefined) continue;
      this.pending.delete(key);
      const reply: Reply = { ok: true, op: r.op, slot: r.slot, value: r.value, duplicate: r.duplicate, leader: this.opts.id, ...(r.existed !== undefined ? { existed: r.existed } : {}) };
      for (const w of p.waiters) this.reply(w.routingId, w.reqId, reply);
      if (p.waiters.length === 0 && (r.value === null || r.value.length <= MAX_LATE_RESULT_VALUE_BYTES)) {
        this.lateResults.set(key, reply);
        if (this.lateResults.size > MAX_LATE_RESULTS) this.lateResults.delete(this.lateResults.keys().next().value!);
      }
    }
  }

  private currentTerm(): string | null {
    return this.core.role === 'leader' ? formatBallot(this.core.ballot) : null;
  }

  /**
   * Lost leadership (or regained it in a new ballot): the command may or may not still be
   * chosen, so the client is told to retry elsewhere, with the same seq (exactly-once).
   */
  private failOrphanedCommands(): void {
    const term = this.currentTerm();
    const reply = errorReply('not-leader', `node ${this.opts.id} lost the leadership`, this.otherLeader());
    for (const [key, p] of this.pending) {
      if (p.ballot === term) continue;
      for (const w of p.waiters) this.reply(w.routingId, w.reqId, reply);
      this.pending.delete(key);
    }
  }

  /** Wall time less the time spent paused: a paused node's requests do not time out. */
  private requestClock(): number {
    const now = Date.now();
    return now - this.pausedTotalMs - (this.paused ? now - this.pausedAt : 0);
  }

  private onTick(): void {
    if (this.paused) return this.reportBadFrames(Date.now());
    const beforeTick = performance.now();
    this.core.tick();
    this.observeLease(beforeTick);
    this.schedule();
    const now = this.requestClock();
    if (this.readsAsked.size > 0 || this.readsWaiting.size > 0) this.expireReads(now);
    for (const [key, p] of this.pending) {
      const live = p.waiters.filter((w) => {
        if (w.deadline > now) return true;
        this.reply(
          w.routingId,
          w.reqId,
          errorReply('no-quorum', `no quorum: not chosen within ${this.opts.requestTimeoutMs} ms (fewer than a majority of nodes answer)`),
        );
        return false;
      });
      // The entry outlives its waiters: the command is still proposed in this ballot, and a
      // retry (same seq) must wait for it rather than propose it again. Re-proposing every
      // timed-out command is what made an overloaded leader collapse: each 3 s it doubled its
      // own backlog. The entry goes when the command is chosen or the ballot changes.
      if (live.length !== p.waiters.length) this.pending.set(key, { ballot: p.ballot, waiters: live });
    }
    this.reportBadFrames(Date.now());
  }

  private reportBadFrames(now: number): void {
    if (this.badFramesTotal !== this.badFramesReported && now - this.lastBadFrameSummaryAt >= BAD_FRAME_SUMMARY_MS) {
      this.badFramesReported = this.badFramesTotal;
      this.lastBadFrameSummaryAt = now;
      this.opts.events.emit({ event: 'bad-frames', counts: Object.fromEntries(this.badFrames), total: this.badFramesTotal });
    }
  }

  // ---- inbound ----

  private onInbound({ routingId, parts }: Inbound): void {
    if (this.stopping) return;
    const sender = routingId.toString('utf8');
    if (parts.length !== 1) return this.bad('multipart', sender, `${parts.length} parts, expected 1`);
    const decoded = decodeFrame(parts[0]!);
    if (!decoded.ok) {
      if (decoded.reqId !== undefined) {
        this.reply(routingId, decoded.reqId, errorReply('bad-request', `bad request: ${decoded.detail}`.slice(0, 300)));
      }
      return this.bad(decoded.kind, sender, decoded.detail);
    }
    const frame = decoded.frame;
    switch (frame.k) {
      case 'peer':
        // Peers speak only over the links this node opened to them (see transport.ts).
        return this.bad('forged', sender, `a ${frame.m.type} claiming n${frame.m.from} on the client port`);
      case 'req':
        return this.onRequest(routingId, frame.id, frame.req);
      case 'reqs':
        for (const r of decoded.invalid ?? []) {
          if (r.id !== null) this.reply(routingId, r.id, errorReply('bad-request', `bad request: ${r.detail}`.slice(0, 300)));
          this.bad('invalid', sender, r.detail);
        }
        for (const r of frame.reqs) this.onRequest(routingId, r.id, r.req);
        // A follower's redirects for the whole frame leave as one.
        return this.replies.flush();
      case 'res':
      case 'ress':
        return this.bad('unexpected', sender, 'a reply frame sent to a node');
    }
  }

  /** A frame on the link to peer `from`: the CURVE handshake proved who sent it. */
  onPeerFrame({ from, parts }: PeerInbound): void {
    if (this.stopping) return;
    const sender = `n${from}`;
    if (parts.length !== 1) return this.bad('multipart', sender, `${parts.length} parts, expected 1`);
    const decoded = decodeFrame(parts[0]!);
    if (!decoded.ok) return this.bad(decoded.kind, sender, decoded.detail);
    if (decoded.frame.k !== 'peer') return this.bad('unexpected', sender, `a '${decoded.frame.k}' frame from a peer`);
    this.onPeerMessage(from, sender, decoded.frame.m, decoded.frame.lc ?? 0, parts[0]!.byteLength);
  }

  /** Logged once per address; every refusal is counted in status. */
  onRefused(r: ZapRefusal): void {
    if (r.count !== 1) return;
    if (r.kind === 'unknown-key') this.opts.events.log('warn', `refused a connection from ${r.address}: key ${r.key} is not in the cluster file (logged once per address)`);
    else this.opts.events.log('warn', `refused a connection on ${r.address} that did not speak CURVE (logged once; status counts them all)`);
  }

  private onPeerMessage(link: NodeId, sender: string, m: Message, mlc: number, bytes: number): void {
    // The link is to a peer of the cluster, so this also keeps out unknown senders and ourselves.
    if (m.from !== link) return this.bad('forged', sender, `${m.type} claims to be from n${m.from}`);
    if (m.to !== this.opts.id) return this.bad('misaddressed', sender, `${m.type} addressed to n${m.to}`);
    for (const b of ballotsOf(m)) {
      if (b.node !== 0 && !this.clusterIds.has(b.node)) {
        return this.bad('forged', sender, `${m.type} carries ballot ${formatBallot(b)} of unknown node`);
      }
      if (b.node === 0 && b.round !== 0) return this.bad('forged', sender, `${m.type} carries ballot ${formatBallot(b)}`);
    }
    // A proposer's own messages carry its own ballot.
    if ((m.type === 'prepare' || m.type === 'prevote' || m.type === 'accept' || m.type === 'heartbeat') && m.ballot.node !== m.from) {
      return this.bad('forged', sender, `${m.type} from n${m.from} carries ballot ${formatBallot(m.ballot)}`);
    }
    // The gathered snapshot is checked by validSnapshot() before the core keeps it.
    if (m.type === 'snapshot' && m.offset + m.chunk.byteLength > m.total) {
      return this.bad('invalid', sender, `snapshot chunk [${m.offset}, +${m.chunk.byteLength}) past its total ${m.total}`);
    }
    this.lastHeard.set(m.from, Date.now());
    this.trace.tickReceive(mlc);
    if (this.paused) {
      const h = this.held.add(m, mlc, bytes, Date.now());
      if (h === null) this.trace.dropped(m, mlc, bytes, 'held-full');
      else this.trace.held(m, mlc, bytes, h.id);
      return;
    }
    this.deliver(m, mlc, bytes);
  }

  private deliver(m: Message, mlc: number, bytes: number): void {
    this.trace.received(m, mlc, bytes);
    const beforeStep = performance.now();
    this.core.step(m);
    this.observeLease(beforeStep);
    this.schedule();
  }

  private bad(kind: BadFrameKind, sender: string, detail: string): void {
    const seen = this.badFrames.get(kind) ?? 0;
    this.badFrames.set(kind, seen + 1);
    this.badFramesTotal += 1;
    // The first of each kind is logged in full; later ones only in the periodic summary.
    if (seen === 0) this.opts.events.log('warn', `bad frame (${kind}) from ${printable(sender)}: ${detail.slice(0, 200)}`);
  }

  private onRequest(routingId: Buffer, reqId: number, req: ClientRequest): void {
    switch (req.op) {
      case 'set':
      case 'del':
      case 'get':
        return this.onCommand(routingId, reqId, req);
      case 'read':
      case 'range':
        return this.onRead(routingId, reqId, req);
      case 'get-local':
        return this.reply(routingId, reqId, {
          ok: true,
          op: 'get-local',
          node: this.opts.id,
          value: this.kv.get(req.key),
          stale: true,
          appliedIndex: this.kv.appliedIndex,
        });
      case 'status':
        return this.reply(routingId, reqId, { ok: true, op: 'status', status: this.status() });
      case 'log-dump': {
        const from = req.from;
        // A page at most, and never past the last slot known, so a client can page to "the end".
        const last = Math.max(from, Math.min(req.to, from + MAX_LOG_DUMP_SLOTS, this.core.lastSlot + 1));
        const page = logDumpPage(this.core.chosenRange(from, last), this.core.acceptedRange(from, last), from, last);
        return this.reply(routingId, reqId, {
          ok: true,
          op: 'log-dump',
          from,
          to: page.to,
          commitIndex: this.core.commitIndex,
          chosen: page.chosen,
          accepted: page.accepted,
          snapshotIndex: this.core.snapshotIndex,
          ...(from < this.core.snapshotIndex && req.withSnapshot !== false ? snapshotChunk(this.core.latestSnapshot, req.snapshotOffset ?? 0) : {}),
        });
      }
      case 'admin':
        return this.onAdmin(routingId, reqId, req.action, req.args);
      case 'step':
        return void this.onStep(routingId, reqId, req.action, req.id, req.n);
      case 'file-read': {
        // Each read holds a file and up to a chunk of memory, on the thread pool LevelDB uses:
        // a few at a time, the rest refused (attach asks again on its next round).
        if (this.fileReads >= MAX_FILE_READS) return this.reply(routingId, reqId, errorReply('busy', `node ${this.opts.id} is serving ${this.fileReads} file reads; try again`));
        this.fileReads++;
        return void readNodeFile(this.opts.dataDir, req.file, req.offset, req.max)
          .then(
            (r) => this.reply(routingId, reqId, { ok: true, op: 'file-read', file: req.file, ...r }),
            (err: unknown) => this.reply(routingId, reqId, errorReply('unsupported', `cannot read ${req.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)),
          )
          .finally(() => this.fileReads--);
      }
    }
  }

  // ---- step mode ----

  private async onStep(routingId: Buffer, reqId: number, action: StepAction, id: number | undefined, n: number | undefined): Promise<void> {
    const effects: string[] = [];
    const fail = (msg: string): void => this.reply(routingId, reqId, errorReply('bad-request', msg));
    switch (action) {
      case 'pause':
        if (!this.paused) this.enterStepMode();
        break;
      case 'resume':
        if (this.paused) {
          this.pausedTotalMs += Date.now() - this.pausedAt;
          this.paused = false;
          // The held messages arrive now, late: what any network may do.
          const all = this.held.takeAll();
          effects.push(...(await this.captured(() => all.forEach((h) => this.deliver(h.m, h.mlc, h.bytes)))));
          this.core.setStepMode(false);
          this.lease.setSuspended(false);
          this.opts.events.log('info', `resumed: ${all.length} held message(s) delivered`);
        }
        break;
      case 'held':
        break;
      case 'deliver':
      case 'drop': {
        if (!this.paused) return fail(`node ${this.opts.id} is not paused; run pause first`);
        const h = id === undefined ? undefined : this.held.take(id);
        if (h === undefined) return fail(`node ${this.opts.id} holds no message ${id ?? '(no id given)'}`);
        if (action === 'drop') this.trace.dropped(h.m, h.mlc, h.bytes, 'step', h.id);
        else effects.push(...(await this.captured(() => this.deliver(h.m, h.mlc, h.bytes))));
        break;
      }
      case 'tick': {
        if (!this.paused) return fail(`node ${this.opts.id} is not paused; run pause first`);
        const count = n ?? 1;
        effects.push(
          ...(await this.captured(() => {
            for (let i = 0; i < count; i++) {
              const before = performance.now();
              this.core.tick();
              this.observeLease(before);
            }
            this.schedule();
          })),
        );
        break;
      }
      case 'elect':
        if (!this.paused) return fail(`node ${this.opts.id} is not paused; run pause first`);
        effects.push(
          ...(await this.captured(() => {
            this.core.campaign();
            this.schedule();
          })),
        );
        break;
    }
    if (this.stopping) return;
    const listed = this.held.list(MAX_HELD_LISTED).map(heldInfo);
    this.reply(routingId, reqId, { ok: true, op: 'step', node: this.opts.id, paused: this.paused, held: listed, heldTotal: this.held.size, effects: effects.slice(0, 400) });
  }

  private enterStepMode(): void {
    this.paused = true;
    this.pausedAt = Date.now();
    this.core.setStepMode(true);
    this.lease.setSuspended(true);
    this.opts.events.log('info', 'paused (step mode): clock frozen, peer messages held');
  }

  /** Runs `act`, then lets the Ready loop settle, and returns what its Readys did. */
  private async captured(act: () => void): Promise<string[]> {
    // Another step's capture finishing first keeps their effects apart.
    while (this.capture !== null) await new Promise<void>((r) => setImmediate(r));
    const effects: string[] = [];
    this.capture = effects;
    try {
      act();
      for (let i = 0; i < 1000 && !this.stopping; i++) {
        await new Promise<void>((r) => setImmediate(r));
        if (this.loopRunning !== null) await this.loopRunning;
        else if (!this.loopScheduled && !this.core.hasReady()) break;
      }
    } finally {
      this.capture = null;
    }
    return effects.map((e) => e.slice(0, 400));
  }

  private onAdmin(routingId: Buffer, reqId: number, action: string, args: unknown): void {
    const t = this.transport;
    if (t === null) return this.reply(routingId, reqId, errorReply('shutting-down', `node ${this.opts.id} is not serving`));
    if (action === 'stop') {
      // `stop N` from a terminal that did not start this node: a clean exit, as on SIGTERM. The
      // reply leaves first, so the operator hears it was asked, not a timeout.
      this.reply(routingId, reqId, { ok: true, op: 'admin', faults: t.faultRules });
      setTimeout(() => void this.stop(OPERATOR_STOP), 50);
      return;
    }
    if (action === TRACE_ACTION) return this.onTraceSwitch(routingId, reqId, args, t.faultRules);
    const membership = parseMembershipAction(action, args, t.secure);
    if (membership !== null) return this.onMembershipAction(routingId, reqId, membership, t.faultRules);
    const r = applyAdminAction(t.faultRules, action, args, [...this.clusterIds]);
    if (!r.ok) return this.reply(routingId, reqId, errorReply('bad-request', r.error.slice(0, 300)));
    if (action !== 'get-faults') {
      t.setFaults(r.rules);
      this.opts.events.log('info', `fault rules: ${describeFaults(r.rules)}`);
    }
    this.reply(routingId, reqId, { ok: true, op: 'admin', faults: r.rules });
  }

  /** The admin actions `config` and `transfer`: asked of the leader, which proposes or hands over. */
  private onMembershipAction(routingId: Buffer, reqId: number, a: MembershipAction, faults: FaultRules): void {
    if (!a.ok) return this.reply(routingId, reqId, errorReply('bad-request', a.error.slice(0, 300)));
    const what = a.action === 'config' ? 'a membership change' : 'a leadership transfer';
    if (this.core.role !== 'leader') {
      const hint = this.otherLeader();
      return this.reply(routingId, reqId, errorReply('not-leader', `node ${this.opts.id} is not the leader; ask ${hint === null ? 'the leader' : `node ${hint}`} for ${what}`, hint));
    }
    const why = a.action === 'config' ? this.core.proposeConfig(a.members, a.basedOn) : this.core.transferLeadership(a.to);
    if (why !== null) {
      // busy: worth retrying as it is (or after looking again, for a changed configuration).
      const code = why === 'not the leader' ? 'not-leader' : /under way|in flight|catching up|handing over|changed/.test(why) ? 'busy' : 'bad-request';
      return this.reply(routingId, reqId, errorReply(code, `node ${this.opts.id} refused ${what}: ${why}`.slice(0, 300), code === 'not-leader' ? this.otherLeader() : null));
    }
    if (a.action === 'config') this.opts.events.log('info', `proposing configuration ${describeMembers(a.members)}`);
    else this.opts.events.log('info', `handing leadership over to node ${a.to}`);
    // The lease ends before anything the hand-over sends can leave (the next Ready).
    this.observeLease(performance.now());
    this.schedule();
    this.reply(routingId, reqId, { ok: true, op: 'admin', faults });
  }

  /** The admin action `trace`: messages.ndjson on or off from now (the Lamport clock runs either way). */
  private onTraceSwitch(routingId: Buffer, reqId: number, args: unknown, faults: FaultRules): void {
    const p = parseTraceArgs(args);
    if (!p.ok) return this.reply(routingId, reqId, errorReply('bad-request', p.error));
    if (p.on !== this.trace.enabled) {
      if (!this.trace.setEnabled(p.on)) return this.reply(routingId, reqId, errorReply('unsupported', `node ${this.opts.id} has no trace file to write`));
      this.opts.events.log('info', p.on ? `message trace on: every peer message goes to ${TRACE_FILE}` : 'message trace off');
    }
    this.reply(routingId, reqId, { ok: true, op: 'admin', faults, trace: this.trace.enabled });
  }

  private onCommand(routingId: Buffer, reqId: number, cmd: Command): void {
    if (this.core.role !== 'leader') {
      return this.reply(routingId, reqId, errorReply('not-leader', `node ${this.opts.id} is not the leader`, this.otherLeader()));
    }
    const key = commandKey(cmd.clientId, cmd.seq);
    const waiter: Waiter = { routingId, reqId, deadline: this.requestClock() + this.opts.requestTimeoutMs };
    const late = this.lateResults.get(key);
    if (late !== undefined) return this.reply(routingId, reqId, late);
    const inFlight = this.pending.get(key);
    // A retry of a command still in flight here waits for the same outcome instead of re-proposing.
    if (inFlight !== undefined) {
      inFlight.waiters.push(waiter);
      return;
    }
    if (this.pending.size >= MAX_PENDING_COMMANDS) {
      return this.reply(routingId, reqId, errorReply('no-quorum', `node ${this.opts.id} has too many commands in flight`));
    }
    if (!this.core.propose(cmd)) {
      return this.reply(routingId, reqId, errorReply('no-quorum', `node ${this.opts.id} has too many commands queued`));
    }
    this.pending.set(key, { ballot: formatBallot(this.core.ballot), waiters: [waiter] });
    this.schedule();
  }

  /** Batched per client; sent at the latest at the end of this event-loop turn. */
  private reply(routingId: Buffer, reqId: number, res: Reply): void {
    this.replies.add(routingId, reqId, res);
    if (this.replyFlushScheduled || !this.replies.pending) return;
    this.replyFlushScheduled = true;
    setImmediate(() => {
      this.replyFlushScheduled = false;
      this.replies.flush();
    });
  }

  status(): NodeStatus {
    const now = Date.now();
    return {
      id: this.opts.id,
      role: this.core.role,
      ballot: this.core.ballot,
      promised: this.core.promised,
      commitIndex: this.core.commitIndex,
      appliedIndex: this.kv.appliedIndex,
      lastSlot: this.core.lastSlot,
      leader: this.core.leader,
      peers: [...this.clusterIds]
        .filter((id) => id !== this.opts.id)
        .sort((a, b) => a - b)
        .map((id) => {
          const heard = this.lastHeard.get(id);
          const up = this.transport?.linkUpAt(id) ?? null;
          return { id, lastHeardMsAgo: heard === undefined ? null : Math.max(0, now - heard), linkUpMsAgo: up === null ? null : Math.max(0, now - up) };
        }),
      badFrames: Object.fromEntries(this.badFrames),
      badFramesTotal: this.badFramesTotal,
      sendDrops: this.transport?.sendDrops ?? 0,
      fsyncs: this.storage.batchesWritten,
      entriesPersisted: this.storage.entriesWritten,
      kvHash: this.kv.hash(),
      kvSize: this.kv.size,
      uptimeMs: now - this.startedAt,
      pid: process.pid,
      faults: this.transport?.faultRules ?? NO_FAULTS,
      faultDrops: this.transport?.faultDrops ?? 0,
      secure: this.transport?.secure ?? this.opts.security.mode === 'curve',
      refusedHandshakes: this.transport?.refusedHandshakes ?? 0,
      trace: this.trace.enabled,
      paused: this.paused,
      membership: this.membershipStatus(),
    };
  }

  private membershipStatus(): MembershipStatus {
    const v = this.core.membershipView;
    const entry = (c: ConfigEntry) => ({ slot: c.slot, activeFrom: c.activeFrom, ...votersAndLearners(c.members) });
    return { self: v.self, inForce: entry(v.inForce), next: v.next === null ? null : entry(v.next), transferTo: this.core.transferringTo };
  }

  /** Stops ticking, lets an in-flight persist finish, then closes sockets (linger 0) and the DB. */
  async stop(reason: string): Promise<void> {
    if (this.stopping) return this.done;
    this.stopping = true;
    if (this.ticker !== null) clearInterval(this.ticker);
    await this.loopRunning;
    // What was stepped in but not yet persisted (a learned commit index, say) goes to disk now.
    await this.runLoop(true);
    const reply = errorReply('shutting-down', `node ${this.opts.id} is shutting down`);
    for (const p of this.pending.values()) for (const w of p.waiters) this.reply(w.routingId, w.reqId, reply);
    this.pending.clear();
    this.replies.flush();
    this.opts.events.flushChosen();
    this.opts.events.emit({ event: 'stopping', reason });
    await this.transport?.close();
    await this.storage.close();
    this.resolveDone();
    return this.done;
  }
}

/** Entries a log-dump page may carry, by entryBytesBound: with a snapshot chunk, well below the frame limit. */
const LOG_DUMP_PAGE_BYTES = 2 * 1024 * 1024;

/** The slots of [from, last) whose chosen and accepted values fit one page (at least one slot). */
export function logDumpPage(chosen: ChosenEntry[], accepted: AcceptedEntry[], from: number, last: number): { to: number; chosen: ChosenEntry[]; accepted: AcceptedEntry[] } {
  const perSlot = new Map<number, number>();
  for (const e of [...chosen, ...accepted]) perSlot.set(e.slot, (perSlot.get(e.slot) ?? 0) + entryBytesBound(e));
  let bytes = 0;
  let to = from;
  while (to < last) {
    bytes += perSlot.get(to) ?? 0;
    if (to > from && bytes > LOG_DUMP_PAGE_BYTES) break;
    to += 1;
  }
  if (to === last) return { to, chosen, accepted };
  return { to, chosen: chosen.filter((e) => e.slot < to), accepted: accepted.filter((e) => e.slot < to) };
}

/** One chunk of the snapshot for a log dump: any size of state pages through the frame limit. */
function snapshotChunk(snap: Snapshot | null, offset: number): { snapshot?: Uint8Array; snapshotOffset?: number; snapshotBytes?: number } {
  if (snap === null) return {};
  const at = Math.min(offset, snap.blob.byteLength);
  return { snapshot: snap.blob.subarray(at, at + SNAPSHOT_CHUNK_BYTES), snapshotOffset: at, snapshotBytes: snap.blob.byteLength };
}

/** The core treats a peer's snapshot as opaque: prove it is a KV state at its index before it is persisted. */
function validSnapshot(events: EventWriter, index: number, blob: Uint8Array): boolean {
  try {
    const applied = KvStore.fromSnapshot(blob).appliedIndex;
    if (applied === index) return true;
    events.log('warn', `refused a snapshot at slot ${index}: it holds applied index ${applied}`);
  } catch (err) {
    if (!(err instanceof KvSnapshotError)) throw err;
    events.log('warn', `refused a snapshot at slot ${index}: ${err.message}`);
  }
  return false;
}

/**
 * Programmer errors and disk failures end the process: a restart recovers from the DB. One
 * line, as every error a person reads; PAXOS_DEBUG=1 adds the stack for whoever debugs it.
 */
function fatal(id: NodeId, err: unknown): never {
  process.stderr.write(`paxos-cli node ${id}: fatal: ${oneLine(err)}\n`);
  if (process.env['PAXOS_DEBUG'] === '1' && err instanceof Error && err.stack !== undefined) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ').slice(0, 500);
}

/**
 * How many leading entries of rd.committed were chosen by votes that are durable already: the
 * entry is not part of this Ready's write (so this node's own vote, if the leader counted it, was
 * synced by an earlier Ready), and every other vote arrived as an Accepted, which an acceptor
 * sends only after its own fsync. Such a value is on a quorum's disks and persisting rd does not
 * change that, so applying it and answering its client may go first (the KV map is in memory).
 * An entry written by this very Ready (a single-node cluster choosing on its own vote, a value
 * learned by catch-up) waits for the fsync, as the brief's loop has it.
 */
export function durablyChosenPrefix(rd: Ready): number {
  const pending = new Set<number>();
  for (const e of rd.write.accepted) pending.add(e.slot);
  for (const e of rd.write.chosen) pending.add(e.slot);
  let n = 0;
  while (n < rd.committed.length && !pending.has(rd.committed[n]!.slot)) n += 1;
  return n;
}

/** b is a for another peer: the core sends each page of a batch to every peer as the same array. */
function sameAccept(a: Message, b: Message): boolean {
  if (a.type !== 'accept' || b.type !== 'accept') return false;
  return a.entries === b.entries && a.commitIndex === b.commitIndex && a.ballot.round === b.ballot.round && a.ballot.node === b.ballot.node;
}

function ballotsOf(m: Message): Ballot[] {
  switch (m.type) {
    case 'prepare':
    case 'accept':
    case 'accepted':
    case 'heartbeat':
    case 'prevote':
    case 'prevote-resp':
    case 'timeout-now':
      return [m.ballot];
    case 'promise':
      return [m.ballot, ...m.accepted.map((a) => a.ballot)];
    case 'nack':
      return [m.ballot, m.promised];
    case 'catchup-req':
    case 'catchup-resp':
    case 'snapshot':
    case 'read-req':
    case 'read-resp':
      return [];
  }
}

/** Routing ids from strangers can be any bytes: keep log lines printable. */
function printable(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/** The cluster's first configuration: the genesis ids of the file, where each listens and its key. */
export function genesisMembers(cluster: Cluster): Member[] {
  return genesisIds(cluster)
    .sort((a, b) => a - b)
    .map((id) => {
      const n = findNode(cluster, id);
      if (n === undefined) throw new Error(`the cluster file's genesis names node ${id}, which it does not list`);
      return { id, voter: true, host: n.host, port: n.port, ...(n.publicKey !== undefined ? { publicKey: n.publicKey } : {}) };
    });
}

/** Where a member listens and its key: the log's word, the cluster file's for what the log leaves out. */
function memberLink(m: Member, listed: Cluster['nodes'][number] | undefined): PeerLink {
  const where = m.host !== '' && m.port > 0 ? m : (listed ?? m);
  return { id: m.id, address: nodeAddress(where), publicKey: m.publicKey ?? listed?.publicKey };
}

/**
 * The peers to link at start: every node the cluster file lists and has not removed, and every
 * member of a configuration the restored log says rules now or next, so a node restarted after
 * a change links exactly who it linked before, whatever the file says.
 */
export function linkTargets(cluster: Cluster, self: NodeId, view: { readonly inForce: ConfigEntry; readonly next: ConfigEntry | null }): PeerLink[] {
  const out = new Map<NodeId, PeerLink>();
  for (const n of cluster.nodes) if (n.id !== self && n.member !== 'removed') out.set(n.id, { id: n.id, address: nodeAddress(n), publicKey: n.publicKey });
  for (const c of [view.inForce, view.next]) {
    if (c === null) continue;
    for (const m of c.members) if (m.id !== self) out.set(m.id, memberLink(m, findNode(cluster, m.id)));
  }
  return [...out.values()].sort((a, b) => a.id - b.id);
}

function votersAndLearners(members: readonly Member[]): { voters: NodeId[]; learners: NodeId[] } {
  const ids = (voter: boolean) => members.filter((m) => m.voter === voter).map((m) => m.id).sort((a, b) => a - b);
  return { voters: ids(true), learners: ids(false) };
}

/** "voters 1,2,3 learners 4". */
export function describeMembers(members: readonly Member[]): string {
  const { voters, learners } = votersAndLearners(members);
  return `voters ${voters.join(',')}${learners.length > 0 ? ` learners ${learners.join(',')}` : ''}`;
}
