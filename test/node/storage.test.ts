// Storage against a real LevelDB in a temp dir: what persist() writes, load() returns.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chosenPrefix, NodeStorage, slotKey } from '../../src/node/storage.js';
import type { DurableWrite, Ready } from '../../src/paxos/types.js';

let dir: string | null = null;
afterEach(async () => {
  if (dir !== null) await rm(dir, { recursive: true, force: true });
  dir = null;
});

const ready = (id: number, write: DurableWrite): Ready => ({ id, write, committed: [], events: [], unpersistedMessages: [], messages: () => [] });
const batch = (key: string) => ({ kind: 'batch' as const, cmds: [{ op: 'set' as const, key, value: key, clientId: 'c', seq: 1 }] });

describe('node storage', () => {
  it('persists promises, accepted and chosen entries and the commit index across reopen', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-storage-'));
    const s = await NodeStorage.open(dir);
    expect(await s.load()).toEqual({ promised: { round: 0, node: 0 }, accepted: [], chosen: [], commitIndex: 0 });
    const receipt = await s.persist(
      ready(1, {
        promised: { round: 2, node: 1 },
        accepted: [
          { slot: 0, ballot: { round: 2, node: 1 }, value: batch('a') },
          { slot: 10, ballot: { round: 2, node: 1 }, value: { kind: 'noop' } },
        ],
        chosen: [{ slot: 1, value: batch('b') }],
        commitIndex: 2,
      }),
    );
    expect(receipt.readyId).toBe(1);
    // An empty write is skipped but still yields its receipt.
    expect((await s.persist(ready(2, { accepted: [], chosen: [] }))).readyId).toBe(2);
    expect(s.batchesWritten).toBe(1);
    await s.close();

    const again = await NodeStorage.open(dir);
    const state = await again.load();
    await again.close();
    expect(state.promised).toEqual({ round: 2, node: 1 });
    expect(state.commitIndex).toBe(2);
    // Slots sort numerically because keys are zero-padded.
    expect(state.accepted.map((e) => e.slot)).toEqual([0, 10]);
    expect(chosenPrefix(state)).toEqual([
      { slot: 0, value: batch('a') },
      { slot: 1, value: batch('b') },
    ]);
  });

  it('refuses a second process on the same data dir with a clear error', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-storage-'));
    const s = await NodeStorage.open(dir);
    await expect(NodeStorage.open(dir)).rejects.toMatchObject({ code: 'locked' });
    await s.close();
  });

  it('zero-pads slot keys', () => {
    expect(slotKey(12)).toBe('0000000000000012');
    expect(slotKey(9) < slotKey(10)).toBe(true);
  });
});
