// ZeroMQ plumbing of one node: a ROUTER that clients talk to and that sends this node's peer
// messages, and one DEALER per peer on which that peer's messages arrive.
//
// Identity is bound to keys by the direction of each link. A peer message is taken only from
// the DEALER this node connected to that peer, whose CURVE handshake proved the far end holds
// the peer's secret key (the client side of CURVE authenticates the server). Nothing that
// arrives on the ROUTER is a peer message, so a client (even one holding the operator key)
// cannot speak for a node, and the routing id a connecting socket picks for itself vouches for
// nothing. The ROUTER admits, through the ZAP handler, only the cluster's node and operator
// keys. With identity settled by keys, ROUTER handover is safe: a peer that reconnects (after
// a pause or a restart) takes its routing id over from its stale pipe at once.
//
// Links follow the membership: a member that a chosen configuration adds gets its DEALER and
// its key admitted (addPeer) from the Member the log carries, so its key is one the cluster
// agreed on, and from then on it is bound to its link exactly as the first members are.
//
// Sends never block and never queue without bound: Paxos tolerates loss, so when a peer is
// unreachable or slow its messages are dropped and counted; the protocol retries on ticks.
import { needsIpv6 } from '../cluster/cluster-file.js';
import { createHash } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Dealer, Router } from 'zeromq';
import type { KeyPair } from '../cluster/keys.js';
import { isZ85Key, sharedSecret } from '../cluster/x25519.js';
import type { NodeId } from '../paxos/types.js';
import { canReach, NO_FAULTS, slowMsOf, type FaultRules } from '../protocol/fault-rules.js';
import { MAX_FRAME_BYTES } from '../protocol/wire.js';
import { relinkAfterProtocolErrors } from '../protocol/relink.js';
import { ZAP_DOMAIN, ZapHandler, type ZapRefusal } from './zap-handler.js';

/** Per-socket JS queue in front of ZeroMQ's own HWM: one send in flight, the rest wait here. */
const QUEUE_LIMIT = 4096;
/** ZeroMQ's per-peer pipe limit, in messages. */
const SEND_HWM = 1000;
const RECEIVE_HWM = 5000;
/** Hard cap enforced by libzmq (drops the connection); smaller oversized frames are counted by us. */
const ZMQ_MAX_MESSAGE_BYTES = 4 * MAX_FRAME_BYTES;
/** The receive loop yields to timers and disk callbacks this often, so a flood cannot stall the node. */
const YIELD_EVERY = 32;

/** A client's frame, answered through reply() with its routing id. */
export interface Inbound {
  readonly routingId: Buffer;
  readonly parts: readonly Buffer[];
}

/** A frame from a peer, over the link that authenticated it. */
export interface PeerInbound {
  readonly from: NodeId;
  readonly parts: readonly Buffer[];
}

/** insecure: no CURVE, for debugging only (anyone who reaches the port is believed). */
export type LinkSecurity =
  | { readonly mode: 'insecure' }
  | {
      readonly mode: 'curve';
      /** This node's own pair: the ROUTER's server key, and the DEALERs' client key. */
      readonly self: KeyPair;
      readonly peerKeys: ReadonlyMap<NodeId, string>;
      readonly operatorKeys: readonly string[];
    };

export class TransportError extends Error {
  constructor(
    readonly code: 'bind-failed' | 'zap-failed',
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
  /** The peers to link at once; publicKey (when given) adds to or overrides security.peerKeys. */
  readonly peers: readonly PeerLink[];
  readonly security: LinkSecurity;
  readonly onInbound: (msg: Inbound) => void;
  readonly onPeer: (msg: PeerInbound) => void;
  /** A handshake was refused (unknown key, or no CURVE at all): the node logs the first per address. */
  readonly onRefused: (r: ZapRefusal) => void;
  /** A receive loop failed (or a handler threw, e.g. a core assertion): the node must stop. */
  readonly onFatal: (err: unknown) => void;
}

/** A peer to link: where its ROUTER listens, and (with CURVE) the key that proves it. */
export interface PeerLink {
  readonly id: NodeId;
  readonly address: string;
  readonly publicKey?: string | undefined;
}

/** What addPeer did: linked now, linked before (same key), or refused (why). */
export type AddPeerResult = { readonly ok: true; readonly added: boolean } | { readonly ok: false; readonly reason: string };

/** What a node's DEALER is called at a peer's ROUTER without keys (--insecure). */
export const peerRoutingId = (id: NodeId): string => `node-${id}`;

/**
 * The routing id of `from`'s DEALER at `to`'s ROUTER, which `to` addresses its messages to.
 * With keys it carries a tag made from the X25519 secret the two share, so no one else (not
 * even a holder of the operator key) can claim it and, by ROUTER handover, take the link over.
 */
export function linkRoutingId(from: NodeId, to: NodeId, shared: Buffer | null): string {
  if (shared === null) return peerRoutingId(from);
  const tag = createHash('sha256').update(`paxos-cli link ${from}>${to}:`).update(shared).digest('hex').slice(0, 32);
  return `${peerRoutingId(from)}.${tag}`;
}

/** The keys of the first links: the security's, with each listed peer's own key on top. */
function peerKeysOf(sec: LinkSecurity, peers: readonly PeerLink[]): Map<NodeId, string> {
  const keys = new Map<NodeId, string>(sec.mode === 'curve' ? sec.peerKeys : []);
  for (const p of peers) if (p.publicKey !== undefined) keys.set(p.id, p.publicKey);
  return keys;
}

export class Transport {
  /** Messages dropped on the way out (peer down, queue full, client gone). */
  sendDrops = 0;
  /** Peer messages dropped by the fault rules (partition), in or out. */
  faultDrops = 0;
  /** Handshakes refused: unknown keys (by the ZAP handler) and clients without CURVE. */
  handshakeFailures = 0;
  private faults: FaultRules = NO_FAULTS;
  /** Per peer: the routing id of its DEALER here, and of ours at its ROUTER. */
  private readonly peerRoutingIds = new Map<NodeId, Buffer>();
  private readonly ownRoutingIds = new Map<NodeId, string>();
  private readonly peerIdByRoutingId = new Set<string>();
  /** The key each linked peer proved (CURVE); grows with addPeer, never changes for an id. */
  private readonly peerKeys: Map<NodeId, string>;
  private readonly dealers: Dealer[] = [];
  /** When each peer link last completed a handshake; absent while it is down. */
  private readonly linkUpSince = new Map<NodeId, number>();
  /** One queue for everything the ROUTER sends: a ZeroMQ socket takes one send at a time. */
  private readonly routerQueue: SendQueue;
  private readonly loops: Promise<void>[] = [];
  private closed = false;

  private constructor(
    private readonly router: Router,
    private readonly zap: ZapHandler | null,
    private readonly opts: TransportOptions,
  ) {
    this.routerQueue = new SendQueue(
      (msg) => router.send(msg as Buffer[]),
      () => (this.sendDrops += 1),
    );
    this.peerKeys = peerKeysOf(opts.security, opts.peers);
    for (const p of opts.peers) this.nameLink(p.id);
  }

  /** The routing ids of the link with `id`, both ways: derived from the key pair (see linkRoutingId). */
  private nameLink(id: NodeId): void {
    const sec = this.opts.security;
    const shared = sec.mode === 'curve' ? sharedSecret(sec.self.secretKey, this.peerKeys.get(id)!) : null;
    const theirs = Buffer.from(linkRoutingId(id, this.opts.selfId, shared));
    this.peerRoutingIds.set(id, theirs);
    this.ownRoutingIds.set(id, linkRoutingId(this.opts.selfId, id, shared));
    this.peerIdByRoutingId.add(theirs.toString('latin1'));
  }

  /** Every peer this node is linked with (the first members and every one added since). */
  get peerIds(): NodeId[] {
    return [...this.peerRoutingIds.keys()].sort((a, b) => a - b);
  }

  /**
   * Links a member a chosen configuration named: admits its key in ZAP (so its DEALER may reach
   * our ROUTER) and dials it with CURVE pinned to that key (so what arrives on the link is its).
   * A peer is linked once: a later configuration cannot change the key of an id already linked.
   */
  addPeer(peer: PeerLink): AddPeerResult {
    if (this.closed) return { ok: false, reason: 'the transport is closed' };
    if (peer.id === this.opts.selfId) return { ok: true, added: false };
    const sec = this.opts.security;
    const known = this.peerKeys.get(peer.id);
    if (sec.mode === 'curve' && known !== undefined && peer.publicKey !== undefined && peer.publicKey !== known) {
      return { ok: false, reason: `node ${peer.id} is known by key ${known}, not ${peer.publicKey}: kept the first` };
    }
    if (this.peerRoutingIds.has(peer.id)) return { ok: true, added: false };
    if (sec.mode === 'curve') {
      const key = peer.publicKey ?? known;
      if (key === undefined) return { ok: false, reason: `node ${peer.id} has no public key: no authenticated link to it is possible` };
      if (!isZ85Key(key)) return { ok: false, reason: `node ${peer.id}'s public key is not a CURVE key` };
      const taken = key === sec.self.publicKey || sec.operatorKeys.includes(key) || [...this.peerKeys].some(([id, k]) => id !== peer.id && k === key);
      if (taken) return { ok: false, reason: `node ${peer.id}'s public key is already another node's or an operator's` };
      this.peerKeys.set(peer.id, key);
      this.zap?.admit(key, peerRoutingId(peer.id));
    }
    this.nameLink(peer.id);
    this.connectPeer(peer.id, peer.address);
    return { ok: true, added: true };
  }

  get faultRules(): FaultRules {
    return this.faults;
  }

  get secure(): boolean {
    return this.opts.security.mode === 'curve';
  }

  /** Replaces the fault rules; messages already delayed are checked again when they leave. */
  setFaults(rules: FaultRules): void {
    this.faults = rules;
  }

  static async start(opts: TransportOptions): Promise<Transport> {
    const sec = opts.security;
    // Checked before anything is opened: every peer link below needs its peer's key.
    const keys = peerKeysOf(sec, opts.peers);
    const unkeyed = sec.mode === 'curve' ? opts.peers.find((p) => !keys.has(p.id)) : undefined;
    if (unkeyed !== undefined) throw new TransportError('zap-failed', `node ${unkeyed.id} has no public key in the cluster file`);
    let zap: ZapHandler | null = null;
    if (sec.mode === 'curve') {
      const admit = new Map<string, string>();
      for (const k of sec.operatorKeys) admit.set(k, 'operator');
      for (const [id, k] of keys) admit.set(k, peerRoutingId(id));
      try {
        zap = await ZapHandler.start(admit, opts.onRefused);
      } catch (err) {
        throw new TransportError('zap-failed', `cannot start the ZAP handler: ${(err as Error).message}`);
      }
    }
    const router = new Router({
      linger: 0,
      // A client that vanished is dropped at once instead of filling a pipe nobody reads.
      mandatory: true,
      // Safe only because a routing id grants nothing (see the top of this file).
      handover: true,
      sendTimeout: 0,
      sendHighWaterMark: SEND_HWM,
      receiveHighWaterMark: RECEIVE_HWM,
      maxMessageSize: ZMQ_MAX_MESSAGE_BYTES,
      // Detects half-open connections so a paused or vanished peer's pipe is freed promptly.
      heartbeatInterval: 1000,
      heartbeatTimeout: 3000,
      ipv6: needsIpv6(opts.bindAddress),
      ...(sec.mode === 'curve' ? { curveServer: true, curveSecretKey: sec.self.secretKey, zapDomain: ZAP_DOMAIN } : {}),
    });
    const t = new Transport(router, zap, opts);
    if (sec.mode === 'curve') {
      // A client without CURVE fails the handshake before ZAP is asked: count it as refused too.
      router.events.on('handshake:error:protocol', (e) => t.refusedWithoutZap(e.address));
      router.events.on('handshake:error:other', (e) => t.refusedWithoutZap(e.address));
    }
    try {
      await router.bind(opts.bindAddress);
    } catch (err) {
      router.close();
      await zap?.close();
      const why = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
      const hint = why === 'EADDRINUSE' ? ' (another process holds the port; stop it, or give this node another port in the cluster file)' : '';
      throw new TransportError('bind-failed', `cannot listen on ${opts.bindAddress}: ${why}${hint}`);
    }
    for (const peer of opts.peers) t.connectPeer(peer.id, peer.address);
    t.loops.push(t.receiveClients());
    return t;
  }

  private refusedWithoutZap(address: string): void {
    this.handshakeFailures += 1;
    this.opts.onRefused({ kind: 'no-curve', address, key: '', count: this.handshakeFailures });
  }

  get refusedHandshakes(): number {
    return this.handshakeFailures + (this.zap?.refused ?? 0);
  }

  private connectPeer(id: NodeId, address: string): void {
    const sec = this.opts.security;
    const curve =
      sec.mode === 'curve' ? { curveServerKey: this.peerKeys.get(id)!, curvePublicKey: sec.self.publicKey, curveSecretKey: sec.self.secretKey } : {};
    const dealer = new Dealer({
      routingId: this.ownRoutingIds.get(id)!,
      linger: 0,
      sendTimeout: 0,
      // This link only receives: the peer's ROUTER sends its messages down it.
      receiveHighWaterMark: RECEIVE_HWM,
      maxMessageSize: ZMQ_MAX_MESSAGE_BYTES,
      immediate: true,
      // Short and flat: a restarted node can send nothing to a peer until that peer's DEALER has
      // re-dialled its ROUTER, so this bounds how soon it is heard (a refused dial costs nothing).
      reconnectInterval: 100,
      reconnectMaxInterval: 100,
      ipv6: needsIpv6(address),
      heartbeatInterval: 1000,
      heartbeatTimeout: 3000,
      ...curve,
    });
    relinkAfterProtocolErrors(dealer, address);
    dealer.events.on('handshake', () => this.linkUpSince.set(id, Date.now()));
    dealer.events.on('disconnect', () => this.linkUpSince.delete(id));
    dealer.connect(address);
    this.dealers.push(dealer);
    this.loops.push(this.receivePeer(id, dealer));
  }

  /** The time the link on which `peer`'s messages arrive came up, or null while it is down. */
  linkUpAt(peer: NodeId): number | null {
    return this.linkUpSince.get(peer) ?? null;
  }

  private async receiveClients(): Promise<void> {
    let n = 0;
    try {
      for await (const [routingId, ...parts] of this.router) {
        // Peers never send on our ROUTER; what claims a peer's routing id there is not one.
        if (routingId !== undefined && !this.peerIdByRoutingId.has(routingId.toString('latin1'))) this.opts.onInbound({ routingId, parts });
        if (++n % YIELD_EVERY === 0) await yieldToLoop();
      }
    } catch (err) {
      if (!this.closed) this.opts.onFatal(err);
    }
  }

  private async receivePeer(from: NodeId, dealer: Dealer): Promise<void> {
    let n = 0;
    try {
      for await (const parts of dealer) {
        this.inboundPeer({ from, parts });
        if (++n % YIELD_EVERY === 0) await yieldToLoop();
      }
    } catch (err) {
      if (!this.closed) this.opts.onFatal(err);
    }
  }

  /** Peer traffic obeys the partition and this node's delay; client traffic is never faulted. */
  private inboundPeer(msg: PeerInbound): void {
    if (!canReach(this.faults, this.opts.selfId, msg.from)) {
      this.faultDrops += 1;
      return;
    }
    const delayMs = slowMsOf(this.faults, this.opts.selfId);
    if (delayMs === 0) return this.opts.onPeer(msg);
    setTimeout(() => {
      if (this.closed) return;
      if (!canReach(this.faults, this.opts.selfId, msg.from)) {
        this.faultDrops += 1;
        return;
      }
      try {
        this.opts.onPeer(msg);
      } catch (err) {
        this.opts.onFatal(err);
      }
    }, delayMs);
  }

  /** 'sent' once queued (or delayed by a slow rule); otherwise why it was dropped here. */
  sendToPeer(to: NodeId, bytes: Uint8Array): 'sent' | 'partition' | 'unknown-peer' {
    const routingId = this.peerRoutingIds.get(to);
    if (routingId === undefined) {
      this.sendDrops += 1;
      return 'unknown-peer';
    }
    if (!canReach(this.faults, this.opts.selfId, to)) {
      this.faultDrops += 1;
      return 'partition';
    }
    const delayMs = slowMsOf(this.faults, this.opts.selfId);
    if (delayMs === 0) {
      this.routerQueue.push([routingId, bytes]);
      return 'sent';
    }
    setTimeout(() => {
      if (this.closed) return;
      if (canReach(this.faults, this.opts.selfId, to)) this.routerQueue.push([routingId, bytes]);
      else this.faultDrops += 1;
    }, delayMs);
    return 'sent';
  }

  reply(routingId: Buffer, bytes: Uint8Array): void {
    this.routerQueue.push([routingId, bytes]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.routerQueue.closed = true;
    for (const d of this.dealers) d.close();
    this.router.close();
    await Promise.all(this.loops.map((l) => l.catch(() => undefined)));
    await this.zap?.close();
  }
}
