// Given 5 real nodes: with 2 down writes go on; with 3 down they fail with no-quorum within
// the timeout (never hang); once the nodes come back writes succeed and nothing was lost.
import { afterEach, describe, expect, it } from 'vitest';
import { PaxosClientError } from '../../src/client/paxos-client.js';
import { runPool, TestCluster } from './harness.js';

let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

const CLIENT_TIMEOUT_MS = 3000;

describe('node processes: quorum', () => {
  it('survives a minority loss, refuses writes without a majority, and recovers', async () => {
    cluster = await TestCluster.create({ size: 5, requestTimeoutMs: 2000 });
    const c = cluster;
    await c.startAll();
    const client = c.client({ timeoutMs: CLIENT_TIMEOUT_MS });
    const admin = c.client();
    const leader = await c.waitForLeader(admin);
    const acked = new Map<string, string>();
    const write = async (key: string, value: string): Promise<void> => {
      await client.set(key, value);
      acked.set(key, value);
    };
    await runPool(50, 4, (i) => write(`a${i}`, `before-${i}`));

    // Minority loss: the leader and one follower.
    const follower = c.ids.find((id) => id !== leader)!;
    await c.kill(leader);
    await c.kill(follower);
    await runPool(50, 4, (i) => write(`b${i}`, `minority-${i}`));

    // Majority loss: a third node.
    const third = c.aliveIds()[0]!;
    await c.kill(third);
    for (const key of ['c0']) {
      const started = Date.now();
      const err = await client.set(key, 'lost').then(
        () => null,
        (e: unknown) => e,
      );
      const elapsedMs = Date.now() - started;
      expect(err).toBeInstanceOf(PaxosClientError);
      expect((err as PaxosClientError).code).toBe('no-quorum');
      expect(elapsedMs).toBeLessThan(CLIENT_TIMEOUT_MS + 1000);
      console.log(`quorum: write without a majority failed with ${(err as PaxosClientError).code} after ${elapsedMs} ms`);
    }
    const readErr = await client.get('a0').catch((e: unknown) => e);
    expect((readErr as PaxosClientError).code).toBe('no-quorum');

    // Restart all three: writes succeed again, nothing acknowledged is lost.
    await Promise.all([leader, follower, third].map((id) => c.start(id)));
    await runPool(50, 4, (i) => write(`d${i}`, `after-${i}`));
    await c.waitConverged(admin, c.ids);
    expect(acked.size).toBe(150);
    await runPool(acked.size, 8, async (i) => {
      const [key, value] = [...acked.entries()][i]!;
      expect((await client.get(key)).value, key).toBe(value);
    });
    for (const id of c.ids) {
      for (const [key, value] of acked) expect((await admin.getLocal(id, key)).value, `node ${id} ${key}`).toBe(value);
    }
  });
});
