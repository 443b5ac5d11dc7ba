// The space-time diagram's matching and sampling, on traces in the node's format.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRun } from '../../src/report/load-run.js';
import { BACKGROUND_TYPES, matchMessages, MAX_ARROWS, sampleArrows, sampleEvenly, type Arrow } from '../../src/report/message-layout.js';
import { writeRunFixture } from './run-fixture.js';

let dir = '';
afterEach(() => {
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('matching sends to receipts', () => {
  it('counts delivered, lost and dropped messages as the fixture wrote them', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-layout-'));
    const books = writeRunFixture({ dir });
    const run = loadRun(dir);
    const m = matchMessages(run.records);
    expect(books.delivered).toBeGreaterThan(50);
    expect(books.lost).toBeGreaterThan(0);
    expect(books.dropped).toBeGreaterThan(0);
    expect(m.delivered).toHaveLength(books.delivered);
    expect(m.lost).toHaveLength(books.lost);
    expect(m.dropped).toHaveLength(books.dropped);
    expect(m.unmatchedRecvCount).toBe(0);
    // The torn last line of each file was skipped, not taken for a message.
    expect(run.badTraceLineCount).toBe(run.nodes.length);
    for (const a of m.delivered) expect(a.recvT).toBeGreaterThanOrEqual(a.sendT);
    expect(m.delivered.some((a) => a.label === 'A 1.1 s0')).toBe(true);
  });

  it('tells the copies of one multicast apart by their destination', () => {
    const base = { lc: 1, type: 'accept', from: 1, mlc: 1, bytes: 10, ballot: '1.1', slots: [0, 0] as const };
    const recs = [
      { ...base, t: 10, node: 1, dir: 'send' as const, to: 2 },
      { ...base, t: 10, node: 1, dir: 'send' as const, to: 3 },
      { ...base, t: 12, node: 2, dir: 'recv' as const, to: 2, lc: 2 },
    ];
    const m = matchMessages(recs);
    expect(m.delivered.map((a) => [a.from, a.to])).toEqual([[1, 2]]);
    expect(m.lost.map((x) => x.to)).toEqual([3]);
  });
});

describe('the sampling rule', () => {
  const arrow = (i: number, type: string): Arrow => ({ from: 1, to: 2, type, label: type, sendT: i, recvT: i + 1 });

  it('draws every delivered message up to the limit', () => {
    const xs = Array.from({ length: MAX_ARROWS }, (_, i) => arrow(i, i % 2 ? 'heartbeat' : 'accept'));
    const s = sampleArrows(xs);
    expect(s.sampled).toBe(false);
    expect(s.arrows).toHaveLength(MAX_ARROWS);
  });

  it('above it keeps every non-heartbeat and fills the rest with heartbeats spread over time', () => {
    const xs = Array.from({ length: 3 * MAX_ARROWS }, (_, i) => arrow(i, i % 10 === 0 ? 'accept' : 'heartbeat'));
    const s = sampleArrows(xs);
    expect(s.sampled).toBe(true);
    expect(s.arrows).toHaveLength(MAX_ARROWS);
    const main = xs.filter((a) => !BACKGROUND_TYPES.has(a.type));
    expect(s.arrows.filter((a) => a.type === 'accept')).toHaveLength(main.length);
    const hb = s.arrows.filter((a) => a.type === 'heartbeat');
    // Spread: some from the first and some from the last tenth of the run.
    expect(hb.some((a) => a.sendT < xs.length / 10)).toBe(true);
    expect(hb.some((a) => a.sendT > (xs.length * 9) / 10)).toBe(true);
  });

  it('samples the non-heartbeats themselves when they alone exceed the limit', () => {
    const xs = Array.from({ length: 2 * MAX_ARROWS + 1 }, (_, i) => arrow(i, 'accept'));
    expect(sampleArrows(xs).arrows).toHaveLength(MAX_ARROWS);
  });

  it('sampleEvenly keeps order and bounds', () => {
    expect(sampleEvenly([1, 2, 3, 4, 5, 6], 3)).toEqual([1, 3, 5]);
    expect(sampleEvenly([1, 2], 5)).toEqual([1, 2]);
    expect(sampleEvenly([1, 2], 0)).toEqual([]);
  });
});
