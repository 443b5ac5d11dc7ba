// A node sends its peer messages through its ROUTER to the routing id `node-N`, and the ROUTER
// has handover on. A holder of the operator key (admitted by ZAP, but not a node) that
// connects with the routing id `node-F` of a live follower takes that routing id over: the
// leader's Accepts and heartbeats for F then go to the impostor, and F stops hearing its leader.
// "A routing id vouches for nothing" should also mean it receives nothing meant for a node.
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { decodeFrame } from '../../src/protocol/wire.js';
import { peerRoutingId } from '../../src/node/transport.js';
import { TestCluster } from './harness.js';

let cluster: TestCluster | null = null;
const sockets: Dealer[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await cluster?.cleanup();
  cluster = null;
});

describe('node processes: a routing id grants nothing', () => {
  it('does not hand an operator-key client claiming a live follower\'s routing id the leader\'s peer messages', async () => {
    cluster = await TestCluster.create({ size: 3 });
    const c = cluster;
    await c.startAll();
    const client = c.client();
    const leader = await c.waitForLeader(client);
    await client.set('x', '1');
    const follower = c.ids.find((id) => id !== leader)!;

    // Re-dials at once whenever the real follower's reconnect takes the routing id back.
    const impostor = new Dealer({ linger: 0, routingId: peerRoutingId(follower), reconnectInterval: 10, reconnectMaxInterval: 10, ...c.operatorDealerOptions(leader) });
    sockets.push(impostor);
    impostor.connect(c.address(leader));
    const stolen: string[] = [];
    void (async () => {
      try {
        for await (const [bytes] of impostor) {
          const d = bytes === undefined ? null : decodeFrame(bytes);
          if (d?.ok === true && d.frame.k === 'peer') stolen.push(d.frame.m.type);
        }
      } catch {
        // closed
      }
    })();

    for (let i = 0; i < 20; i++) {
      await client.set(`k${i}`, `v${i}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(stolen.length, `peer messages for node ${follower} delivered to the impostor: ${[...new Set(stolen)].join(', ')}`).toBe(0);
  });
});
