import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryError, HistoryRecorder, parseHistory, readHistoryFile } from '../../src/check/history.js';

function fakeClock(start = 1000): { clock: () => number; advance: (ms: number) => void } {
  let now = start;
  return { clock: () => now, advance: (ms) => void (now += ms) };
}

function invalid(input: unknown): string {
  try {
    parseHistory(input);
  } catch (err) {
    expect(err).toBeInstanceOf(HistoryError);
    return (err as HistoryError).message;
  }
  throw new Error('expected the history to be rejected');
}

describe('HistoryRecorder', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('records invoke and completion times relative to its start, with results', () => {
    const t = fakeClock();
    const rec = new HistoryRecorder({ clock: t.clock });
    t.advance(1.5);
    const set = rec.invoke('w1', 'set', 'x', '5');
    const get = rec.invoke('w2', 'get', 'x');
    t.advance(2);
    set.ok();
    get.ok('5');
    const del = rec.invoke('w1', 'del', 'x');
    const lost = rec.invoke('w2', 'set', 'y', 'z');
    t.advance(1);
    del.fail();
    lost.unknown();
    expect(rec.toJSON().ops).toEqual([
      { id: 0, process: 'w1', op: 'set', key: 'x', value: '5', invokeMs: 1.5, completeMs: 3.5, outcome: 'ok' },
      { id: 1, process: 'w2', op: 'get', key: 'x', value: '5', invokeMs: 1.5, completeMs: 3.5, outcome: 'ok' },
      { id: 2, process: 'w1', op: 'del', key: 'x', value: null, invokeMs: 3.5, completeMs: 4.5, outcome: 'failed' },
      { id: 3, process: 'w2', op: 'set', key: 'y', value: 'z', invokeMs: 3.5, completeMs: null, outcome: 'unknown' },
    ]);
  });

  it('saves operations still in flight as unknown', () => {
    const rec = new HistoryRecorder({ clock: fakeClock().clock });
    rec.invoke('w1', 'set', 'x', '1');
    expect(rec.toJSON().ops[0]).toMatchObject({ outcome: 'unknown', completeMs: null });
  });

  it('refuses programmer errors: double completion, two ops in flight per process, get ok without value', () => {
    const rec = new HistoryRecorder({ clock: fakeClock().clock });
    const h = rec.invoke('w1', 'set', 'x', '1');
    expect(() => rec.invoke('w1', 'get', 'x')).toThrow(/in flight/);
    h.ok();
    expect(() => h.fail()).toThrow(/completed twice/);
    const g = rec.invoke('w1', 'get', 'x');
    expect(() => g.ok()).toThrow(/value it read/);
  });

  it('round-trips through a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paxos-history-'));
    dirs.push(dir);
    const rec = new HistoryRecorder();
    rec.invoke('w1', 'set', 'x', 'a b').ok();
    rec.invoke('w1', 'get', 'x').ok(null);
    const file = join(dir, 'nested', 'history.json');
    await rec.save(file);
    const loaded = await readHistoryFile(file);
    expect(loaded.ops).toEqual(rec.toJSON().ops);
    expect(loaded.startedAt).toBe(rec.toJSON().startedAt);
  });
});

describe('history schema', () => {
  const good = { id: 0, process: 'p1', op: 'set', key: 'x', value: '1', invokeMs: 0, completeMs: 1, outcome: 'ok' };

  it('accepts a bare array and numeric process ids, and drops meaningless values', () => {
    const h = parseHistory([{ ...good, process: 3 }, { ...good, id: 1, op: 'get', outcome: 'failed', value: 'junk' }]);
    expect(h.ops[0]?.process).toBe('3');
    expect(h.ops[1]?.value).toBeNull();
  });

  it('names the first problem with its path', () => {
    expect(invalid({ version: 1, ops: [good, { ...good, id: 1, op: 'put' }] })).toMatch(/^ops\[1\]\.op: /);
    expect(invalid([{ ...good, value: undefined }])).toMatch(/^ops\[0\]\.value: a set needs the written value/);
    expect(invalid([{ ...good, completeMs: null }])).toMatch(/completeMs: an ok operation needs its completion time/);
    expect(invalid([{ ...good, completeMs: -1 }])).toMatch(/completes before it was invoked/);
    expect(invalid([{ ...good, op: 'get', value: undefined }])).toMatch(/an ok get needs the value read/);
    expect(invalid([good, good])).toMatch(/duplicate id 0/);
    expect(invalid({ version: 2, ops: [] })).toMatch(/^version: /);
    expect(invalid('nope')).toMatch(/expected object/i);
  });

  it('reports unreadable files and bad JSON with codes', async () => {
    await expect(readHistoryFile('/nonexistent/h.json')).rejects.toMatchObject({ code: 'HISTORY_UNREADABLE' });
    const dir = await mkdtemp(join(tmpdir(), 'paxos-history-'));
    try {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'bad.json'), '{"version": 1, ');
      await expect(readHistoryFile(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'HISTORY_BAD_JSON' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
