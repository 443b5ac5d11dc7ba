// ZeroMQ plumbing of one node: a ROUTER that receives from peers and clients (and answers
// clients by their routing id), and one DEALER per peer whose routing id is our node id.
// Sends never block and never queue without bound: Paxos tolerates loss, so when a peer is
// unreachable or slow its messages are dropped and counted; the protocol retries on ticks.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Dealer, Router } from 'zeromq';
import type { NodeId } from '../paxos/types.js';
import { canReach, NO_FAULTS, slowMsOf, type FaultRules } from './fault-rules.js';
import { MAX_FRAME_BYTES } from './wire.js';

/** Per-socket JS queue in front of ZeroMQ's own HWM: one send in flight, the rest wait here. */
const QUEUE_LIMIT = 1024;
/** ZeroMQ's per-peer pipe limit, in messages. */
const SEND_HWM = 1000;
const RECEIVE_HWM = 5000;
/** Hard cap enforced by libzmq (drops the connection); smaller oversized frames are counted by us. */
const ZMQ_MAX_MESSAGE_BYTES = 4 * MAX_FRAME_BYTES;
/** The receive loop yields to timers and disk callbacks this often, so a flood cannot stall the node. */
const YIELD_EVERY = 32;

export interface Inbound {
  readonly routingId: Buffer;
  readonly parts: readonly Buffer[];
}

export class TransportError extends Error {
  constructor(
    readonly code: 'bind-failed',
    message: string,
  ) {
    super(message);
  }
}

/** A bounded FIFO drained by one async sender; drops (counted) rather than blocks. */
class SendQueue {
  private readonly items: (Buffer | Uint8Array | (Buffer | Uint8Array)[])[] = [];
  private pumping = false;
  closed = false;

  constructor(
    private readonly send: (msg: Buffer | Uint8Array | (Buffer | Uint8Array)[]) => Promise<void>,
    private readonly onDrop: (why: string) => void,
  ) {}

  push(msg: Buffer | Uint8Array | (Buffer | Uint8Array)[]): void {
    if (this.closed) return;
    if (this.items.length >= QUEUE_LIMIT) {
      this.items.shift();
      this.onDrop('queue full');
    }
    this.items.push(msg);
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.items.length > 0 && !this.closed) {
        const msg = this.items.shift()!;
        try {
          await this.send(msg);
        } catch (err) {
          // EAGAIN: no connected peer or HWM reached (sendTimeout 0); EHOSTUNREACH: client gone.
          this.onDrop((err as { code?: string }).code ?? 'send failed');
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}

export interface TransportOptions {
  readonly selfId: NodeId;
  readonly bindAddress: string;
  readonly peers: readonly { id: NodeId; address: string }[];
  readonly onInbound: (msg: Inbound) => void;
  /** The receive loop failed (or onInbound threw, e.g. a core assertion): the node must stop. */
  readonly onFatal: (err: unknown) => void;
}

export class Transport {
  /** Messages dropped on the way out (peer down, queue full, client gone). */
  sendDrops = 0;
  /** Peer messages dropped by the fault rules (partition), in or out. */
  faultDrops = 0;
  private faults: FaultRules = NO_FAULTS;
  /** Routing id of each peer's DEALER (its node id as text): how inbound peer traffic is recognised. */
  private readonly peerByRoutingId: ReadonlyMap<string, NodeId>;
  private readonly peerQueues = new Map<NodeId, SendQueue>();
  private readonly dealers: Dealer[] = [];
  private readonly replyQueue: SendQueue;
  private receiving: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly router: Router,
    private readonly opts: TransportOptions,
  ) {
    this.replyQueue = new SendQueue(
      (msg) => router.send(msg as Buffer[]),
      () => (this.sendDrops += 1),
    );
    this.peerByRoutingId = new Map(opts.peers.map((p) => [String(p.id), p.id]));
  }

  get faultRules(): FaultRules {
    return this.faults;
  }

  /** Replaces the fault rules; messages already delayed are checked again when they leave. */
  setFaults(rules: FaultRules): void {
    this.faults = rules;
  }

  static async start(opts: TransportOptions): Promise<Transport> {
    const router = new Router({
      linger: 0,
      // A client that vanished is dropped at once instead of filling a pipe nobody reads.
      mandatory: true,
      sendTimeout: 0,
      sendHighWaterMark: SEND_HWM,
      receiveHighWaterMark: RECEIVE_HWM,
      maxMessageSize: ZMQ_MAX_MESSAGE_BYTES,
      // Detects half-open connections so a restarted peer's routing id is freed promptly.
      heartbeatInterval: 1000,
      heartbeatTimeout: 3000,
    });
    try {
      await router.bind(opts.bindAddress);
    } catch (err) {
      router.close();
      const why = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
      const hint = why === 'EADDRINUSE' ? ' (another process holds the port; stop it, or give this node another port in the cluster file)' : '';
      throw new TransportError('bind-failed', `cannot listen on ${opts.bindAddress}: ${why}${hint}`);
    }
    const t = new Transport(router, opts);
    for (const peer of opts.peers) t.connectPeer(peer.id, peer.address);
    t.receiving = t.receiveLoop();
    return t;
  }

  private connectPeer(id: NodeId, address: string): void {
    const dealer = new Dealer({
      routingId: String(this.opts.selfId),
      linger: 0,
      sendTimeout: 0,
      sendHighWaterMark: SEND_HWM,
      // Queue only on live connections: a message to a dead peer is dropped, not replayed stale later.
      immediate: true,
      // Short, so a restarted peer hears from us (heartbeats, catch-up answers) promptly.
      reconnectInterval: 100,
      reconnectMaxInterval: 500,
      heartbeatInterval: 1000,
      heartbeatTimeout: 3000,
    });
    dealer.connect(address);
    this.dealers.push(dealer);
    this.peerQueues.set(
      id,
      new SendQueue(
        (msg) => dealer.send(msg as Buffer),
        () => (this.sendDrops += 1),
      ),
    );
  }

  private async receiveLoop(): Promise<void> {
    let n = 0;
    try {
      for await (const [routingId, ...parts] of this.router) {
        if (routingId !== undefined) this.inbound({ routingId, parts });
        if (++n % YIELD_EVERY === 0) await yieldToLoop();
      }
    } catch (err) {
      if (!this.closed) this.opts.onFatal(err);
    }
  }

  /** Client traffic is never faulted; peer traffic obeys the partition and this node's delay. */
  private inbound(msg: Inbound): void {
    const peer = this.peerByRoutingId.get(msg.routingId.toString('latin1'));
    if (peer === undefined) return this.opts.onInbound(msg);
    if (!canReach(this.faults, this.opts.selfId, peer)) {
      this.faultDrops += 1;
      return;
    }
    const delayMs = slowMsOf(this.faults, this.opts.selfId);
    if (delayMs === 0) return this.opts.onInbound(msg);
    setTimeout(() => {
      if (this.closed) return;
      if (!canReach(this.faults, this.opts.selfId, peer)) {
        this.faultDrops += 1;
        return;
      }
      try {
        this.opts.onInbound(msg);
      } catch (err) {
        this.opts.onFatal(err);
      }
    }, delayMs);
  }

  sendToPeer(to: NodeId, bytes: Uint8Array): void {
    const q = this.peerQueues.get(to);
    if (q === undefined) {
      this.sendDrops += 1;
      return;
    }
    if (!canReach(this.faults, this.opts.selfId, to)) {
      this.faultDrops += 1;
      return;
    }
    const delayMs = slowMsOf(this.faults, this.opts.selfId);
    if (delayMs === 0) return q.push(bytes);
    setTimeout(() => {
      if (this.closed) return;
      if (canReach(this.faults, this.opts.selfId, to)) q.push(bytes);
      else this.faultDrops += 1;
    }, delayMs);
  }

  reply(routingId: Buffer, bytes: Uint8Array): void {
    this.replyQueue.push([routingId, bytes]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.replyQueue.closed = true;
    for (const q of this.peerQueues.values()) q.closed = true;
    for (const d of this.dealers) d.close();
    this.router.close();
    await this.receiving.catch(() => undefined);
  }
}
