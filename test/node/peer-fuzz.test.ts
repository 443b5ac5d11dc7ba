// Frames a node must survive from the two sides of the trust boundary: from connections that
// hold no key of the cluster (they never reach the node), and from an authenticated peer that
// sends well-formed frames with numbers out of every range (a huge ballot round, slots past
// any log, unsolicited answers). Afterwards the cluster elects, writes and converges, nothing
// forged is applied, and no node wrote anything on stderr.
import { encode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer, Router } from 'zeromq';
import { newKeyPair, nodeKeyPath, readKeyFile } from '../../src/cluster/keys.js';
import { seededRng, type Rng } from '../../src/paxos/rng.js';
import { sharedSecret } from '../../src/cluster/x25519.js';
import { linkRoutingId, peerRoutingId } from '../../src/node/transport.js';
import type { NodeId } from '../../src/paxos/types.js';
import { TestCluster, waitFor } from './harness.js';

let cluster: TestCluster | null = null;
const sockets: (Dealer | Router)[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await cluster?.cleanup();
  cluster = null;
});

const pack = (v: unknown): Buffer => Buffer.from(encode(v));
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
/** Past the bounds of src/paxos/limits.ts (2^48 for rounds and slots), up to the largest safe integer. */
const HUGE = [2 ** 53 - 1, 2 ** 53 - 2, 2 ** 52, 2 ** 50, 2 ** 48 + 1] as const;

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(0, xs.length - 1)]!;
}

const evilValue = { kind: 'batch', cmds: [{ op: 'set', key: 'x', value: 'FORGED', clientId: 'peer-fuzz', seq: 1 }] };

/** A well-formed peer message from `from` to `to` with at least one number out of range. */
function outOfRange(rng: Rng, from: NodeId, to: NodeId): Record<string, unknown> {
  const big = (): number => pick(rng, HUGE);
  const ballot = { round: big(), node: from };
  const slot = big();
  return pick(rng, [
    { type: 'prepare', from, to, ballot, fromSlot: rng.int(0, 1) === 0 ? 0 : big() },
    { type: 'accept', from, to, ballot, commitIndex: big(), entries: [{ slot, value: evilValue }] },
    { type: 'accept', from, to, ballot: { round: 1, node: from }, commitIndex: 0, entries: [{ slot, value: evilValue }] },
    { type: 'heartbeat', from, to, ballot, commitIndex: big() },
    { type: 'heartbeat', from, to, ballot: { round: 1, node: from }, commitIndex: big() },
    { type: 'catchup-req', from, to, fromSlot: big(), toSlot: big() },
    { type: 'catchup-resp', from, to, commitIndex: big(), entries: [{ slot: rng.int(0, 3), value: evilValue }] },
    { type: 'catchup-resp', from, to, commitIndex: slot + 1, entries: [{ slot, value: evilValue }] },
    { type: 'promise', from, to, ballot, fromSlot: 0, commitIndex: big(), accepted: [{ slot, ballot, value: evilValue }], chosen: [] },
    { type: 'accepted', from, to, ballot, slots: [slot, 0, 1] },
    { type: 'nack', from, to, ballot, promised: { round: big(), node: to } },
    { type: 'snapshot', from, to, snapshotIndex: big(), offset: 0, total: 16, chunk: Buffer.alloc(16) },
    { type: 'heartbeat', from, to, ballot: { round: 1, node: from }, commitIndex: 0, read: big() },
    { type: 'accepted', from, to, ballot: { round: 1, node: to }, slots: [], read: big() },
    { type: 'read-req', from, to, id: big() },
    { type: 'read-resp', from, to, id: rng.int(0, 3), index: big() },
  ]);
}

describe('node processes: hostile peers and strangers', () => {
  it('never sees a frame from a connection without a cluster key', async () => {
    cluster = await TestCluster.create({ size: 3 });
    const c = cluster;
    await c.startAll();
    const client = c.client();
    const leader = await c.waitForLeader(client);
    const target = c.nodes.find((n) => n.id === leader)!;
    const plain = new Dealer({ linger: 0, sendTimeout: 0, immediate: true });
    const wrongKey = new Dealer({ linger: 0, sendTimeout: 0, immediate: true, curveServerKey: target.publicKey!, ...curve(newKeyPair()) });
    // Knows the node's key but presents a node's routing id and a stranger's key.
    const posing = new Dealer({ linger: 0, sendTimeout: 0, immediate: true, routingId: peerRoutingId(leader === 1 ? 2 : 1), curveServerKey: target.publicKey!, ...curve(newKeyPair()) });
    const rng = seededRng(SEED);
    let delivered = 0;
    for (const d of [plain, wrongKey, posing]) {
      sockets.push(d);
      d.connect(c.address(leader));
    }
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      for (const d of [plain, wrongKey, posing]) {
        try {
          await d.send(pack({ v: 1, k: 'peer', m: outOfRange(rng, leader === 1 ? 2 : 1, leader) }));
          delivered += 1;
        } catch {
          // EAGAIN: no connection to send on, which is the point
        }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const s = await client.status(leader);
    expect(delivered, 'no unauthenticated socket got a connection').toBe(0);
    expect(s.badFramesTotal).toBe(0);
    const refusals = c.procs.get(leader)!.events.filter((e) => e.event === 'log' && /refused a connection/.test(e.msg));
    // The two keyed strangers go through ZAP; the plain one fails the greeting (counted when libzmq reports it).
    expect(s.refusedHandshakes ?? 0, JSON.stringify(refusals)).toBeGreaterThanOrEqual(2);
    // Logged once per address (the keyed ones), and once for all that did not speak CURVE.
    expect(refusals.filter((e) => e.event === 'log' && /from 127\.0\.0\.1/.test(e.msg))).toHaveLength(1);
    expect(refusals.filter((e) => e.event === 'log' && /did not speak CURVE/.test(e.msg)).length).toBeLessThanOrEqual(1);
    expect(c.isAlive(leader)).toBe(true);
    await client.set('after', 'ok');
  });

  it('survives an authenticated peer that sends well-formed frames with out-of-range numbers', async () => {
    cluster = await TestCluster.create({ size: 3 });
    const c = cluster;
    await c.startAll();
    const client = c.client();
    await client.set('x', 'good');
    const leader = await c.waitForLeader(client);
    const rogue = c.ids.find((id) => id !== leader)!;
    await c.kill(rogue);

    // The rogue holds its real key: the live nodes' links to it complete their handshakes.
    const rogueSecret = readKeyFile(nodeKeyPath(c.dir, rogue)).secretKey;
    const r = new Router({ linger: 0, sendTimeout: 0, mandatory: true, curveServer: true, curveSecretKey: rogueSecret });
    sockets.push(r);
    await waitFor('the rogue to bind', () => r.bind(c.address(rogue)).then(() => true), 5000, 50);
    const live = c.ids.filter((id) => id !== rogue);
    // What each live node's link to the rogue is called: the rogue can work it out, as a node would.
    const linkOf = new Map(live.map((id) => [id, linkRoutingId(id, rogue, sharedSecret(rogueSecret, c.nodes.find((n) => n.id === id)!.publicKey!))]));
    const rng = seededRng(SEED);
    let sent = 0;
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      for (const to of live) {
        try {
          await r.send([linkOf.get(to)!, pack({ v: 1, k: 'peer', m: outOfRange(rng, rogue, to) })]);
          sent += 1;
        } catch {
          // not (yet) connected
        }
      }
      await new Promise((res) => setTimeout(res, 2));
    }
    expect(sent, 'the rogue reached the live nodes').toBeGreaterThan(50);
    r.close();

    // Still serving, and the next elections work (a promise to an unbeatable ballot would crash them).
    for (const id of live) expect(c.isAlive(id), `node ${id} is up: ${c.procs.get(id)!.stderr}`).toBe(true);
    expect((await client.get('x')).value).toBe('good');
    // ZeroMQ's I/O thread frees the port a moment after close().
    await new Promise((res) => setTimeout(res, 500));
    await c.start(rogue);
    for (let i = 0; i < 2; i++) {
      const l = await c.waitForLeader(client);
      await client.set(`k${i}`, `v${i}`);
      await c.kill(l);
      await c.start(l);
    }
    await client.set('last', 'write');
    await c.waitConverged(client, c.ids);
    for (const id of c.ids) expect((await client.getLocal(id, 'x')).value, `node ${id}`).toBe('good');
    for (const id of c.ids) {
      const st = await client.status(id);
      expect(st.promised.round, `node ${id} promised a forged ballot`).toBeLessThan(2 ** 32);
    }
    for (const p of c.procs.values()) expect(p.stderr, `node ${p.id} stderr`).toBe('');
  });
});

function curve(pair: { publicKey: string; secretKey: string }): { curvePublicKey: string; curveSecretKey: string } {
  return { curvePublicKey: pair.publicKey, curveSecretKey: pair.secretKey };
}
