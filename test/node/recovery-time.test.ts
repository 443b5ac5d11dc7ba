// Measures how long a restarted node takes to be back: spawn -> `ready` (DB load + KV replay +
// bind) and spawn -> caught up with the leader, first with a large gap to fetch from peers, then
// with a large log of its own to replay. Prints the figures; asserts only generous bounds.
import { afterEach, describe, expect, it } from 'vitest';
import { runPool, TestCluster, waitFor } from './harness.js';

let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

describe('node processes: recovery time', () => {
  it('restarts, replays and catches up within seconds', async () => {
    cluster = await TestCluster.create({ size: 3 });
    const c = cluster;
    await c.startAll();
    const client = c.client();
    const leader = await c.waitForLeader(client);
    const lagger = c.ids.find((id) => id !== leader)!;

    const measure = async (label: string): Promise<void> => {
      const target = (await client.status(leader)).commitIndex;
      const { ready, spawnToReadyMs } = await c.start(lagger);
      if (ready.event !== 'ready') throw new Error('unreachable');
      await waitFor(`node ${lagger} to catch up to slot ${target}`, async () => (await client.status(lagger)).appliedIndex >= target);
      const caughtUpMs = Date.now() - c.procs.get(lagger)!.spawnedAt;
      console.log(
        `recovery (${label}): spawn->ready ${spawnToReadyMs} ms (load+replay ${ready.recoveryMs} ms, ` +
          `${ready.replayed} entries replayed), spawn->caught up to slot ${target} ${caughtUpMs} ms`,
      );
      expect(caughtUpMs).toBeLessThan(15_000);
    };

    // A follower misses 1,000 writes (issued two at a time, so most take a slot of their own).
    await c.kill(lagger);
    await runPool(1000, 2, async (i) => void (await client.set(`k${i}`, `v${i}`)));
    await measure('gap fetched from peers');

    // Now it has a long log of its own: restart it again to time the replay.
    await c.kill(lagger);
    await client.set('one', 'more');
    await measure('long local log replayed');
    await c.waitConverged(client, c.ids);
    expect((await client.getLocal(lagger, 'k999')).value).toBe('v999');
  });
});
