// Given a real leader, when one client frame carries ten writes and one malformed request, then
// the writes share one slot and come back in one reply frame, and only the bad one is refused.
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { decodeFrame, encodeFrame, type Frame, type ReplyItem } from '../../src/protocol/wire.js';
import { TestCluster, waitFor } from './harness.js';

let cluster: TestCluster | null = null;
let socket: Dealer | null = null;

afterEach(async () => {
  socket?.close();
  socket = null;
  await cluster?.cleanup();
  cluster = null;
});

describe('node processes: batched requests and replies', () => {
  it('answers a frame of ten writes with one frame, all in one slot, and refuses only the bad item', async () => {
    cluster = await TestCluster.create({ size: 3 });
    const c = cluster;
    await c.startAll();
    const client = c.client();
    const leader = await c.waitForLeader(client);
    const frames: Frame[] = [];
    const d = new Dealer({ linger: 0, ...c.operatorDealerOptions(leader) });
    socket = d;
    d.connect(`tcp://127.0.0.1:${c.nodes.find((n) => n.id === leader)!.port}`);
    void (async () => {
      try {
        for await (const [bytes] of d) {
          const f = decodeFrame(bytes!);
          if (f.ok) frames.push(f.frame);
        }
      } catch {
        // closed
      }
    })();

    const sets = Array.from({ length: 10 }, (_, i) => ({
      id: i + 1,
      req: { op: 'set', key: `b${i}`, value: `v${i}`, clientId: `batch-test.${i}`, seq: 1 },
    }));
    const bad = { id: 99, req: { op: 'set', key: '', value: 'x', clientId: 'batch-test.bad', seq: 1 } };
    await d.send(encodeFrame({ v: 1, k: 'reqs', reqs: [...sets, bad] } as Frame));
    await waitFor('both reply frames', () => frames.length >= 2, 10_000);

    const refused = frames.find((f) => f.k === 'res');
    expect(refused).toMatchObject({ k: 'res', id: 99, res: { ok: false, code: 'bad-request' } });
    const batch = frames.find((f): f is Extract<Frame, { k: 'ress' }> => f.k === 'ress');
    expect(batch?.ress.map((r: ReplyItem) => r.id).sort((a, b) => a - b)).toEqual(sets.map((s) => s.id));
    const slots = new Set(batch!.ress.map((r) => (r.res.ok && r.res.op === 'set' ? r.res.slot : -1)));
    expect(slots.size).toBe(1);
    expect([...slots][0]).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 10; i++) expect((await client.get(`b${i}`)).value).toBe(`v${i}`);
  });
});
