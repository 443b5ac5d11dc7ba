// What the executor says for the small things of issue #11, against a scripted cluster client:
// `get --local` stale only when behind the leader the node knows, `del` says whether the key
// existed, `status` shows ports, `check` with nothing to check. (The same commands against real
// nodes: test/json/contract.test.ts.)
import { describe, expect, it } from 'vitest';
import type { ClusterClient, NodeStatus } from '../../src/cluster/cluster-client.js';
import { Executor, type SupervisorLike } from '../../src/cli/execute-command.js';
import { validateLine } from '../../src/json/contract.js';

function node(id: number, over: Partial<NodeStatus>): NodeStatus {
  return { id, role: 'follower', ballot: { round: 1, node: 1 }, promised: { round: 1, node: 1 }, commitIndex: 5, appliedIndex: 5, leader: 1, lastSlot: 4, ...over };
}

function executor(statuses: Record<number, NodeStatus | Error>, local: { appliedIndex: number }, existed?: boolean): Executor {
  const client: ClusterClient = {
    set: () => Promise.reject(new Error('unused')),
    get: () => Promise.reject(new Error('unused')),
    del: () => Promise.resolve({ slot: 9, leader: 1, latencyMs: 3.14159, existed }),
    getLocal: (id) => Promise.resolve({ value: 'v', appliedIndex: local.appliedIndex, stale: true, node: id }),
    status: (id) => {
      const s = statuses[id];
      return s instanceof Error || s === undefined ? Promise.reject(s ?? new Error('no such node')) : Promise.resolve(s);
    },
    logDump: () => Promise.reject(new Error('unused')),
    read: () => Promise.reject(new Error('unused')),
    range: () => Promise.reject(new Error('unused')),
    close: () => Promise.resolve(),
  };
  const sup = { ids: [1, 2, 3], isAlive: () => true, pid: (id: number) => 100 + id, onEvent: () => () => undefined } as unknown as SupervisorLike;
  const nodes = [1, 2, 3].map((id) => ({ id, port: 40_000 + id }));
  return new Executor({ sup, client, dataDir: '/nonexistent', nodes });
}

const asLine = (cmd: string, out: { ok: boolean; fields: object; error?: string }) =>
  JSON.stringify({ cmd, ok: out.ok, ...(out.error !== undefined ? { error: out.error } : {}), ...out.fields });

describe('get --local', () => {
  it('is not stale when the node has applied what its leader had committed', async () => {
    const ex = executor({ 1: node(1, { role: 'leader', commitIndex: 7 }), 2: node(2, { leader: 1 }) }, { appliedIndex: 7 });
    const out = await ex.run({ kind: 'get', key: 'k', local: 2 });
    expect(out.fields).toEqual({ value: 'v', node: 2, appliedIndex: 7, leader: 1, leaderCommitIndex: 7, stale: false });
    expect(out.text).not.toMatch(/stale/);
    expect(validateLine(asLine('get k --local 2', out)).ok).toBe(true);
  });

  it('is stale when it is behind, and says so', async () => {
    const ex = executor({ 1: node(1, { role: 'leader', commitIndex: 9 }), 2: node(2, { leader: 1 }) }, { appliedIndex: 7 });
    const out = await ex.run({ kind: 'get', key: 'k', local: 2 });
    expect(out.fields).toMatchObject({ stale: true, leaderCommitIndex: 9 });
    expect(out.text).toMatch(/behind leader n1's commit index 9: may be stale/);
  });

  it('cannot tell when the node knows no leader, or its leader does not answer', async () => {
    const none = await executor({ 2: node(2, { leader: null }) }, { appliedIndex: 7 }).run({ kind: 'get', key: 'k', local: 2 });
    expect(none.fields).toMatchObject({ leader: null, leaderCommitIndex: null, stale: null });
    expect(none.text).toMatch(/knows no leader, so it may be stale/);
    const gone = await executor({ 1: new Error('unreachable'), 2: node(2, { leader: 1 }) }, { appliedIndex: 7 }).run({ kind: 'get', key: 'k', local: 2 });
    expect(gone.fields).toMatchObject({ leader: 1, stale: null });
    expect(validateLine(asLine('get k --local 2', gone)).ok).toBe(true);
  });
});

describe('del', () => {
  it('says whether the key existed', async () => {
    const found = await executor({}, { appliedIndex: 0 }, true).run({ kind: 'del', key: 'k' });
    expect(found.text).toMatch(/^deleted k: slot 9 \(leader n1, 3\.1 ms\)$/);
    expect(found.fields).toEqual({ slot: 9, leader: 1, latencyMs: 3.14, existed: true });
    const missing = await executor({}, { appliedIndex: 0 }, false).run({ kind: 'del', key: 'k' });
    expect(missing.text).toMatch(/^k was not set, nothing deleted: slot 9 \(leader n1/);
    expect(validateLine(asLine('del k', missing)).ok).toBe(true);
  });
});

describe('status', () => {
  it("shows each node's port, on the line, in the detail and in JSON", async () => {
    const ex = executor({ 1: node(1, { role: 'leader' }), 2: node(2, {}), 3: node(3, {}) }, { appliedIndex: 0 });
    const out = await ex.run({ kind: 'status' });
    expect(out.text).toMatch(/^n1 :40001 leader b1\.1 .*\| n2 :40002 follower .*\| n3 :40003 /);
    expect(out.detail?.[0]).toMatch(/^n1 :40001 leader/);
    expect((out.fields as { nodes: { port: number }[] }).nodes.map((n) => n.port)).toEqual([40_001, 40_002, 40_003]);
    expect(validateLine(asLine('status', out))).toEqual({ ok: true, schema: 'status' });
  });
});

describe('check', () => {
  it('with no operations says there was nothing to check', async () => {
    const out = await executor({}, { appliedIndex: 0 }).run({ kind: 'check' });
    expect(out.ok).toBe(true);
    expect(out.text).toMatch(/^nothing to check/);
    expect(out.fields).toMatchObject({ opCount: 0, history: null });
    expect(validateLine(asLine('check', out)).ok).toBe(true);
  });
});
