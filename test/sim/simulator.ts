// A deterministic network simulator for the Multi-Paxos core (VOPR-style): one seed decides
// cluster size, fault rates and the whole schedule. A safety phase under faults is followed by
// a liveness phase that must converge within a bound. Invariants are checked after every step.
import type { AcceptorPolicy } from '../../src/paxos/acceptor-policy.js';
import { compareBallots, formatBallot } from '../../src/paxos/ballot.js';
import { KvStore, type CommandResult } from '../../src/paxos/kv.js';
import { PaxosNode } from '../../src/paxos/paxos-node.js';
import { quorumSize } from '../../src/paxos/quorum.js';
import { seededRng, type Rng } from '../../src/paxos/rng.js';
import {
  persistReceipt,
  type AcceptedEntry,
  type ChosenEntry,
  type Command,
  type Member,
  type Message,
  type NodeId,
  type Snapshot,
} from '../../src/paxos/types.js';
import { describeValue, valueKey } from '../../src/paxos/value.js';
import { LEASE_FRACTION, ReadLease } from '../../src/node/reads.js';
import { hasMajority, MAX_LEARNERS, MAX_VOTERS } from '../../src/paxos/membership.js';
import { MemDisk } from '../paxos/mem-disk.js';
import { GhostConfigs } from './ghost-config.js';
import { RejoinWatch } from './rejoin-watch.js';

export interface SimOptions {
  readonly seed: number;
  readonly nodes?: number;
  /** Ticks of the safety phase, with faults. */
  readonly faultTicks?: number;
  /** Ticks the liveness phase may take to converge once faults stop. */
  readonly livenessTicks?: number;
  readonly dropRate?: number;
  readonly clients?: number;
  /** Inject a (broken) acceptor to prove the checks can fail. */
  readonly acceptor?: AcceptorPolicy;
  readonly traceLines?: number;
  /**
   * Default: the seed picks, one in ten 'rejoin' (cut a minority or pause a node, heal, watch),
   * and one in ten of the others also 'step' windows: the cluster paused, every message held, and
   * random deliveries, drops, ticks and elections, as a person drives step mode.
   */
  readonly schedule?: 'random' | 'rejoin' | 'step';
  /** PreVote in every node (default on); off only to show the rejoin watch can fail. */
  readonly preVote?: boolean;
  /**
   * A node that loses its disk restarts with an EMPTY disk under its old identity. Off by default:
   * then, as the runtime does, such a node refuses to start and stays down for good.
   */
  readonly amnesia?: boolean;
  /**
   * Membership changes (adds, removes, replaces of a node whose disk is lost, promotions of
   * learners, leadership transfers) mixed into the fault phase. Default: the seed picks, in about
   * half the random schedules.
   */
  readonly membership?: boolean;
  /** Test only: configurations take effect this many slots early (a broken rule the checks must catch). */
  readonly configEarlyBy?: number;
}

export interface SimStats {
  nodes: number;
  ticks: number;
  messagesSent: number;
  dropped: number;
  duplicated: number;
  crashes: number;
  restarts: number;
  partitions: number;
  leaderChanges: number;
  slotsChosen: number;
  commandsAcked: number;
  faults: number;
  compactions: number;
  snapshotsInstalled: number;
  /** Heals after which the majority's stable leader was watched (rejoin schedules). */
  healsWatched: number;
  /** Of those, heals after which a rejoining node deposed that leader: must stay 0. */
  rejoinDisruptions: number;
  disksLost: number;
  /** Read-index reads answered (each checked against every write acknowledged before it began). */
  readsServed: number;
  /** Reads that got no index (no confirmed leader): the client would retry. */
  readsFailed: number;
  /** Of the reads served, those served from the leader's lease (no round). */
  leaseReads: number;
  /** Leaders frozen (SIGSTOP): no ticks, messages held until they wake. */
  freezes: number;
  /** Step-mode windows (cluster paused, messages held) and the steps taken in them. */
  stepWindows: number;
  steps: number;
  /** Configurations proposed (adds, removes, replaces, promotions) and leadership transfers asked. */
  configChanges: number;
  transfers: number;
  /** Nodes that learned they were removed and stopped. */
  removed: number;
}

export interface SimResult {
  readonly ok: boolean;
  readonly seed: number;
  readonly error?: string;
  readonly trace: readonly string[];
  readonly stats: SimStats;
  /** `npm run sim --` arguments that replay this schedule. */
  readonly replay: string;
}

function replayArgs(o: SimOptions): string {
  const args = [`--seed ${o.seed}`];
  if (o.nodes !== undefined) args.push(`--nodes ${o.nodes}`);
  if (o.faultTicks !== undefined) args.push(`--ticks ${o.faultTicks}`);
  if (o.schedule !== undefined) args.push(`--schedule ${o.schedule}`);
  if (o.amnesia) args.push('--amnesia');
  if (o.membership !== undefined) args.push(`--membership ${o.membership ? 'on' : 'off'}`);
  if (o.configEarlyBy !== undefined) args.push(`--config-early ${o.configEarlyBy}`);
  return args.join(' ');
}

const UNITS_PER_TICK = 10;
const SIM_ELECTION_TICKS_MIN = 10;
/** A leader is frozen (SIGSTOP) this often per tick, in fault phases of random schedules. */
const FREEZE_PER_TICK = 0.004;
const KEYS = ['a', 'b', 'c', 'd'];

class SimViolation extends Error {}

interface SimNode {
  readonly id: NodeId;
  disk: MemDisk;
  core: PaxosNode | null;
  kv: KvStore;
  /** (clientId:seq) → times applied (not as a duplicate) by this incarnation's state machine. */
  applied: Map<string, number>;
  downUntilTick: number;
  /** Compacts when this many slots were applied since its last snapshot (5-25, per node). */
  snapshotEvery: number;
  /** The runtime's lease, on the simulation's clock (in ticks): it keeps running while a node is frozen. */
  lease: ReadLease;
  /** The chosen prefix reached a configuration without it: stopped for good, as the runtime exits. */
  removed: boolean;
  /** Node ids the runtime's cluster file listed when this incarnation booted. */
  contacts: NodeId[];
}

/** A node with an empty disk, not started. */
function newSimNode(id: NodeId, snapshotEvery: number): SimNode {
  return { id, disk: new MemDisk(), core: null, kv: new KvStore(), applied: new Map(), downUntilTick: 0, snapshotEvery, lease: new ReadLease(0), removed: false, contacts: [] };
}

const blobKey = (blob: Uint8Array): string => Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('base64');
/** Tiny snapshot chunks (8-256 bytes), so every transfer is split, lost, duplicated and reordered in parts. Derived, not drawn, to keep each seed's schedule. */
const chunkBytesOf = (n: SimNode): number => 8 << ((n.snapshotEvery + n.id) % 6);

interface Pending {
  readonly cmd: Command;
  target: NodeId | null;
  sentTick: number;
}

interface SimClient {
  readonly id: string;
  seq: number;
  pending: Pending | null;
}

interface Acked {
  readonly id: string;
  readonly slot: number;
}

function cmdId(clientId: string, seq: number): string {
  return `${clientId}:${seq}`;
}

function describeMessage(m: Message): string {
  switch (m.type) {
    case 'prepare':
      return `prepare b=${formatBallot(m.ballot)} from=${m.fromSlot}`;
    case 'promise':
      return `promise b=${formatBallot(m.ballot)} acc=${m.accepted.length} ci=${m.commitIndex}`;
    case 'nack':
      return `nack b=${formatBallot(m.ballot)} promised=${formatBallot(m.promised)}`;
    case 'accept': {
      const slots = m.entries.map((e) => `${e.slot}:${describeValue(e.value)}`).slice(0, 4);
      return `accept b=${formatBallot(m.ballot)} [${slots.join(' ')}${m.entries.length > 4 ? ' …' : ''}] ci=${m.commitIndex}`;
    }
    case 'accepted':
      return `accepted b=${formatBallot(m.ballot)} slots=[${m.slots.slice(0, 6).join(',')}${m.slots.length > 6 ? ',…' : ''}]`;
    case 'heartbeat':
      return `heartbeat b=${formatBallot(m.ballot)} ci=${m.commitIndex} r=${m.read ?? '-'}`;
    case 'read-req':
      return `read-req id=${m.id}`;
    case 'read-resp':
      return `read-resp id=${m.id} index=${m.index ?? 'none'}`;
    case 'prevote':
      return `prevote b=${formatBallot(m.ballot)} ci=${m.commitIndex}`;
    case 'prevote-resp':
      return `prevote-resp b=${formatBallot(m.ballot)} ${m.granted ? 'granted' : 'refused'}`;
    case 'catchup-req':
      return `catchup-req [${m.fromSlot},${m.toSlot})`;
    case 'catchup-resp':
      return `catchup-resp n=${m.entries.length} ci=${m.commitIndex}`;
    case 'timeout-now':
      return `timeout-now b=${formatBallot(m.ballot)}`;
    case 'snapshot':
      return `snapshot index=${m.snapshotIndex} bytes=[${m.offset},+${m.chunk.byteLength}) of ${m.total}`;
  }
}

export class Simulation {
  readonly seed: number;
  private readonly rng: Rng;
  private readonly size: number;
  private readonly quorum: number;
  private readonly nodes: SimNode[];
  private readonly clients: SimClient[];
  private readonly options: SimOptions;
  private readonly faultTicks: number;
  private readonly livenessTicks: number;

  // Fault parameters, all from the seed.
  private dropRate: number;
  private dupRate: number;
  private readonly maxDelayUnits: number;
  private crashPerTick: number;
  private readonly partitionPerTick: number;
  private crashMidReady: number;
  /** A few messages held for up to 60 ticks: stale Accepts, Promises and catch-up answers. */
  private longDelayRate: number;
  /** Up to f nodes that stay down for good once faults stop: liveness must not need them. */
  private downForGood: number;
  private readonly gone = new Set<NodeId>();
  private readonly rejoinMode: boolean;
  private readonly rejoin = new RejoinWatch(20, 60);
  private readonly amnesiaPerTick: number;
  /** Step mode draws from its own stream, so the other seeds' schedules stay as they were. */
  private readonly stepRng: Rng;
  private readonly stepWindowPerTick: number;
  private stepsLeft = 0;
  private readonly held: Message[] = [];

  private unit = 0;
  private tickNo = 0;
  private readonly inflight = new Map<number, Message[]>();
  private group = new Map<NodeId, number>();
  private partitionUntilTick = 0;

  // Oracles.
  private readonly votes = new Map<string, { value: string; voters: Set<NodeId> }>();
  private readonly ghostConfigs: GhostConfigs;
  private readonly genesis: readonly Member[];
  /** Membership changes in this schedule, drawn from their own stream. */
  private readonly memberRng: Rng;
  private readonly memberOn: boolean;
  private readonly chosenGhost = new Map<number, string>();
  private readonly learned = new Map<number, string>();
  private readonly ackedBySlot = new Map<number, Acked[]>();
  private readonly hashAt = new Map<number, string>();
  /**
   * Provenance of each snapshot blob: the applied counts of the state machine it was taken from,
   * so a node that restores or installs it inherits exactly what its state has applied.
   */
  private readonly snapshotApplied = new Map<string, ReadonlyMap<string, number>>();
  private lastLeader: NodeId | null = null;
  /** The highest slot of any acknowledged command: a read begun after must read at or past it. */
  private maxAckedSlot = -1;
  private nextReadId = 1;
  private readonly reads = new Map<number, { node: NodeId; minIndex: number; index: number | null }>();
  /** Frozen nodes (SIGSTOP) and the tick they wake at. */
  private readonly frozenUntil = new Map<NodeId, number>();

  private readonly traceRing: string[] = [];
  private readonly traceLimit: number;
  readonly stats: SimStats;

  constructor(options: SimOptions) {
    this.options = options;
    this.seed = options.seed;
    this.rng = seededRng(options.seed);
    const r = this.rng;
    this.size = options.nodes ?? (r.int(0, 1) === 0 ? 3 : 5);
    this.quorum = quorumSize(this.size);
    this.faultTicks = options.faultTicks ?? 300;
    this.livenessTicks = options.livenessTicks ?? 400;
    this.dropRate = options.dropRate ?? r.int(10, 30) / 100;
    this.dupRate = r.int(0, 10) / 100;
    this.maxDelayUnits = r.int(2, 40);
    this.crashPerTick = r.int(0, 20) / 1000;
    this.partitionPerTick = r.int(0, 20) / 1000;
    this.crashMidReady = r.int(0, 10) / 1000;
    this.longDelayRate = r.int(0, 3) / 100;
    this.downForGood = r.int(0, 2) === 0 ? r.int(1, this.size - this.quorum) : 0;
    let amnesiaRate = r.int(0, 3) === 0 ? r.int(1, 5) / 1000 : 0;
    this.rejoinMode = options.schedule === undefined ? r.int(0, 9) === 0 : options.schedule === 'rejoin';
    this.memberRng = seededRng((options.seed ^ 0x4d454d42) >>> 0);
    this.memberOn = !this.rejoinMode && (options.membership ?? this.memberRng.int(0, 1) === 0);
    this.genesis = Array.from({ length: this.size }, (_, i) => ({ id: i + 1, voter: true, host: '', port: 0 }));
    this.ghostConfigs = new GhostConfigs(this.genesis);
    if (this.memberOn) {
      // Disks are lost by replaces here, and the nodes kept down are the replaced ones: liveness
      // needs a majority of every configuration, which the membership nemesis keeps.
      this.downForGood = 0;
    }
    if (this.rejoinMode) {
      // Only the cut and the heal: no crashes, few drops and no long delays, so a leader change
      // after a heal has no cause but the rejoining node.
      this.dropRate = Math.min(this.dropRate, 0.05);
      this.crashPerTick = 0;
      this.crashMidReady = 0;
      this.longDelayRate = 0;
    }
    if (this.memberOn && !options.amnesia) amnesiaRate = 0;
    this.amnesiaPerTick = this.rejoinMode ? 0 : options.amnesia ? Math.max(amnesiaRate, 0.01) : amnesiaRate;
    this.stepRng = seededRng((options.seed ^ 0x5eed5eed) >>> 0);
    const stepSchedule = options.schedule === 'step' || (options.schedule === undefined && !this.rejoinMode && this.stepRng.int(0, 9) === 0);
    this.stepWindowPerTick = stepSchedule ? 0.02 : 0;
    this.traceLimit = options.traceLines ?? 300;
    this.stats = {
      nodes: this.size,
      ticks: 0,
      messagesSent: 0,
      dropped: 0,
      duplicated: 0,
      crashes: 0,
      restarts: 0,
      partitions: 0,
      leaderChanges: 0,
      slotsChosen: 0,
      commandsAcked: 0,
      faults: 0,
      compactions: 0,
      snapshotsInstalled: 0,
      healsWatched: 0,
      rejoinDisruptions: 0,
      disksLost: 0,
      readsServed: 0,
      readsFailed: 0,
      leaseReads: 0,
      freezes: 0,
      stepWindows: 0,
      steps: 0,
      configChanges: 0,
      transfers: 0,
      removed: 0,
    };
    this.nodes = [];
    for (let id = 1; id <= this.size; id++) {
      const node = newSimNode(id, r.int(5, 25));
      this.nodes.push(node);
      this.boot(node);
    }
    const clientCount = options.clients ?? r.int(1, 4);
    this.clients = Array.from({ length: clientCount }, (_, i) => ({ id: `c${i + 1}`, seq: 0, pending: null }));
    this.trace(
      `seed=${this.seed} nodes=${this.size} drop=${this.dropRate} dup=${this.dupRate} delay<=${this.maxDelayUnits}u ` +
        `crash/tick=${this.crashPerTick} partition/tick=${this.partitionPerTick} clients=${clientCount}` +
        `${this.amnesiaPerTick > 0 ? ` disk-loss/tick=${this.amnesiaPerTick}${options.amnesia ? ' (amnesia)' : ''}` : ''}${this.rejoinMode ? ' schedule=rejoin' : ''}${this.stepWindowPerTick > 0 ? ' schedule=step' : ''}${this.memberOn ? ' membership' : ''}`,
    );
  }

  run(): SimResult {
    try {
      for (let t = 0; t < this.faultTicks; t++) this.tickOnce(true);
      this.endFaults();
      let converged = false;
      for (let t = 0; t < this.livenessTicks; t++) {
        this.tickOnce(false);
        if (this.converged()) {
          converged = true;
          break;
        }
      }
      if (!converged) throw new SimViolation(`LIVENESS: no convergence within ${this.livenessTicks} ticks after faults stopped: ${this.describeNodes()}`);
      this.finalChecks();
      return { ok: true, seed: this.seed, trace: this.traceRing, stats: this.stats, replay: replayArgs(this.options) };
    } catch (err) {
      const error = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
      this.trace(`FAILED: ${error}`);
      return { ok: false, seed: this.seed, error, trace: this.traceRing, stats: this.stats, replay: replayArgs(this.options) };
    }
  }

  // ---- time --------------------------------------------------------------------------------

  private tickOnce(faults: boolean): void {
    this.tickNo += 1;
    this.stats.ticks = this.tickNo;
    if (this.stepsLeft > 0) return this.stepOnce(faults);
    if (faults && this.stepChance(this.stepWindowPerTick)) return this.pauseCluster();
    if (faults) this.nemesis();
    else this.restartDue();
    for (const n of this.nodes) {
      if (n.core === null || this.frozen(n.id)) continue;
      const before = this.clock();
      n.core.tick();
      this.observeLease(n, before);
      this.drain(n);
    }
    this.clientsAct(faults);
    for (let u = 0; u < UNITS_PER_TICK; u++) {
      this.unit += 1;
      const batch = this.inflight.get(this.unit);
      if (batch === undefined) continue;
      this.inflight.delete(this.unit);
      this.shuffle(batch);
      for (const m of batch) this.deliver(m);
    }
    this.observeLeader();
  }

  // ---- step mode ---------------------------------------------------------------------------

  /** `pause`: no node ticks, every message that arrives is held; leases are suspended. */
  private pauseCluster(): void {
    this.stepsLeft = this.stepRng.int(5, 80);
    this.stats.stepWindows += 1;
    for (const n of this.nodes) {
      n.core?.setStepMode(true);
      n.lease.setSuspended(true);
    }
    this.trace(`--- paused for ${this.stepsLeft} steps ---`);
  }

  /** One step of a paused cluster: time passes, messages land in the held pool, a person acts. */
  private stepOnce(faults: boolean): void {
    this.stats.steps += 1;
    for (let u = 0; u < UNITS_PER_TICK; u++) {
      this.unit += 1;
      const batch = this.inflight.get(this.unit);
      if (batch === undefined) continue;
      this.inflight.delete(this.unit);
      this.held.push(...batch);
    }
    const r = this.stepRng;
    const roll = r.int(0, 99);
    const live = this.nodes.filter((n) => n.core !== null && !this.frozen(n.id));
    if (roll < 50 && this.held.length > 0) {
      this.deliver(this.held.splice(r.int(0, this.held.length - 1), 1)[0]!);
    } else if (roll < 65 && this.held.length > 0) {
      this.deliver(this.held.shift()!);
    } else if (roll < 75 && this.held.length > 0) {
      const m = this.held.splice(r.int(0, this.held.length - 1), 1)[0]!;
      this.stats.dropped += 1;
      this.trace(`step: drop ${m.from}->${m.to} ${describeMessage(m)}`);
    } else if (roll < 85) {
      const ticks = r.int(1, 3);
      this.trace(`step: tick x${ticks}`);
      for (const n of live) {
        for (let i = 0; i < ticks && n.core !== null; i++) {
          const before = this.clock();
          n.core.tick();
          this.observeLease(n, before);
          this.drain(n);
        }
      }
    } else if (roll < 95 && live.length > 0) {
      const n = live[r.int(0, live.length - 1)]!;
      this.trace(`step: elect n${n.id}`);
      const before = this.clock();
      n.core!.campaign();
      this.observeLease(n, before);
      this.drain(n);
    }
    this.clientsAct(faults);
    this.observeLeader();
    if (--this.stepsLeft === 0) this.resumeCluster();
  }

  /** `resume`: what is held arrives late (a delay like any other); clocks and leases run again. */
  private resumeCluster(): void {
    this.stepsLeft = 0;
    for (const m of this.held.splice(0)) {
      const at = this.unit + this.rng.int(1, this.maxDelayUnits);
      const list = this.inflight.get(at);
      if (list) list.push(m);
      else this.inflight.set(at, [m]);
    }
    for (const n of this.nodes) {
      n.core?.setStepMode(false);
      n.lease.setSuspended(false);
    }
    this.trace('--- resumed ---');
  }

  private stepChance(p: number): boolean {
    return p > 0 && this.stepRng.int(0, 999_999) < p * 1_000_000;
  }

  private deliver(m: Message): void {
    const n = this.node(m.to);
    if (n.core === null) return;
    const wake = this.frozenUntil.get(n.id);
    if (wake !== undefined && wake > this.tickNo) {
      // Frozen: the message waits in the socket until the node runs again.
      const at = wake * UNITS_PER_TICK + this.rng.int(1, UNITS_PER_TICK);
      const list = this.inflight.get(at);
      if (list) list.push(m);
      else this.inflight.set(at, [m]);
      return;
    }
    if (this.cut(m.from, m.to)) {
      this.stats.dropped += 1;
      return;
    }
    this.trace(`${m.from}->${m.to} ${describeMessage(m)}`);
    const before = this.clock();
    n.core.step(m);
    this.observeLease(n, before);
    this.drain(n);
  }

  private send(m: Message): void {
    this.stats.messagesSent += 1;
    if (this.cut(m.from, m.to) || this.chance(this.dropRate)) {
      this.stats.dropped += 1;
      return;
    }
    const copies = this.chance(this.dupRate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated += 1;
    for (let i = 0; i < copies; i++) {
      const long = this.chance(this.longDelayRate);
      const at = this.unit + this.rng.int(1, long ? 60 * UNITS_PER_TICK : this.maxDelayUnits);
      const list = this.inflight.get(at);
      if (list) list.push(m);
      else this.inflight.set(at, [m]);
    }
  }

  /** Persist, check, apply, send, advance — the runtime's loop, with a crash possible before persisting. */
  private drain(n: SimNode): void {
    for (let rounds = 0; n.core !== null && n.core.hasReady(); rounds++) {
      if (rounds > 1000) throw new SimViolation(`node ${n.id}: ready() never settles`);
      const core = n.core;
      const before = this.clock();
      const rd = core.ready();
      this.observeLease(n, before);
      // Like the runtime: these leave while the write is still being persisted.
      for (const m of rd.unpersistedMessages) this.send(m);
      if (this.faultsOn && this.chance(this.crashMidReady)) {
        this.crash(n, 'before persisting a ready');
        return;
      }
      n.disk.persist(rd.write);
      this.recordVotes(n.id, rd.write.accepted);
      if (rd.write.promised !== undefined) this.onDisruption(this.rejoin.promised(n.id, rd.write.promised));
      if (rd.installSnapshot !== undefined) {
        this.install(n, rd.installSnapshot, 'installed');
        this.stats.snapshotsInstalled += 1;
      }
      for (const e of rd.committed) this.apply(n, e);
      for (const r of rd.reads) this.onReadIndex(n, r.id, r.index);
      this.serveReads(n);
      for (const ev of rd.events) {
        if (ev.type === 'role') this.trace(`n${n.id} becomes ${ev.role} b=${formatBallot(ev.ballot)}`);
        if (ev.type === 'config-chosen') this.trace(`n${n.id} learns ${describeValue({ kind: 'config', members: ev.members })} chosen in ${ev.slot}, ruling from ${ev.activeFrom}`);
        if (ev.type === 'transfer') this.trace(`n${n.id} transfer to n${ev.to} ${ev.state}`);
        if (ev.type === 'removed') n.removed = true;
        if (ev.type === 'conflicting-chosen') throw new SimViolation(`SAFETY: n${ev.peer} sent node ${n.id} another chosen value for slot ${ev.slot}`);
      }
      for (const m of rd.messages(persistReceipt(rd.id))) this.send(m);
      core.advance(rd);
      if (n.removed) {
        // As the runtime does: a removed node exits once its last Ready is out.
        n.core = null;
        this.stats.removed += 1;
        this.trace(`n${n.id} REMOVED: stops for good`);
        return;
      }
      if (n.kv.appliedIndex - core.snapshotIndex >= n.snapshotEvery) {
        const blob = n.kv.snapshot();
        this.snapshotApplied.set(blobKey(blob), new Map(n.applied));
        core.compact(n.kv.appliedIndex, blob);
        this.stats.compactions += 1;
        this.trace(`n${n.id} compacts to ${n.kv.appliedIndex}`);
      }
    }
  }

  /** The node's state machine becomes the snapshot's: the same checks as applying up to it. */
  private install(n: SimNode, snap: Snapshot, how: string): void {
    // By content: a snapshot sent in chunks arrives as new bytes.
    const applied = this.snapshotApplied.get(blobKey(snap.blob));
    if (applied === undefined) throw new SimViolation(`node ${n.id}: snapshot at ${snap.index} of unknown origin`);
    n.kv = KvStore.fromSnapshot(snap.blob);
    n.applied = new Map(applied);
    if (n.kv.appliedIndex !== snap.index) throw new SimViolation(`node ${n.id}: snapshot at ${snap.index} holds applied index ${n.kv.appliedIndex}`);
    this.trace(`n${n.id} ${how} snapshot at ${snap.index}`);
    const h = n.kv.hash();
    const seen = this.hashAt.get(snap.index);
    if (seen !== undefined && seen !== h) throw new SimViolation(`SAFETY: node ${n.id} snapshot state differs at applied index ${snap.index}`);
    for (const list of this.ackedBySlot.values()) {
      for (const a of list) {
        if (a.slot >= snap.index) continue;
        this.checkAppliedOnce(n, a);
        // The session table itself must remember it, or a retry would be applied again.
        const [client, seq] = a.id.split(':');
        if ((n.kv.lastSeq(client ?? '') ?? -1) < Number(seq)) {
          throw new SimViolation(`EXACTLY-ONCE: node ${n.id} snapshot at ${snap.index} forgot acknowledged ${a.id}`);
        }
      }
    }
  }

  private get faultsOn(): boolean {
    return this.tickNo <= this.faultTicks;
  }

  // ---- oracles -----------------------------------------------------------------------------

  /** Ghost knowledge: a value accepted by a quorum in one ballot is chosen, whoever learns it. */
  private recordVotes(acceptor: NodeId, entries: readonly AcceptedEntry[]): void {
    for (const e of entries) {
      // Who truly decides this slot: a leader may propose only once the slots that could change
      // it are chosen, so a vote before then means the window rule was broken.
      const members = this.ghostConfigs.membersOf(e.slot);
      if (members === null) throw new SimViolation(`SAFETY: slot ${e.slot} voted on before the slots deciding its configuration were chosen`);
      const key = `${e.slot}|${formatBallot(e.ballot)}`;
      const value = valueKey(e.value);
      let vote = this.votes.get(key);
      if (vote === undefined) {
        vote = { value, voters: new Set() };
        this.votes.set(key, vote);
      } else if (vote.value !== value) {
        throw new SimViolation(`SAFETY: slot ${e.slot} ballot ${formatBallot(e.ballot)} has two proposed values`);
      }
      vote.voters.add(acceptor);
      if (hasMajority(members, vote.voters)) {
        const prior = this.chosenGhost.get(e.slot);
        if (prior === undefined) {
          this.chosenGhost.set(e.slot, value);
          this.ghostConfigs.chosen(e.slot, e.value);
          this.stats.slotsChosen += 1;
        } else if (prior !== value) {
          throw new SimViolation(
            `SAFETY: two values chosen for slot ${e.slot}: ${prior.slice(0, 60)} and ${value.slice(0, 60)} (ballot ${formatBallot(e.ballot)})`,
          );
        }
      }
    }
  }

  private apply(n: SimNode, e: ChosenEntry): void {
    const key = valueKey(e.value);
    const ghost = this.chosenGhost.get(e.slot);
    if (ghost === undefined) throw new SimViolation(`SAFETY: node ${n.id} learned slot ${e.slot} that no quorum accepted`);
    if (ghost !== key) throw new SimViolation(`SAFETY: node ${n.id} learned a value for slot ${e.slot} other than the chosen one`);
    const prior = this.learned.get(e.slot);
    if (prior !== undefined && prior !== key) throw new SimViolation(`SAFETY: nodes disagree on slot ${e.slot}`);
    this.learned.set(e.slot, key);

    const results = n.kv.apply(e);
    for (const r of results) this.onResult(n, r);
    const hashEvery = 16;
    if (n.kv.appliedIndex % hashEvery === 0) {
      const h = n.kv.hash();
      const seen = this.hashAt.get(n.kv.appliedIndex);
      if (seen === undefined) this.hashAt.set(n.kv.appliedIndex, h);
      else if (seen !== h) throw new SimViolation(`SAFETY: node ${n.id} state differs at applied index ${n.kv.appliedIndex}`);
    }
    for (const a of this.ackedBySlot.get(e.slot) ?? []) this.checkAppliedOnce(n, a);
  }

  private onResult(n: SimNode, r: CommandResult): void {
    const id = cmdId(r.clientId, r.seq);
    if (!r.duplicate) {
      const count = (n.applied.get(id) ?? 0) + 1;
      n.applied.set(id, count);
      if (count > 1) throw new SimViolation(`EXACTLY-ONCE: node ${n.id} applied ${id} twice`);
    }
    // The node a client proposed through answers it when the command is applied there.
    const client = this.clients.find((c) => c.id === r.clientId);
    const pending = client?.pending;
    if (!client || !pending || pending.cmd.seq !== r.seq || pending.target !== n.id) return;
    client.pending = null;
    this.stats.commandsAcked += 1;
    this.maxAckedSlot = Math.max(this.maxAckedSlot, r.slot);
    const acked: Acked = { id, slot: r.slot };
    const list = this.ackedBySlot.get(r.slot);
    if (list) list.push(acked);
    else this.ackedBySlot.set(r.slot, [acked]);
    this.trace(`${r.clientId} acked seq=${r.seq} ${r.op} slot=${r.slot}${r.duplicate ? ' (dup)' : ''} via n${n.id}`);
    for (const m of this.nodes) if (m.core !== null) this.checkAppliedOnce(m, acked);
  }

  /** An acknowledged command stays applied, exactly once, on every node that got that far. */
  private checkAppliedOnce(n: SimNode, a: Acked): void {
    if (n.kv.appliedIndex <= a.slot) return;
    const count = n.applied.get(a.id) ?? 0;
    if (count !== 1) throw new SimViolation(`ACKED-LOST: node ${n.id} applied acknowledged ${a.id} ${count} times by slot ${a.slot}`);
  }

  private observeLeader(): void {
    let best: SimNode | null = null;
    for (const n of this.nodes) {
      if (n.core?.role !== 'leader') continue;
      if (best === null || (best.core && n.core.ballot.round > best.core.ballot.round)) best = n;
    }
    // What a lease stands on: while it is valid, no majority of the lease holder's configuration
    // has promised a higher ballot, so no node leads one with their promises. (A node may lead a
    // higher ballot on an older configuration's voters, in slots chosen already: it cannot
    // propose, nor confirm a read, where the lease reads without this configuration's voters.)
    for (const a of this.nodes) {
      for (const b of this.nodes) {
        if (a === b || a.core?.role !== 'leader' || b.core?.role !== 'leader') continue;
        const view = b.core.membershipView;
        const overLeaseVoters = [view.inForce, view.next].some((c) => c !== null && hasMajority(c.members, a.core!.promisers));
        if (compareBallots(a.core.ballot, b.core.ballot) > 0 && b.lease.valid(this.clock()) && overLeaseVoters) {
          throw new SimViolation(`LEASE-OVERLAP: n${a.id} leads ${formatBallot(a.core.ballot)} while n${b.id} holds a lease in ${formatBallot(b.core.ballot)}`);
        }
      }
    }
    const id = best?.id ?? null;
    if (id !== null && id !== this.lastLeader) {
      this.stats.leaderChanges += 1;
      this.lastLeader = id;
    }
    if (!this.rejoinMode) return;
    const leaders = this.nodes.flatMap((n) => (n.core?.role === 'leader' ? [{ id: n.id, ballot: n.core.ballot }] : []));
    this.onDisruption(this.rejoin.observe(this.tickNo, leaders));
  }

  private onDisruption(why: string | null): void {
    if (why === null) return;
    this.stats.rejoinDisruptions = this.rejoin.disruptions;
    this.trace(`REJOIN DISRUPTION: ${why}`);
    if (this.options.preVote !== false) throw new SimViolation(`DISRUPTION: ${why}`);
  }

  private converged(): boolean {
    if (this.clients.some((c) => c.pending !== null)) return false;
    const live = this.nodes.filter((n) => n.core !== null);
    const leaders = live.filter((n) => n.core?.role === 'leader');
    if (leaders.length !== 1) return false;
    const leader = leaders[0]!.core!;
    const commit = leader.commitIndex;
    const view = leader.membershipView;
    // Every member that can run has caught up, and no change is half done.
    if (view.next !== null || leader.transferringTo !== null) return false;
    const members = this.memberIds();
    if (members.some((id) => !this.gone.has(id) && this.node(id).core === null)) return false;
    return members.every((id) => {
      const n = this.node(id);
      return n.core === null || (n.core.commitIndex === commit && n.kv.appliedIndex === commit);
    });
  }

  /** The nodes the newest leader's configuration names (every node before any change). */
  private memberIds(): NodeId[] {
    const leader = this.newestLeader()?.core;
    if (leader == null) return this.nodes.map((n) => n.id);
    return leader.membershipView.inForce.members.map((m) => m.id);
  }

  private finalChecks(): void {
    const members = new Set(this.memberIds());
    const hashes = new Set(this.nodes.filter((n) => n.core !== null && members.has(n.id)).map((n) => n.kv.hash()));
    if (hashes.size !== 1) throw new SimViolation(`SAFETY: converged nodes hold different states`);
    for (const list of this.ackedBySlot.values()) for (const a of list) for (const n of this.nodes) this.checkAppliedOnce(n, a);
  }

  // ---- faults ------------------------------------------------------------------------------

  private nemesis(): void {
    if (this.rejoinMode) {
      this.rejoinNemesis();
      return;
    }
    this.restartDue();
    if (this.chance(this.amnesiaPerTick)) this.loseDisk();
    if (this.chance(this.crashPerTick)) {
      const victim = this.pickLive();
      if (victim) {
        victim.downUntilTick = this.tickNo + this.rng.int(5, 60);
        this.crash(victim, 'nemesis');
      }
    }
    if (this.tickNo >= this.partitionUntilTick && this.group.size > 0) {
      this.group = new Map();
      this.trace('partition healed');
    }
    if (this.group.size === 0 && this.chance(this.partitionPerTick)) this.partition();
    if (this.chance(FREEZE_PER_TICK)) this.freezeLeader();
    if (this.memberOn) this.membershipNemesis();
  }

  // ---- membership ----------------------------------------------------------------------------

  /** Now and then the newest leader is asked for a membership change or a hand-over. */
  private membershipNemesis(): void {
    const r = this.memberRng;
    if (r.int(0, 99) >= 4) return;
    const leader = this.newestLeader();
    if (leader?.core == null) return;
    const core = leader.core;
    const view = core.membershipView;
    const members = view.inForce.members;
    const voters = members.filter((m) => m.voter);
    const learners = members.filter((m) => !m.voter);
    const roll = r.int(0, 99);
    let next: Member[] | null = null;
    let what = '';
    let victim: NodeId | null = null;
    if (roll < 20 && learners.length > 0 && voters.length < MAX_VOTERS) {
      const l = learners[r.int(0, learners.length - 1)]!;
      next = members.map((m) => (m.id === l.id ? { ...m, voter: true } : m));
      what = `promote n${l.id}`;
    } else if (roll < 40 && learners.length < MAX_LEARNERS && this.nodes.length < 10) {
      const added = this.addNode();
      next = [...members, { id: added.id, voter: false, host: '', port: 0 }];
      what = `add n${added.id} as learner`;
    } else if (roll < 60 && voters.length > 1) {
      const v = voters[r.int(0, voters.length - 1)]!;
      next = members.filter((m) => m.id !== v.id);
      what = `remove n${v.id}`;
    } else if (roll < 75 && voters.length >= 3 && this.nodes.length < 10 && learners.length < MAX_LEARNERS) {
      // A voter's disk is lost: it never runs again, and a new node takes its place.
      const others = voters.filter((m) => m.id !== leader.id && !this.gone.has(m.id));
      const v = others.length > 0 ? others[r.int(0, others.length - 1)]! : null;
      if (v !== null && voters.every((m) => m.id === v.id || !this.gone.has(m.id))) {
        const added = this.addNode();
        next = [...members.filter((m) => m.id !== v.id), { id: added.id, voter: false, host: '', port: 0 }];
        what = `replace n${v.id} (disk lost) by n${added.id}`;
        victim = v.id;
      }
    } else if (voters.length > 1) {
      const others = voters.filter((m) => m.id !== leader.id);
      const to = others[r.int(0, others.length - 1)]!;
      const why = core.transferLeadership(to.id);
      this.stats.transfers += 1;
      this.trace(`n${leader.id} transfer to n${to.id}: ${why ?? 'started'}`);
      this.observeLease(leader, this.clock());
      this.drain(leader);
      return;
    }
    if (next === null) return;
    // Liveness, not safety: every configuration keeps a majority of voters that can still run.
    const alive = new Set(next.filter((m) => !this.gone.has(m.id) && m.id !== victim).map((m) => m.id));
    if (!hasMajority(next, alive)) return;
    const why = core.proposeConfig(next, view.inForce.slot);
    this.stats.configChanges += why === null ? 1 : 0;
    this.trace(`n${leader.id} ${what}: ${why ?? 'proposed'}`);
    if (why === null && victim !== null) {
      this.gone.add(victim);
      const v = this.node(victim);
      if (v.core !== null) this.crash(v, 'lost its disk: replaced, never runs again');
      this.stats.disksLost += 1;
    }
    this.drain(leader);
  }

  /** A new node process with an empty disk; it learns from the log that it was added. */
  private addNode(): SimNode {
    const id = this.nodes.length + 1;
    const node = newSimNode(id, this.memberRng.int(5, 25));
    this.nodes.push(node);
    this.boot(node);
    this.trace(`n${id} STARTS (new member, empty disk)`);
    return node;
  }

  /** SIGSTOP of the leader: its clock stops, the cluster's does not; it wakes 5-40 ticks later. */
  private freezeLeader(): void {
    const leader = this.nodes.find((n) => n.core?.role === 'leader' && !this.frozen(n.id));
    if (leader === undefined) return;
    const until = this.tickNo + this.rng.int(5, 40);
    this.frozenUntil.set(leader.id, until);
    this.stats.freezes += 1;
    this.stats.faults += 1;
    this.trace(`n${leader.id} FROZEN until tick ${until}`);
  }

  private frozen(id: NodeId): boolean {
    const until = this.frozenUntil.get(id);
    if (until === undefined) return false;
    if (until > this.tickNo) return true;
    this.frozenUntil.delete(id);
    return false;
  }

  /** The simulation's monotonic clock, in ticks (a frozen node's keeps running too). */
  private clock(): number {
    return this.unit / UNITS_PER_TICK;
  }

  private observeLease(n: SimNode, before: number): void {
    const core = n.core;
    if (core === null) return;
    n.lease.follow(before, core);
  }

  private partition(): void {
    const ids = this.nodes.map((n) => n.id);
    this.shuffle(ids);
    const kind = this.rng.int(0, 2);
    let side: NodeId[];
    if (kind === 0 && this.lastLeader !== null) side = [this.lastLeader];
    else side = ids.slice(0, this.rng.int(1, this.size - 1));
    this.group = new Map(ids.map((id) => [id, side.includes(id) ? 1 : 2]));
    this.partitionUntilTick = this.tickNo + this.rng.int(10, 80);
    this.stats.partitions += 1;
    this.stats.faults += 1;
    this.trace(`partition [${side.join(',')}] | [${ids.filter((i) => !side.includes(i)).join(',')}] until tick ${this.partitionUntilTick}`);
  }

  /**
   * Once the cluster has a stable leader: isolate it, pause one follower (all its traffic
   * dropped, its clock running) or cut a minority of followers away; heal after 20-80 ticks and
   * watch the majority's leader for 60 ticks. The next cut waits for the watch to end.
   */
  private rejoinNemesis(): void {
    this.restartDue();
    if (this.group.size > 0) {
      if (this.tickNo < this.partitionUntilTick) return;
      const cut = new Set([...this.group].filter(([, g]) => g === 1).map(([id]) => id));
      const majority = new Set(this.nodes.map((n) => n.id).filter((id) => !cut.has(id)));
      this.group = new Map();
      const watched = this.rejoin.healed(this.tickNo, cut, majority);
      this.stats.healsWatched = this.rejoin.heals;
      this.trace(`partition healed${watched ? ': watching the majority leader' : ''}`);
      return;
    }
    const stable = this.rejoin.stableLeader(this.tickNo);
    if (this.rejoin.watching || stable === null || !this.chance(0.2)) return;
    // Not while an election is under way (a promise above the leader's ballot): a candidate cut
    // off mid-election returns with its higher ballot, which is not a rejoin's doing.
    if (this.nodes.some((n) => n.core !== null && compareBallots(n.core.promised, stable.ballot) > 0)) return;
    const leader = stable.id;
    const followers = this.nodes.map((n) => n.id).filter((id) => id !== leader);
    this.shuffle(followers);
    const kind = this.rng.int(0, 2);
    const side = kind === 0 ? [leader] : followers.slice(0, kind === 1 ? 1 : this.rng.int(1, this.size - this.quorum));
    this.group = new Map(this.nodes.map((n) => [n.id, side.includes(n.id) ? 1 : 2]));
    this.partitionUntilTick = this.tickNo + this.rng.int(20, 80);
    this.stats.partitions += 1;
    this.stats.faults += 1;
    const what = kind === 0 ? 'isolate leader' : kind === 1 ? 'pause' : 'cut minority';
    this.trace(`${what} [${side.join(',')}] until tick ${this.partitionUntilTick}`);
  }

  /**
   * A live node loses its disk. With the amnesia switch it restarts empty under its old id (the
   * unsafe thing the runtime refuses); without it, it is kept down, within the f that may be lost.
   */
  private loseDisk(): void {
    const victim = this.pickLive();
    if (victim === undefined) return;
    if (this.options.amnesia) {
      victim.disk = new MemDisk();
    } else {
      if (this.gone.size + this.downForGood >= this.size - this.quorum) return;
      this.gone.add(victim.id);
    }
    this.stats.disksLost += 1;
    this.crash(victim, this.options.amnesia ? 'lost its disk: will restart empty' : 'lost its disk: refuses to start, kept down');
  }

  private cut(a: NodeId, b: NodeId): boolean {
    return this.group.size > 0 && this.group.get(a) !== this.group.get(b);
  }

  private crash(n: SimNode, why: string): void {
    n.core = null;
    for (const [id, r] of this.reads) if (r.node === n.id) this.reads.delete(id);
    if (n.downUntilTick <= this.tickNo) n.downUntilTick = this.tickNo + this.rng.int(5, 60);
    this.stats.crashes += 1;
    this.stats.faults += 1;
    this.trace(`n${n.id} CRASH (${why}) until tick ${n.downUntilTick}`);
  }

  private restartDue(): void {
    for (const n of this.nodes) {
      if (this.gone.has(n.id) || n.removed) continue;
      if (n.core === null && (n.downUntilTick <= this.tickNo || !this.faultsOn)) {
        this.boot(n);
        this.stats.restarts += 1;
        this.trace(`n${n.id} RESTART promised=${formatBallot(n.disk.promised)} commit=${n.disk.commitIndex}`);
        this.drain(n);
      }
    }
  }

  private boot(n: SimNode): void {
    n.kv = new KvStore();
    n.applied = new Map();
    // The runtime's lease: LEASE_FRACTION of the minimum election timeout, here in ticks.
    n.lease = new ReadLease(SIM_ELECTION_TICKS_MIN * LEASE_FRACTION);
    if (n.disk.snapshot !== undefined) this.install(n, n.disk.snapshot, 'restores');
    n.contacts = this.nodes.map((m) => m.id);
    n.core = new PaxosNode({
      id: n.id,
      nodes: Array.from({ length: this.size }, (_, i) => i + 1),
      genesis: this.genesis,
      contacts: n.contacts,
      ...(this.options.configEarlyBy !== undefined ? { configEarlyBy: this.options.configEarlyBy } : {}),
      rng: seededRng(this.rng.int(0, 2 ** 31 - 1)),
      restored: n.disk.state(),
      appliedIndex: n.kv.appliedIndex,
      electionTicksMin: SIM_ELECTION_TICKS_MIN,
      electionTicksMax: 20,
      heartbeatTicks: 2,
      retransmitTicks: 4,
      maxInflightSlots: 32,
      maxBatchCommands: 4,
      // Small pages, so catch-up and retransmission paging run in every schedule.
      maxEntriesPerMessage: 8,
      maxSnapshotChunkBytes: chunkBytesOf(n),
      // Small byte budgets (a sim command is about 85 bytes by commandBytesBound), so batches,
      // messages and the window are cut by bytes as well as by count.
      maxBatchBytes: 150 + 50 * (n.snapshotEvery % 4),
      maxMessageBytes: 350 + 120 * (n.id % 3),
      maxInflightBytes: 700 + 250 * (n.snapshotEvery % 5),
      // Just room for the window and a batch: a Promise's chosen page is often cut short or empty.
      maxPromiseBytes: 700 + 250 * (n.snapshotEvery % 5) + 150 + 50 * (n.snapshotEvery % 4) + 200 * (n.id % 2),
      ...(this.options.acceptor ? { acceptor: this.options.acceptor } : {}),
      ...(this.options.preVote === false ? { preVote: false } : {}),
    });
  }

  private endFaults(): void {
    if (this.stepsLeft > 0) this.resumeCluster();
    // Nodes go down for good below: not a rejoin's doing.
    this.rejoin.cancel();
    this.dropRate = 0;
    this.dupRate = 0;
    this.group = new Map();
    const ids = this.nodes.map((n) => n.id);
    this.shuffle(ids);
    for (const id of ids.slice(0, this.downForGood)) {
      this.gone.add(id);
      const n = this.node(id);
      if (n.core !== null) this.crash(n, 'down for good');
    }
    this.trace(`--- faults stop: healing, restarting all but [${[...this.gone].join(',')}], no more drops ---`);
  }

  // ---- clients -----------------------------------------------------------------------------

  private clientsAct(faults: boolean): void {
    const clientTimeoutTicks = 30;
    if (this.chance(0.3)) this.startRead();
    for (const c of this.clients) {
      if (c.pending === null) {
        if (!faults || !this.chance(0.3)) continue;
        c.seq += 1;
        c.pending = { cmd: this.randomCommand(c), target: null, sentTick: -Infinity };
      }
      const p = c.pending;
      if (p.target !== null && this.tickNo - p.sentTick < clientTimeoutTicks && this.node(p.target).core?.role === 'leader') continue;
      // Not sent, timed out, or its node lost leadership: retry the same (clientId, seq).
      // The leader of the highest ballot, as redirects lead a real client to it: a deposed
      // leader cut off from the rest may still believe it leads.
      const target = this.newestLeader() ?? this.pickLive();
      if (target?.core?.propose(p.cmd)) {
        p.target = target.id;
        p.sentTick = this.tickNo;
        this.drain(target);
      } else {
        p.target = null;
      }
    }
  }

  /** A read-index read at a random live node (leader or follower), checked when answered. */
  private startRead(): void {
    const n = this.pickLive();
    if (n?.core == null) return;
    if (this.frozen(n.id)) return;
    const id = this.nextReadId++;
    const minIndex = this.maxAckedSlot + 1;
    const leaseIndex = n.core.readIndexNow;
    if (leaseIndex !== null && this.chance(0.5) && n.lease.valid(this.clock())) {
      // As the runtime does: a valid lease answers at once, at the leader's read index.
      this.reads.set(id, { node: n.id, minIndex, index: null });
      this.onReadIndex(n, id, leaseIndex);
      this.stats.leaseReads += 1;
      this.serveReads(n);
      return;
    }
    this.reads.set(id, { node: n.id, minIndex, index: null });
    n.core.readIndex(id);
    this.drain(n);
  }

  private onReadIndex(n: SimNode, id: number, index: number | null): void {
    const r = this.reads.get(id);
    if (r === undefined || r.node !== n.id) throw new SimViolation(`READ: node ${n.id} answered read ${id}, which it was never asked`);
    if (index === null) {
      this.reads.delete(id);
      this.stats.readsFailed += 1;
      return;
    }
    if (index < r.minIndex) {
      throw new SimViolation(`STALE-READ: node ${n.id} read ${id} at index ${index}, below slot ${r.minIndex - 1} acknowledged before the read began`);
    }
    r.index = index;
  }

  private serveReads(n: SimNode): void {
    for (const [id, r] of this.reads) {
      if (r.node !== n.id || r.index === null || n.kv.appliedIndex < r.index) continue;
      this.reads.delete(id);
      this.stats.readsServed += 1;
    }
  }

  private newestLeader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes) {
      if (n.core?.role !== 'leader' || this.frozen(n.id)) continue;
      if (best === undefined || compareBallots(n.core.ballot, best.core!.ballot) > 0) best = n;
    }
    return best;
  }

  private randomCommand(c: SimClient): Command {
    const key = KEYS[this.rng.int(0, KEYS.length - 1)] ?? 'a';
    const kind = this.rng.int(0, 9);
    if (kind < 6) return { op: 'set', key, value: `${c.id}.${c.seq}`, clientId: c.id, seq: c.seq };
    if (kind < 8) return { op: 'get', key, clientId: c.id, seq: c.seq };
    return { op: 'del', key, clientId: c.id, seq: c.seq };
  }

  // ---- helpers -----------------------------------------------------------------------------

  private node(id: NodeId): SimNode {
    const n = this.nodes[id - 1];
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  private pickLive(): SimNode | undefined {
    const live = this.nodes.filter((n) => n.core !== null);
    return live.length === 0 ? undefined : live[this.rng.int(0, live.length - 1)];
  }

  private chance(p: number): boolean {
    return p > 0 && this.rng.int(0, 999_999) < p * 1_000_000;
  }

  private shuffle<T>(xs: T[]): void {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.rng.int(0, i);
      const a = xs[i] as T;
      xs[i] = xs[j] as T;
      xs[j] = a;
    }
  }

  private describeNodes(): string {
    return this.nodes
      .map((n) =>
        n.core
          ? `n${n.id}:${n.core.role} b=${formatBallot(n.core.ballot)} ci=${n.core.commitIndex} applied=${n.kv.appliedIndex}`
          : `n${n.id}:down`,
      )
      .join('; ') + `; pending=${this.clients.filter((c) => c.pending).map((c) => c.id).join(',') || 'none'}`;
  }

  private trace(line: string): void {
    this.traceRing.push(`[t${this.tickNo}] ${line}`);
    if (this.traceRing.length > this.traceLimit) this.traceRing.shift();
  }
}

export function simulate(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

export function formatFailure(r: SimResult): string {
  return [`seed=${r.seed} FAILED: ${r.error}`, `replay: npm run sim -- ${r.replay}`, '--- last trace lines ---', ...r.trace.slice(-80)].join('\n');
}
