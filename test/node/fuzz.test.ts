// Given a 3-node cluster under a client workload, when more than 10,000 random and malformed
// frames are thrown at the leader, then it stays up, the workload's results are correct and
// every bad frame is counted in its status.
import { encode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { seededRng, type Rng } from '../../src/paxos/rng.js';
import type { NodeId } from '../../src/paxos/types.js';
import { peerRoutingId } from '../../src/node/transport.js';
import { MAX_FRAME_BYTES } from '../../src/protocol/wire.js';
import { runPool, TestCluster, waitFor } from './harness.js';

let cluster: TestCluster | null = null;
const sockets: Dealer[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await cluster?.cleanup();
  cluster = null;
});

const FRAMES = 10_500;
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);

type Frame = Buffer[];

function bytes(rng: Rng, max: number): Buffer {
  const n = rng.int(0, max);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(0, 255);
  return b;
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(0, xs.length - 1)]!;
}

/** A msgpack-able junk value: wrong types in every position. */
function junk(rng: Rng, depth = 0): unknown {
  switch (rng.int(0, depth > 2 ? 4 : 6)) {
    case 0:
      return rng.int(-(2 ** 31), 2 ** 31);
    case 1:
      return pick(rng, [null, true, false, 1.5, -0, Number.MAX_SAFE_INTEGER * 4, NaN]);
    case 2:
      return bytes(rng, 16).toString('latin1');
    case 3:
      return bytes(rng, 16);
    case 4:
      return '';
    case 5:
      return Array.from({ length: rng.int(0, 4) }, () => junk(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: rng.int(0, 4) }, (_, i) => [`f${i}`, junk(rng, depth + 1)]));
  }
}

const pack = (v: unknown): Buffer => Buffer.from(encode(v));

/** msgpack headers that announce far more data than follows. */
const HUGE_HEADERS = [
  [0xdb, 0xff, 0xff, 0xff, 0xff], // str32
  [0xc6, 0xff, 0xff, 0xff, 0xff], // bin32
  [0xdd, 0xff, 0xff, 0xff, 0xff], // array32
  [0xdf, 0xff, 0xff, 0xff, 0xff], // map32
  [0xc9, 0x7f, 0xff, 0xff, 0xff, 0x01], // ext32
  [0xdc, 0xff, 0xff], // array16
] as const;

function peerMsg(rng: Rng, from: NodeId, to: NodeId): Record<string, unknown> {
  const ballot = { round: rng.int(0, 2 ** 40), node: from };
  return pick(rng, [
    { type: 'prepare', from, to, ballot, fromSlot: 0 },
    { type: 'heartbeat', from, to, ballot, commitIndex: rng.int(0, 2 ** 40) },
    { type: 'accepted', from, to, ballot, slots: [0, 1, 2] },
    { type: 'accept', from, to, ballot, commitIndex: 0, entries: [{ slot: 0, value: { kind: 'noop' } }] },
    { type: 'catchup-req', from, to, fromSlot: 0, toSlot: 2 ** 40 },
  ]);
}

interface Generated {
  readonly category: string;
  readonly parts: Frame;
}

/** Frames sent by an anonymous client DEALER: every one of them must be counted as bad. */
function anonymousFrame(rng: Rng, target: NodeId, peer: NodeId): Generated {
  switch (rng.int(0, 11)) {
    case 0:
      return { category: 'garbage', parts: [bytes(rng, 300)] };
    case 1:
      return { category: 'not-a-map', parts: [pack(pick(rng, [junk(rng), [1, 2, 3], 'v1', 42, null]))] };
    case 2:
      return {
        category: 'bad-version',
        parts: [pack({ v: pick(rng, [0, 2, 99, '1', null, -1, 1.5]), k: 'peer', m: peerMsg(rng, peer, target) })],
      };
    case 3:
      return { category: 'unknown-kind', parts: [pack({ v: 1, k: pick(rng, ['x', 'PEER', '', 'admin', 7]), m: junk(rng) })] };
    case 4:
      return {
        category: 'wrong-types',
        parts: [pack({ v: 1, k: 'peer', m: { ...peerMsg(rng, peer, target), [pick(rng, ['from', 'to', 'ballot', 'type'])]: junk(rng) } })],
      };
    case 5: {
      const head = Buffer.from(pick(rng, HUGE_HEADERS));
      const prefix = Buffer.from([0x83, 0xa1, 0x76, 0x01, 0xa1, 0x6b, 0xa4, 0x70, 0x65, 0x65, 0x72, 0xa1, 0x6d]); // {v:1,k:'peer',m:
      return { category: 'huge-length', parts: [Buffer.concat([rng.int(0, 1) === 0 ? prefix : Buffer.alloc(0), head, bytes(rng, 8)])] };
    }
    case 6:
      return { category: 'unknown-peer', parts: [pack({ v: 1, k: 'peer', m: peerMsg(rng, pick(rng, [9, 42, 1000, 999_999]), target) })] };
    case 7:
      // A well-formed message naming a real peer, from a socket that is not that peer.
      return { category: 'forged-from', parts: [pack({ v: 1, k: 'peer', m: peerMsg(rng, peer, target) })] };
    case 8:
      return { category: 'multipart', parts: Array.from({ length: rng.int(2, 4) }, () => bytes(rng, 20)) };
    case 9:
      return {
        category: 'reply-to-node',
        parts: [pack({ v: 1, k: 'res', id: rng.int(0, 1000), res: { ok: false, code: 'no-quorum', message: 'x', leader: null } })],
      };
    case 10:
      return {
        category: 'bad-request',
        parts: [
          pack({
            v: 1,
            k: 'req',
            id: rng.int(0, 2 ** 31),
            req: pick(rng, [
              { op: 'set', key: '', value: 'x', clientId: 'f', seq: 1 },
              { op: 'set', key: 'k', value: 5, clientId: 'f', seq: 1 },
              { op: 'get', key: 'k'.repeat(5000), clientId: 'f', seq: 1 },
              { op: 'del', key: 'k', clientId: 'f', seq: -1 },
              { op: 'log-dump', from: -5, to: 'end' },
              { op: 'drop-table' },
            ]),
          }),
        ],
      };
    default:
      return { category: 'misnested', parts: [pack({ v: 1, k: 'req', id: -1, req: { op: 'status' } })] };
  }
}

async function connectDealer(c: TestCluster, target: NodeId, routingId?: string, sendTimeout = -1): Promise<Dealer> {
  const d = new Dealer({ linger: 0, sendTimeout, ...c.operatorDealerOptions(target), ...(routingId !== undefined ? { routingId } : {}) });
  const address = c.address(target);
  sockets.push(d);
  d.connect(address);
  // Drain anything the node answers (bad-request replies), so our receive queue never fills.
  void (async () => {
    try {
      for await (const _ of d) void _;
    } catch {
      // closed
    }
  })();
  return d;
}

describe('node processes: bad input', () => {
  it('counts and survives >10,000 malformed frames while serving a workload', async () => {
    cluster = await TestCluster.create({ size: 3 });
    const c = cluster;
    await c.startAll();
    const client = c.client();
    const target = await c.waitForLeader(client);
    const peer = c.ids.find((id) => id !== target)!;
    const rng = seededRng(SEED);

    // Every socket here holds the operator key, so the node reads what it sends: a client that
    // writes peer messages, under any routing id, must not be taken for a peer.
    const anon = await connectDealer(c, target);
    const stranger = await connectDealer(c, target, '99');
    // Takes a live peer's routing id over (handover): the node drops what comes in on it, uncounted.
    const impostor = await connectDealer(c, target, peerRoutingId(peer), 0);

    const sentByCategory = new Map<string, number>();
    let mustCount = 0;
    let impostorSent = 0;
    const note = (category: string): void => {
      sentByCategory.set(category, (sentByCategory.get(category) ?? 0) + 1);
    };

    // Workload: sets and linearizable gets, concurrently with the fuzzing.
    const acked = new Map<string, string>();
    const workload = runPool(300, 4, async (i) => {
      await client.set(`w${i}`, `x${i}`);
      acked.set(`w${i}`, `x${i}`);
      if (i % 3 === 0) expect((await client.get(`w${i}`)).value).toBe(`x${i}`);
    });

    const fuzz = (async () => {
      for (let i = 0; i < FRAMES; i++) {
        const roll = rng.int(0, 99);
        if (roll < 3) {
          const m = peerMsg(rng, 99, target);
          await stranger.send(pack({ v: 1, k: 'peer', m: { ...m, ballot: { round: rng.int(1, 2 ** 40), node: 99 } } }));
          note('stranger-id-99');
          mustCount += 1;
        } else if (roll < 5) {
          const m = peerMsg(rng, peer, target);
          try {
            await impostor.send(pack({ v: 1, k: 'peer', m: { ...m, ballot: { round: rng.int(1, 2 ** 40), node: 42 } } }));
            impostorSent += 1;
          } catch {
            // EAGAIN: nobody takes them; not sent
          }
          note('impostor-peer-id');
        } else {
          const g = anonymousFrame(rng, target, peer);
          await anon.send(g.parts);
          note(g.category);
          mustCount += 1;
        }
        if (i % 500 === 0) await new Promise((r) => setImmediate(r));
      }
      // Oversized: larger than the 4 MiB frame limit (but under ZeroMQ's own cap).
      for (let i = 0; i < 3; i++) {
        await anon.send(Buffer.alloc(MAX_FRAME_BYTES + 1 + i, 0x90));
        note('oversized');
        mustCount += 1;
      }
    })();

    await Promise.all([workload, fuzz]);
    const sent = [...sentByCategory.values()].reduce((a, b) => a + b, 0);
    const status = await waitFor(
      `node ${target} to count ${mustCount} bad frames`,
      async () => {
        const s = await client.status(target);
        return s.badFramesTotal >= mustCount ? s : undefined;
      },
      30_000,
      100,
    );
    console.log(
      `fuzz (seed ${SEED}): sent ${sent} bad frames at node ${target} (${impostorSent} via an impostor of node ${peer}, ` +
        `which ZeroMQ may drop); node counted ${status.badFramesTotal}: ${JSON.stringify(status.badFrames)}; ` +
        `by category sent: ${JSON.stringify(Object.fromEntries(sentByCategory))}`,
    );
    expect(sent).toBeGreaterThanOrEqual(10_000);
    expect(status.badFramesTotal).toBeGreaterThanOrEqual(mustCount);
    expect(status.badFramesTotal).toBeLessThanOrEqual(mustCount + impostorSent);
    for (const kind of ['oversized', 'undecodable', 'bad-version', 'unknown-kind', 'invalid', 'forged', 'multipart', 'unexpected']) {
      expect(status.badFrames[kind] ?? 0, kind).toBeGreaterThan(0);
    }

    // The node is up, still the same process, and the workload's results hold everywhere.
    expect(c.isAlive(target)).toBe(true);
    expect(acked.size).toBe(300);
    await c.waitConverged(client, c.ids);
    for (const [key, value] of acked) expect((await client.get(key)).value, key).toBe(value);
    for (const id of c.ids) for (const [key, value] of acked) expect((await client.getLocal(id, key)).value).toBe(value);
    expect(c.procs.get(target)!.stderr).toBe('');
  });
});
