// Given 3 real nodes that snapshot every 50 slots, when a follower is down for the middle 200 of
// 300 writes, then on restart it catches up through a snapshot (the log it lacks is gone) and
// holds the same state; and after a whole-cluster restart every node restores its snapshot.
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeId } from '../../src/paxos/types.js';
import { runPool, TestCluster, type NodeProc } from './harness.js';
import { collectLogs } from '../../src/cluster/collect-logs.js';
import { diffLogs } from '../../src/cluster/diff-logs.js';

let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

const logged = (p: NodeProc | undefined, text: string): boolean =>
  p?.events.some((e) => e.event === 'log' && e.msg.includes(text)) ?? false;

describe('node processes: log compaction', () => {
  it('catches a far-behind follower up by snapshot and restarts from snapshots', async () => {
    cluster = await TestCluster.create({ size: 3, snapshotEvery: 50 });
    const c = cluster;
    await c.startAll();
    const client = c.client();
    const leader = await c.waitForLeader(client);
    const follower: NodeId = c.ids.find((id) => id !== leader)!;

    const expected = new Map<string, string>();
    const write = async (i: number): Promise<void> => {
      await client.set(`k${i}`, `v${i}`);
      expected.set(`k${i}`, `v${i}`);
    };
    await runPool(50, 2, (i) => write(i));
    await c.kill(follower, 'SIGKILL');
    await runPool(200, 2, (i) => write(50 + i));
    const leaderStatus = await client.status(leader);
    // Two writers at a time may share a slot (the client sends what is pending as one frame).
    expect(leaderStatus.commitIndex).toBeGreaterThan(100);
    expect(logged(c.procs.get(leader), 'snapshot at slot')).toBe(true);

    await c.start(follower);
    await runPool(50, 2, (i) => write(250 + i));
    const converged = await c.waitConverged(client, c.ids, 30_000);
    expect(logged(c.procs.get(follower), 'installed a snapshot'), c.stderrDump()).toBe(true);
    for (const s of converged) expect(s.kvHash, `node ${s.id}`).toBe(converged[0]!.kvHash);
    expect(converged[0]!.kvSize).toBe(300);
    // diff reads compacted logs as snapshot + tail: no conflict, no lag, one state hash.
    const { logs } = await collectLogs({ client, dataDir: '/nonexistent', ids: c.ids, isAlive: () => true });
    expect(logs.some((l) => l.snapshot !== undefined)).toBe(true);
    const d = diffLogs(logs);
    expect(d.conflicts).toBe(0);
    expect(d.lagging).toEqual([]);
    expect(new Set(Object.values(d.stateHashes))).toEqual(new Set([converged[0]!.kvHash]));

    await Promise.all(c.ids.map((id) => c.kill(id, 'SIGTERM')));
    const restarts = await Promise.all(c.ids.map((id) => c.start(id)));
    for (const [i, r] of restarts.entries()) {
      const id = c.ids[i]!;
      if (r.ready.event !== 'ready') throw new Error('unreachable');
      expect(logged(c.procs.get(id), 'restored snapshot'), `node ${id}`).toBe(true);
      // Only the log above the snapshot is replayed.
      expect(r.ready.replayed, `node ${id} replayed`).toBeLessThan(100);
      expect((await client.status(id)).kvHash, `node ${id} state after restart`).toBe(converged[0]!.kvHash);
    }
    await c.waitForLeader(client);
    for (const [key, value] of expected) expect((await client.get(key)).value, key).toBe(value);
  }, 120_000);

  // A state larger than a frame (4 MiB) still reaches a far-behind follower, in chunks, and a
  // diff still reads it from a live node, a chunk per request.
  it('catches up a follower through a snapshot larger than the frame limit, and diffs it', async () => {
    cluster = await TestCluster.create({ size: 3, snapshotEvery: 40 });
    const c = cluster;
    await c.startAll();
    const client = c.client();
    const leader = await c.waitForLeader(client);
    const follower: NodeId = c.ids.find((id) => id !== leader)!;
    await client.set('first', '1');
    await c.kill(follower, 'SIGKILL');
    // 100 keys of 60,000 characters: a KV state of about 6 MB.
    const big = (i: number): string => String(i % 10).repeat(60_000);
    // One write per slot, and 70 more after the big ones, so the last snapshot (every 40 slots)
    // holds every big key.
    await runPool(100, 1, (i) => client.set(`big${i}`, big(i)).then(() => undefined));
    await runPool(70, 1, (i) => client.set(`small${i}`, `s${i}`).then(() => undefined));
    expect(logged(c.procs.get(leader), 'snapshot at slot')).toBe(true);

    await c.start(follower);
    const converged = await c.waitConverged(client, c.ids, 60_000);
    expect(logged(c.procs.get(follower), 'installed a snapshot'), c.stderrDump()).toBe(true);
    for (const s of converged) expect(s.kvHash, `node ${s.id}`).toBe(converged[0]!.kvHash);
    expect((await client.getLocal(follower, 'big42')).value).toBe(big(42));

    const dump = await client.logDump(leader, 0, 10);
    expect(dump.snapshot?.byteLength ?? 0).toBeGreaterThan(4 * 1024 * 1024);
    const { logs } = await collectLogs({ client, dataDir: '/nonexistent', ids: c.ids, isAlive: () => true });
    const d = diffLogs(logs);
    expect(d.conflicts).toBe(0);
    expect(new Set(Object.values(d.stateHashes))).toEqual(new Set([converged[0]!.kvHash]));
  }, 120_000);
});
