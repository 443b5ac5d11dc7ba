// One write chain per cluster file: concurrent updates (hasRun marks, member states) all land,
// and `up` resumes a grown cluster: its ids, member states, genesis and removed nodes kept.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { updateClusterFile } from '../../src/cluster/cluster-file-update.js';
import { clusterFilePath, prepareCluster, readClusterFile, writeClusterFile, type ClusterConfig } from '../../src/cluster/data-dir.js';
import { recordHasRun } from '../../src/cluster/has-run.js';
import { withMemberState, withNode } from '../../src/cluster/membership-plan.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-cluster-update-'));
  dirs.push(d);
  return d;
}

describe('updateClusterFile', () => {
  it('applies concurrent updates one after another, losing none', async () => {
    const dir = tempDir();
    const file = clusterFilePath(dir);
    await writeClusterFile(file, { nodes: [1, 2, 3].map((id) => ({ id, host: '127.0.0.1', port: 7100 + id })) });
    await Promise.all([
      recordHasRun(file, 2),
      updateClusterFile(file, (c) => withNode(c, { id: 4, host: '127.0.0.1', port: 7104, member: 'learner' })),
      recordHasRun(file, 1),
      updateClusterFile(file, (c) => withMemberState(c, 3, 'removed')),
      recordHasRun(file, 4),
    ]);
    const c = (await readClusterFile(file))!;
    expect(c.hasRun).toEqual([1, 2, 4]);
    expect(c.nodes.map((n) => [n.id, n.member ?? 'voter'])).toEqual([[1, 'voter'], [2, 'voter'], [3, 'removed'], [4, 'learner']]);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('writes nothing for an update that changes nothing, and goes on after one that fails', async () => {
    const dir = tempDir();
    const file = clusterFilePath(dir);
    await writeClusterFile(file, { nodes: [{ id: 1, host: '127.0.0.1', port: 7201 }] });
    const before = fs.statSync(file).mtimeMs;
    await updateClusterFile(file, () => null);
    expect(fs.statSync(file).mtimeMs).toBe(before);
    await expect(updateClusterFile(file, () => {
      throw new Error('boom');
    })).rejects.toThrow('boom');
    await recordHasRun(file, 1);
    expect((await readClusterFile(file))!.hasRun).toEqual([1]);
  });
});

describe('a grown cluster file', () => {
  const grown = (dir: string): ClusterConfig => ({
    nodes: [
      { id: 1, host: '127.0.0.1', port: 7301 },
      { id: 2, host: '127.0.0.1', port: 7302, member: 'removed' },
      { id: 3, host: '127.0.0.1', port: 7303 },
      { id: 4, host: '127.0.0.1', port: 7304, member: 'learner' },
      { id: 5, host: '127.0.0.1', port: 7305, replaces: 2 },
    ],
    genesis: [1, 2, 3],
    clusterId: `test-${path.basename(dir)}`,
  });

  it('is read with ids that are not 1..N', async () => {
    const dir = tempDir();
    await writeClusterFile(clusterFilePath(dir), grown(dir));
    expect((await readClusterFile(clusterFilePath(dir)))!.nodes.map((n) => n.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses more than 9 members, and a file with none', async () => {
    const dir = tempDir();
    await writeClusterFile(clusterFilePath(dir), { nodes: Array.from({ length: 11 }, (_, i) => ({ id: i + 1, host: '127.0.0.1', port: 7400 + i, ...(i < 2 ? { member: 'removed' as const } : {}) })) });
    await expect(readClusterFile(clusterFilePath(dir))).resolves.not.toBeNull();
    await writeClusterFile(clusterFilePath(dir), { nodes: Array.from({ length: 10 }, (_, i) => ({ id: i + 1, host: '127.0.0.1', port: 7400 + i })) });
    await expect(readClusterFile(clusterFilePath(dir))).rejects.toThrow(/10 member nodes; up runs at most 9/);
    await writeClusterFile(clusterFilePath(dir), { nodes: [{ id: 1, host: '127.0.0.1', port: 7400, member: 'removed' }] });
    await expect(readClusterFile(clusterFilePath(dir))).rejects.toThrow(/every node is marked removed/);
  });

  it('is resumed by up with its ids, member states, genesis and removed nodes, keys for members only', async () => {
    const dir = tempDir();
    await writeClusterFile(clusterFilePath(dir), grown(dir));
    const p = await prepareCluster({ dataDir: dir, size: 3, basePort: undefined, fresh: false });
    expect(p.resumed).toBe(true);
    expect(p.note).toMatch(/resuming the 4-node cluster/);
    expect(p.cluster.nodes.map((n) => [n.id, n.member, n.replaces])).toEqual([[1, undefined, undefined], [2, 'removed', undefined], [3, undefined, undefined], [4, 'learner', undefined], [5, undefined, 2]]);
    expect(p.cluster.genesis).toEqual([1, 2, 3]);
    expect(p.cluster.clusterId).toBe(`test-${path.basename(dir)}`);
    expect(fs.readdirSync(path.join(dir, 'keys')).sort()).toEqual(['node-1.key', 'node-3.key', 'node-4.key', 'node-5.key', 'operator.key']);
    expect(p.cluster.nodes.find((n) => n.id === 2)?.publicKey).toBeUndefined();
    expect(p.cluster.nodes.filter((n) => n.id !== 2).every((n) => n.publicKey !== undefined)).toBe(true);
    // What was written is what it returned.
    expect(await readClusterFile(p.clusterFile)).toEqual(p.cluster);
  });
});
