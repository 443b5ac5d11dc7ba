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

const ready = (id: number, write: DurableWrite): Ready => ({ id, write, committed: [], reads: [], events: [], unpersistedMessages: [], messages: () => [] });
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

  it('defers a write that only moves the commit index to the next batch or flushCommit()', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-storage-'));
    const reopen = async (): Promise<number> => {
      await s.close();
      s = await NodeStorage.open(dir!);
      return (await s.load()).commitIndex;
    };
    let s = await NodeStorage.open(dir);
    const vote = (slot: number) => ({ slot, ballot: { round: 1, node: 1 }, value: batch(`k${slot}`) });
    // A vote raises the promise with it (load() refuses a vote above the promise).
    await s.persist(ready(1, { promised: { round: 1, node: 1 }, accepted: [vote(0), vote(1), vote(2)], chosen: [] }));
    await s.persist(ready(2, { accepted: [], chosen: [], commitIndex: 1 }));
    expect(s.hasDeferredCommit).toBe(true);
    // Not written on its own: a crash here loses it, and the node replays a shorter prefix.
    expect(await reopen()).toBe(0);
    await s.persist(ready(3, { accepted: [], chosen: [], commitIndex: 2 }));
    // Carried by the next batch that writes anything else.
    await s.persist(ready(4, { accepted: [vote(3)], chosen: [] }));
    expect(s.hasDeferredCommit).toBe(false);
    expect(await reopen()).toBe(2);
    await s.persist(ready(5, { accepted: [], chosen: [], commitIndex: 3 }));
    await s.flushCommit();
    expect(s.hasDeferredCommit).toBe(false);
    expect(await reopen()).toBe(3);
    await s.close();
  });

  it('refuses a second process on the same data dir with a clear error', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-storage-'));
    const s = await NodeStorage.open(dir);
    await expect(NodeStorage.open(dir)).rejects.toMatchObject({ code: 'locked' });
    await s.close();
  });

  it('persists a snapshot with sync, deletes the log below it, and restarts from it', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-storage-'));
    const s = await NodeStorage.open(dir);
    const ballot = { round: 1, node: 2 };
    await s.persist(
      ready(1, {
        promised: ballot,
        accepted: Array.from({ length: 20 }, (_, slot) => ({ slot, ballot, value: batch(`k${slot}`) })),
        chosen: [{ slot: 3, value: batch('c3') }],
        commitIndex: 20,
      }),
    );
    const blob = new Uint8Array([1, 2, 3, 4]);
    const fsyncs = s.batchesWritten;
    await s.persist(ready(2, { accepted: [], chosen: [], snapshot: { index: 15, blob } }));
    expect(s.batchesWritten).toBe(fsyncs + 1);
    await s.close();

    const again = await NodeStorage.open(dir);
    const state = await again.load();
    // The range below the snapshot is gone from the DB, not just skipped on load.
    const left = await again['acc'].keys().all();
    const leftChosen = await again['chosen'].keys().all();
    await again.close();
    expect(left).toEqual(['0000000000000015', '0000000000000016', '0000000000000017', '0000000000000018', '0000000000000019']);
    expect(leftChosen).toEqual([]);
    expect(state.snapshot?.index).toBe(15);
    expect([...(state.snapshot?.blob ?? [])]).toEqual([1, 2, 3, 4]);
    expect(state.commitIndex).toBe(20);
    expect(chosenPrefix(state).map((e) => e.slot)).toEqual([15, 16, 17, 18, 19]);
  });

  it('zero-pads slot keys', () => {
    expect(slotKey(12)).toBe('0000000000000012');
    expect(slotKey(9) < slotKey(10)).toBe(true);
  });
});
