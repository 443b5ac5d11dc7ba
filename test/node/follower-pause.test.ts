// Followers frozen by SIGSTOP (past several election timeouts) and resumed, again and again,
// under load: with PreVote and CheckQuorum the sitting leader keeps its ballot the whole time.
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './harness.js';

let cluster: TestCluster | null = null;

afterEach(async () => {
  for (const p of cluster?.procs.values() ?? []) if (p.exit === null) p.child.kill('SIGCONT');
  await cluster?.cleanup();
  cluster = null;
});

describe('node processes: paused followers', () => {
  it('cost the sitting leader nothing, however often they freeze and resume', async () => {
    cluster = await TestCluster.create({ size: 5, tickMs: 50 });
    const c = cluster;
    await c.startAll();
    const client = c.client({ timeoutMs: 10_000 });
    const leader = await c.waitForLeader(client);
    const ballot = (await client.status(leader)).ballot;
    const followers = c.ids.filter((id) => id !== leader);
    // Two candidates can both win phase 1 in the first election (the higher ballot then takes
    // over): that race is not what this test is about, so only leader changes from here count.
    const since = Date.now();

    let stop = false;
    let writes = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        await client.set(`k${i % 5}`, `v${i}`);
        writes += 1;
      }
    })();
    for (let round = 0; round < 6; round++) {
      // Two followers at once (a majority stays up), for 1.5-2.5 s: many election timeouts.
      const paused = [followers[round % 4]!, followers[(round + 1) % 4]!];
      for (const id of paused) c.procs.get(id)!.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 1500 + (round % 3) * 500));
      for (const id of paused) c.procs.get(id)!.child.kill('SIGCONT');
      await new Promise((r) => setTimeout(r, 700));
    }
    stop = true;
    await writer;
    await c.waitConverged(client, c.ids);
    const st = await client.status(leader);
    expect(st.role).toBe('leader');
    expect(st.ballot).toEqual(ballot);
    const leaders = new Set<string>();
    for (const p of c.procs.values()) for (const e of p.events) if (e.event === 'role' && e.role === 'leader' && e.t >= since) leaders.add(e.ballot);
    expect([...leaders]).toEqual([]);
    expect(writes).toBeGreaterThan(50);
    await waitFor('stderr-free nodes', () => [...c.procs.values()].every((p) => p.stderr === ''), 1000);
  });
});
