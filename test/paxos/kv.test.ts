import { describe, expect, it } from 'vitest';
import { KvStore } from '../../src/paxos/kv.js';
import type { Command } from '../../src/paxos/types.js';

const batch = (slot: number, ...cmds: Command[]) => ({ slot, value: { kind: 'batch' as const, cmds } });

describe('KvStore', () => {
  it('applies set, get and del in slot order', () => {
    const kv = new KvStore();
    kv.apply(batch(0, { op: 'set', key: 'a', value: '1', clientId: 'c', seq: 1 }));
    const [read] = kv.apply(batch(1, { op: 'get', key: 'a', clientId: 'c', seq: 2 }));
    expect(read?.value).toBe('1');
    kv.apply({ slot: 2, value: { kind: 'noop' } });
    kv.apply(batch(3, { op: 'del', key: 'a', clientId: 'c', seq: 3 }));
    expect(kv.get('a')).toBeNull();
    expect(kv.appliedIndex).toBe(4);
  });

  it('applies a retried (clientId, seq) once and returns its first result', () => {
    const kv = new KvStore();
    kv.apply(batch(0, { op: 'set', key: 'x', value: 'old', clientId: 'w', seq: 1 }));
    const first = kv.apply(batch(1, { op: 'get', key: 'x', clientId: 'r', seq: 7 }));
    kv.apply(batch(2, { op: 'set', key: 'x', value: 'new', clientId: 'w', seq: 2 }));
    // The read landed in a second slot after a leader change: same answer, nothing re-done.
    const again = kv.apply(batch(3, { op: 'get', key: 'x', clientId: 'r', seq: 7 }, { op: 'set', key: 'x', value: 'old', clientId: 'w', seq: 1 }));
    expect(first[0]).toMatchObject({ value: 'old', duplicate: false });
    expect(again[0]).toMatchObject({ value: 'old', duplicate: true });
    expect(again[1]).toMatchObject({ duplicate: true });
    expect(kv.get('x')).toBe('new');
  });

  it('says whether a del found its key, and a retried del gets the first answer, also after a snapshot', () => {
    const kv = new KvStore();
    kv.apply(batch(0, { op: 'set', key: 'a', value: '1', clientId: 'c', seq: 1 }));
    const [found] = kv.apply(batch(1, { op: 'del', key: 'a', clientId: 'c', seq: 2 }));
    const [missing] = kv.apply(batch(2, { op: 'del', key: 'a', clientId: 'd', seq: 1 }));
    expect(found).toMatchObject({ op: 'del', existed: true, duplicate: false });
    expect(missing).toMatchObject({ op: 'del', existed: false, duplicate: false });
    // The retry of c's del lands after the key is gone: it still answers "it was there".
    const [retry] = kv.apply(batch(3, { op: 'del', key: 'a', clientId: 'c', seq: 2 }));
    expect(retry).toMatchObject({ existed: true, duplicate: true });
    const restored = KvStore.fromSnapshot(kv.snapshot());
    const [afterSnapshot] = restored.apply(batch(4, { op: 'del', key: 'a', clientId: 'c', seq: 2 }));
    expect(afterSnapshot).toMatchObject({ existed: true, duplicate: true });
    const [setResult] = kv.apply(batch(4, { op: 'set', key: 'b', value: '2', clientId: 'e', seq: 1 }));
    expect(setResult?.existed).toBeUndefined();
  });

  it('reads a snapshot written before del answers (3-element sessions)', async () => {
    const { encode } = await import('@msgpack/msgpack');
    const old = encode({ v: 1, appliedIndex: 2, data: [['k', 'v']], sessions: [['c', 2, null]] });
    const kv = KvStore.fromSnapshot(old);
    const [retry] = kv.apply(batch(2, { op: 'del', key: 'k', clientId: 'c', seq: 2 }));
    expect(retry).toMatchObject({ duplicate: true });
    expect(retry?.existed).toBeUndefined();
    expect(() => KvStore.fromSnapshot(encode({ v: 1, appliedIndex: 0, data: [], sessions: [['c', 1, null, 'yes']] }))).toThrow(/bad snapshot session/);
  });

  it('refuses to apply out of order', () => {
    const kv = new KvStore();
    expect(() => kv.apply({ slot: 1, value: { kind: 'noop' } })).toThrow(/out of order/);
  });

  it('hashes equal states equally, whatever the order they were built in', () => {
    const a = new KvStore();
    const b = new KvStore();
    a.apply(batch(0, { op: 'set', key: 'p', value: '1', clientId: 'c', seq: 1 }, { op: 'set', key: 'q', value: '2', clientId: 'd', seq: 1 }));
    b.apply(batch(0, { op: 'set', key: 'q', value: '2', clientId: 'd', seq: 1 }, { op: 'set', key: 'p', value: '1', clientId: 'c', seq: 1 }));
    expect(a.hash()).toBe(b.hash());
    b.apply(batch(1, { op: 'del', key: 'p', clientId: 'c', seq: 2 }));
    expect(a.hash()).not.toBe(b.hash());
  });
});

describe('KvStore snapshots', () => {
  it('round-trips the map, the applied index and the client sessions (exactly-once)', () => {
    const kv = new KvStore();
    kv.apply(batch(0, { op: 'set', key: 'a', value: '1', clientId: 'w', seq: 1 }, { op: 'set', key: 'b', value: '2', clientId: 'w', seq: 2 }));
    kv.apply(batch(1, { op: 'get', key: 'a', clientId: 'r', seq: 5 }, { op: 'del', key: 'b', clientId: 'w', seq: 3 }));
    const copy = KvStore.fromSnapshot(kv.snapshot());
    expect(copy.appliedIndex).toBe(2);
    expect(copy.hash()).toBe(kv.hash());
    expect(copy.lastSeq('w')).toBe(3);
    // A retry landing after the snapshot is a duplicate with the first result.
    const [again] = copy.apply(batch(2, { op: 'get', key: 'a', clientId: 'r', seq: 5 }));
    expect(again).toMatchObject({ duplicate: true, value: '1' });
  });

  it('rejects bytes it did not write', () => {
    expect(() => KvStore.fromSnapshot(new Uint8Array([1, 2, 3]))).toThrow(/snapshot/);
    expect(() => KvStore.fromSnapshot(new Uint8Array([0xc1]))).toThrow(/snapshot/);
  });
});
