// Given 5 real nodes, when the leader is SIGKILLed and restarted twice during 500 writes,
// then every acknowledged write survives on every node and all chosen logs are identical.
import { afterEach, describe, expect, it } from 'vitest';
import { PaxosClientError } from '../../src/client/paxos-client.js';
import type { NodeId } from '../../src/paxos/types.js';
import { valueKey } from '../../src/paxos/value.js';
import { runPool, TestCluster, waitFor } from './harness.js';

let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

const WRITES = 500;

describe('node processes: leader crashes', () => {
  it('keeps every acknowledged write through two leader SIGKILLs and restarts', async () => {
    cluster = await TestCluster.create({ size: 5 });
    const c = cluster;
    await c.startAll();
    const client = c.client();
    const admin = c.client();
    await c.waitForLeader(admin);

    const acked = new Map<string, string>();
    const failures = new Map<string, number>();
    const recoveries: { node: NodeId; spawnToReadyMs: number; recoveryMs: number; replayed: number; caughtUpMs: number }[] = [];

    let workloadDone = false;
    const workload = runPool(WRITES, 4, async (i) => {
      const key = `k${i}`;
      const value = `v${i}`;
      try {
        await client.set(key, value);
        acked.set(key, value);
      } catch (err) {
        const code = err instanceof PaxosClientError ? err.code : String(err);
        failures.set(code, (failures.get(code) ?? 0) + 1);
      }
    }).finally(() => (workloadDone = true));

    const chaos = (async () => {
      for (let round = 1; round <= 2; round++) {
        await waitFor(`${round * 150} acknowledged writes`, () => acked.size >= round * 150, 60_000);
        const leader = await c.waitForLeader(admin);
        await c.kill(leader, 'SIGKILL');
        // Let the survivors elect a new leader and move on without the old one.
        const ackedAtKill = acked.size;
        // A fast cluster may finish the whole workload around the kill: then the reads below (through
        // the new leader) are what proves the survivors go on.
        await waitFor(
          'writes to continue without the old leader',
          () => acked.size >= ackedAtKill + 40 || workloadDone,
          30_000,
        );
        const { ready, spawnToReadyMs } = await c.start(leader);
        if (ready.event !== 'ready') throw new Error('unreachable');
        const target = (await admin.status((await c.waitForLeader(admin)) as NodeId)).commitIndex;
        const s = await waitFor(`node ${leader} to catch up to ${target}`, async () => {
          const st = await admin.status(leader);
          return st.appliedIndex >= target ? st : undefined;
        });
        recoveries.push({
          node: leader,
          spawnToReadyMs,
          recoveryMs: ready.recoveryMs,
          replayed: ready.replayed,
          caughtUpMs: Date.now() - c.procs.get(leader)!.spawnedAt,
        });
        expect(s.appliedIndex).toBeGreaterThanOrEqual(target);
      }
    })();

    await Promise.all([workload, chaos]);
    console.log(
      `crash-recovery: ${acked.size}/${WRITES} writes acknowledged, failures by code: ${JSON.stringify(Object.fromEntries(failures))}`,
    );
    for (const r of recoveries) {
      console.log(
        `recovery of node ${r.node}: spawn->ready ${r.spawnToReadyMs} ms (in-process load+replay ${r.recoveryMs} ms, ` +
          `${r.replayed} entries replayed), spawn->caught up ${r.caughtUpMs} ms`,
      );
    }
    expect(recoveries).toHaveLength(2);
    // Client retries cover a leader change; a handful of failures would still be legal, most must succeed.
    expect(acked.size).toBeGreaterThan(WRITES * 0.9);

    const statuses = await c.waitConverged(admin, c.ids);
    const commitIndex = statuses[0]!.commitIndex;
    for (const s of statuses) {
      console.log(`node ${s.id}: ${s.entriesPersisted} entries in ${s.fsyncs} synced batches, ${s.sendDrops} sends dropped`);
    }

    // Linearizable reads through the log.
    await runPool(WRITES, 8, async (i) => {
      const key = `k${i}`;
      const expected = acked.get(key);
      const r = await client.get(key);
      if (expected !== undefined) expect(r.value, key).toBe(expected);
      // An unacknowledged write may or may not have happened, but never with another value.
      else if (r.value !== null) expect(r.value).toBe(`v${i}`);
    });
    // Local reads on every node, after convergence.
    for (const id of c.ids) {
      await runPool(WRITES, 16, async (i) => {
        const expected = acked.get(`k${i}`);
        if (expected === undefined) return;
        const r = await admin.getLocal(id, `k${i}`);
        expect(r.value, `node ${id} k${i}`).toBe(expected);
      });
    }
    // Identical chosen logs.
    const dumps = await Promise.all(c.ids.map((id) => admin.logDump(id, 0, commitIndex)));
    const canonical = (d: (typeof dumps)[number]): string[] => d.chosen.map((e) => `${e.slot}:${valueKey(e.value)}`);
    const reference = canonical(dumps[0]!);
    expect(reference).toHaveLength(commitIndex);
    for (const [i, d] of dumps.entries()) expect(canonical(d), `node ${c.ids[i]} log`).toEqual(reference);
  });
});
