// A log-dump page carries at most ~2 MiB of entries (by entryBytesBound) and always one slot,
// so a dump of a log of large values pages through the frame limit instead of exceeding it.
import { describe, expect, it } from 'vitest';
import { logDumpPage } from '../../src/node/node-runtime.js';
import type { AcceptedEntry, ChosenEntry, Value } from '../../src/paxos/types.js';
import { entryBytesBound } from '../../src/paxos/value.js';

const big = (seq: number): Value => ({ kind: 'batch', cmds: [{ op: 'set', key: 'k', value: 'x'.repeat(200_000), clientId: 'c', seq }] });

describe('log-dump pages', () => {
  it('cuts a range of large values into pages under the byte budget, at least one slot each', () => {
    const chosen: ChosenEntry[] = Array.from({ length: 10 }, (_, slot) => ({ slot, value: big(slot + 1) }));
    const accepted: AcceptedEntry[] = chosen.map((e) => ({ ...e, ballot: { round: 1, node: 1 } }));
    const perSlot = 2 * entryBytesBound({ value: big(1) });
    expect(perSlot).toBeGreaterThan(1_000_000);
    const page = logDumpPage(chosen, accepted, 0, 10);
    expect(page.to).toBe(Math.floor((2 * 1024 * 1024) / perSlot));
    expect(page.chosen.map((e) => e.slot)).toEqual([...Array(page.to).keys()]);
    expect(page.accepted).toHaveLength(page.to);

    const huge: Value = { kind: 'batch', cmds: [{ op: 'set', key: 'k', value: 'y'.repeat(2_000_000), clientId: 'c', seq: 1 }] };
    const one = logDumpPage([{ slot: 5, value: huge }], [], 5, 9);
    expect(one.to).toBe(6);
    expect(one.chosen).toHaveLength(1);

    const small = logDumpPage(chosen.slice(0, 1), [], 0, 1000);
    expect(small.to).toBe(1000);
  });
});
