// The cluster file names every node, its address and public key, and the operators' keys;
// every process of a cluster (nodes, the CLI, chaos, bench) reads the same one.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { NodeId } from '../paxos/types.js';
import { canonicalIp, hostProblem } from './host-list.js';
import { isZ85Key } from './x25519.js';

export interface ClusterNode {
  readonly id: NodeId;
  readonly host: string;
  readonly port: number;
  /** The node's CURVE public key (Z85): peers and clients accept only the holder of its secret. */
  readonly publicKey?: string | undefined;
  /**
   * What the last membership change this file saw made of the node (default voter). The log is
   * the truth; this tells `up` which nodes to start and the UI how to label a pane at once.
   */
  readonly member?: MemberState | undefined;
  /** The node whose pane this one takes (it replaced that node). */
  readonly replaces?: NodeId | undefined;
}

export type MemberState = 'voter' | 'learner' | 'removed';
export const MEMBER_STATES = ['voter', 'learner', 'removed'] as const;

export interface Cluster {
  readonly nodes: readonly ClusterNode[];
  /** Public keys of the operators (CLI, chaos, bench): the only clients a node admits. */
  readonly operatorKeys?: readonly string[] | undefined;
  /** Stamped into each node's DB on creation: a DB of another cluster is refused. */
  readonly clusterId?: string;
  /** Nodes that have run (reported ready) in this cluster: one whose data dir is gone must not start. */
  readonly hasRun?: readonly NodeId[];
  /** Voters of the cluster's first configuration; absent: every node (a cluster never changed). */
  readonly genesis?: readonly NodeId[];
}

const z85Key = z.string().refine(isZ85Key, 'not a CURVE public key (40 Z85 characters)');

const clusterSchema = z
  .object({
    nodes: z
      .array(
        z.object({
          id: z.number().int().min(1).max(1_000_000),
          host: z
            .string()
            .min(1)
            .max(253)
            .superRefine((h, ctx) => {
              const problem = hostProblem(h);
              if (problem !== null) ctx.addIssue({ code: 'custom', message: `${problem} (an IPv6 address goes without brackets)` });
            })
            .default('127.0.0.1'),
          port: z.number().int().min(1).max(65535),
          publicKey: z85Key.optional(),
          member: z.enum(MEMBER_STATES).optional(),
          replaces: z.number().int().min(1).max(1_000_000).optional(),
        }),
      )
      .min(1)
      .max(99),
    operatorKeys: z.array(z85Key).max(100).optional(),
    clusterId: z.string().min(1).max(200).optional(),
    hasRun: z.array(z.number().int().min(1).max(1_000_000)).max(99).optional(),
    genesis: z.array(z.number().int().min(1).max(1_000_000)).min(1).max(99).optional(),
  })
  .superRefine((c, ctx) => {
    const ids = new Set<number>();
    const addrs = new Set<string>();
    const keys = new Set<string>(c.operatorKeys ?? []);
    for (const n of c.nodes) {
      if (n.publicKey !== undefined) {
        if (keys.has(n.publicKey)) ctx.addIssue({ code: 'custom', message: `node ${n.id}'s public key is used twice` });
        keys.add(n.publicKey);
      }
      if (ids.has(n.id)) ctx.addIssue({ code: 'custom', message: `node id ${n.id} appears twice` });
      // One address however it is spelled: names in any case, IPv6 compressed or not.
      const addr = `${canonicalIp(n.host.toLowerCase())}:${n.port}`;
      if (addrs.has(addr)) ctx.addIssue({ code: 'custom', message: `address ${addr} appears twice` });
      ids.add(n.id);
      addrs.add(addr);
    }
    for (const g of c.genesis ?? []) if (!ids.has(g)) ctx.addIssue({ code: 'custom', message: `genesis names node ${g}, which the file does not list` });
  });

export class ClusterFileError extends Error {
  readonly code = 'bad-cluster-file';
}

/** Parses a cluster file's JSON text; throws ClusterFileError with one readable line. */
export function parseCluster(text: string, source = 'cluster file'): Cluster {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ClusterFileError(`${source} is not valid JSON (${(err as Error).message})`);
  }
  const parsed = clusterSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new ClusterFileError(
      `${source} is invalid${where}: ${issue?.message ?? 'schema mismatch'} ` +
        `(expected {"nodes":[{"id":1,"host":"127.0.0.1","port":7001}, ...]})`,
    );
  }
  const { clusterId, hasRun, operatorKeys, genesis } = parsed.data;
  return {
    nodes: [...parsed.data.nodes].sort((a, b) => a.id - b.id),
    ...(genesis !== undefined ? { genesis } : {}),
    ...(clusterId !== undefined ? { clusterId } : {}),
    ...(hasRun !== undefined ? { hasRun } : {}),
    ...(operatorKeys !== undefined ? { operatorKeys } : {}),
  };
}

export function loadClusterFile(path: string): Cluster {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ClusterFileError(`cannot read cluster file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseCluster(text, `cluster file ${path}`);
}

/** ZeroMQ's endpoint for a node: an IPv6 address goes in brackets (and needs the socket's ipv6 option). */
export function nodeAddress(n: Pick<ClusterNode, 'host' | 'port'>): string {
  return `tcp://${isIP(n.host) === 6 ? `[${n.host}]` : n.host}:${n.port}`;
}

/** Whether a socket for this endpoint needs ZeroMQ's ipv6 option. */
export function needsIpv6(endpoint: string): boolean {
  return endpoint.startsWith('tcp://[');
}

/** The first configuration's voters: `genesis`, or every node of a file that never recorded one. */
export function genesisIds(cluster: Cluster): NodeId[] {
  return cluster.genesis !== undefined ? [...cluster.genesis] : cluster.nodes.map((n) => n.id);
}

export function findNode(cluster: Cluster, id: NodeId): ClusterNode | undefined {
  return cluster.nodes.find((n) => n.id === id);
}
