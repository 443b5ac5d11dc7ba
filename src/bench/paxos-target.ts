// The paxos-cli side of the bench: either a fresh cluster of its own (spawned through the
// CLI's supervisor in a temp data dir, stopped and removed afterwards) or a running cluster
// named by a cluster file. Writes are counted when the leader answers, which it does only
// after the slot was chosen (a quorum persisted it) and applied.
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PaxosClient } from '../client/paxos-client.js';
import type { KeyPair } from '../cluster/keys.js';
import { nodeDataPath, operatorAuth, prepareCluster, readClusterFile, type ClusterConfig } from '../cluster/data-dir.js';
import { installShutdownHooks, Supervisor } from '../cluster/supervisor.js';
import { guardTempDir } from '../cluster/temp-dir-guard.js';
import { BenchError, type BenchTarget, type WriteAck } from './bench-target.js';
import { cpuSeconds, dirBytes, rssMiB } from './process-stats.js';

export interface OwnClusterOptions {
  readonly nodes: number;
  /** Kept afterwards when given; otherwise a temp dir that is removed. */
  readonly dataDir?: string;
  readonly tickMs?: number;
  /** No CURVE (debugging, or measuring what CURVE costs). */
  readonly insecure?: boolean;
  /** true: nodes run with --trace (their message trace on). */
  readonly trace?: boolean;
  /** Called with every line a node writes on stderr (a crash must not go unseen). */
  readonly onNodeError: (line: string) => void;
  /** The first Ctrl-C (true if taken: the run ends early and reports); a second one quits. */
  readonly firstInterrupt?: () => boolean;
}

const LEADER_WAIT_MS = 30_000;
const CLIENT_TIMEOUT_MS = 10_000;

export interface RestartResult {
  readonly node: number;
  readonly chosenEntries: number;
  readonly dataDirBytes: number;
  /** Spawn of the process to its `ready` event (DB opened, log replayed, sockets bound). */
  readonly spawnToReadyMs: number;
  /** Spawn to answering a client with everything it had chosen before the kill applied. */
  readonly spawnToServingMs: number;
}

/** What a bench that started its own cluster must stop and clean up. */
interface OwnedCluster {
  readonly sup: Supervisor;
  readonly dataDir: string;
  readonly removeDir: boolean;
  readonly removeHooks: () => void;
}

/** How bench's gets read: read index, the leader's lease, a log slot, or one node's state (stale). */
export type BenchReadMode = 'index' | 'lease' | 'log' | 'local';

export class PaxosTarget implements BenchTarget {
  readonly name = 'paxos';
  readMode: BenchReadMode = 'index';
  private localTurn = 0;

  private constructor(
    private readonly cluster: ClusterConfig,
    private readonly client: PaxosClient,
    private readonly own: OwnedCluster | null,
  ) {}

  static async ownCluster(o: OwnClusterOptions): Promise<PaxosTarget> {
    const removeDir = o.dataDir === undefined;
    const dataDir = o.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'paxos-bench-')));
    const releaseGuard = removeDir ? guardTempDir(dataDir) : () => undefined;
    let prepared: Awaited<ReturnType<typeof prepareCluster>>;
    try {
      prepared = await prepareCluster({ dataDir, size: o.nodes, basePort: undefined, fresh: true, insecure: o.insecure === true });
    } catch (err) {
      releaseGuard();
      if (removeDir) rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
    const sup = new Supervisor({
      cluster: prepared.cluster,
      clusterFile: prepared.clusterFile,
      dataDir,
      nodeArgs: [...(o.tickMs === undefined ? [] : ['--tick-ms', String(o.tickMs)]), ...(o.insecure === true ? ['--insecure'] : [])],
      trace: o.trace === true,
    });
    sup.onEvent((e) => {
      if (e.type === 'stderr') o.onNodeError(`node ${e.id}: ${e.line}`);
      if (e.type === 'exited' && !e.requested) o.onNodeError(`node ${e.id} exited unexpectedly (code ${e.code ?? '-'}, signal ${e.signal ?? '-'})`);
    });
    // On Ctrl-C the hooks stop the nodes, then exit: the temp dir goes last, synchronously.
    const removeOnExit = (): void => {
      if (removeDir) rmSync(dataDir, { recursive: true, force: true });
    };
    process.on('exit', removeOnExit);
    const removeSupervisorHooks = installShutdownHooks(sup, undefined, o.firstInterrupt !== undefined ? { firstInterrupt: o.firstInterrupt } : {});
    releaseGuard();
    const removeHooks = (): void => {
      removeSupervisorHooks();
      process.off('exit', removeOnExit);
    };
    await sup.start();
    return PaxosTarget.connect(prepared.cluster, prepared.auth, { sup, dataDir, removeDir, removeHooks });
  }

  static async running(clusterFile: string): Promise<PaxosTarget> {
    const cluster = await readClusterFile(clusterFile).catch((err: Error) => {
      throw new BenchError('no-cluster', err.message);
    });
    if (cluster === null) throw new BenchError('no-cluster', `cluster file ${clusterFile} does not exist; start one with \`paxos-cli up\` or leave out --cluster`);
    let auth: KeyPair | null;
    try {
      auth = operatorAuth(clusterFile, cluster);
    } catch (err) {
      throw new BenchError('no-cluster', (err as Error).message);
    }
    return PaxosTarget.connect(cluster, auth, null);
  }

  /** A client on the cluster, returned once a leader answers; closes everything if none does. */
  private static async connect(cluster: ClusterConfig, auth: KeyPair | null, owned: OwnedCluster | null): Promise<PaxosTarget> {
    const client = new PaxosClient(cluster, { clientId: 'bench', timeoutMs: CLIENT_TIMEOUT_MS, ...(auth !== null ? { auth } : {}) });
    const target = new PaxosTarget(cluster, client, owned);
    try {
      await target.waitForLeader();
    } catch (err) {
      await target.close();
      throw err;
    }
    return target;
  }

  /** A write that succeeds proves a leader and a quorum; retried until the deadline. */
  private async waitForLeader(): Promise<void> {
    const deadline = Date.now() + LEADER_WAIT_MS;
    let last = '';
    while (Date.now() < deadline) {
      try {
        await this.client.set('bench-warmup', 'x');
        return;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
        await sleep(100);
      }
    }
    throw new BenchError('unreachable', `the paxos cluster did not accept a write within ${LEADER_WAIT_MS / 1000} s (${last})`);
  }

  async set(key: string, value: string): Promise<WriteAck> {
    const r = await this.client.set(key, value);
    return { order: r.slot };
  }

  async get(key: string): Promise<string | null> {
    switch (this.readMode) {
      case 'log':
        return (await this.client.get(key)).value;
      case 'local': {
        const nodes = this.cluster.nodes;
        const id = nodes[this.localTurn++ % nodes.length]!.id;
        return (await this.client.getLocal(id, key)).value;
      }
      default:
        return (await this.client.read(key, { mode: this.readMode })).value;
    }
  }

  async lastValueAt(key: string, slot: number): Promise<string | null | undefined> {
    const node = this.client.leader ?? this.cluster.nodes[0]!.id;
    const dump = await this.client.logDump(node, slot, slot + 1);
    const entry = dump.chosen.find((e) => e.slot === slot);
    if (entry === undefined || entry.value.kind !== 'batch') return undefined;
    let last: string | null | undefined;
    for (const c of entry.value.cmds) {
      if (c.key !== key) continue;
      if (c.op === 'set') last = c.value;
      else if (c.op === 'del') last = null;
    }
    return last;
  }

  async serverCpuSeconds(): Promise<(number | null)[]> {
    return Promise.all(
      this.cluster.nodes.map(async (n) => {
        try {
          return await cpuSeconds((await this.client.status(n.id)).pid);
        } catch {
          return null;
        }
      }),
    );
  }

  async describe(): Promise<Record<string, unknown>> {
    const nodes: Record<string, unknown>[] = [];
    let traced: boolean | undefined;
    for (const n of this.cluster.nodes) {
      try {
        const s = await this.client.status(n.id);
        if (s.trace !== undefined) traced = traced === true || s.trace;
        const rss = n.host === '127.0.0.1' || n.host === 'localhost' ? await rssMiB(s.pid) : null;
        nodes.push({ id: n.id, pid: s.pid, role: s.role, commitIndex: s.commitIndex, rssMiB: rss });
      } catch {
        nodes.push({ id: n.id, role: 'down' });
      }
    }
    const out: Record<string, unknown> = { nodes: this.cluster.nodes.length, nodeStats: nodes, readMode: this.readMode, ...(traced !== undefined ? { traced } : {}) };
    if (this.own !== null) {
      const perNode = await Promise.all(this.cluster.nodes.map((n) => dirBytes(nodeDataPath(this.own!.dataDir, n.id))));
      out.dataDirBytesPerNode = perNode;
      if (!this.own.removeDir) out.dataDir = this.own.dataDir;
    }
    return out;
  }

  /**
   * SIGKILLs a follower and restarts it on its data dir, timing the way back: to `ready`, and
   * to serving a local read with everything it had chosen before the kill applied.
   */
  async measureRestart(): Promise<RestartResult> {
    if (this.own === null) throw new BenchError('not-supported', '--measure-restart needs a cluster the bench started itself (leave out --cluster)');
    const { sup, dataDir } = this.own;
    const leader = this.client.leader;
    const id = this.cluster.nodes.map((n) => n.id).find((i) => i !== leader && sup.isAlive(i));
    if (id === undefined) throw new BenchError('not-supported', 'no live follower to restart');
    const before = await this.client.status(id);
    await sup.kill(id);
    const bytes = await dirBytes(nodeDataPath(dataDir, id));
    let readyAt: number | null = null;
    const off = sup.onEvent((e) => {
      if (e.type === 'node-event' && e.id === id && e.event.event === 'ready' && readyAt === null) readyAt = performance.now();
    });
    const spawnedAt = performance.now();
    await sup.restart(id);
    const deadline = Date.now() + 60_000;
    let servingAt: number | null = null;
    try {
      while (Date.now() < deadline) {
        try {
          const r = await this.client.getLocal(id, 'bench-warmup');
          if (r.appliedIndex >= before.commitIndex) {
            servingAt = performance.now();
            break;
          }
        } catch {
          // not up yet
        }
        await sleep(5);
      }
    } finally {
      off();
    }
    if (servingAt === null || readyAt === null) throw new BenchError('unreachable', `node ${id} did not come back within 60 s`);
    return {
      node: id,
      chosenEntries: before.commitIndex,
      dataDirBytes: bytes,
      spawnToReadyMs: Math.round(readyAt - spawnedAt),
      spawnToServingMs: Math.round(servingAt - spawnedAt),
    };
  }

  /** The bench's own cluster (null for a running one): its run folder copies from it. */
  get ownDataDir(): string | null {
    return this.own?.dataDir ?? null;
  }

  get ownSupervisor(): Supervisor | null {
    return this.own?.sup ?? null;
  }

  /** Stops the own cluster's nodes, keeping the data dir until close(): their files end whole. */
  async stopNodes(): Promise<void> {
    await this.own?.sup.stopAll();
  }

  async close(): Promise<void> {
    await this.client.close();
    if (this.own !== null) {
      await this.own.sup.stopAll();
      this.own.removeHooks();
      if (this.own.removeDir) await fs.rm(this.own.dataDir, { recursive: true, force: true });
    }
  }
}
