// Linearizable reads without a log slot, on real node processes: by read index at the leader
// and at a follower, by the leader's lease, and range reads; a leader cut off from its peers
// never answers a read with what it had (it cannot confirm a round), and one frozen past its
// lease by SIGSTOP does not serve from the lease when it wakes.
import { afterEach, describe, expect, it } from 'vitest';
import { PaxosClientError } from '../../src/client/paxos-client.js';
import { TestCluster, waitFor } from './harness.js';

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

describe('node processes: reads without a log slot', () => {
  it('read index at the leader and at followers, lease at the leader, ranges in pages; no slot used', async () => {
    cluster = await TestCluster.create({ size: 3 });
    const c = cluster;
    await c.startAll();
    const client = c.client();
    const leader = await c.waitForLeader(client);
    const w = await client.set('color', 'blue');
    const lastSlot = (await client.status(leader)).lastSlot;

    const r = await client.read('color');
    expect(r).toMatchObject({ value: 'blue', node: leader, leader, mode: 'index' });
    expect(r.index).toBeGreaterThan(w.slot);
    for (const id of c.ids.filter((i) => i !== leader)) {
      const f = await client.read('color', { from: id });
      expect(f).toMatchObject({ value: 'blue', node: id, leader, mode: 'index' });
    }
    expect((await client.read('nothing')).value).toBeNull();
    await waitFor('a lease', async () => (await client.read('color', { mode: 'lease' })).mode === 'lease', 5000);

    for (let i = 0; i < 25; i++) await client.set(`user/${String(i).padStart(2, '0')}`, `u${i}`);
    const p1 = await client.range('user/', { limit: 10 });
    expect(p1.entries.map(([k]) => k)).toEqual(Array.from({ length: 10 }, (_, i) => `user/${String(i).padStart(2, '0')}`));
    expect(p1.more).toBe(true);
    const p3 = await client.range('user/', { limit: 10, after: 'user/19' });
    expect(p3.entries).toHaveLength(5);
    expect(p3.more).toBe(false);
    expect(p3.entries[4]).toEqual(['user/24', 'u24']);

    // Reads took no slot: only the 26 writes did.
    expect((await client.status(leader)).lastSlot).toBe(lastSlot + 25);
  }, 60_000);

  it('a leader cut off from its peers fails reads instead of answering what it had', async () => {
    cluster = await TestCluster.create({ size: 3, tickMs: 50, requestTimeoutMs: 1500 });
    const c = cluster;
    await c.startAll();
    const admin = c.client({ timeoutMs: 5000 });
    const old = await c.waitForLeader(admin);
    await admin.set('k', 'before');
    await Promise.all(c.ids.map((id) => admin.admin(id, 'isolate', { node: old })));
    const others = c.ids.filter((id) => id !== old);
    // The majority elects a leader and takes a write the isolated node never sees.
    await waitFor('a write on the majority side', async () => {
      await admin.set('k', 'after', { timeoutMs: 3000 });
      return true;
    }, 20_000);
    const stale = await admin.read('k', { from: old, timeoutMs: 2500 }).then(
      (r) => `answered ${r.value}`,
      (e: unknown) => (e instanceof PaxosClientError ? e.code : String(e)),
    );
    expect(stale).not.toBe('answered before');
    expect(stale).not.toMatch(/^answered/);
    for (const id of others) expect((await admin.read('k', { from: id })).value).toBe('after');
  }, 60_000);

  it('a leader frozen past its lease (SIGSTOP) does not serve from it when it wakes', async () => {
    cluster = await TestCluster.create({ size: 3, tickMs: 50, requestTimeoutMs: 1500 });
    const c = cluster;
    await c.startAll();
    const client = c.client({ timeoutMs: 8000 });
    const old = await c.waitForLeader(client);
    await client.set('k', 'before');
    await waitFor('a lease', async () => (await client.read('k', { mode: 'lease' })).mode === 'lease', 5000);
    c.procs.get(old)!.child.kill('SIGSTOP');
    const others = c.ids.filter((id) => id !== old);
    await waitFor('a write under a new leader', async () => {
      await client.set('k', 'after', { timeoutMs: 3000 });
      return true;
    }, 20_000);
    // Queue the lease read while it is frozen: it is the first thing the node sees on waking.
    const woke = client.read('k', { from: old, mode: 'lease', timeoutMs: 4000 }).then(
      (r) => `answered ${r.value} by ${r.mode}`,
      (e: unknown) => (e instanceof PaxosClientError ? e.code : String(e)),
    );
    await new Promise((r) => setTimeout(r, 300));
    c.procs.get(old)!.child.kill('SIGCONT');
    expect(await woke).not.toMatch(/^answered before/);
    for (const id of others) expect((await client.read('k', { from: id })).value).toBe('after');
  }, 60_000);
});
