// The trust boundary, attacked as a hostile local user would: real node processes, real CURVE
// handshakes, real LevelDB. A stranger (no key of the cluster) is refused at the handshake; a
// holder of the operator key cannot speak for a node; a socket that binds a dead node's port
// cannot pass for it.
import { encode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer, Router } from 'zeromq';
import { PaxosClient, PaxosClientError } from '../../src/client/paxos-client.js';
import { newKeyPair } from '../../src/cluster/keys.js';
import { peerRoutingId } from '../../src/node/transport.js';
import type { NodeId } from '../../src/paxos/types.js';
import { TestCluster, waitFor } from './harness.js';

let cluster: TestCluster | null = null;
const sockets: (Dealer | Router)[] = [];
const clients: PaxosClient[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const c of clients.splice(0)) await c.close();
  await cluster?.cleanup();
  cluster = null;
});

const pack = (v: unknown): Buffer => Buffer.from(encode(v));
const evil = (from: NodeId, to: NodeId, slot: number): Buffer =>
  pack({
    v: 1,
    k: 'peer',
    m: { type: 'catchup-resp', from, to, commitIndex: slot + 1, entries: [{ slot, value: { kind: 'batch', cmds: [{ op: 'set', key: 'x', value: 'EVIL', clientId: 'evil', seq: 1 }] } }] },
  });

async function sendFor(ms: number, send: () => Promise<void>): Promise<number> {
  const until = Date.now() + ms;
  let sent = 0;
  while (Date.now() < until) {
    try {
      await send();
      sent += 1;
    } catch {
      // EAGAIN: not connected (refused at the handshake); keep trying until the time is up
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return sent;
}

function stranger(c: TestCluster, auth: 'none' | 'unknown-key', timeoutMs = 1500): PaxosClient {
  const client = new PaxosClient({ nodes: c.nodes }, { timeoutMs, ...(auth === 'unknown-key' ? { auth: newKeyPair() } : {}) });
  clients.push(client);
  return client;
}

async function expectRefused(p: Promise<unknown>): Promise<PaxosClientError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PaxosClientError);
  expect(['unreachable', 'timeout']).toContain((err as PaxosClientError).code);
  return err as PaxosClientError;
}

/** A running 3-node cluster that holds x = good, with the operator's client and its leader. */
async function clusterWithX(): Promise<{ c: TestCluster; client: PaxosClient; leader: NodeId }> {
  cluster = await TestCluster.create({ size: 3 });
  const c = cluster;
  await c.startAll();
  const client = c.client();
  const leader = await c.waitForLeader(client);
  await client.set('x', 'good');
  return { c, client, leader };
}

describe('node processes: trust nothing on the wire', () => {
  it('refuses a stranger\'s writes, reads and admin requests at the handshake, and logs it once per address', async () => {
    const { c, client, leader } = await clusterWithX();

    for (const auth of ['none', 'unknown-key'] as const) {
      const s = stranger(c, auth);
      const err = await expectRefused(s.set('x', 'EVIL'));
      expect(err.message).toMatch(/refused|CURVE/);
      await expectRefused(s.admin(leader, 'partition', { groups: [[1], [2, 3]] }));
      await expectRefused(s.logDump(leader, 0, 100));
      await expectRefused(s.get('x'));
    }

    // Nothing the strangers sent took effect, and every node counted them.
    expect((await client.get('x')).value).toBe('good');
    for (const id of c.ids) {
      const st = await client.status(id);
      expect(st.secure).toBe(true);
      expect(st.faults?.groups ?? null).toBeNull();
      expect(st.refusedHandshakes ?? 0).toBeGreaterThan(0);
      expect(st.badFramesTotal).toBe(0);
      const warnings = c.procs.get(id)!.events.filter((e) => e.event === 'log' && /refused a connection from 127\.0\.0\.1/.test(e.msg));
      expect(warnings.length, `node ${id} logs a refusal once per address`).toBe(1);
    }
  });

  it('does not take a forged catch-up from a stranger posing as a killed node, by routing id or by its port', async () => {
    const { c, client, leader } = await clusterWithX();
    const victim = c.ids.find((id) => id !== leader)!;
    await c.kill(victim);
    const slot = (await client.status(leader)).commitIndex;

    // 1. Today's attack: connect to the live nodes with the dead node's routing id, with no key,
    //    with a stranger's key, and with the operator's key (which is not a node's).
    for (const target of c.ids.filter((id) => id !== victim)) {
      for (const routingId of [String(victim), peerRoutingId(victim)]) {
        for (const keys of [{}, { curveServerKey: c.nodes.find((n) => n.id === target)!.publicKey!, ...withKeys(newKeyPair()) }, c.operatorDealerOptions(target)]) {
          const d = new Dealer({ linger: 0, sendTimeout: 0, routingId, ...keys });
          sockets.push(d);
          d.connect(c.address(target));
          await sendFor(300, () => d.send(evil(victim, target, slot)));
        }
      }
    }
    // 2. Bind the dead node's port, so the live nodes' links to it connect to the stranger.
    for (const keys of [{}, { curveServer: true, curveSecretKey: newKeyPair().secretKey }]) {
      const r = new Router({ linger: 0, sendTimeout: 0, mandatory: true, ...keys });
      sockets.push(r);
      // The previous impostor's port is freed by ZeroMQ's I/O thread, a moment after close().
      await waitFor('the dead node\'s port', () => r.bind(c.address(victim)).then(() => true), 5000, 50);
      const sent = await sendFor(1500, async () => {
        for (const to of c.ids.filter((id) => id !== victim)) await r.send([peerRoutingId(to), evil(victim, to, slot)]);
      });
      expect(sent, 'no live node completed a handshake with the impostor').toBe(0);
      r.close();
    }
    await new Promise((r) => setTimeout(r, 500));

    expect((await client.get('x')).value).toBe('good');
    for (const id of c.aliveIds()) expect((await client.getLocal(id, 'x')).value).toBe('good');
    await c.start(victim);
    await client.set('y', 'after');
    const statuses = await c.waitConverged(client, c.ids);
    expect(new Set(statuses.map((s) => s.kvHash)).size).toBe(1);
    for (const id of c.ids) expect((await client.getLocal(id, 'x')).value).toBe('good');
    for (const id of c.ids) expect(c.procs.get(id)!.stderr, `node ${id} stderr`).toBe('');
  });
});

function withKeys(pair: { publicKey: string; secretKey: string }): { curvePublicKey: string; curveSecretKey: string } {
  return { curvePublicKey: pair.publicKey, curveSecretKey: pair.secretKey };
}
