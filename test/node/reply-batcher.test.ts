// Replies to one client leave as one frame per flush, each client gets its own, and anything
// that is not a command result (a status, a log page) is never held back.
import { describe, expect, it } from 'vitest';
import { NO_FAULTS } from '../../src/protocol/fault-rules.js';
import { ReplyBatcher } from '../../src/node/reply-batcher.js';
import { decodeFrame, MAX_BATCH_ITEMS, type Reply } from '../../src/protocol/wire.js';

const ok = (slot: number, value: string | null = null): Reply => ({ ok: true, op: 'set', slot, value, duplicate: false, leader: 1 });

function recorder(): { sent: { to: string; frame: unknown }[]; batcher: ReplyBatcher } {
  const sent: { to: string; frame: unknown }[] = [];
  const batcher = new ReplyBatcher((routingId, bytes) => {
    const d = decodeFrame(bytes);
    if (!d.ok) throw new Error(`undecodable reply frame: ${d.detail}`);
    sent.push({ to: routingId.toString(), frame: d.frame });
  });
  return { sent, batcher };
}

describe('reply batcher', () => {
  it('holds command replies until flush, then sends one frame per client', () => {
    const { sent, batcher } = recorder();
    for (let i = 0; i < 5; i++) batcher.add(Buffer.from('a'), i, ok(i));
    batcher.add(Buffer.from('b'), 9, ok(9));
    expect(sent).toEqual([]);
    batcher.flush();
    expect(sent.map((s) => s.to)).toEqual(['a', 'b']);
    expect(sent[0]!.frame).toMatchObject({ k: 'ress', ress: [0, 1, 2, 3, 4].map((id) => ({ id })) });
    expect(sent[1]!.frame).toMatchObject({ k: 'res', id: 9 });
    batcher.flush();
    expect(sent).toHaveLength(2);
  });

  it('sends a status reply at once, and splits batches by count and by bytes', () => {
    const { sent, batcher } = recorder();
    batcher.add(Buffer.from('a'), 1, { ok: false, code: 'not-leader', message: 'no', leader: null });
    batcher.add(Buffer.from('a'), 2, { ok: true, op: 'admin', faults: NO_FAULTS });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.frame).toMatchObject({ k: 'res', id: 2 });
    batcher.flush();
    expect(sent).toHaveLength(2);

    for (let i = 0; i < MAX_BATCH_ITEMS; i++) batcher.add(Buffer.from('c'), i, ok(i));
    expect(sent).toHaveLength(3);
    const big = 'x'.repeat(60_000);
    for (let i = 0; i < 4; i++) batcher.add(Buffer.from('d'), i, ok(i, big));
    expect(sent).toHaveLength(4);
    batcher.flush();
    expect(sent).toHaveLength(5);
  });
});
