// The membership commands' steps against a fake cluster (no processes): what is proposed to
// whom, what the cluster file says after each step, and what a refusal, a timeout or Esc leave.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../src/cluster/cluster-client.js';
import { clusterFilePath, readClusterFile, writeClusterFile, type ClusterConfig } from '../../src/cluster/data-dir.js';
import type { ConfigView } from '../../src/cluster/membership-plan.js';
import { MembershipRunner, type MembershipDeps } from '../../src/cli/membership-command.js';
import { newKeyPair } from '../../src/cluster/keys.js';
import { validateLine } from '../../src/json/contract.js';
import { jsonLine } from '../../src/json/contract.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Member {
  id: number;
  voter: boolean;
}

/** A cluster as its nodes' status would describe it: a configuration takes effect a few polls after it is proposed. */
class FakeCluster {
  alive = new Map<number, number>(); // id -> commit index
  leader = 1;
  inForce: ConfigView;
  next: ConfigView | null = null;
  commit = 20;
  polls = 0;
  proposals: { to: number; members: Member[] }[] = [];
  transfers: { to: number }[] = [];
  /** Polls after which a proposed configuration rules (Infinity: never). */
  takesPolls = 2;
  /** What the node answers a proposal with instead (busy, …). */
  refuse: { code: string; message: string } | null = null;

  constructor(ids: number[]) {
    for (const id of ids) this.alive.set(id, this.commit);
    this.inForce = { slot: -1, activeFrom: 0, voters: ids, learners: [] };
  }

  status = async (id: number): Promise<NodeStatus> => {
    if (!this.alive.has(id)) throw Object.assign(new Error(`node ${id} unreachable`), { code: 'unreachable' });
    if (id === this.leader && this.next !== null && ++this.polls >= this.takesPolls) {
      this.inForce = this.next;
      this.next = null;
    }
    const members = [...this.inForce.voters, ...this.inForce.learners];
    const self = this.inForce.voters.includes(id) ? 'voter' : this.inForce.learners.includes(id) ? 'learner' : members.length > 0 && id > Math.max(...members) ? 'joining' : 'removed';
    const commit = id === this.leader ? this.commit : (this.alive.get(id) ?? 0);
    return {
      id, role: id === this.leader ? 'leader' : 'follower', ballot: `3.${this.leader}`, promised: `3.${this.leader}`, commitIndex: commit, appliedIndex: commit, leader: this.leader, lastSlot: commit - 1,
      membership: { self, inForce: this.inForce, next: this.next, transferTo: null },
    };
  };

  admin = async (id: number, action: string, args?: unknown): Promise<never> => {
    if (id !== this.leader) throw Object.assign(new Error('not the leader'), { code: 'not-leader' });
    if (this.refuse !== null) throw Object.assign(new Error(this.refuse.message), { code: this.refuse.code });
    if (action === 'config') {
      const members = (args as { members: Member[] }).members;
      this.proposals.push({ to: id, members });
      this.next = { slot: this.commit, activeFrom: this.commit + 8, voters: members.filter((m) => m.voter).map((m) => m.id), learners: members.filter((m) => !m.voter).map((m) => m.id) };
      this.commit += 9;
      this.polls = 0;
    } else if (action === 'transfer') {
      const to = (args as { to: number }).to;
      this.transfers.push({ to });
      this.leader = to;
      this.alive.set(to, this.commit);
    } else if (action === 'stop') {
      this.alive.delete(id);
    }
    return {} as never;
  };
}

async function setup(ids = [1, 2, 3], timing: Partial<MembershipDeps['timing']> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-membership-'));
  dirs.push(dir);
  const clusterFile = clusterFilePath(dir);
  await writeClusterFile(clusterFile, { nodes: ids.map((id) => ({ id, host: '127.0.0.1', port: 7500 + id })), clusterId: 'test' });
  const fake = new FakeCluster(ids);
  const members = new Set(ids);
  const progress: string[] = [];
  const clusters: ClusterConfig[] = [];
  const spawned: number[] = [];
  const stopped: number[] = [];
  const abort = new AbortController();
  const deps: MembershipDeps = {
    client: { status: (id) => fake.status(id), admin: (id, action, args) => fake.admin(id, action, args) },
    clusterFile,
    ids: () => [...members].sort((a, b) => a - b),
    isAlive: (id) => fake.alive.has(id),
    local: {
      spawn: async (id) => {
        spawned.push(id);
        fake.alive.set(id, fake.commit);
        return { ok: true };
      },
      stop: async (id) => {
        stopped.push(id);
        fake.alive.delete(id);
      },
      waitExit: async (id) => {
        fake.alive.delete(id);
        return true;
      },
    },
    noteAdded: (id) => members.add(id),
    noteRemoved: (id) => members.delete(id),
    onCluster: (c) => clusters.push(c),
    progress: (l) => progress.push(l),
    signal: abort.signal,
    timing: { pollMs: 1, changeMs: 300, catchUpMs: 300, transferMs: 300, exitMs: 50, ...timing },
  };
  const file = async () => (await readClusterFile(clusterFile))!;
  return { fake, runner: new MembershipRunner(deps), deps, progress, clusters, spawned, stopped, file, abort, members };
}

const member = (c: ClusterConfig, id: number) => c.nodes.find((n) => n.id === id)?.member ?? (c.nodes.some((n) => n.id === id) ? 'voter' : undefined);
const valid = (cmd: string, o: { ok: boolean; fields: Record<string, unknown>; error?: string }) => validateLine(jsonLine(cmd, o.ok, o.fields, o.ok ? undefined : o.error));

describe('add', () => {
  it('writes genesis and a learner, proposes it, starts it, waits for it to catch up, makes it a voter', async () => {
    const { fake, runner, progress, spawned, file } = await setup();
    const o = await runner.add();
    expect(o.error).toBeUndefined();
    expect(o.ok).toBe(true);
    expect(o.fields).toMatchObject({ node: 4, inForce: { voterNodes: [1, 2, 3, 4], learnerNodes: [] } });
    expect(valid('add', o)).toEqual({ ok: true, schema: 'add' });
    expect(fake.proposals.map((p) => p.members.map((m) => `${m.id}${m.voter ? 'v' : 'l'}`).join(' '))).toEqual(['1v 2v 3v 4l', '1v 2v 3v 4v']);
    expect(fake.proposals[0]!.members.find((m) => m.id === 4)).toMatchObject({ host: '127.0.0.1', port: o.fields.port });
    expect(spawned).toEqual([4]);
    const c = await file();
    expect(c.genesis).toEqual([1, 2, 3]);
    expect(member(c, 4)).toBe('voter');
    expect(progress.join('\n')).toMatch(/cluster file says learner[\s\S]*proposed to leader n1[\s\S]*in force from slot[\s\S]*started[\s\S]*caught up[\s\S]*proposed: voters 1 2 3 4/);
  });

  it('refuses a tenth voter and a change while another is under way, writing nothing', async () => {
    const nine = await setup([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const o = await nine.runner.add();
    expect(o).toMatchObject({ ok: false, error: expect.stringMatching(/9 voters, the most it may have; remove one first/) });
    expect((await nine.file()).nodes).toHaveLength(9);
    const busy = await setup();
    busy.fake.next = { slot: 30, activeFrom: 38, voters: [1, 2], learners: [] };
    busy.fake.takesPolls = Infinity;
    expect(await busy.runner.add()).toMatchObject({ ok: false, error: expect.stringMatching(/one change at a time/) });
    expect((await busy.file()).genesis).toBeUndefined();
  });

  it('says busy in words when the leader refuses the change', async () => {
    const { fake, runner, file } = await setup();
    fake.refuse = { code: 'busy', message: 'a leadership transfer is under way' };
    const o = await runner.add();
    expect(o.error).toMatch(/^the cluster is busy: a leadership transfer is under way; one change at a time/);
    // The learner was written, nothing was chosen: the file says so at the end.
    expect(o.fields).toMatchObject({ node: 4, fileMember: 'removed' });
    expect(member(await file(), 4)).toBe('removed');
    expect(valid('add', o).ok).toBe(true);
  });

  it('on a timeout leaves the file saying what the log says (a learner chosen, never promoted)', async () => {
    const { fake, runner, file } = await setup([1, 2, 3], { catchUpMs: 30 });
    fake.status = ((orig) => async (id: number) => {
      const s = await orig(id);
      return id === 4 ? { ...s, commitIndex: 0 } : s;
    })(fake.status);
    const o = await runner.add();
    expect(o.ok).toBe(false);
    expect(o.error).toMatch(/gave up after 0 s waiting until node 4 has caught up to slot \d+; the cluster file now says node 4 is a learner, as the log does \(remove 4 takes it out\)/);
    expect(member(await file(), 4)).toBe('learner');
  });

  it('Esc stops it and reconciles the file', async () => {
    const { fake, runner, file, abort } = await setup([1, 2, 3], { changeMs: 5000 });
    fake.takesPolls = Infinity;
    const p = runner.add();
    // Esc once the learner is proposed (it never takes effect here).
    while (fake.proposals.length === 0) await new Promise((r) => setTimeout(r, 1));
    abort.abort();
    const o = await p;
    expect(o).toMatchObject({ ok: false, fields: { cancelled: true, node: 4, fileMember: 'learner' } });
    expect(o.error).toMatch(/^cancelled during add/);
    expect(member(await file(), 4)).toBe('learner');
  });
});

describe('remove', () => {
  it('proposes the rest, waits in force, lets the node exit and marks it removed', async () => {
    const { fake, runner, file, members, progress } = await setup([1, 2, 3]);
    const o = await runner.remove(3);
    expect(o).toMatchObject({ ok: true, fields: { node: 3, inForce: { voterNodes: [1, 2] } } });
    expect(valid('remove 3', o)).toEqual({ ok: true, schema: 'remove' });
    expect(fake.proposals.map((p) => p.members.map((m) => m.id))).toEqual([[1, 2]]);
    expect(members.has(3)).toBe(false);
    const c = await file();
    expect(member(c, 3)).toBe('removed');
    expect(c.genesis).toEqual([1, 2, 3]);
    expect(progress.at(-1)).toBe('n3 exited by itself');
  });

  it('hands leadership away first when the node leads', async () => {
    const { fake, runner } = await setup([1, 2, 3]);
    const o = await runner.remove(1);
    expect(o.ok).toBe(true);
    expect(fake.transfers).toEqual([{ to: 2 }]);
    expect(fake.proposals[0]!.to).toBe(2);
  });

  it('refuses when the rest would lose their quorum, sending nothing', async () => {
    const { fake, runner, file } = await setup([1, 2, 3]);
    fake.alive.delete(3);
    const o = await runner.remove(2);
    expect(o).toMatchObject({ ok: false, error: 'removing 1 of 2 live voters would stop the cluster: 1 of 2 voters left live, 2 needed; restart n3 first' });
    expect(fake.proposals).toEqual([]);
    expect((await file()).genesis).toBeUndefined();
    expect(valid('remove 2', o).ok).toBe(true);
  });
});

describe('replace', () => {
  it('stops the node, removes it and adds one in its place', async () => {
    const { fake, runner, file, stopped, spawned } = await setup([1, 2, 3]);
    const o = await runner.replace(2);
    expect(o.error).toBeUndefined();
    expect(o).toMatchObject({ ok: true, fields: { node: 2, added: { node: 4 }, inForce: { voterNodes: [1, 3, 4] } } });
    expect(valid('replace 2', o)).toEqual({ ok: true, schema: 'replace' });
    expect(stopped).toEqual([2]);
    expect(spawned).toEqual([4]);
    expect(fake.proposals.map((p) => p.members.map((m) => `${m.id}${m.voter ? 'v' : 'l'}`).join(' '))).toEqual(['1v 3v', '1v 3v 4l', '1v 3v 4v']);
    const c = await file();
    expect(c.nodes.map((n) => [n.id, n.member ?? 'voter', n.replaces])).toEqual([[1, 'voter', undefined], [2, 'removed', undefined], [3, 'voter', undefined], [4, 'voter', 2]]);
  });
});

describe('transfer and members', () => {
  it('hands leadership over and waits until the node leads', async () => {
    const { fake, runner } = await setup();
    const o = await runner.transfer(3);
    expect(o).toMatchObject({ ok: true, fields: { leader: 3 } });
    expect(valid('transfer 3', o)).toEqual({ ok: true, schema: 'transfer' });
    expect(fake.leader).toBe(3);
    expect(await runner.transfer(3)).toMatchObject({ ok: true, text: 'node 3 already leads' });
  });

  it('refuses a node that is no voter', async () => {
    const { runner } = await setup();
    expect(await runner.transfer(7)).toMatchObject({ ok: false, error: expect.stringMatching(/node 7 is not a voter \(voters: 1 2 3\)/) });
  });

  it('shows the configuration and each node', async () => {
    const { fake, runner } = await setup();
    fake.alive.delete(2);
    const o = await runner.members();
    expect(o.ok).toBe(true);
    expect(valid('members', o)).toEqual({ ok: true, schema: 'members' });
    expect(o.text).toBe('leader n1 · in force: voters 1 2 3 · the first configuration');
    expect(o.fields.nodes).toEqual([
      { node: 1, alive: true, member: 'voter', fileMember: 'voter', role: 'leader' },
      { node: 2, alive: false, member: null, fileMember: 'voter', role: 'down' },
      { node: 3, alive: true, member: 'voter', fileMember: 'voter', role: 'follower' },
    ]);
  });

  it('says so when the nodes do not report their membership', async () => {
    const { fake, runner } = await setup();
    fake.status = ((orig) => async (id: number) => {
      const { membership: _m, ...rest } = await orig(id);
      return rest;
    })(fake.status);
    expect((await runner.members()).error).toMatch(/does not report its membership \(status\.membership\)/);
  });
});

describe('add and replace --host on a cluster across hosts', () => {
  /** The fake cluster, its file saying hosts 198.18.0.1-3 (port 7001) and an operator key; no local supervisor (attach). */
  async function acrossHosts() {
    const t = await setup();
    const c = await t.file();
    await writeClusterFile(t.deps.clusterFile, { ...c, nodes: c.nodes.map((n) => ({ ...n, host: `198.18.0.${n.id}`, port: 7001, publicKey: newKeyPair().publicKey })), operatorKeys: [newKeyPair().publicKey] });
    const { local: _local, ...remote } = t.deps;
    return { ...t, runner: new MembershipRunner(remote), dir: path.dirname(t.deps.clusterFile) };
  }

  it.each([
    ['0x7f000001', /^0x7f000001 is 127\.0\.0\.1 here, this machine's loopback/],
    ['no-such-host.invalid', /^no-such-host\.invalid does not resolve from this machine/],
    ['198.18.0.2', /^198\.18\.0\.2:7001 is node 2's address; give another host or port/],
    ['localhost.', /^localhost is this machine's loopback/],
  ])('refuses --host %s before anything is proposed', async (host, error) => {
    const t = await acrossHosts();
    const o = await t.runner.add({ at: { host, port: null } });
    expect(o.ok).toBe(false);
    expect(o.error).toMatch(error);
    expect(t.fake.proposals).toEqual([]);
    expect((await t.file()).nodes.map((n) => n.id)).toEqual([1, 2, 3]);
  });

  it('refuses a replace whose new node cannot be placed before it stops or removes anything', async () => {
    const t = await acrossHosts();
    // A dangling link where the new node's folder would go: existsSync alone would miss it.
    fs.symlinkSync(path.join(t.dir, 'nowhere'), path.join(t.dir, 'node-4'));
    const o = await t.runner.replace(2, { host: '198.18.0.9', port: null });
    expect(o.ok).toBe(false);
    expect(o.error).toMatch(/node-4 exists already/);
    expect(t.fake.alive.has(2)).toBe(true);
    expect(t.fake.proposals).toEqual([]);
    expect(t.fake.transfers).toEqual([]);
  });

  it('writes the new node\'s folder with its key and the cluster file, and keeps the secret out of keys/', async () => {
    const t = await acrossHosts();
    t.fake.takesPolls = 1;
    const pending = t.runner.add({ at: { host: '198.18.0.4', port: null } });
    // The node "starts on its host": the fake answers for it once the folder is there.
    for (let i = 0; i < 200 && !fs.existsSync(path.join(t.dir, 'node-4', 'cluster.json')); i++) await new Promise((r) => setTimeout(r, 5));
    t.fake.alive.set(4, t.fake.commit + 100);
    const o = await pending;
    expect(o.error).toBeUndefined();
    expect(o.fields).toMatchObject({ node: 4, host: '198.18.0.4', port: 7001 });
    expect(fs.readdirSync(path.join(t.dir, 'node-4', 'keys'))).toEqual(['node-4.key']);
    expect(fs.statSync(path.join(t.dir, 'node-4', 'keys', 'node-4.key')).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(t.dir, 'keys', 'node-4.key'))).toBe(false);
    expect(t.progress.some((l) => /copy .*node-4\/ to 198\.18\.0\.4, then there: paxos-cli node --id 4 --cluster node-4\/cluster\.json --data-dir node-4\/data/.test(l))).toBe(true);
    expect(valid('add --host 198.18.0.4', o)).toMatchObject({ ok: true });
  });
});
