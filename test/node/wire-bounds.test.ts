// Every number a peer sends is bounded by the core's limits, and PreVote's messages cross the wire.
import { encode } from '@msgpack/msgpack';
import { genesisMembership } from '../paxos/harness.js';
import { describe, expect, it } from 'vitest';
import { MAX_BALLOT_ROUND, MAX_SLOT } from '../../src/paxos/limits.js';
import type { Message } from '../../src/paxos/types.js';
import { decodeFrame, encodeFrame, peerFrame } from '../../src/protocol/wire.js';

const prepare = (round: number, fromSlot = 0): Message => ({ type: 'prepare', from: 3, to: 1, ballot: { round, node: 3 }, fromSlot });

describe('wire bounds', () => {
  it('round-trips prevote and prevote-resp', () => {
    const msgs: Message[] = [
      { type: 'prevote', from: 2, to: 1, ballot: { round: 4, node: 2 }, commitIndex: 9 },
      { type: 'prevote-resp', from: 1, to: 2, ballot: { round: 4, node: 2 }, granted: false },
    ];
    for (const m of msgs) expect(decodeFrame(encodeFrame(peerFrame(m)))).toEqual({ ok: true, frame: peerFrame(m) });
  });

  it('takes a ballot round and a slot at the bound, and refuses them past it', () => {
    expect(decodeFrame(encodeFrame(peerFrame(prepare(MAX_BALLOT_ROUND, MAX_SLOT)))).ok).toBe(true);
    const refused: Message[] = [
      prepare(Number.MAX_SAFE_INTEGER),
      prepare(MAX_BALLOT_ROUND + 1),
      prepare(1, MAX_SLOT + 1),
      { type: 'heartbeat', from: 3, to: 1, ballot: { round: 1, node: 3 }, commitIndex: MAX_SLOT + 1 },
      { type: 'catchup-req', from: 3, to: 1, fromSlot: 0, toSlot: MAX_SLOT + 1 },
      { type: 'catchup-resp', from: 3, to: 1, commitIndex: 0, entries: [{ slot: MAX_SLOT + 1, value: { kind: 'noop' } }] },
      { type: 'snapshot', from: 3, to: 1, snapshotIndex: MAX_SLOT + 1, offset: 0, total: 0, chunk: new Uint8Array(), membership: genesisMembership() },
      { type: 'accepted', from: 3, to: 1, ballot: { round: 1, node: 1 }, slots: [MAX_SLOT + 1] },
    ];
    for (const m of refused) {
      const d = decodeFrame(encode({ v: 1, k: 'peer', m }));
      expect(d.ok, m.type).toBe(false);
    }
  });
});
