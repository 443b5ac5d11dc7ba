// Given a node that has run (the cluster file lists it in hasRun), when its data dir is wiped,
// then it refuses to start and says why; a new cluster starts on empty dirs, and a node pointed
// at another node's dir is refused.
import { cpSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './harness.js';

let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

describe('node processes: a lost data dir is refused', () => {
  it('refuses a wiped dir of a node that has run, with one line saying why', async () => {
    cluster = await TestCluster.create({ size: 3 });
    const c = cluster;
    const file = JSON.parse(await readFile(c.clusterFile, 'utf8')) as Record<string, unknown>;
    await writeFile(c.clusterFile, JSON.stringify({ ...file, clusterId: 'test-cluster', hasRun: [] }));
    // No node has run yet: a first start on an empty dir is a normal one.
    await c.startAll();
    const client = c.client();
    await c.waitForLeader(client);
    await client.set('k', 'v');
    await c.waitConverged(client, c.ids);
    // What the supervisor records once a node reported ready.
    await writeFile(c.clusterFile, JSON.stringify({ ...file, clusterId: 'test-cluster', hasRun: [1, 2] }));

    await c.kill(2, 'SIGKILL');
    await rm(c.dataDir(2), { recursive: true, force: true });
    const proc = c.spawn(2);
    await waitFor('node 2 to exit', () => proc.exit !== null || proc.events.some((e) => e.event === 'ready'));
    await proc.exited;
    expect(proc.events.some((e) => e.event === 'ready')).toBe(false);
    expect(proc.exit).toEqual({ code: 1, signal: null });
    expect(proc.stderr).toBe(
      `paxos-cli node 2: data dir ${c.dataDir(2)} is missing or empty, but node 2 has run in this cluster before; a node that lost ` +
        'its disk must not vote again under its old identity (it could let two values be chosen for one slot). Restore the ' +
        'directory from a backup, or put a new node in its place with replace 2 (the cluster keeps its data), or start a new cluster ' +
        'with --fresh.\n',
    );

    // Node 1's dir under node 3's name: stamped with node 1 (and this cluster) on creation.
    await c.kill(3, 'SIGKILL');
    await c.kill(1, 'SIGKILL');
    await rm(c.dataDir(3), { recursive: true, force: true });
    await writeFile(c.clusterFile, JSON.stringify({ ...file, clusterId: 'test-cluster', hasRun: [1, 2, 3] }));
    cpSync(c.dataDir(1), c.dataDir(3), { recursive: true });
    const foreign = c.spawn(3);
    await foreign.exited;
    expect(foreign.exit?.code).toBe(1);
    expect(foreign.stderr).toBe(`paxos-cli node 3: data dir ${c.dataDir(3)} belongs to node 1, not node 3; start node 3 on its own data dir\n`);
  });
});
