// The data dir layout the CLI owns: DIR/cluster.json (who is in the cluster, where) and
// DIR/node-N/ (node N's LevelDB, written by the node process itself).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { ClusterFileError, loadClusterFile, parseCluster, type Cluster } from './cluster-file.js';
import { ensureKeyFile, KeyFileError, nodeKeyPath, operatorKeyPath, readKeyFile, type KeyPair } from './keys.js';
import { EVENT_FILE, OLD_EVENT_FILE } from '../node/event-file.js';
import { freePorts, isPortFree } from './free-ports.js';

export const MAX_NODES = 9;

/** The shared format, with what the CLI adds: at most MAX_NODES member (not removed) nodes. */
export type ClusterConfig = Cluster;
export type ClusterNode = Cluster['nodes'][number];

export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function clusterFilePath(dataDir: string): string {
  return path.join(dataDir, 'cluster.json');
}

export function nodeDataPath(dataDir: string, id: number): string {
  return path.join(dataDir, `node-${id}`);
}

export async function readClusterFile(file: string): Promise<ClusterConfig | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError('bad-cluster-file', `cannot read ${file}: ${(err as Error).message}`);
  }
  let cluster: Cluster;
  try {
    cluster = parseCluster(text, file);
  } catch (err) {
    if (err instanceof ClusterFileError) throw new CliError('bad-cluster-file', `${err.message}; fix it or start over with --fresh`);
    throw err;
  }
  // Ids grow with `add` and removed nodes stay listed (as 'removed'): any ids, at most
  // MAX_NODES members.
  const members = cluster.nodes.filter((n) => (n.member ?? 'voter') !== 'removed');
  if (members.length > MAX_NODES) {
    throw new CliError('bad-cluster-file', `${file} has ${members.length} member nodes; up runs at most ${MAX_NODES} (use --fresh to start over)`);
  }
  if (members.length === 0) {
    throw new CliError('bad-cluster-file', `${file}: every node is marked removed, so there is nothing to start; use --fresh to start over`);
  }
  return cluster;
}

export async function writeClusterFile(file: string, cluster: ClusterConfig): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, JSON.stringify(cluster, null, 2) + '\n');
  await fs.rename(tmp, file);
}

/** Refuses to wipe a directory that does not look like ours: a typo must not delete $HOME. */
export async function wipeDataDir(dataDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const ours = entries.every((e) => e === 'cluster.json' || e === 'supervisor.pid' || e === 'keys' || /^node-\d+$/.test(e) || e.startsWith('cluster.json.tmp-'));
  if (!ours) {
    throw new CliError('not-a-data-dir', `refusing to wipe ${dataDir}: it holds files paxos-cli did not write; pick another --data-dir`);
  }
  // Keep the directory (and our supervisor.pid in it): only its contents go.
  await Promise.all(entries.filter((e) => e !== 'supervisor.pid').map((e) => fs.rm(path.join(dataDir, e), { recursive: true, force: true })));
}

export interface PrepareOptions {
  readonly dataDir: string;
  readonly size: number | undefined;
  readonly basePort: number | undefined;
  readonly fresh: boolean;
  /** No keys: nodes run --insecure and clients speak plain ZMTP (debugging only). */
  readonly insecure?: boolean;
}

export interface PreparedCluster {
  readonly cluster: ClusterConfig;
  readonly clusterFile: string;
  /** The operator's key pair, for every client of this cluster; null when insecure. */
  readonly auth: KeyPair | null;
  readonly resumed: boolean;
  /** Set when the size asked for differs from the size found on disk. */
  readonly note?: string;
}

/**
 * Resumes the cluster in dataDir (its size wins: every node that is not removed, with the ids it
 * has, which grow with `add`), or creates one; ports are re-picked if taken.
 */
export async function prepareCluster(opts: PrepareOptions): Promise<PreparedCluster> {
  if (opts.fresh) await wipeDataDir(opts.dataDir);
  await fs.mkdir(opts.dataDir, { recursive: true });
  const clusterFile = clusterFilePath(opts.dataDir);
  const existing = await readClusterFile(clusterFile);
  const oldNodes = existing?.nodes ?? [];
  const isRemoved = (n: ClusterNode): boolean => (n.member ?? 'voter') === 'removed';
  const ids = existing !== null ? existing.nodes.filter((n) => !isRemoved(n)).map((n) => n.id) : Array.from({ length: opts.size ?? 3 }, (_, i) => i + 1);
  const size = ids.length;
  let note: string | undefined;
  if (existing !== null && opts.size !== undefined && opts.size !== size) {
    note = `resuming the ${size}-node cluster in ${opts.dataDir} (asked for ${opts.size}; use --fresh to start a new one)`;
  }
  const removed = oldNodes.filter(isRemoved);
  const ports = await choosePorts(ids, opts.basePort, existing, new Set(removed.map((n) => n.port)));
  // Keys are made once and kept: a cluster made before keys existed gets them here.
  const keys = opts.insecure === true ? null : clusterKeys(opts.dataDir, ids);
  const nodes: ClusterNode[] = ids.map((id, i) => {
    const old = oldNodes.find((n) => n.id === id);
    return {
      id,
      host: '127.0.0.1',
      port: ports[i] as number,
      ...(keys === null ? {} : { publicKey: keys.nodes[i]! }),
      ...(old?.member !== undefined ? { member: old.member } : {}),
      ...(old?.replaces !== undefined ? { replaces: old.replaces } : {}),
    };
  });
  const cluster: ClusterConfig = {
    // Removed nodes stay listed, as they were: their ids are never handed out again.
    nodes: [...nodes, ...removed].sort((a, b) => a.id - b.id),
    ...(keys === null ? {} : { operatorKeys: [keys.operator.publicKey] }),
    clusterId: existing?.clusterId ?? randomUUID(),
    hasRun: existing?.hasRun ?? (existing === null ? [] : await nodesWithData(opts.dataDir, ids)),
    ...(existing?.genesis !== undefined ? { genesis: existing.genesis } : {}),
  };
  await writeClusterFile(clusterFile, cluster);
  const auth = keys?.operator ?? null;
  const resumed = existing !== null;
  return note === undefined ? { cluster, clusterFile, auth, resumed } : { cluster, clusterFile, auth, resumed, note };
}

/**
 * The operator key pair for a cluster file written by `up`: null when the cluster is insecure
 * (no keys in it); read from keys/operator.key beside the file otherwise.
 */
export function operatorAuth(clusterFile: string, cluster: ClusterConfig): KeyPair | null {
  if (cluster.operatorKeys === undefined || cluster.operatorKeys.length === 0) return null;
  try {
    return readKeyFile(operatorKeyPath(path.dirname(clusterFile)));
  } catch (err) {
    if (err instanceof KeyFileError) throw new CliError('bad-key-file', `${err.message} (the cluster in ${clusterFile} uses CURVE keys)`);
    throw err;
  }
}

/**
 * A running cluster as another terminal reaches it (attach, one-shot commands): its cluster file
 * and the operator key beside it. A one-line error otherwise, with the exit code it deserves
 * (2: no such file, a usage error; 1: a file or key that cannot be used).
 */
export function openClusterFile(clusterFile: string): { cluster: ClusterConfig; auth: KeyPair | null } | { error: string; code: 1 | 2 } {
  if (!existsSync(clusterFile)) return { error: `no cluster file at ${clusterFile}; give its path with --cluster FILE (written by paxos-cli init or up: DIR/cluster.json)`, code: 2 };
  try {
    const cluster = loadClusterFile(clusterFile);
    return { cluster, auth: operatorAuth(clusterFile, cluster) };
  } catch (err) {
    if (err instanceof ClusterFileError || err instanceof CliError) return { error: err.message, code: 1 };
    throw err;
  }
}

/** Each node's public key and the operator's pair, made where missing (secret keys: mode 0600). */
function clusterKeys(dataDir: string, ids: readonly number[]): { nodes: string[]; operator: KeyPair } {
  try {
    const nodes = ids.map((id) => ensureKeyFile(nodeKeyPath(dataDir, id)).publicKey);
    return { nodes, operator: ensureKeyFile(operatorKeyPath(dataDir)) };
  } catch (err) {
    if (err instanceof KeyFileError) throw new CliError('bad-key-file', err.message);
    throw err;
  }
}

/** For a cluster.json from before hasRun: a node whose dir holds anything but its log file has run. */
async function nodesWithData(dataDir: string, ids: readonly number[]): Promise<number[]> {
  const has = await Promise.all(ids.map((id) => fs.readdir(nodeDataPath(dataDir, id)).then((e) => e.some((f) => f !== EVENT_FILE && f !== OLD_EVENT_FILE), () => false)));
  return ids.filter((_, i) => has[i]);
}

async function choosePorts(ids: readonly number[], basePort: number | undefined, existing: ClusterConfig | null, taken: ReadonlySet<number>): Promise<number[]> {
  const size = ids.length;
  if (basePort !== undefined) {
    const ports = Array.from({ length: size }, (_, i) => basePort + i);
    for (const p of ports) {
      if (!(await isPortFree(p))) throw new CliError('port-busy', `port ${p} is already in use; pick another --base-port or leave it out`);
      if (taken.has(p)) throw new CliError('port-busy', `port ${p} belongs to a removed node in the cluster file; pick another --base-port or leave it out`);
    }
    return ports;
  }
  if (existing !== null) {
    const old = ids.map((id) => existing.nodes.find((n) => n.id === id)?.port ?? 0);
    const free = await Promise.all(old.map((p) => (p === 0 ? false : isPortFree(p))));
    if (free.every(Boolean)) return old;
  }
  // A removed node's port stays in the file: never hand it to another node (one address twice).
  const ports: number[] = [];
  while (ports.length < size) ports.push(...(await freePorts(size - ports.length)).filter((p) => !taken.has(p) && !ports.includes(p)));
  return ports;
}

/** A free loopback port for a node added at runtime, not one the cluster file already names. */
export async function freePortFor(cluster: ClusterConfig): Promise<number> {
  const taken = new Set(cluster.nodes.map((n) => n.port));
  for (;;) {
    const [p] = await freePorts(1);
    if (p !== undefined && !taken.has(p)) return p;
  }
}
