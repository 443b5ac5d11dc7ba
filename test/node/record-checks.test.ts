// The checks a node runs on its own records, against a real LevelDB where a DB is involved:
// sealed values, a vote above the promise, a DB of another node or cluster, a lost disk.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveIdentity } from '../../src/node/db-identity.js';
import { seal, testing, unseal } from '../../src/node/record-seal.js';
import { NodeStorage } from '../../src/node/storage.js';
import type { DurableWrite, Ready } from '../../src/paxos/types.js';

let dir: string | null = null;
afterEach(async () => {
  if (dir !== null) await rm(dir, { recursive: true, force: true });
  dir = null;
});

const ready = (id: number, write: DurableWrite): Ready => ({ id, write, committed: [], reads: [], events: [], unpersistedMessages: [], messages: () => [] });
const b = (round: number, node: number) => ({ round, node });

/** Writes raw bytes under a key, as damage (or a foreign writer) would. */
async function poke(d: string, key: string, value: Uint8Array): Promise<void> {
  const db = new ClassicLevel<string, Uint8Array>(d, { valueEncoding: 'view' });
  await db.put(key, value);
  await db.close();
}

describe('record seal', () => {
  it('round-trips, and refuses a flipped bit or the value moved under another key', () => {
    const payload = new Uint8Array([1, 2, 3, 250]);
    const sealed = seal('!acc!0000000000000007', payload);
    expect(unseal('!acc!0000000000000007', sealed)).toEqual({ ok: true, payload, sealed: true });
    expect(unseal('!acc!0000000000000008', sealed)).toEqual({ ok: false });
    for (let i = 1; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i] = bad[i]! ^ 0x10;
      expect(unseal('!acc!0000000000000007', bad).ok, `bit flipped in byte ${i}`).toBe(false);
    }
    // A value from before sealing passes as unsealed: only an adopted (legacy) DB accepts it.
    expect(unseal('k', new Uint8Array([0x82, 1]))).toMatchObject({ ok: true, sealed: false });
  });

  it('uses the standard CRC-32 in its fallback for older Node releases', () => {
    expect(testing.tableCrc32('123456789')).toBe(0xcbf43926);
    expect(testing.tableCrc32('6789', testing.tableCrc32('12345'))).toBe(0xcbf43926);
  });
});

describe('node storage checks', () => {
  const owner = { node: 2, cluster: 'c-1' };

  it('refuses a record whose checksum fails, naming it', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-checks-'));
    const s = await NodeStorage.open(dir, { owner });
    await s.persist(ready(1, { promised: b(3, 1), accepted: [{ slot: 4, ballot: b(3, 1), value: { kind: 'noop' } }], chosen: [] }));
    await s.close();
    const good = await NodeStorage.open(dir, { owner });
    expect((await good.load()).accepted).toHaveLength(1);
    await good.close();
    const stored = seal('!acc!0000000000000004', new Uint8Array([0x80]));
    stored[5] = stored[5]! ^ 1;
    await poke(dir, '!acc!0000000000000004', stored);
    const bad = await NodeStorage.open(dir, { owner });
    await expect(bad.load()).rejects.toMatchObject({ code: 'corrupt', message: expect.stringMatching(/record !acc!0000000000000004 fails its checksum/) });
    await bad.close();
  });

  it('refuses an unsealed record in a stamped DB, and a vote above the promise', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-checks-'));
    const s = await NodeStorage.open(dir, { owner });
    await s.persist(ready(1, { promised: b(5, 1), accepted: [{ slot: 0, ballot: b(5, 1), value: { kind: 'noop' } }], chosen: [] }));
    await s.close();
    // The promise record lost (rolled back to an older one): the vote is above it.
    await poke(dir, '!meta!promised', seal('!meta!promised', new Uint8Array([0x82, 0xa5, ...Buffer.from('round'), 1, 0xa4, ...Buffer.from('node'), 1])));
    const rolledBack = await NodeStorage.open(dir, { owner });
    await expect(rolledBack.load()).rejects.toThrow(/slot 0 was accepted at ballot 5\.1, above the promise 1\.1/);
    await rolledBack.close();
    await poke(dir, '!meta!commitIndex', new Uint8Array([0x03]));
    const unsealed = await NodeStorage.open(dir, { owner });
    await expect(unsealed.load()).rejects.toThrow(/record !meta!commitIndex is not sealed/);
    await unsealed.close();
  });

  it('stamps a new DB with its node and cluster and refuses it to another', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-checks-'));
    await (await NodeStorage.open(dir, { owner })).close();
    await expect(NodeStorage.open(dir, { owner: { node: 3, cluster: 'c-1' } })).rejects.toThrow(/belongs to node 2, not node 3/);
    await expect(NodeStorage.open(dir, { owner: { node: 2, cluster: 'c-9' } })).rejects.toThrow(/belongs to cluster c-1, not to this cluster \(c-9\)/);
    // A cluster file without an id (hand-written) still opens it.
    await (await NodeStorage.open(dir, { owner: { node: 2 } })).close();
  });

  it('refuses a missing, empty or re-created DB of a node that has run before', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-checks-'));
    const missing = path.join(dir, 'node-2');
    const ran = { ...owner, hasRunBefore: true };
    await expect(NodeStorage.open(missing, { owner: ran })).rejects.toMatchObject({
      code: 'lost',
      message: `data dir ${missing} is missing or empty, but node 2 has run in this cluster before; a node that lost its disk must not vote again under its old identity (it could let two values be chosen for one slot). Restore the directory from a backup, or put a new node in its place with replace 2 (the cluster keeps its data), or start a new cluster with --fresh.`,
    });
    // LevelDB files but nothing of ours (e.g. an empty DB another tool created): the same.
    await (await NodeStorage.open(missing)).close();
    await expect(NodeStorage.open(missing, { owner: ran })).rejects.toMatchObject({ code: 'lost' });
    // A reader never creates one.
    await expect(NodeStorage.open(path.join(dir, 'node-5'), { create: false })).rejects.toMatchObject({ code: 'missing' });
  });

  it('adopts a DB written before records were sealed, leniently', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-checks-'));
    await poke(dir, '!meta!commitIndex', new Uint8Array([0x00]));
    const s = await NodeStorage.open(dir, { owner: { ...owner, hasRunBefore: true } });
    expect((await s.load()).commitIndex).toBe(0);
    await s.close();
    expect(resolveIdentity(dir, undefined, owner, true)).toEqual({ node: 2, cluster: 'c-1', legacy: true });
    expect(resolveIdentity(dir, undefined, owner, false)).toEqual({ node: 2, cluster: 'c-1' });
    expect(resolveIdentity(dir, { node: 2 }, owner, true)).toEqual({ node: 2, cluster: 'c-1' });
    expect(resolveIdentity(dir, { node: 2, cluster: 'c-1' }, owner, true)).toBeNull();
  });
});
