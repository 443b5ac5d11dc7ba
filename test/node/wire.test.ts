// The codec: what a node sends decodes to the same message; what a stranger sends is refused
// with a reason, never an exception.
import { encode } from '@msgpack/msgpack';
import { genesisMembership } from '../paxos/harness.js';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/paxos/types.js';
import { decodeFrame, encodeFrame, encodePeerFrame, readdressPeerFrame, SNAPSHOT_CHUNK_BYTES, MAX_BATCH_ITEMS, MAX_FRAME_BYTES, peerFrame, repliesFrame, replyFrame, requestFrame, requestsFrame } from '../../src/protocol/wire.js';

const accept: Message = {
  type: 'accept',
  from: 1,
  to: 2,
  ballot: { round: 3, node: 1 },
  commitIndex: 4,
  entries: [
    { slot: 4, value: { kind: 'batch', cmds: [{ op: 'set', key: 'k', value: 'v', clientId: 'c.1', seq: 7 }] } },
    { slot: 5, value: { kind: 'noop' } },
  ],
};

describe('wire codec', () => {
  it('round-trips peer messages and requests', () => {
    expect(decodeFrame(encodeFrame(peerFrame(accept)))).toEqual({ ok: true, frame: { v: 1, k: 'peer', m: accept } });
    const req = requestFrame(9, { op: 'log-dump', from: 0, to: 10 });
    expect(decodeFrame(encodeFrame(req))).toEqual({ ok: true, frame: req });
  });

  it.each([
    ['oversized', Buffer.alloc(MAX_FRAME_BYTES + 1)],
    ['undecodable', Buffer.from([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61])],
    ['undecodable', Buffer.alloc(0)],
    ['invalid', encode([1, 2, 3])],
    ['bad-version', encode({ v: 2, k: 'peer', m: accept })],
    ['unknown-kind', encode({ v: 1, k: 'gossip' })],
    ['invalid', encode({ v: 1, k: 'peer', m: { ...accept, ballot: { round: -1, node: 1 } } })],
    ['invalid', encode({ v: 1, k: 'peer', m: { ...accept, type: 'commit' } })],
  ] as const)('refuses a frame as %s', (kind, bytes) => {
    const d = decodeFrame(bytes);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.kind).toBe(kind);
  });

  it('round-trips a snapshot message with its bytes, and rejects one whose state is not bytes', () => {
    const snap = { type: 'snapshot' as const, from: 1, to: 2, snapshotIndex: 40, offset: 3, total: 6, chunk: new Uint8Array([9, 8, 7]), membership: genesisMembership() };
    const d = decodeFrame(encodeFrame(peerFrame(snap)));
    expect(d.ok && d.frame.k === 'peer' && d.frame.m).toEqual(snap);
    const bad = decodeFrame(encode({ v: 1, k: 'peer', m: { ...snap, chunk: 'text' } }));
    expect(bad).toMatchObject({ ok: false, kind: 'invalid' });
    const huge = decodeFrame(encode({ v: 1, k: 'peer', m: { ...snap, chunk: new Uint8Array(SNAPSHOT_CHUNK_BYTES + 1) } }));
    expect(huge).toMatchObject({ ok: false, kind: 'invalid' });
  });

  it('keeps the id of a malformed request so it can be answered', () => {
    const d = decodeFrame(encode({ v: 1, k: 'req', id: 5, req: { op: 'set', key: '', value: 'x', clientId: 'c', seq: 1 } }));
    expect(d).toMatchObject({ ok: false, kind: 'invalid', reqId: 5 });
  });

  it('sends one request or reply in its plain frame and more in a batch frame', () => {
    const one = { id: 1, req: { op: 'get' as const, key: 'k', clientId: 'c.1', seq: 1 } };
    expect(requestsFrame([one])).toEqual(requestFrame(1, one.req));
    const two = [one, { id: 2, req: { op: 'set' as const, key: 'k', value: 'v', clientId: 'c.2', seq: 1 } }];
    expect(decodeFrame(encodeFrame(requestsFrame(two)))).toEqual({ ok: true, frame: { v: 1, k: 'reqs', reqs: two } });
    const ok = { ok: true as const, op: 'set' as const, slot: 3, value: null, duplicate: false, leader: 1 };
    const replies = [{ id: 1, res: ok }, { id: 2, res: { ...ok, op: 'get' as const, value: 'v' } }];
    expect(repliesFrame([replies[0]!])).toMatchObject({ k: 'res', id: 1 });
    expect(decodeFrame(encodeFrame(repliesFrame(replies)))).toEqual({ ok: true, frame: { v: 1, k: 'ress', ress: replies } });
  });

  it("carries a del's answer (existed), and still takes a reply without it or refuses a bad one", () => {
    const del = { ok: true as const, op: 'del' as const, slot: 4, value: null, duplicate: false, leader: 2, existed: true };
    expect(decodeFrame(encodeFrame(replyFrame(9, del)))).toEqual({ ok: true, frame: { v: 1, k: 'res', id: 9, res: del } });
    const { existed: _e, ...older } = del;
    expect(decodeFrame(encodeFrame(replyFrame(9, older)))).toEqual({ ok: true, frame: { v: 1, k: 'res', id: 9, res: older } });
    expect(decodeFrame(encode({ v: 1, k: 'res', id: 9, res: { ...del, existed: 'yes' } }))).toMatchObject({ ok: false, kind: 'invalid' });
  });

  it('checks each request of a batch on its own: a bad one is named by id, the rest are served', () => {
    const good = { id: 7, req: { op: 'get', key: 'k', clientId: 'c.1', seq: 1 } };
    const bad = { id: 8, req: { op: 'set', key: '', value: 'x', clientId: 'c.2', seq: 1 } };
    const d = decodeFrame(encode({ v: 1, k: 'reqs', reqs: [good, bad] }));
    expect(d).toMatchObject({ ok: true, frame: { k: 'reqs', reqs: [good] }, invalid: [{ id: 8 }] });
  });

  it.each([
    ['empty', []],
    ['too many', Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => ({ id: i, req: { op: 'status' } }))],
  ])('refuses a request batch that is %s', (_name, reqs) => {
    expect(decodeFrame(encode({ v: 1, k: 'reqs', reqs }))).toMatchObject({ ok: false, kind: 'invalid' });
  });

  it('reports an item without a readable id as invalid and unanswerable, and keeps the rest', () => {
    const d = decodeFrame(encode({ v: 1, k: 'reqs', reqs: [{ req: { op: 'status' } }, { id: 4, req: { op: 'status' } }] }));
    expect(d).toMatchObject({ ok: true, frame: { reqs: [{ id: 4 }] }, invalid: [{ id: null }] });
  });

  it('readdresses an encoded peer frame to any recipient, across every integer width', () => {
    const ids = [1, 2, 127, 128, 255, 256, 65_535, 65_536, 1_000_000];
    for (const from of ids) {
      const bytes = encodePeerFrame({ ...accept, to: from });
      expect(decodeFrame(bytes)).toEqual({ ok: true, frame: { v: 1, k: 'peer', lc: 0, m: { ...accept, to: from } } });
      for (const to of ids) {
        expect(Buffer.from(readdressPeerFrame(bytes, from, to))).toEqual(Buffer.from(encodePeerFrame({ ...accept, to })));
      }
    }
    expect(() => readdressPeerFrame(encodePeerFrame({ ...accept, to: 3 }), 4, 5)).toThrow(/recipient 4/);
  });
});
