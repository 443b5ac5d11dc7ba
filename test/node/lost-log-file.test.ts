// A careless operator deletes a node's "*.log" files to free space (or a restore misses them).
// In LevelDB the .log is the write-ahead log: it holds the promises and votes written since the
// last table was made. Without it LevelDB opens quietly on its older tables (nothing in <db>/LOG
// says a thing), so the node comes back having forgotten votes it sent as Accepted: it must
// refuse, as it refuses a damaged .log. (A .log cut short reads as a torn tail, which a crash
// during a write also leaves: neither LevelDB nor the node can tell the two apart; see README.)
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './harness.js';

let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

describe('node processes: a DB that lost its write-ahead log', () => {
  it('refuses to start when the .log file that holds its latest votes is gone', async () => {
    cluster = await TestCluster.create({ size: 3 });
    const c = cluster;
    await c.startAll();
    const client = c.client();
    const leader = await c.waitForLeader(client);
    for (let i = 0; i < 10; i++) await client.set(`a${i}`, `v${i}`);
    const victim = c.ids.find((id) => id !== leader)!;
    await c.waitConverged(client, c.ids);
    // A restart turns the old .log into a table; what follows goes to a new .log.
    await c.kill(victim, 'SIGTERM');
    await c.start(victim);
    for (let i = 0; i < 40; i++) await client.set(`b${i}`, `w${i}`);
    await c.waitConverged(client, c.ids);
    await c.kill(victim, 'SIGKILL');

    const dir = c.dataDir(victim);
    const logs = (await readdir(dir)).filter((f) => /^\d+\.log$/.test(f));
    expect(logs.length).toBeGreaterThan(0);
    expect((await readdir(dir)).some((f) => f.endsWith('.ldb'))).toBe(true);
    for (const f of logs) await rm(path.join(dir, f));

    const proc = c.spawn(victim);
    await waitFor(`node ${victim} to exit or become ready`, () => proc.exit !== null || proc.events.some((e) => e.event === 'ready'), 20_000);
    const ready = proc.events.find((e) => e.event === 'ready');
    expect(ready, `node ${victim} started without the votes of its deleted ${logs.join(', ')}: ${JSON.stringify(ready)}`).toBeUndefined();
    await proc.exited;
    expect(proc.exit?.code).toBe(1);
    expect(proc.stderr.trim().split('\n')).toHaveLength(1);
    expect(proc.stderr).toMatch(/is damaged/);
  });
});
