// The trace lines are built by hand (message-trace.ts, for speed): every kind of message, in
// every direction, must still be a line parseTraceLine accepts, with the fields the record
// describes, exactly as JSON.stringify of the record would have written them.
import { describe, expect, it } from 'vitest';
import { describe as describeMessage, MessageTrace } from '../../src/node/message-trace.js';
import type { EventFile } from '../../src/node/event-file.js';
import type { Message, Value } from '../../src/paxos/types.js';
import { parseTraceLine } from '../../src/trace/trace-record.js';

const b = { round: 7, node: 2 };
const value: Value = { kind: 'noop' };
const MESSAGES: Message[] = [
  { type: 'prepare', from: 2, to: 1, ballot: b, fromSlot: 14 },
  { type: 'promise', from: 1, to: 2, ballot: b, fromSlot: 14, accepted: [{ slot: 15, ballot: b, value }, { slot: 14, ballot: b, value }], commitIndex: 14, chosen: [] },
  { type: 'promise', from: 1, to: 2, ballot: b, fromSlot: 14, accepted: [], commitIndex: 14, chosen: [] },
  { type: 'nack', from: 3, to: 2, ballot: b, promised: { round: 8, node: 3 } },
  { type: 'accept', from: 2, to: 3, ballot: b, entries: [{ slot: 14, value }, { slot: 20, value }], commitIndex: 14 },
  { type: 'accept', from: 2, to: 3, ballot: b, entries: [], commitIndex: 14 },
  { type: 'accepted', from: 3, to: 2, ballot: b, slots: [14, 20], read: 4 },
  { type: 'heartbeat', from: 2, to: 3, ballot: b, commitIndex: 21, read: 4 },
  { type: 'read-req', from: 3, to: 2, id: 9 },
  { type: 'read-resp', from: 2, to: 3, id: 9, index: null },
  { type: 'prevote', from: 1, to: 3, ballot: b, commitIndex: 3 },
  { type: 'prevote-resp', from: 3, to: 1, ballot: b, granted: false },
  { type: 'catchup-req', from: 3, to: 1, fromSlot: 3, toSlot: 9 },
  { type: 'catchup-resp', from: 1, to: 3, entries: [{ slot: 3, value }], commitIndex: 9 },
  { type: 'snapshot', from: 1, to: 3, snapshotIndex: 100, offset: 0, total: 10, chunk: new Uint8Array(10) },
];

describe('message trace lines', () => {
  it('every message kind and direction parses back to the record it describes', () => {
    const lines: string[] = [];
    const trace = new MessageTrace(2, { write: (l: string) => lines.push(l) } as unknown as EventFile);
    for (const m of MESSAGES) {
      const lc = trace.tickSend();
      trace.sent(m, lc, 120);
      trace.received(m, trace.tickReceive(lc + 5), 121);
      trace.held(m, lc, 122, 17);
      trace.dropped(m, lc, 123, 'by "drop" \\ at the REPL\n', 18);
      trace.dropped(m, lc, 124, 'partition');
    }
    expect(lines).toHaveLength(MESSAGES.length * 5);
    lines.forEach((line, i) => {
      expect(line.endsWith('}\n'), line).toBe(true);
      const m = MESSAGES[Math.floor(i / 5)] as Message;
      const r = parseTraceLine(line);
      expect(r, line).not.toBeNull();
      const dir = (['send', 'recv', 'hold', 'drop', 'drop'] as const)[i % 5];
      const expected: Record<string, unknown> = { node: 2, dir, type: m.type, from: m.from, to: m.to, bytes: 120 + (i % 5), ...describeMessage(m) };
      if (i % 5 === 2) expected.id = 17;
      if (i % 5 === 3) Object.assign(expected, { why: 'by "drop" \\ at the REPL\n', id: 18 });
      if (i % 5 === 4) expected.why = 'partition';
      const { t, lc, mlc, ...rest } = r as unknown as Record<string, unknown>;
      expect(rest, line).toEqual(expected);
      expect(typeof t).toBe('number');
      expect(typeof lc).toBe('number');
      expect(typeof mlc).toBe('number');
      // Field for field what JSON.stringify of the parsed record writes: no stray spaces or order.
      expect(line, line).toBe(JSON.stringify(r) + '\n');
    });
    // The spans are [lowest, highest], whatever the order of the entries.
    expect(parseTraceLine(lines[5] as string)).toMatchObject({ type: 'promise', slots: [14, 15], n: 2 });
    expect(parseTraceLine(lines[20] as string)).toMatchObject({ type: 'accept', slots: [14, 20], n: 2, ballot: '7.2' });
  });
});
