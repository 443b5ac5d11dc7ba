// A typed client of a paxos-cli cluster: one ZeroMQ DEALER per node, requests matched to replies
// by id, leader discovery and retries hidden behind set/get/del.
//
// Exactly-once: every command carries (clientId, seq); a retry reuses the seq, so the state
// machine applies it once and returns its first result. A command must never be in flight twice
// under one clientId, so each concurrent operation borrows its own sub-session
// (`<clientId>.<n>`) from a small pool: one PaxosClient may be used by many callers at once.
import { needsIpv6, nodeAddress } from '../cluster/cluster-file.js';
import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { Dealer } from 'zeromq';
import type { KeyPair } from '../cluster/keys.js';
import type { AcceptedEntry, ChosenEntry, NodeId } from '../paxos/types.js';
import type { FaultRules } from '../protocol/fault-rules.js';
import { commandBytesBound } from '../paxos/value.js';
import { relinkAfterProtocolErrors } from '../protocol/relink.js';
import {
  decodeFrame,
  encodeFrame,
  requestsFrame,
  MAX_BATCH_ITEMS,
  MAX_FRAME_BYTES,
  type ClientRequest,
  type Reply as WireReply,
  type RequestItem,
  type ErrorReply,
  type NodeStatus,
  type Reply,
  type ReadMode,
  type HeldInfo,
  type StepAction,
  type NodeFileName,
} from '../protocol/wire.js';

export type { NodeStatus, HeldInfo, StepAction } from '../protocol/wire.js';

export interface StepResult {
  readonly node: NodeId;
  readonly paused: boolean;
  /** Oldest first; at most MAX_HELD_LISTED of them (heldTotal counts all). */
  readonly held: readonly HeldInfo[];
  readonly heldTotal: number;
  /** What the step caused on that node, one line each ("promised b2.1", "sent Pr to n1"). */
  readonly effects: readonly string[];
}

export type ClientErrorCode =
  | 'no-quorum'
  | 'no-leader'
  | 'not-leader'
  | 'timeout'
  | 'unreachable'
  | 'bad-request'
  | 'unsupported'
  | 'shutting-down'
  /** The node serves too many requests of this kind (file-read) now: ask again later. */
  | 'busy'
  | 'unknown-node'
  | 'closed'
  | 'cancelled'
  /** A node answered ok, but with a reply of another kind: the command may have been applied. */
  | 'unexpected-reply';

export class PaxosClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly leader: NodeId | null = null,
    /**
     * True only when the command certainly never took effect and never will: no attempt of it
     * left this client, or the only attempts that did were refused by a node as malformed before
     * any proposal. A timeout, a lost connection, not-leader or no-quorum (the node may have
     * proposed it before it lost its ballot or gave up waiting), or an unexpected reply leave
     * it false: the command may still be chosen later, under the same (clientId, seq).
     */
    readonly notApplied = false,
  ) {
    super(message);
    this.name = 'PaxosClientError';
  }
}

export interface ClientClusterNode {
  readonly id: NodeId;
  readonly host: string;
  readonly port: number;
  /** The node's CURVE public key: with `auth`, the client talks only to the holder of its secret. */
  readonly publicKey?: string | undefined;
}

export interface ClientOptions {
  /**
   * The operator's key pair: links are CURVE-encrypted and each node must prove its key.
   * Without it the client speaks plain ZMTP, which only an --insecure cluster accepts.
   */
  readonly auth?: KeyPair | undefined;
  /** Prefix of this client's session ids; random by default. */
  readonly clientId?: string;
  /** Overall deadline of one operation, retries included. Keep it above the nodes' request timeout. */
  readonly timeoutMs?: number;
}

export interface WriteResult {
  readonly slot: number;
  readonly leader: NodeId;
  readonly latencyMs: number;
  /** The command had been applied before (a retry): this is its first result. */
  readonly duplicate: boolean;
}

export interface ReadResult extends WriteResult {
  readonly value: string | null;
}

export interface DeleteResult extends WriteResult {
  /** Whether the key was there; undefined from a node that does not say. */
  readonly existed: boolean | undefined;
}

/** How a read is made linearizable: `log` puts it in a slot like a write (the old way). */
export type ReadModeOption = ReadMode | 'log';

export interface ReadOptions extends CallOptions {
  /** Default `index`: a heartbeat round confirms the leader; `lease`: the leader's lease, if held. */
  readonly mode?: ReadMode;
  /** Ask this node (a follower gets the read index from the leader and answers from its state). */
  readonly from?: NodeId;
}

export interface IndexReadResult {
  readonly value: string | null;
  /** The node that answered, and the leader it knew. */
  readonly node: NodeId;
  readonly leader: NodeId | null;
  /** How it was confirmed: `lease` only when the leader's lease was valid, else `index`. */
  readonly mode: ReadMode;
  /** The applied index of the state the answer was read from. */
  readonly index: number;
  readonly latencyMs: number;
}

export interface RangeResult extends Omit<IndexReadResult, 'value'> {
  readonly entries: readonly (readonly [string, string])[];
  /** More keys matched than the page held: ask again with `after` = the last key. */
  readonly more: boolean;
}

export interface LocalReadResult {
  readonly node: NodeId;
  readonly value: string | null;
  readonly appliedIndex: number;
  readonly stale: true;
}

export interface LogDump {
  readonly commitIndex: number;
  readonly chosen: readonly ChosenEntry[];
  readonly accepted: readonly AcceptedEntry[];
  /** Slots below this are compacted; `snapshot` (its KV state) is there when the range started below it. */
  readonly snapshotIndex: number;
  readonly snapshot?: Uint8Array;
}

const DEFAULT_TIMEOUT_MS = 5000;
const LOG_DUMP_ATTEMPTS = 3;
/** How long a first request waits for a fresh connection to a node before calling it unreachable. */
const CONNECT_GRACE_MS = 500;
/** How long a question to one named node waits for its link to come back (e.g. it just restarted). */
const RECONNECT_WAIT_MS = 1000;
const RETRY_BACKOFF_MS = [10, 25, 50, 100, 200] as const;
/**
 * One attempt of a command at one node: a leader that froze with its connection open costs
 * this, not the whole budget. Doubled on each pass over the cluster, so a leader that is only
 * slow (a long fsync) still gets time; the retry carries the same seq, so it is applied once.
 */
const ATTEMPT_TIMEOUT_MS = 1000;
const MAX_ATTEMPT_TIMEOUT_MS = 4000;

interface InFlight {
  readonly resolve: (r: Reply) => void;
  readonly reject: (e: PaxosClientError) => void;
}

class NodeLink {
  readonly dealer: Dealer;
  connected = false;
  /** Why the last handshake failed (wrong key, no CURVE on one side), for the error a person reads. */
  handshakeError: string | null = null;
  private readonly createdAt = Date.now();
  readonly inFlight = new Map<number, InFlight>();
  private readonly onConnect = new Set<() => void>();
  /** Requests made in this event-loop turn: they leave together as one frame. */
  private outbox: RequestItem[] = [];
  private pumping = false;

  constructor(readonly id: NodeId, address: string, curve: { serverKey: string; auth: KeyPair } | null) {
    this.dealer = new Dealer({
      linger: 0,
      sendTimeout: 0,
      immediate: true,
      sendHighWaterMark: 1000,
      reconnectInterval: 100,
      reconnectMaxInterval: 300,
      // A node's answer is one frame within MAX_FRAME_BYTES (and a batch of them a few): libzmq
      // drops a link that sends more, so a broken or hostile node cannot make us buffer gigabytes.
      maxMessageSize: 4 * MAX_FRAME_BYTES,
      ipv6: needsIpv6(address),
      ...(curve === null ? {} : { curveServerKey: curve.serverKey, curvePublicKey: curve.auth.publicKey, curveSecretKey: curve.auth.secretKey }),
    });
    const secure = curve !== null;
    this.dealer.events.on('handshake:error:auth', () => {
      this.handshakeError = `node ${id} refused this client's key (not the cluster's operator key?)`;
    });
    this.dealer.events.on('handshake:error:protocol', () => {
      this.handshakeError = secure
        ? `node ${id} did not complete a CURVE handshake (it runs --insecure, or is not node ${id} of this cluster)`
        : `node ${id} refused a plain connection: the cluster uses CURVE keys (give the client the operator key)`;
    });
    this.dealer.events.on('handshake', () => {
      this.handshakeError = null;
      this.connected = true;
      for (const f of this.onConnect) f();
    });
    this.dealer.events.on('disconnect', () => {
      this.connected = false;
      // The node died or restarted: its answers to these will never come.
      const err = new PaxosClientError('unreachable', `node ${this.id} disconnected`);
      for (const f of this.inFlight.values()) f.reject(err);
      this.inFlight.clear();
    });
    relinkAfterProtocolErrors(this.dealer, address);
    this.dealer.connect(address);
    void this.receiveLoop();
  }

  private async receiveLoop(): Promise<void> {
    try {
      for await (const [bytes] of this.dealer) {
        if (bytes === undefined) continue;
        const d = decodeFrame(bytes);
        if (!d.ok) continue;
        if (d.frame.k === 'res') this.settle(d.frame.id, d.frame.res);
        else if (d.frame.k === 'ress') for (const r of d.frame.ress) this.settle(r.id, r.res);
      }
    } catch {
      // closed
    }
  }

  private settle(id: number, res: WireReply): void {
    const f = this.inFlight.get(id);
    if (f === undefined) return; // an answer to an attempt we gave up on
    this.inFlight.delete(id);
    f.resolve(res);
  }

  /**
   * The first request of a burst leaves at once (one client waits for nothing); those made while
   * it is being sent pile up and leave together, one frame per event-loop turn.
   */
  send(item: RequestItem): void {
    this.outbox.push(item);
    if (this.pumping) return;
    this.pumping = true;
    void this.pump();
  }

  private async pump(): Promise<void> {
    try {
      while (this.outbox.length > 0) {
        const { items, bytes } = this.encode(this.outbox.splice(0, batchLength(this.outbox)));
        try {
          // One send at a time: a ZeroMQ socket refuses a second while one is in progress.
          if (bytes !== null) await this.dealer.send(bytes);
        } catch {
          // A send that throws queued nothing: these requests never left.
          const err = new PaxosClientError('unreachable', `node ${this.id} is not reachable`, null, true);
          for (const it of items) this.fail(it.id, err);
        }
        await nextTurn();
      }
    } finally {
      this.pumping = false;
    }
  }

  /** One frame for the items; one that cannot be encoded (admin args msgpack cannot hold, say) fails alone. */
  private encode(items: RequestItem[]): { items: RequestItem[]; bytes: Uint8Array | null } {
    try {
      return { items, bytes: encodeFrame(requestsFrame(items)) };
    } catch {
      const ok = items.filter((it) => {
        try {
          encodeFrame(requestsFrame([it]));
          return true;
        } catch (err) {
          this.fail(it.id, new PaxosClientError('bad-request', `request cannot be encoded: ${err instanceof Error ? err.message : String(err)}`, null, true));
          return false;
        }
      });
      return { items: ok, bytes: ok.length > 0 ? encodeFrame(requestsFrame(ok)) : null };
    }
  }

  private fail(id: number, err: PaxosClientError): void {
    const f = this.inFlight.get(id);
    this.inFlight.delete(id);
    f?.reject(err);
  }

  /**
   * Waits (bounded) for the link to be up: a young link gets CONNECT_GRACE_MS for its first
   * handshake, an older one `reconnectWaitMs` (a node that just restarted is reconnected to
   * within the reconnect interval).
   */
  async waitConnected(budgetMs: number, reconnectWaitMs: number): Promise<boolean> {
    if (this.connected) return true;
    const firstGrace = CONNECT_GRACE_MS - (Date.now() - this.createdAt);
    const grace = Math.min(budgetMs, Math.max(firstGrace, reconnectWaitMs));
    if (grace <= 0) return false;
    let done!: () => void;
    const connected = new Promise<void>((resolve) => (done = resolve));
    this.onConnect.add(done);
    const timer = sleep(grace).then(() => undefined);
    await Promise.race([connected, timer]);
    this.onConnect.delete(done);
    return this.connected;
  }

  close(): void {
    const err = new PaxosClientError('closed', 'client closed');
    for (const f of this.inFlight.values()) f.reject(err);
    this.inFlight.clear();
    this.dealer.close();
  }
}

export interface CallOptions {
  /** How long this call may retry (same seq) before it gives up; default: the client's timeoutMs. */
  readonly timeoutMs?: number;
  /** Aborted: stop retrying now (the command may still be chosen: its outcome is unknown). */
  readonly signal?: AbortSignal;
}

interface Session {
  readonly clientId: string;
  seq: number;
}

export class PaxosClient {
  private readonly links = new Map<NodeId, NodeLink>();
  private readonly nodeIds: readonly NodeId[];
  private readonly clientId: string;
  private readonly timeoutMs: number;
  private readonly idleSessions: Session[] = [];
  private sessionsCreated = 0;
  private nextReqId = 1;
  private leaderHint: NodeId | null = null;
  private closed = false;

  constructor(cluster: { readonly nodes: readonly ClientClusterNode[] }, opts: ClientOptions = {}) {
    if (cluster.nodes.length === 0) throw new PaxosClientError('bad-request', 'the cluster has no nodes');
    // Random even when a prefix is given: the cluster remembers every session's last seq forever,
    // so a new process reusing an id (a recycled pid) would have its writes taken for retries.
    this.clientId = `${opts.clientId ?? 'c'}-${randomBytes(6).toString('hex')}`;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.nodeIds = cluster.nodes.map((n) => n.id);
    for (const n of cluster.nodes) {
      let curve: { serverKey: string; auth: KeyPair } | null = null;
      if (opts.auth !== undefined) {
        if (n.publicKey === undefined) throw new PaxosClientError('bad-request', `node ${n.id} has no public key in the cluster file`);
        curve = { serverKey: n.publicKey, auth: opts.auth };
      }
      this.links.set(n.id, new NodeLink(n.id, nodeAddress(n), curve));
    }
  }

  /** The node this client currently believes leads (null before the first command). */
  get leader(): NodeId | null {
    return this.leaderHint;
  }

  async set(key: string, value: string, call: CallOptions = {}): Promise<WriteResult> {
    const r = await this.command({ op: 'set', key, value }, call);
    return { slot: r.slot, leader: r.leader, latencyMs: r.latencyMs, duplicate: r.duplicate };
  }

  async del(key: string, call: CallOptions = {}): Promise<DeleteResult> {
    const r = await this.command({ op: 'del', key }, call);
    return { slot: r.slot, leader: r.leader, latencyMs: r.latencyMs, duplicate: r.duplicate, existed: r.existed };
  }

  /** Linearizable: the read is a command in the log, answered when its slot is applied. */
  get(key: string, call: CallOptions = {}): Promise<ReadResult> {
    return this.command({ op: 'get', key }, call);
  }

  /** Linearizable without a log slot: by read index (default) or the leader's lease. */
  async read(key: string, opts: ReadOptions = {}): Promise<IndexReadResult> {
    const r = await this.readCall({ op: 'read', key, ...(opts.mode !== undefined ? { mode: opts.mode } : {}) }, opts);
    if (r.op !== 'read') throw unexpected(r.node, r.op);
    return { value: r.value, node: r.node, leader: r.leader, mode: r.mode, index: r.index, latencyMs: r.latencyMs };
  }

  /** Keys with `prefix`, in order, one page (at most `limit`), linearizable like read(). */
  async range(prefix: string, opts: ReadOptions & { after?: string; limit?: number } = {}): Promise<RangeResult> {
    const req: ClientRequest = {
      op: 'range',
      prefix,
      ...(opts.after !== undefined ? { after: opts.after } : {}),
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      ...(opts.mode !== undefined ? { mode: opts.mode } : {}),
    };
    const r = await this.readCall(req, opts);
    if (r.op !== 'range') throw unexpected(r.node, r.op);
    return { entries: r.entries, more: r.more, node: r.node, leader: r.leader, mode: r.mode, index: r.index, latencyMs: r.latencyMs };
  }

  /**
   * A read, retried until it is answered or the time is up. Without `from` it goes where the
   * leader is believed to be and follows redirects; with `from` it keeps asking that node.
   */
  private async readCall(req: ClientRequest, opts: ReadOptions): Promise<Extract<Reply, { op: 'read' | 'range' }> & { latencyMs: number }> {
    const started = performance.now();
    const deadline = Date.now() + (opts.timeoutMs ?? this.timeoutMs);
    const fixed = opts.from;
    if (fixed !== undefined && !this.links.has(fixed)) throw new PaxosClientError('unknown-node', `node ${fixed} is not in the cluster`);
    let target = fixed ?? this.leaderHint ?? this.nodeIds[0]!;
    let failures = 0;
    let last: PaxosClientError | null = null;
    while (Date.now() < deadline) {
      if (opts.signal?.aborted === true) throw new PaxosClientError('cancelled', 'cancelled while waiting for an answer');
      let reply: Reply;
      try {
        reply = await this.attempt(target, req, failures, deadline);
      } catch (err) {
        const e = err as PaxosClientError;
        if (e.code === 'closed' || e.code === 'unknown-node') throw e;
        last = e;
        failures += 1;
        if (fixed === undefined) {
          if (this.leaderHint === target) this.leaderHint = null;
          target = this.nextNode(target);
        }
        await this.backoff(failures, deadline);
        continue;
      }
      if (reply.ok) {
        if (reply.op !== 'read' && reply.op !== 'range') throw unexpected(target, reply.op);
        if (fixed === undefined && reply.leader !== null && this.links.has(reply.leader)) this.leaderHint = reply.leader;
        return { ...reply, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
      }
      last = fromReply(reply);
      failures += 1;
      if (reply.code === 'bad-request' || reply.code === 'unsupported') throw last;
      if (fixed === undefined) {
        if (reply.leader !== null && reply.leader !== target && this.links.has(reply.leader)) {
          target = reply.leader;
          this.leaderHint = reply.leader;
          if (failures <= this.nodeIds.length) continue;
        } else if (reply.code === 'not-leader' || reply.code === 'shutting-down') {
          target = this.nextNode(target);
        }
      }
      await this.backoff(failures, deadline);
    }
    if (last !== null && last.code !== 'timeout') throw new PaxosClientError(last.code, `${last.message} (gave up after ${opts.timeoutMs ?? this.timeoutMs} ms)`);
    throw new PaxosClientError('timeout', `no answer within ${opts.timeoutMs ?? this.timeoutMs} ms`);
  }

  /** One node's applied state, possibly stale. No retries on other nodes. */
  async getLocal(nodeId: NodeId, key: string): Promise<LocalReadResult> {
    const r = await this.ask(nodeId, { op: 'get-local', key });
    if (r.op !== 'get-local') throw unexpected(nodeId, r.op);
    return { node: r.node, value: r.value, appliedIndex: r.appliedIndex, stale: true };
  }

  async status(nodeId: NodeId): Promise<NodeStatus> {
    const r = await this.ask(nodeId, { op: 'status' });
    if (r.op !== 'status') throw unexpected(nodeId, r.op);
    return r.status;
  }

  /** Fault injection on one node (actions: src/protocol/fault-rules.ts); returns the rules it now enforces. */
  async admin(nodeId: NodeId, action: string, args?: unknown): Promise<FaultRules> {
    const r = await this.ask(nodeId, args === undefined ? { op: 'admin', action } : { op: 'admin', action, args });
    if (r.op !== 'admin') throw unexpected(nodeId, r.op);
    return r.faults;
  }

  /**
   * Switches one node's message trace (messages.ndjson) on or off from now; resolves with whether
   * it traces afterwards. A node too old to know the action fails with `bad-request`.
   */
  async trace(nodeId: NodeId, on: boolean): Promise<boolean> {
    const r = await this.ask(nodeId, { op: 'admin', action: 'trace', args: { on } });
    if (r.op !== 'admin' || r.trace === undefined) throw unexpected(nodeId, r.op);
    return r.trace;
  }

  /** Step mode on one node (src/node/step-mode.ts): its held messages and what the step caused. */
  async step(nodeId: NodeId, action: StepAction, opts: { id?: number; n?: number } = {}): Promise<StepResult> {
    const r = await this.ask(nodeId, { op: 'step', action, ...(opts.id !== undefined ? { id: opts.id } : {}), ...(opts.n !== undefined ? { n: opts.n } : {}) });
    if (r.op !== 'step') throw unexpected(nodeId, r.op);
    return { node: r.node, paused: r.paused, held: r.held, heldTotal: r.heldTotal, effects: r.effects };
  }

  /** Up to `max` bytes of one of the node's log files from `offset`, and the file's size now. */
  async readFile(nodeId: NodeId, file: NodeFileName, offset: number, max: number): Promise<{ size: number; ino: number; data: Uint8Array }> {
    const r = await this.ask(nodeId, { op: 'file-read', file, offset, max });
    if (r.op !== 'file-read') throw unexpected(nodeId, r.op);
    if (r.file !== file || r.offset !== offset || r.data.byteLength > max) throw unexpected(nodeId, 'file-read of another chunk');
    return { size: r.size, ino: r.ino, data: r.data };
  }

  /**
   * Chosen entries of slots in [fromSlot, toSlot) known to the node, plus its accepted entries
   * there, and its snapshot when the range starts below it (unless `withSnapshot` is false).
   */
  async logDump(nodeId: NodeId, fromSlot: number, toSlot: number, opts: { withSnapshot?: boolean } = {}): Promise<LogDump> {
    // A compaction between two pages changes the snapshot under us: start again (bounded).
    for (let attempt = 1; ; attempt++) {
      const dump = await this.logDumpOnce(nodeId, fromSlot, toSlot, opts.withSnapshot ?? true);
      if (dump !== null) return dump;
      if (attempt === LOG_DUMP_ATTEMPTS) {
        throw new PaxosClientError('timeout', `node ${nodeId} compacted its log ${attempt} times while it was being read; try again`);
      }
    }
  }

  private async logDumpOnce(nodeId: NodeId, fromSlot: number, toSlot: number, withSnapshot: boolean): Promise<LogDump | null> {
    const chosen: ChosenEntry[] = [];
    const accepted: AcceptedEntry[] = [];
    let commitIndex = 0;
    let snapshotIndex = 0;
    let first = true;
    let snap: { index: number; total: number; parts: Uint8Array[]; bytes: number } | null = null;
    let cursor = Math.max(0, Math.floor(fromSlot));
    const end = Math.min(toSlot, Number.MAX_SAFE_INTEGER);
    // The node answers at most a page per request and never past its last slot.
    while (cursor < end) {
      const r = await this.ask(nodeId, { op: 'log-dump', from: cursor, to: end, ...(withSnapshot ? {} : { withSnapshot }) });
      if (r.op !== 'log-dump') throw unexpected(nodeId, r.op);
      chosen.push(...r.chosen);
      accepted.push(...r.accepted);
      commitIndex = r.commitIndex;
      if (!first && r.snapshotIndex !== snapshotIndex) return null;
      first = false;
      snapshotIndex = r.snapshotIndex;
      if (r.snapshot !== undefined && snap === null) {
        snap = { index: r.snapshotIndex, total: r.snapshotBytes ?? r.snapshot.byteLength, parts: [r.snapshot], bytes: r.snapshot.byteLength };
      }
      // Below the snapshot there is no log to page through.
      const next = Math.max(r.to, r.snapshotIndex);
      if (next <= cursor) break;
      cursor = next;
    }
    // The rest of a snapshot larger than one chunk, a chunk per request.
    while (snap !== null && snap.bytes < snap.total) {
      const r = await this.ask(nodeId, { op: 'log-dump', from: 0, to: 0, snapshotOffset: snap.bytes });
      if (r.op !== 'log-dump') throw unexpected(nodeId, r.op);
      if (r.snapshotIndex !== snap.index || r.snapshot === undefined || r.snapshotOffset !== snap.bytes || r.snapshot.byteLength === 0) return null;
      snap.parts.push(r.snapshot);
      snap.bytes += r.snapshot.byteLength;
    }
    const snapshot = snap === null ? undefined : snap.parts.length === 1 ? snap.parts[0]! : Buffer.concat(snap.parts);
    return { commitIndex, chosen, accepted, snapshotIndex, ...(snapshot !== undefined ? { snapshot } : {}) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.links.values()) l.close();
  }

  // ---- internals ----

  private async command(
    op: { op: 'set'; key: string; value: string } | { op: 'del'; key: string } | { op: 'get'; key: string },
    call: CallOptions,
  ): Promise<ReadResult & { existed: boolean | undefined }> {
    const started = performance.now();
    const timeoutMs = call.timeoutMs ?? this.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    const session = this.takeSession();
    session.seq += 1;
    const req: ClientRequest = { ...op, clientId: session.clientId, seq: session.seq };
    let target = this.leaderHint ?? this.nodeIds[0]!;
    let failures = 0;
    let sawUnreachable = 0;
    let sawNoLeader = false;
    let sawTimeout = false;
    // Whether some attempt may have reached a leader that proposed it: from then on no error
    // can promise the command was not applied (a retry's refusal says nothing of the first try).
    let mayBeApplied = false;
    const final = (code: ClientErrorCode, message: string, leader: NodeId | null = null) => new PaxosClientError(code, message, leader, !mayBeApplied);
    try {
      while (Date.now() < deadline) {
        if (call.signal?.aborted === true) throw final('cancelled', 'cancelled while waiting for an answer; the command may still be chosen');
        let reply: Reply;
        try {
          reply = await this.attempt(target, req, failures, deadline);
        } catch (err) {
          const e = err as PaxosClientError;
          if (!e.notApplied) mayBeApplied = true;
          if (e.code === 'closed') throw final(e.code, e.message);
          if (e.code === 'timeout') sawTimeout = true;
          else sawUnreachable += 1;
          if (this.leaderHint === target) this.leaderHint = null;
          target = this.nextNode(target);
          failures += 1;
          await this.backoff(failures, deadline);
          continue;
        }
        // bad-request and unsupported are refused as they arrive, before any proposal; any other
        // refusal may come after this node proposed the command (not-leader: it lost its ballot;
        // no-quorum: it stopped waiting; shutting-down: it stopped), which may still be chosen.
        if (!reply.ok && reply.code !== 'bad-request' && reply.code !== 'unsupported') mayBeApplied = true;
        if (reply.ok) {
          if (reply.op !== 'set' && reply.op !== 'del' && reply.op !== 'get') throw unexpected(target, reply.op);
          this.leaderHint = reply.leader;
          return {
            slot: reply.slot,
            leader: reply.leader,
            value: reply.value,
            duplicate: reply.duplicate,
            existed: reply.existed,
            latencyMs: Math.round((performance.now() - started) * 100) / 100,
          };
        }
        failures += 1;
        if (reply.code === 'not-leader' || reply.code === 'shutting-down') {
          if (reply.leader !== null && reply.leader !== target && this.links.has(reply.leader)) {
            this.leaderHint = reply.leader;
            target = reply.leader;
            // A redirect is progress: only back off if redirects keep bouncing.
            if (failures > this.nodeIds.length) await this.backoff(failures, deadline);
          } else {
            sawNoLeader = true;
            if (this.leaderHint === target) this.leaderHint = null;
            target = this.nextNode(target);
            await this.backoff(failures, deadline);
          }
          continue;
        }
        // no-quorum: the leader waited its request timeout. The command may still be chosen, so
        // a caller with time left retries the very same (clientId, seq): applied once at most.
        if (reply.code === 'no-quorum' && deadline - Date.now() > 0) {
          sawNoLeader = true;
          await this.backoff(failures, deadline);
          continue;
        }
        throw final(reply.code, reply.message, reply.leader);
      }
    } finally {
      this.releaseSession(session);
    }
    if (sawNoLeader) {
      throw final('no-quorum', `no quorum: no leader could be found within ${timeoutMs} ms`);
    }
    if (sawUnreachable > 0 && !sawTimeout) {
      const why = [...this.links.values()].map((l) => l.handshakeError).find((e) => e !== null);
      throw final('unreachable', why ?? `no node answered within ${timeoutMs} ms`);
    }
    throw final('timeout', `no answer within ${timeoutMs} ms`);
  }

  /** One try at one node; its budget grows with each full pass over the cluster that failed. */
  private attempt(target: NodeId, req: ClientRequest, failures: number, deadline: number): Promise<Reply> {
    const attemptMs = Math.min(ATTEMPT_TIMEOUT_MS * 2 ** Math.floor(failures / this.nodeIds.length), MAX_ATTEMPT_TIMEOUT_MS);
    return this.call(target, req, Math.min(deadline - Date.now(), attemptMs));
  }

  /** One request to one node, no retries; error replies become PaxosClientErrors. */
  private async ask(nodeId: NodeId, req: ClientRequest): Promise<Exclude<Reply, ErrorReply>> {
    const reply = await this.call(nodeId, req, this.timeoutMs, RECONNECT_WAIT_MS);
    if (!reply.ok) throw fromReply(reply);
    return reply;
  }

  /**
   * reconnectWaitMs: how long to wait for a down link. Commands use 0 (another node can
   * answer or redirect); questions to one named node wait a little for it.
   */
  private async call(nodeId: NodeId, req: ClientRequest, budgetMs: number, reconnectWaitMs = 0): Promise<Reply> {
    if (this.closed) throw new PaxosClientError('closed', 'client closed', null, true);
    const link = this.links.get(nodeId);
    if (link === undefined) throw new PaxosClientError('unknown-node', `node ${nodeId} is not in the cluster`, null, true);
    const startedAt = Date.now();
    // immediate: a link that is not up queues nothing, so this request has not left.
    if (!(await link.waitConnected(budgetMs, reconnectWaitMs))) {
      throw new PaxosClientError('unreachable', link.handshakeError ?? `node ${nodeId} is not reachable`, null, true);
    }
    const id = this.nextReqId++;
    const remaining = Math.max(1, budgetMs - (Date.now() - startedAt));
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        link.inFlight.delete(id);
        reject(new PaxosClientError('timeout', `node ${nodeId} did not answer within ${budgetMs} ms`));
      }, remaining);
      link.inFlight.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      link.send({ id, req });
    });
  }

  private nextNode(current: NodeId): NodeId {
    const i = this.nodeIds.indexOf(current);
    return this.nodeIds[(i + 1) % this.nodeIds.length]!;
  }

  private async backoff(failures: number, deadline: number): Promise<void> {
    // The first pass over the cluster is immediate; afterwards wait a little longer each time.
    if (failures < this.nodeIds.length) return;
    const step = Math.min(failures - this.nodeIds.length, RETRY_BACKOFF_MS.length - 1);
    const ms = Math.min(RETRY_BACKOFF_MS[step]!, Math.max(0, deadline - Date.now()));
    if (ms > 0) await sleep(ms);
  }

  private takeSession(): Session {
    const idle = this.idleSessions.pop();
    if (idle !== undefined) return idle;
    this.sessionsCreated += 1;
    return { clientId: `${this.clientId}.${this.sessionsCreated}`, seq: 0 };
  }

  private releaseSession(s: Session): void {
    this.idleSessions.push(s);
  }
}

/** Requests per frame: bounded in count and in bytes. */
const MAX_BATCH_BYTES = 1024 * 1024;
function batchLength(items: readonly RequestItem[]): number {
  let bytes = 0;
  let n = 0;
  while (n < items.length && n < MAX_BATCH_ITEMS) {
    const r = items[n]!.req;
    // Commands by the core's own bound; status, admin and log-dump requests are small.
    bytes += r.op === 'set' || r.op === 'del' || r.op === 'get' ? commandBytesBound(r) : 256;
    if (n > 0 && bytes > MAX_BATCH_BYTES) break;
    n += 1;
  }
  return n;
}

function fromReply(r: ErrorReply): PaxosClientError {
  return new PaxosClientError(r.code, r.message, r.leader);
}

/** Not a refusal: the node took the request and answered, so a command may have been applied. */
function unexpected(nodeId: NodeId, op: string): PaxosClientError {
  return new PaxosClientError('unexpected-reply', `node ${nodeId} answered with an unexpected '${op}' reply`);
}
