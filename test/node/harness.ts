// Shared harness of the multi-process node tests: real `paxos-cli node` processes (the built
// bin), real ZeroMQ on 127.0.0.1, real LevelDB in a temp dir. Every process it spawns is
// SIGKILLed by cleanup(), which the tests call from afterEach.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PaxosClient, type ClientOptions, type NodeStatus } from '../../src/client/paxos-client.js';
import { newKeyPair, nodeKeyPath, operatorKeyPath, writeKeyFile, type KeyPair } from '../../src/cluster/keys.js';
import { parseEventLine, type NodeEvent } from '../../src/node/events.js';
import type { Member, NodeId } from '../../src/paxos/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'paxos-cli.js');

/** Ports the kernel hands out for port 0; held together so no two are the same, then released. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      servers.push(
        await new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.once('error', reject);
          s.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => resolve(s));
        }),
      );
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Polls `probe` until it returns something other than undefined/false; fails with `what` at the deadline. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
}

export interface NodeProc {
  readonly id: NodeId;
  readonly child: ChildProcess;
  readonly spawnedAt: number;
  readonly events: NodeEvent[];
  stderr: string;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  readonly exited: Promise<void>;
}

export interface ClusterOptions {
  readonly size: number;
  readonly tickMs?: number;
  readonly requestTimeoutMs?: number;
  /** Passed as --snapshot-every when set; the node's default otherwise. */
  readonly snapshotEvery?: number;
  /** No CURVE keys: nodes run --insecure and clients speak plain ZMTP. */
  readonly insecure?: boolean;
  /** Nodes run --trace: their message trace (messages.ndjson) on from the start. */
  readonly trace?: boolean;
}

type TestNode = { id: NodeId; host: string; port: number; publicKey?: string; member?: 'voter' | 'learner' | 'removed' };

export class TestCluster {
  readonly procs = new Map<NodeId, NodeProc>();
  private readonly clients: PaxosClient[] = [];
  /** The first configuration's voters, once a node was added (the file then says so, as `add` writes it). */
  private genesis: NodeId[] | null = null;

  private constructor(
    readonly dir: string,
    readonly clusterFile: string,
    readonly nodes: TestNode[],
    private readonly opts: Required<ClusterOptions>,
    /** The operator's key pair (null when insecure): what clients of this cluster authenticate with. */
    readonly operator: KeyPair | null,
  ) {}

  static async create(options: ClusterOptions): Promise<TestCluster> {
    if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js')) || !existsSync(path.join(ROOT, 'dist', 'node', 'main.js'))) {
      throw new Error('dist/ is not built: run `npm run build` first (npm test does)');
    }
    const opts = { tickMs: 20, requestTimeoutMs: 2000, snapshotEvery: 0, insecure: false, trace: false, ...options };
    const dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-node-test-'));
    const ports = await freePorts(opts.size);
    const clusterFile = path.join(dir, 'cluster.json');
    if (opts.insecure) {
      const nodes = ports.map((port, i) => ({ id: i + 1, host: '127.0.0.1', port }));
      await writeFile(clusterFile, JSON.stringify({ nodes }));
      return new TestCluster(dir, clusterFile, nodes, opts, null);
    }
    // The layout `up` makes: secret keys in DIR/keys, public keys in the cluster file.
    const nodes = ports.map((port, i) => {
      const pair = newKeyPair();
      writeKeyFile(nodeKeyPath(dir, i + 1), pair);
      return { id: i + 1, host: '127.0.0.1', port, publicKey: pair.publicKey };
    });
    const operator = newKeyPair();
    writeKeyFile(operatorKeyPath(dir), operator);
    await writeFile(clusterFile, JSON.stringify({ nodes, operatorKeys: [operator.publicKey] }));
    return new TestCluster(dir, clusterFile, nodes, opts, operator);
  }

  get ids(): NodeId[] {
    return this.nodes.map((n) => n.id);
  }

  /** Options for a raw DEALER to node `id` that authenticates as the operator (plain when insecure). */
  operatorDealerOptions(id: NodeId): { curveServerKey?: string; curvePublicKey?: string; curveSecretKey?: string } {
    const serverKey = this.nodes.find((n) => n.id === id)?.publicKey;
    if (this.operator === null || serverKey === undefined) return {};
    return { curveServerKey: serverKey, curvePublicKey: this.operator.publicKey, curveSecretKey: this.operator.secretKey };
  }

  address(id: NodeId): string {
    return `tcp://127.0.0.1:${this.nodes.find((n) => n.id === id)!.port}`;
  }

  dataDir(id: NodeId): string {
    return path.join(this.dir, `node-${id}`);
  }

  isAlive(id: NodeId): boolean {
    const p = this.procs.get(id);
    return p !== undefined && p.exit === null;
  }

  aliveIds(): NodeId[] {
    return this.ids.filter((id) => this.isAlive(id));
  }

  /**
   * Adds a node to the cluster file as `add` does before it proposes it: a free port, a key pair
   * beside the others, member 'learner', and `genesis` (the first voters) written once.
   */
  async addNode(member: 'learner' | 'voter' = 'learner'): Promise<TestNode> {
    this.genesis ??= this.nodes.map((n) => n.id);
    const [port] = await freePorts(1);
    const id = Math.max(...this.nodes.map((n) => n.id)) + 1;
    const node: TestNode = { id, host: '127.0.0.1', port: port!, member };
    if (this.operator !== null) {
      const pair = newKeyPair();
      writeKeyFile(nodeKeyPath(this.dir, id), pair);
      node.publicKey = pair.publicKey;
    }
    this.nodes.push(node);
    await this.writeClusterFile();
    return node;
  }

  /** Records a node's member state in the cluster file (what the CLI does after a change). */
  async setMember(id: NodeId, member: 'voter' | 'learner' | 'removed'): Promise<void> {
    this.genesis ??= this.nodes.map((n) => n.id);
    const n = this.nodes.find((x) => x.id === id);
    if (n === undefined) throw new Error(`no node ${id}`);
    n.member = member;
    await this.writeClusterFile();
  }

  /** The node as a configuration names it (args of the admin action `config`). */
  member(id: NodeId, voter: boolean): Member {
    const n = this.nodes.find((x) => x.id === id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return { id, voter, host: n.host, port: n.port, ...(n.publicKey !== undefined ? { publicKey: n.publicKey } : {}) };
  }

  private async writeClusterFile(): Promise<void> {
    const file = {
      nodes: this.nodes,
      ...(this.operator !== null ? { operatorKeys: [this.operator.publicKey] } : {}),
      ...(this.genesis !== null ? { genesis: this.genesis } : {}),
    };
    const tmp = `${this.clusterFile}.tmp`;
    await writeFile(tmp, JSON.stringify(file));
    await rename(tmp, this.clusterFile);
  }

  /** clusterFile: another cluster file than the cluster's (an older copy, say). */
  spawn(id: NodeId, opts: { clusterFile?: string } = {}): NodeProc {
    if (this.isAlive(id)) throw new Error(`node ${id} is already running`);
    const args = [
      BIN,
      'node',
      '--id',
      String(id),
      '--cluster',
      opts.clusterFile ?? this.clusterFile,
      '--data-dir',
      this.dataDir(id),
      '--tick-ms',
      String(this.opts.tickMs),
      '--request-timeout-ms',
      String(this.opts.requestTimeoutMs),
      '--parent-pid',
      String(process.pid),
      ...(this.opts.snapshotEvery > 0 ? ['--snapshot-every', String(this.opts.snapshotEvery)] : []),
      ...(this.opts.insecure ? ['--insecure'] : []),
      ...(this.opts.trace ? ['--trace'] : []),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let resolveExit!: () => void;
    const proc: NodeProc = {
      id,
      child,
      spawnedAt: Date.now(),
      events: [],
      stderr: '',
      exit: null,
      exited: new Promise<void>((r) => (resolveExit = r)),
    };
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const ev = parseEventLine(line);
      if (ev !== null) proc.events.push(ev);
    });
    child.stderr!.on('data', (b: Buffer) => {
      if (proc.stderr.length < 64_000) proc.stderr += b.toString();
    });
    child.on('exit', (code, signal) => {
      proc.exit = { code, signal };
      resolveExit();
    });
    this.procs.set(id, proc);
    return proc;
  }

  async waitEvent(id: NodeId, pred: (e: NodeEvent) => boolean, what: string, timeoutMs = 20_000): Promise<NodeEvent> {
    const proc = this.procs.get(id);
    if (proc === undefined) throw new Error(`node ${id} was never started`);
    return waitFor(
      `node ${id}: ${what}`,
      () => {
        const ev = proc.events.find(pred);
        if (ev !== undefined) return ev;
        if (proc.exit !== null) throw new Error(`node ${id} exited (${JSON.stringify(proc.exit)}): ${proc.stderr.slice(0, 500)}`);
        return undefined;
      },
      timeoutMs,
      10,
    );
  }

  /** Spawns the node and resolves with its `ready` event and the wall time from spawn to it. */
  async start(id: NodeId, opts: { clusterFile?: string } = {}): Promise<{ ready: Extract<NodeEvent, { event: 'ready' }>; spawnToReadyMs: number }> {
    const proc = this.spawn(id, opts);
    const ready = (await this.waitEvent(id, (e) => e.event === 'ready', 'ready')) as Extract<NodeEvent, { event: 'ready' }>;
    return { ready, spawnToReadyMs: ready.t - proc.spawnedAt };
  }

  async startAll(): Promise<void> {
    for (const id of this.ids) this.spawn(id);
    await Promise.all(this.ids.map((id) => this.waitEvent(id, (e) => e.event === 'ready', 'ready')));
  }

  async kill(id: NodeId, signal: NodeJS.Signals = 'SIGKILL'): Promise<NodeProc> {
    const proc = this.procs.get(id);
    if (proc === undefined) throw new Error(`node ${id} was never started`);
    if (proc.exit === null) {
      proc.child.kill(signal);
      await waitFor(`node ${id} to exit after ${signal}`, () => proc.exit !== null, 15_000, 10);
    }
    return proc;
  }

  client(opts: ClientOptions = {}): PaxosClient {
    const c = new PaxosClient({ nodes: this.nodes }, { timeoutMs: 6000, ...(this.operator !== null ? { auth: this.operator } : {}), ...opts });
    this.clients.push(c);
    return c;
  }

  /** Asks every live node; resolves with the id that says it leads and is followed by the others. */
  async waitForLeader(c: PaxosClient, timeoutMs = 15_000): Promise<NodeId> {
    return waitFor(
      'a leader',
      async () => {
        const statuses = await Promise.all(this.aliveIds().map((id) => c.status(id)));
        const leaders = statuses.filter((s) => s.role === 'leader');
        if (leaders.length !== 1) return undefined;
        const leader = leaders[0]!.id;
        return statuses.every((s) => s.id === leader || s.leader === leader) ? leader : undefined;
      },
      timeoutMs,
      50,
    );
  }

  /** Waits until every given node has applied the same prefix and holds the same KV state. */
  async waitConverged(c: PaxosClient, ids: readonly NodeId[] = this.aliveIds(), timeoutMs = 20_000): Promise<NodeStatus[]> {
    return waitFor(
      `nodes ${ids.join(',')} to converge`,
      async () => {
        const s = await Promise.all(ids.map((id) => c.status(id)));
        const first = s[0]!;
        const same = s.every(
          (x) => x.appliedIndex === first.appliedIndex && x.commitIndex === first.appliedIndex && x.kvHash === first.kvHash,
        );
        return same ? s : undefined;
      },
      timeoutMs,
      50,
    );
  }

  /** Kills every process (SIGKILL), closes every client and removes the temp dir. */
  async cleanup(): Promise<void> {
    for (const c of this.clients) await c.close();
    const alive = [...this.procs.values()].filter((p) => p.exit === null);
    for (const p of alive) p.child.kill('SIGKILL');
    await Promise.all(alive.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 5000))])));
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Stderr of every node, for a failing test's message. */
  stderrDump(): string {
    return [...this.procs.values()]
      .filter((p) => p.stderr.trim() !== '')
      .map((p) => `--- node ${p.id} stderr ---\n${p.stderr.slice(0, 2000)}`)
      .join('\n');
  }
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once. */
export async function runPool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
