// The membership flows behind the commands add, remove N, replace N, transfer N, members (the
// CLI's src/cli/membership-command.ts) and behind chaos's membership faults. Each step is one thin
// call to the cluster (an admin action to the leader, or a status poll until the nodes say the
// step is done); what to propose and whether it is safe comes from membership-plan.ts (pure).
// The cluster file is rewritten (atomically, through its one write chain) as soon as a step is
// seen chosen, so a Ctrl-C, Esc or timeout at any point leaves it saying what the log says.
import fs from 'node:fs';
import path from 'node:path';
import { errorCode, type ClusterClient, type NodeStatus } from './cluster-client.js';
import { updateClusterFile } from './cluster-file-update.js';
import { isPortFree } from './free-ports.js';
import { clusterFilePath, freePortFor, nodeDataPath, readClusterFile, writeClusterFile, type ClusterConfig, type ClusterNode } from './data-dir.js';
import { DEFAULT_NODE_PORT, isLoopback, showAddress } from './host-list.js';
import { resolveHost } from './resolve-host.js';
import { ensureKeyFile, KeyFileError, nodeKeyPath } from './keys.js';
import {
  addProblem, describeConfig, isLoopbackHost, latestConfig, memberState, membersOf, nextNodeId, placeNewNode, removalProblem, sameMembers, withGenesis, withMemberState, withNode,
  withoutMember, type AskedPlace, type ConfigView, type MembershipView,
} from './membership-plan.js';
import type { MemberState } from './cluster-file.js';
import { compareBallotText } from './ballot-text.js';
import { formatBallotLike } from './cluster-client.js';
import type { StartOutcome } from './watch-start.js';

export interface MembershipTiming {
  /** A proposed configuration chosen and in force (the window of 8 slots behind it). */
  readonly changeMs: number;
  /** A new learner level with the leader's commit index. */
  readonly catchUpMs: number;
  /** A node on another host started by a person there (its folder copied first). */
  readonly handStartMs: number;
  /** A transfer of leadership done. */
  readonly transferMs: number;
  /** A removed node gone by itself. */
  readonly exitMs: number;
  readonly pollMs: number;
}

export const DEFAULT_TIMING: MembershipTiming = { changeMs: 30_000, catchUpMs: 120_000, handStartMs: 600_000, transferMs: 15_000, exitMs: 10_000, pollMs: 150 };

export interface MembershipDeps {
  readonly client: Pick<ClusterClient, 'status' | 'admin' | 'reopen'>;
  readonly clusterFile: string;
  /** The member nodes now (the supervisor's ids). */
  readonly ids: () => readonly number[];
  readonly isAlive: (id: number) => boolean;
  /** Set when this terminal runs the nodes: it spawns an added node and stops a replaced one. */
  readonly local?: {
    /** Starts a node whose entry the cluster file has; resolves once it is ready or failed. */
    spawn(id: number): Promise<StartOutcome>;
    /** SIGTERM and wait. */
    stop(id: number): Promise<void>;
    /** Whether it exited within ms. */
    waitExit(id: number, ms: number): Promise<boolean>;
  };
  /** The supervisor (or RemoteNodes) learns of a member added or removed. */
  readonly noteAdded: (id: number) => void;
  readonly noteRemoved: (id: number) => void;
  /** The cluster file changed (after the client reached the new node list): ports, panes. */
  readonly onCluster: (c: ClusterConfig) => void;
  /** One line per step, as it happens. */
  readonly progress: (line: string) => void;
  readonly signal?: AbortSignal;
  readonly timing?: Partial<MembershipTiming>;
}

export interface MembershipOutcome {
  readonly ok: boolean;
  readonly text: string;
  readonly fields: Record<string, unknown>;
  readonly error?: string;
  readonly detail?: readonly string[];
}

/** A step that cannot go on: its line, and the fields the failure still reports. */
class StepError extends Error {
  constructor(
    message: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

class Cancelled extends Error {}

/** The configuration in JSON: numbers named by the contract's rules (docs/json.md). */
export function configJson(c: ConfigView): Record<string, unknown> {
  return { slot: c.slot, activeFromIndex: c.activeFrom, voterNodes: [...c.voters], learnerNodes: [...c.learners] };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Found {
  readonly leader: number;
  readonly status: NodeStatus & { readonly membership: MembershipView };
  /** Every member that answered its status, by id. */
  readonly answered: ReadonlyMap<number, NodeStatus>;
}

export class MembershipRunner {
  private readonly t: MembershipTiming;

  constructor(private readonly d: MembershipDeps) {
    this.t = { ...DEFAULT_TIMING, ...d.timing };
  }

  private check(): void {
    if (this.d.signal?.aborted === true) throw new Cancelled('cancelled');
  }

  /** Every member's status (those that answer), and the leader with the highest ballot. */
  private async survey(): Promise<{ leader: number | null; answered: Map<number, NodeStatus> }> {
    const answered = new Map<number, NodeStatus>();
    await Promise.all(
      this.d.ids().filter((id) => this.d.isAlive(id)).map(async (id) => {
        try {
          answered.set(id, await this.d.client.status(id));
        } catch {
          // Down or unreachable: not live for the quorum check.
        }
      }),
    );
    const leaders = [...answered.values()].filter((s) => s.role === 'leader').sort((a, b) => compareBallotText(formatBallotLike(b.ballot), formatBallotLike(a.ballot)));
    return { leader: leaders[0]?.id ?? null, answered };
  }

  /** The leader and its view of the membership, waiting (within ms) for one to exist. */
  private async findLeader(ms = this.t.changeMs): Promise<Found> {
    const deadline = Date.now() + ms;
    for (;;) {
      this.check();
      const { leader, answered } = await this.survey();
      const status = leader === null ? undefined : answered.get(leader);
      if (leader !== null && status !== undefined) {
        if (status.membership === undefined) {
          throw new StepError(`node ${leader} does not report its membership (status.membership): it runs a paxos-cli without membership changes; restart the nodes with this version`);
        }
        return { leader, status: status as Found['status'], answered };
      }
      if (Date.now() + this.t.pollMs > deadline) throw new StepError(`no leader within ${Math.round(ms / 1000)} s (${answered.size} of ${this.d.ids().length} members answered); status shows why`);
      await sleep(this.t.pollMs);
    }
  }

  /** Polls until `done` holds for the leader's view (or a node's status), or fails after ms. */
  private async waitFor(what: string, ms: number, done: (f: Found) => boolean | Promise<boolean>): Promise<Found> {
    const deadline = Date.now() + ms;
    for (;;) {
      this.check();
      let found: Found | null = null;
      try {
        found = await this.findLeader(Math.max(1, deadline - Date.now()));
      } catch (err) {
        if (err instanceof Cancelled || Date.now() >= deadline) throw err;
      }
      if (found !== null && (await done(found))) return found;
      if (Date.now() + this.t.pollMs > deadline) throw new StepError(`gave up after ${Math.round(ms / 1000)} s waiting until ${what}`);
      await sleep(this.t.pollMs);
    }
  }

  /** An admin action to the leader, following a new leader once or twice. */
  private async toLeader(action: 'config' | 'transfer', args: unknown): Promise<number> {
    let found = await this.findLeader();
    const deadline = Date.now() + this.t.changeMs;
    for (let attempt = 0; ; attempt++) {
      this.check();
      try {
        await this.d.client.admin!(found.leader, action, args);
        return found.leader;
      } catch (err) {
        const code = errorCode(err);
        const why = err instanceof Error ? err.message : String(err);
        // A new leader refuses changes until what it recovered is chosen: a moment, not a conflict.
        if (code === 'busy' && /catching up/.test(why) && Date.now() + this.t.pollMs < deadline) {
          await sleep(this.t.pollMs);
          continue;
        }
        if (code === 'busy') throw new StepError(`the cluster is busy: ${why}; one change at a time: wait until members shows the last one in force, then try again`);
        if (code === 'not-leader' && attempt < 3) {
          await sleep(this.t.pollMs);
          found = await this.findLeader();
          continue;
        }
        if (code === 'bad-request' && /unknown action|action/i.test(why) && !/voter|learner|member|node/i.test(why)) {
          throw new StepError(`node ${found.leader} does not know the admin action ${action}: it runs a paxos-cli without membership changes`);
        }
        throw new StepError(`node ${found.leader} refused the ${action === 'config' ? 'configuration' : 'transfer'}: ${why}`);
      }
    }
  }

  /** basedOn: the slot of the configuration this one was built from (the leader refuses it if another was chosen since). */
  private async proposeConfig(cluster: ClusterConfig, voters: readonly number[], learners: readonly number[], basedOn: number): Promise<number> {
    const members = membersOf(cluster, voters, learners);
    if (typeof members === 'string') throw new StepError(members);
    return this.toLeader('config', { members, basedOn });
  }

  /** Waits until the configuration in force is exactly voters/learners. */
  private waitInForce(voters: readonly number[], learners: readonly number[]): Promise<Found> {
    return this.waitFor(`voters ${voters.join(' ')}${learners.length > 0 ? ` · learners ${learners.join(' ')}` : ''} is in force`, this.t.changeMs, (f) =>
      sameMembers(f.status.membership.inForce, { voters, learners }),
    );
  }

  private async setFileMember(id: number, member: MemberState): Promise<ClusterConfig> {
    const c = await updateClusterFile(this.d.clusterFile, (cl) => withMemberState(cl, id, member));
    return c;
  }

  private async reachCluster(c: ClusterConfig): Promise<void> {
    await this.d.client.reopen?.(c);
    this.d.onCluster(c);
  }

  /**
   * After a failure or a cancel: the file's member state of `id` made to say what the leader's
   * log says (the newest configuration chosen), in one quick look. Returns what the file says.
   */
  private async reconcile(id: number): Promise<MemberState | null> {
    let latest: ConfigView | null = null;
    try {
      const { leader, answered } = await this.survey();
      latest = leader === null ? null : (answered.get(leader)?.membership ? latestConfig(answered.get(leader)!.membership!) : null);
    } catch {
      latest = null;
    }
    try {
      if (latest === null) {
        const c = await updateClusterFile(this.d.clusterFile, () => null);
        return c.nodes.find((n) => n.id === id)?.member ?? 'voter';
      }
      const state: MemberState = latest.voters.includes(id) ? 'voter' : latest.learners.includes(id) ? 'learner' : 'removed';
      const c = await this.setFileMember(id, state);
      if (state === 'removed') this.d.noteRemoved(id);
      await this.reachCluster(c).catch(() => undefined);
      return state;
    } catch {
      return null;
    }
  }

  private async failed(err: unknown, id: number | null, what: string): Promise<MembershipOutcome> {
    const cancelled = err instanceof Cancelled;
    const fileSays = id === null ? null : await this.reconcile(id);
    const why = cancelled ? `cancelled during ${what}` : err instanceof Error ? err.message : String(err);
    const says = { voter: 'a voter, as the log does', learner: `a learner, as the log does (remove ${id} takes it out)`, removed: 'removed, as the log does' };
    const tail = id === null || fileSays === null ? '' : `; the cluster file now says node ${id} is ${says[fileSays]}`;
    const error = `${why}${tail}`;
    const fields = {
      ...(err instanceof StepError ? err.fields : {}),
      ...(id !== null ? { node: id } : {}),
      ...(fileSays !== null ? { fileMember: fileSays } : {}),
      ...(cancelled ? { cancelled: true } : {}),
    };
    return { ok: false, text: `error: ${error}`, fields, error };
  }

  /**
   * The cluster file with each voter or learner of the newest chosen configuration marked as the
   * log says (a step-mode add leaves its node marked learner until someone looks).
   */
  private async fileAsLogSays(latest: ConfigView): Promise<ClusterConfig> {
    return updateClusterFile(this.d.clusterFile, (c) => {
      let out: ClusterConfig | null = null;
      for (const id of [...latest.voters, ...latest.learners]) {
        const want: MemberState = latest.voters.includes(id) ? 'voter' : 'learner';
        out = withMemberState(out ?? c, id, want) ?? out;
      }
      return out;
    });
  }

  // ---- members ------------------------------------------------------------------------------

  async members(): Promise<MembershipOutcome> {
    try {
      const f = await this.findLeader(5000);
      const m = f.status.membership;
      const file = await this.fileAsLogSays(latestConfig(m));
      const inForce = `in force: ${describeConfig(m.inForce)}`;
      const next = m.next === null ? null : `next, from slot ${m.next.activeFrom}: ${describeConfig(m.next)}`;
      const transfer = m.transferTo === null ? null : `leadership transfer to n${m.transferTo} under way`;
      const rows = [...new Set([...m.inForce.voters, ...m.inForce.learners, ...(m.next?.voters ?? []), ...(m.next?.learners ?? []), ...this.d.ids()])].sort((a, b) => a - b);
      const nodes = rows.map((id) => {
        const s = f.answered.get(id);
        const fileMember = file.nodes.find((n) => n.id === id)?.member ?? (file.nodes.some((n) => n.id === id) ? 'voter' : null);
        return { node: id, alive: s !== undefined, member: s?.membership?.self ?? null, fileMember, role: s?.role ?? 'down' };
      });
      const lines = nodes.map((n) => `n${n.node} ${(n.member ?? n.fileMember ?? '?').padEnd(8)} ${n.node === f.leader ? 'leader' : n.role}${n.member === null ? ` (cluster file: ${n.fileMember ?? 'not listed'})` : ''}`);
      const text = `leader n${f.leader} · ${inForce}${next !== null ? ` · ${next}` : ''}`;
      return {
        ok: true,
        text,
        detail: [inForce, ...(next !== null ? [next] : []), ...(transfer !== null ? [transfer] : []), ...lines],
        fields: { leader: f.leader, inForce: configJson(m.inForce), next: m.next === null ? null : configJson(m.next), nodes },
      };
    } catch (err) {
      return this.failed(err, null, 'members');
    }
  }

  // ---- transfer -----------------------------------------------------------------------------

  async transfer(to: number): Promise<MembershipOutcome> {
    const started = Date.now();
    try {
      const f = await this.findLeader();
      const from = f.leader;
      if (from === to) return { ok: true, text: `node ${to} already leads`, fields: { leader: to, transferMs: 0 } };
      const config = latestConfig(f.status.membership);
      if (!config.voters.includes(to)) throw new StepError(`node ${to} is not a voter (voters: ${config.voters.join(' ')}); only a voter can lead`);
      if (!f.answered.has(to)) throw new StepError(`node ${to} does not answer; restart ${to} first`);
      await this.toLeader('transfer', { to });
      this.d.progress(`asked leader n${from} to hand over to n${to}`);
      await this.waitFor(`node ${to} leads`, this.t.transferMs, (g) => g.leader === to);
      const ms = Date.now() - started;
      return { ok: true, text: `node ${to} leads now (was n${from}, ${ms} ms)`, fields: { leader: to, transferMs: ms } };
    } catch (err) {
      return this.failed(err, null, 'the transfer');
    }
  }

  /**
   * The new node: its id, address and key pair, in the file as a learner (genesis written first),
   * and the client able to reach it. `claimed` learns the id as soon as the file holds it. A node
   * on another host gets a folder as `init` writes them (its cluster file and its key only), to
   * be copied to that host; `folder` says where.
   */
  private async newNode(
    replaces: number | undefined,
    at: AskedPlace | undefined,
    claimed: (id: number) => void,
  ): Promise<{ newId: number; host: string; port: number; folder: string | null; withNew: ClusterConfig }> {
    const before = await updateClusterFile(this.d.clusterFile, (c) => withGenesis(c));
    const place = await this.placeFor(before, at, replaces);
    const newId = nextNodeId(before);
    const secure = before.operatorKeys !== undefined && before.operatorKeys.length > 0;
    const remote = !isLoopbackHost(place.host);
    const port = place.port ?? (await freePortFor(before));
    const dir = path.dirname(this.d.clusterFile);
    const folder = remote ? nodeDataPath(dir, newId) : null;
    let publicKey: string | undefined;
    if (secure) {
      try {
        publicKey = ensureKeyFile(nodeKeyPath(folder ?? dir, newId)).publicKey;
      } catch (err) {
        throw new StepError(err instanceof KeyFileError ? err.message : String(err));
      }
    }
    const node: ClusterNode = { id: newId, host: place.host, port, member: 'learner', ...(publicKey !== undefined ? { publicKey } : {}), ...(replaces !== undefined ? { replaces } : {}) };
    const withNew = await updateClusterFile(this.d.clusterFile, (c) => {
      if (c.nodes.some((n) => n.id === newId)) throw new StepError(`node id ${newId} was taken meanwhile (another add?); try again`);
      return withNode(withGenesis(c), node);
    });
    claimed(newId);
    if (folder !== null) {
      await writeClusterFile(clusterFilePath(folder), withNew);
      this.d.progress(`n${newId}: ${showAddress(place.host, port)}; its folder (cluster file and key) is ${folder}; cluster file says learner`);
    } else {
      this.d.progress(`n${newId}: ${place.host === '127.0.0.1' ? `port ${port}` : showAddress(place.host, port)}${secure ? `, key pair in ${nodeKeyPath(dir, newId)}` : ''}; cluster file says learner`);
    }
    await this.reachCluster(withNew);
    return { newId, host: place.host, port, folder, withNew };
  }

  /**
   * Where the new node listens (placeNewNode), or a StepError saying why it cannot be there: the
   * rules on the file, then what only this machine can tell (is the port free here; does the
   * name resolve, to an address other hosts can dial, that no node has).
   */
  private async placeFor(file: ClusterConfig, at: AskedPlace | undefined, replaces: number | undefined): Promise<AskedPlace> {
    const place = placeNewNode(file, at, replaces === undefined ? 'add' : `replace ${replaces}`);
    if (typeof place === 'string') throw new StepError(place);
    if (isLoopbackHost(place.host)) {
      if (place.port !== null && !(await isPortFree(place.port, place.host))) throw new StepError(`${showAddress(place.host, place.port)} is in use on this machine; give another port, or leave the port out for a free one`);
      return place;
    }
    const secure = file.operatorKeys !== undefined && file.operatorKeys.length > 0;
    if (!secure) throw new StepError('this cluster has no keys (it runs --insecure), so its links stay on one machine; a node on another host needs a cluster made by paxos-cli init');
    if (this.d.local !== undefined) throw new StepError(`this terminal runs every node on this machine; a node on ${place.host} is started on its own host, in a cluster made by paxos-cli init`);
    const port = place.port ?? DEFAULT_NODE_PORT;
    const addrs = await resolveHost(place.host);
    if (addrs === null || addrs.length === 0) throw new StepError(`${place.host} does not resolve from this machine, and add must reach the new node from here; give its IP address, or a name that resolves`);
    const local = addrs.find((a) => isLoopback(a) || a === '0.0.0.0' || a === '::');
    if (local !== undefined) throw new StepError(`${place.host} is ${local} here, this machine's loopback, which the cluster's other hosts cannot dial; give an address they reach`);
    const others = await Promise.all(file.nodes.filter((n) => n.port === port).map(async (n) => ({ n, addrs: (await resolveHost(n.host)) ?? [] })));
    const same = others.find((o) => o.addrs.some((a) => addrs.includes(a)));
    if (same !== undefined) throw new StepError(`${showAddress(place.host, port)} is node ${same.n.id}'s address (${showAddress(same.n.host, same.n.port)})${memberState(same.n) === 'removed' ? ', removed and never reused' : ''}; give another host or port`);
    const folder = nodeDataPath(path.dirname(this.d.clusterFile), nextNodeId(file));
    if (pathTaken(folder)) throw new StepError(`${folder} exists already (a folder from before?); move it away, then try again`);
    return place;
  }

  // ---- add in step mode -----------------------------------------------------------------------

  /**
   * `add` while the cluster is paused (step mode): nothing can be waited for, since nothing
   * happens until a person delivers it. So this is the first step only, and it returns at once:
   * the new node in the file (as a learner) and started (`local.spawn` pauses it too), and the
   * configuration with it as a voter proposed to the leader. No learner stage: a learner could
   * not catch up while paused, and an empty voter is safe (a quorum of 4 still meets every
   * quorum of 3 ruling before). What is left is the person's: deliver the Accepts and acks that
   * choose it, then the slots up to its activation. Once resumed, `members` sets the file's
   * member state of the node to what the log says.
   */
  async addPaused(at?: AskedPlace): Promise<MembershipOutcome> {
    let id: number | null = null;
    try {
      const f = await this.findLeader(5000);
      const m = f.status.membership;
      if (m.next !== null) throw new StepError(`a membership change is waiting to take effect (from slot ${m.next.activeFrom}); one change at a time: deliver up to it, then try again`);
      const config = m.inForce;
      const limit = addProblem(config);
      if (limit !== null) throw new StepError(limit);
      const { newId, port, withNew } = await this.newNode(undefined, at, (n) => (id = n));
      this.d.noteAdded(newId);
      if (this.d.local !== undefined) {
        const started = await this.d.local.spawn(newId);
        if (!started.ok) throw new StepError(started.error);
      }
      const voters = [...config.voters, newId].sort((a, b) => a - b);
      const leader = await this.proposeConfig(withNew, voters, config.learners, config.slot);
      const proposed = `voters ${voters.join(' ')}${config.learners.length > 0 ? ` · learners ${config.learners.join(' ')}` : ''}`;
      const text =
        `step mode: proposed ${proposed} to leader n${f.leader} (n${newId} on port ${port}, started paused, a voter at once: nothing catches up while paused); ` +
        `deliver n${leader}'s Accept of it and the acks to choose it; chosen in slot S it rules from slot S+8, and the leader fills the slots between with no-ops`;
      return { ok: true, text, fields: { node: newId, port, proposed: { voterNodes: voters, learnerNodes: [...config.learners] }, leader, stepMode: true } };
    } catch (err) {
      return this.failed(err, id, 'add');
    }
  }

  // ---- add ----------------------------------------------------------------------------------

  /** `replaces`: the node this one takes the place of (replace); `at`: where it listens (--host). */
  async add(opts: { replaces?: number; at?: AskedPlace } = {}): Promise<MembershipOutcome> {
    const { replaces, at } = opts;
    let id: number | null = null;
    try {
      const f = await this.findLeader();
      if (f.status.membership.next !== null) throw new StepError(`a membership change is waiting to take effect (from slot ${f.status.membership.next.activeFrom}); one change at a time: try again in a moment`);
      const config = f.status.membership.inForce;
      const limit = addProblem(config);
      if (limit !== null) throw new StepError(limit);
      const { newId, host, port, folder, withNew } = await this.newNode(replaces, at, (n) => (id = n));
      // 1. The learner, in the configuration.
      const leader = await this.proposeConfig(withNew, config.voters, [...config.learners, newId], config.slot);
      this.d.progress(`proposed to leader n${leader}: voters ${config.voters.join(' ')} · learners ${[...config.learners, newId].join(' ')}`);
      const inForce = await this.waitInForce(config.voters, [...config.learners, newId]);
      this.d.progress(`in force from slot ${inForce.status.membership.inForce.activeFrom}: n${newId} is a learner`);
      // 2. Its process: ours to spawn, or (another terminal's cluster) started by the `up` that
      // runs the nodes, which watches the cluster file, or by a person on the node's host.
      this.d.noteAdded(newId);
      if (this.d.local !== undefined) {
        const started = await this.d.local.spawn(newId);
        if (!started.ok) throw new StepError(started.error);
      } else {
        const base = folder === null ? null : path.basename(folder);
        this.d.progress(
          folder === null || base === null
            ? `waiting for n${newId} to start (the paxos-cli up running this cluster starts it; elsewhere: paxos-cli node --id ${newId} --cluster ${this.d.clusterFile} --data-dir DIR)`
            : `waiting for n${newId} to start: copy ${folder}/ to ${host}, then there: paxos-cli node --id ${newId} --cluster ${base}/cluster.json --data-dir ${base}/data`,
        );
        await this.waitFor(`node ${newId} answers`, folder === null ? this.t.catchUpMs : this.t.handStartMs, async () => {
          try {
            await this.d.client.status(newId);
            return true;
          } catch {
            return false;
          }
        });
      }
      this.d.progress(`n${newId} started; catching up`);
      // 3. Level with the leader.
      const target = inForce.status.commitIndex;
      await this.waitFor(`node ${newId} has caught up to slot ${target}`, this.t.catchUpMs, async () => {
        try {
          return (await this.d.client.status(newId)).commitIndex >= target;
        } catch {
          return false;
        }
      });
      this.d.progress(`n${newId} caught up (commit index ${target} or more)`);
      // 4. A voter.
      const now = (await this.findLeader()).status.membership.inForce;
      const voters = [...now.voters.filter((v) => v !== newId), newId].sort((a, b) => a - b);
      const learners = now.learners.filter((l) => l !== newId);
      await this.proposeConfig(withNew, voters, learners, now.slot);
      this.d.progress(`proposed: voters ${voters.join(' ')}${learners.length > 0 ? ` · learners ${learners.join(' ')}` : ''}`);
      const done = await this.waitInForce(voters, learners);
      const file = await this.setFileMember(newId, 'voter');
      this.d.onCluster(file);
      const c = done.status.membership.inForce;
      return {
        ok: true,
        text: `added node ${newId} (${host === '127.0.0.1' ? `port ${port}` : showAddress(host, port)}): ${describeConfig(c)}`,
        fields: { node: newId, host, port, inForce: configJson(c) },
      };
    } catch (err) {
      return this.failed(err, id, 'add');
    }
  }

  // ---- remove -------------------------------------------------------------------------------

  /** `stopped`: replace stopped the node already (its disk is lost), so it is not live. */
  async remove(id: number, opts: { stopped?: boolean } = {}): Promise<MembershipOutcome> {
    let proposed = false;
    try {
      let f = await this.findLeader();
      const m = f.status.membership;
      if (m.next !== null) throw new StepError(`a membership change is waiting to take effect (from slot ${m.next.activeFrom}); one change at a time: try again in a moment`);
      const config = m.inForce;
      const live = new Set([...f.answered.keys()].filter((n) => !(opts.stopped === true && n === id)));
      const problem = removalProblem(config, live, id);
      if (problem !== null) throw new StepError(problem);
      const file = await updateClusterFile(this.d.clusterFile, (c) => withGenesis(c));
      // The leader does not remove itself: it hands over to the most caught-up live voter first.
      if (f.leader === id) {
        const heirs = config.voters.filter((v) => v !== id && live.has(v)).sort((a, b) => (f.answered.get(b)?.commitIndex ?? 0) - (f.answered.get(a)?.commitIndex ?? 0));
        const heir = heirs[0];
        if (heir === undefined) throw new StepError(`node ${id} leads and no other voter is live to take over; restart one first`);
        await this.toLeader('transfer', { to: heir });
        this.d.progress(`n${id} leads: handing leadership to n${heir} first`);
        f = await this.waitFor(`node ${heir} leads`, this.t.transferMs, (g) => g.leader === heir);
        this.d.progress(`n${heir} leads`);
      }
      const after = withoutMember(f.status.membership.inForce, id);
      const leader = await this.proposeConfig(file, after.voters, after.learners, f.status.membership.inForce.slot);
      proposed = true;
      this.d.progress(`proposed to leader n${leader}: voters ${after.voters.join(' ')}${after.learners.length > 0 ? ` · learners ${after.learners.join(' ')}` : ''}`);
      // From here the node may exit at any moment: that exit is asked for, never restarted.
      this.d.noteRemoved(id);
      const inForce = await this.waitInForce(after.voters, after.learners);
      this.d.progress(`in force from slot ${inForce.status.membership.inForce.activeFrom}: n${id} is out`);
      const c = await this.setFileMember(id, 'removed');
      await this.reachCluster(c);
      if (this.d.local !== undefined && opts.stopped !== true) {
        if (await this.d.local.waitExit(id, this.t.exitMs)) this.d.progress(`n${id} exited by itself`);
        else {
          this.d.progress(`n${id} did not exit within ${Math.round(this.t.exitMs / 1000)} s; stopping it`);
          await this.d.local.stop(id);
        }
      }
      const cf = inForce.status.membership.inForce;
      return { ok: true, text: `removed node ${id}: ${describeConfig(cf)}`, fields: { node: id, inForce: configJson(cf) } };
    } catch (err) {
      // Before the proposal nothing changed: the file says what it said.
      if (!proposed) return this.failed(err, null, 'remove');
      return this.failed(err, id, 'remove');
    }
  }

  // ---- replace ------------------------------------------------------------------------------

  async replace(id: number, at?: AskedPlace): Promise<MembershipOutcome> {
    try {
      const f = await this.findLeader();
      const config = f.status.membership.next ?? f.status.membership.inForce;
      if (!config.voters.includes(id) && !config.learners.includes(id)) throw new StepError(`node ${id} is not a member of the configuration (voters ${config.voters.join(' ')}); add makes a new node`);
      // Checked before anything stops: the node is lost, so it counts as down.
      const live = new Set([...f.answered.keys()].filter((n) => n !== id));
      const problem = removalProblem(config, live, id);
      if (problem !== null) throw new StepError(problem);
      const limit = addProblem({ ...config, voters: config.voters.filter((v) => v !== id), learners: config.learners.filter((v) => v !== id) });
      if (limit !== null) throw new StepError(limit);
      // Where its successor goes is checked before anything stops: a replace that cannot add
      // would only remove.
      const file = await readClusterFile(this.d.clusterFile);
      if (file === null) throw new StepError(`no cluster file at ${this.d.clusterFile}`);
      await this.placeFor(file, at, id);
      if (f.leader === id) {
        const heir = config.voters.filter((v) => v !== id && live.has(v))[0];
        if (heir !== undefined) {
          await this.toLeader('transfer', { to: heir });
          this.d.progress(`n${id} leads: handing leadership to n${heir} first`);
          await this.waitFor(`node ${heir} leads`, this.t.transferMs, (g) => g.leader === heir);
        }
      }
      if (this.d.local !== undefined && this.d.isAlive(id)) {
        this.d.noteRemoved(id);
        await this.d.local.stop(id);
        this.d.progress(`stopped n${id} (its data is not to be trusted)`);
      } else if (this.d.local === undefined && f.answered.has(id)) {
        // Not ours to signal: asked through its admin API to exit (as `stop N` does).
        await this.d.client.admin!(id, 'stop').catch(() => undefined);
        this.d.noteRemoved(id);
        this.d.progress(`asked n${id} to stop (its data is not to be trusted)`);
      }
    } catch (err) {
      return this.failed(err, null, 'replace');
    }
    const removed = await this.remove(id, { stopped: true });
    if (!removed.ok) return { ...removed, fields: { ...removed.fields, node: id } };
    const added = await this.add({ replaces: id, ...(at !== undefined ? { at } : {}) });
    if (!added.ok) {
      const retry = at === undefined ? 'add' : `add --host ${at.port === null ? at.host : showAddress(at.host, at.port)}`;
      const error = `node ${id} was removed, but adding its replacement failed: ${added.error ?? added.text}; ${retry} adds a node in its place`;
      return { ok: false, text: `error: ${error}`, error, fields: { ...added.fields, node: id } };
    }
    const addedNode = added.fields.node as number;
    return {
      ok: true,
      text: `replaced node ${id} with node ${addedNode} (${added.fields.host === '127.0.0.1' ? `port ${String(added.fields.port)}` : showAddress(String(added.fields.host), Number(added.fields.port))}): ${describeConfig(this.configOf(added))}`,
      fields: { node: id, added: { node: addedNode, host: added.fields.host, port: added.fields.port }, inForce: added.fields.inForce },
    };
  }

  private configOf(o: MembershipOutcome): ConfigView {
    const j = o.fields.inForce as { slot: number; activeFromIndex: number; voterNodes: number[]; learnerNodes: number[] };
    return { slot: j.slot, activeFrom: j.activeFromIndex, voters: j.voterNodes, learners: j.learnerNodes };
  }
}

/** Whether anything is at `p`, a dangling symbolic link included (existsSync follows links). */
function pathTaken(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
