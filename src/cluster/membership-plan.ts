// The pure half of the membership commands (add, remove, replace, transfer, members): what the
// cluster file becomes, which configuration to propose, and whether a change would leave the
// cluster without a quorum, and where a new node listens. No I/O here: src/cli/membership-command.ts runs the steps.
import { isIP } from 'node:net';
import { MAX_LEARNERS, MAX_VOTERS } from '../paxos/membership.js';
import { quorumSize } from '../paxos/quorum.js';
import type { Member, NodeId } from '../paxos/types.js';
import { genesisIds, type MemberState } from './cluster-file.js';
import type { ClusterConfig, ClusterNode } from './data-dir.js';
import { addressKey, canonicalIp, DEFAULT_NODE_PORT, isLoopback, showAddress } from './host-list.js';

/** One configuration as a node's status reports it (status.membership.inForce / next). */
export interface ConfigView {
  /** The slot it was chosen in; -1 for the cluster's first configuration. */
  readonly slot: number;
  /** The first slot it rules. */
  readonly activeFrom: number;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** status.membership: what the node knows of the configuration, and what it is in it. */
export interface MembershipView {
  readonly self: 'voter' | 'learner' | 'removed' | 'joining' | 'leaving';
  readonly inForce: ConfigView;
  readonly next: ConfigView | null;
  /** The node a leadership transfer hands over to, while one is under way. */
  readonly transferTo: NodeId | null;
}

export function memberState(n: Pick<ClusterNode, 'member'>): MemberState {
  return n.member ?? 'voter';
}

/** The nodes that are members (voters or learners) as far as the file knows: those `up` starts. */
export function activeNodes(c: ClusterConfig): ClusterNode[] {
  return c.nodes.filter((n) => memberState(n) !== 'removed');
}

/** A new node's id: one above every id the file ever held (removed ones included), never reused. */
export function nextNodeId(c: ClusterConfig): NodeId {
  return Math.max(0, ...c.nodes.map((n) => n.id)) + 1;
}

/**
 * The file with `genesis` written: before its first membership change a file without one must
 * record that every node it lists now was a voter of the first configuration, or a later reader
 * would take the grown list for it.
 */
export function withGenesis(c: ClusterConfig): ClusterConfig {
  return c.genesis !== undefined ? c : { ...c, genesis: genesisIds(c) };
}

/** The file with `node` in it (replacing the entry of the same id), in id order. */
export function withNode(c: ClusterConfig, node: ClusterNode): ClusterConfig {
  return { ...c, nodes: [...c.nodes.filter((n) => n.id !== node.id), node].sort((a, b) => a.id - b.id) };
}

/** The file with node `id`'s last known member state set; null when it already says so. */
export function withMemberState(c: ClusterConfig, id: NodeId, member: MemberState): ClusterConfig | null {
  const node = c.nodes.find((n) => n.id === id);
  if (node === undefined || memberState(node) === member) return null;
  return withNode(c, { ...node, member });
}

/** A configuration's members, with each one's address and key from the file. */
export function membersOf(c: ClusterConfig, voters: readonly NodeId[], learners: readonly NodeId[] = []): Member[] | string {
  const out: Member[] = [];
  for (const [ids, voter] of [[voters, true], [learners, false]] as const) {
    for (const id of ids) {
      const n = c.nodes.find((x) => x.id === id);
      if (n === undefined) return `node ${id} is in the configuration but not in the cluster file; fix the file or remove ${id}`;
      out.push({ id, voter, host: n.host, port: n.port, ...(n.publicKey !== undefined ? { publicKey: n.publicKey } : {}) });
    }
  }
  return out.sort((a, b) => a.id - b.id);
}

/** The configuration that will rule once the one chosen (if any) takes effect. */
export function latestConfig(m: MembershipView): ConfigView {
  return m.next ?? m.inForce;
}

const list = (ids: readonly number[]): string => ids.map((id) => `n${id}`).join(',');

/** Why `add` cannot start, or null: the voter limit and the learner limit. */
export function addProblem(config: ConfigView): string | null {
  if (config.voters.length >= MAX_VOTERS) return `the cluster has ${config.voters.length} voters, the most it may have; remove one first`;
  if (config.learners.length >= MAX_LEARNERS) return `the cluster has ${config.learners.length} learners already; wait until they are voters or remove one`;
  return null;
}

/**
 * Why removing `id` would stop the cluster, or null. Both configurations need a live majority:
 * the one in force chooses the change, the next one decides everything after it.
 */
export function removalProblem(config: ConfigView, live: ReadonlySet<NodeId>, id: NodeId): string | null {
  const isVoter = config.voters.includes(id);
  if (!isVoter && !config.learners.includes(id)) return `node ${id} is not a member of the configuration (members: ${list([...config.voters, ...config.learners].sort((a, b) => a - b))})`;
  if (!isVoter) return null;
  const voters = config.voters.filter((v) => v !== id);
  if (voters.length === 0) return `node ${id} is the last voter; a cluster needs at least one (add another node first)`;
  const liveNow = config.voters.filter((v) => live.has(v));
  const downNow = config.voters.filter((v) => !live.has(v));
  if (liveNow.length < quorumSize(config.voters.length)) {
    return `no quorum now: ${liveNow.length} of ${config.voters.length} voters live (${list(downNow)} down), so no change can be chosen; restart ${downNow[0]} first`;
  }
  const liveAfter = voters.filter((v) => live.has(v));
  const need = quorumSize(voters.length);
  if (liveAfter.length < need) {
    const down = voters.filter((v) => !live.has(v));
    if (live.has(id)) {
      return `removing ${liveNow.length - liveAfter.length} of ${liveNow.length} live voters would stop the cluster: ${liveAfter.length} of ${voters.length} voters left live, ${need} needed; restart ${list(down)} first`;
    }
    return `removing node ${id} would leave ${liveAfter.length} of ${voters.length} live voters: no quorum (${need} needed); restart ${list(down)} first`;
  }
  return null;
}

/** The configuration after removing `id`. */
export function withoutMember(config: ConfigView, id: NodeId): { voters: NodeId[]; learners: NodeId[] } {
  return { voters: config.voters.filter((v) => v !== id), learners: config.learners.filter((v) => v !== id) };
}

/** One line for a configuration: "voters 1 2 3 · learners 4 · since slot 120". */
export function describeConfig(c: ConfigView): string {
  const learners = c.learners.length > 0 ? ` · learners ${c.learners.join(' ')}` : '';
  const since = c.slot < 0 ? 'the first configuration' : `since slot ${c.activeFrom} (chosen in ${c.slot})`;
  return `voters ${c.voters.join(' ')}${learners} · ${since}`;
}

/** The UI's header line: the configuration in force, and the next one while it waits to rule. */
export function configHeader(m: Pick<MembershipView, 'inForce' | 'next'>): string {
  const c = m.inForce;
  const learners = c.learners.length > 0 ? ` · learners ${c.learners.join(' ')}` : '';
  const since = c.slot < 0 ? 'first configuration' : `since slot ${c.activeFrom}`;
  const next = m.next === null ? '' : ` (next from ${m.next.activeFrom}: voters ${m.next.voters.join(' ')}${m.next.learners.length > 0 ? ` · learners ${m.next.learners.join(' ')}` : ''})`;
  return `config voters ${c.voters.join(' ')}${learners} · ${since}${next}`;
}

/** The same configuration (members and roles), whatever the order. */
export function sameMembers(a: Pick<ConfigView, 'voters' | 'learners'>, b: Pick<ConfigView, 'voters' | 'learners'>): boolean {
  const key = (c: Pick<ConfigView, 'voters' | 'learners'>) => `${[...c.voters].sort((x, y) => x - y).join(',')}|${[...c.learners].sort((x, y) => x - y).join(',')}`;
  return key(a) === key(b);
}

/**
 * The order of the UI's panes: by id, except that a node which replaced another takes the place
 * of the one it replaced (following chains: 5 replaced 4 which replaced 2 sits where 2 sat).
 */
export function paneOrder(nodes: readonly Pick<ClusterNode, 'id' | 'replaces'>[]): NodeId[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const root = (n: Pick<ClusterNode, 'id' | 'replaces'>): number => {
    let id = n.id;
    let at: Pick<ClusterNode, 'id' | 'replaces'> | undefined = n;
    for (let i = 0; i < 100 && at?.replaces !== undefined; i++) {
      id = at.replaces;
      at = byId.get(at.replaces);
    }
    return id;
  };
  return [...nodes].sort((a, b) => root(a) - root(b) || a.id - b.id).map((n) => n.id);
}

/** `--host H[:PORT]` of add and replace: where the new node is to listen (port null: not given). */
export interface AskedPlace {
  readonly host: string;
  readonly port: number | null;
}

/** Whether a cluster file host is this machine's loopback: only this machine can dial it. */
export function isLoopbackHost(host: string): boolean {
  return /^localhost\.?$/i.test(host) || (isIP(host) !== 0 && isLoopback(host));
}

/**
 * Where a new node listens, or why not there. A cluster on loopback (one machine, as `up` runs
 * it) takes a loopback node only, on a free port (port null: the caller picks one) unless one is
 * given. A cluster across hosts cannot guess the new node's host, so `--host` is required there,
 * and a loopback one is refused: the other hosts could not dial it. An address the file names
 * already, a removed node's included, is refused.
 */
export function placeNewNode(c: ClusterConfig, asked: AskedPlace | undefined, usage: string): AskedPlace | string {
  const onLoopback = activeNodes(c).every((n) => isLoopbackHost(n.host));
  if (asked === undefined) {
    if (onLoopback) return { host: '127.0.0.1', port: null };
    return `this cluster's nodes run on other hosts; say where the new node will run: ${usage} --host HOST[:PORT]`;
  }
  const host = oneSpelling(asked.host);
  if (onLoopback && !isLoopbackHost(host)) {
    return `this cluster's nodes listen on loopback only (one machine), so a node on ${host} could not reach them; leave out --host, or give a 127.x address`;
  }
  if (!onLoopback && isLoopbackHost(host)) {
    return `${host} is this machine's loopback, which the cluster's other hosts cannot dial; give an address they reach`;
  }
  const port = asked.port ?? (onLoopback ? null : DEFAULT_NODE_PORT);
  if (port !== null) {
    const taken = c.nodes.find((n) => addressKey(oneSpelling(n.host), n.port) === addressKey(host, port));
    if (taken !== undefined) return `${showAddress(host, port)} is node ${taken.id}'s address${memberState(taken) === 'removed' ? ' (removed, and never reused)' : ''}; give another host or port`;
  }
  return { host, port };
}

/** One spelling per host: `H3.example.` is `h3.example`, `FD00:0::2` is `fd00::2`. */
function oneSpelling(host: string): string {
  return isIP(host) !== 0 ? canonicalIp(host) : host.toLowerCase().replace(/\.$/, '');
}
