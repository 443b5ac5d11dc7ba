// Found by review: a 'reqs' frame checked each request on its own, but not each item's id, so
// one item with a bad id (or one that is not a map) refused the whole frame and the valid
// requests in it were never answered. Items are now checked one by one, ids included.
import { describe, expect, it } from 'vitest';
import { Encoder } from '@msgpack/msgpack';
import { decodeFrame } from '../../src/protocol/wire.js';

const enc = new Encoder();
const good = (id: number) => ({ id, req: { op: 'set', key: `k${id}`, value: 'v', clientId: 'c.1', seq: id } });

describe("a bad item in a 'reqs' frame", () => {
  it('a bad request body spoils only its own item', () => {
    const d = decodeFrame(enc.encode({ v: 1, k: 'reqs', reqs: [good(1), { id: 2, req: { op: 'set', key: '' } }, good(3)] }));
    expect(d.ok).toBe(true);
    if (d.ok && d.frame.k === 'reqs') expect(d.frame.reqs.map((r) => r.id)).toEqual([1, 3]);
  });

  it.each([
    ['a negative id', { ...good(2), id: -1 }],
    ['a string id', { ...good(2), id: 'x' }],
    ['an item that is not a map', 42],
  ])('%s spoils only its own item, the valid requests are still decoded', (_what, bad) => {
    const d = decodeFrame(enc.encode({ v: 1, k: 'reqs', reqs: [good(1), bad, good(3)] }));
    expect(d.ok, JSON.stringify(d)).toBe(true);
    if (d.ok && d.frame.k === 'reqs') expect(d.frame.reqs.map((r) => r.id)).toEqual([1, 3]);
  });
});
