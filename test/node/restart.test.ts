// Given 5 real nodes with state, when all are stopped with SIGTERM and started again on the
// same data dirs, then the state is intact, the logs agree, and the cluster takes writes again.
import { afterEach, describe, expect, it } from 'vitest';
import { valueKey } from '../../src/paxos/value.js';
import { runPool, TestCluster } from './harness.js';

let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

describe('node processes: whole-cluster restart', () => {
  it('stops cleanly on SIGTERM and restarts with its state intact', async () => {
    cluster = await TestCluster.create({ size: 5 });
    const c = cluster;
    await c.startAll();
    const client = c.client();
    await c.waitForLeader(client);

    const expected = new Map<string, string | null>();
    await runPool(150, 6, async (i) => {
      await client.set(`k${i}`, `v${i}`);
      expected.set(`k${i}`, `v${i}`);
    });
    for (let i = 0; i < 150; i += 10) {
      await client.del(`k${i}`);
      expected.set(`k${i}`, null);
    }
    const before = await c.waitConverged(client, c.ids);

    const stopped = await Promise.all(c.ids.map((id) => c.kill(id, 'SIGTERM')));
    for (const p of stopped) {
      expect(p.exit, `node ${p.id} exit`).toEqual({ code: 0, signal: null });
      expect(p.events.some((e) => e.event === 'stopping')).toBe(true);
    }

    const restarts = await Promise.all(c.ids.map((id) => c.start(id)));
    for (const [i, r] of restarts.entries()) {
      if (r.ready.event !== 'ready') throw new Error('unreachable');
      // Each node replays exactly the chosen prefix it had recorded.
      expect(r.ready.commitIndex, `node ${c.ids[i]} commit index`).toBe(before[i]!.commitIndex);
      expect(r.ready.replayed).toBe(before[i]!.commitIndex);
      console.log(
        `restart: node ${c.ids[i]} spawn->ready ${r.spawnToReadyMs} ms, load+replay ${r.ready.recoveryMs} ms, ${r.ready.replayed} entries`,
      );
    }
    for (const id of c.ids) {
      const s = await client.status(id);
      expect(s.kvHash, `node ${id} state`).toBe(before[0]!.kvHash);
    }

    await c.waitForLeader(client);
    for (const [key, value] of expected) expect((await client.get(key)).value, key).toBe(value);
    await client.set('after', 'restart');
    expect((await client.get('after')).value).toBe('restart');

    const after = await c.waitConverged(client, c.ids);
    const dumps = await Promise.all(c.ids.map((id) => client.logDump(id, 0, after[0]!.commitIndex)));
    const canon = dumps.map((d) => d.chosen.map((e) => `${e.slot}:${valueKey(e.value)}`));
    for (const log of canon) expect(log).toEqual(canon[0]);
  });
});
