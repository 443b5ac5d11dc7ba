// A stranger with no key binds a dead node's port and answers every CURVE HELLO with a ZMTP
// ERROR "400", which a CURVE client takes, unauthenticated, as the server's ZAP refusal.
// libzmq then ends the session for good (an auth failure is not re-dialled), and relink.ts
// re-dials only after protocol errors: so once the node is back on its port, the live nodes'
// links to it (and the client's) must come back, as they do after a plain-ZMTP squatter.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './harness.js';

let cluster: TestCluster | null = null;
let squatter: net.Server | null = null;
const conns: net.Socket[] = [];

afterEach(async () => {
  for (const s of conns.splice(0)) s.destroy();
  await new Promise<void>((r) => (squatter === null ? r() : squatter.close(() => r())));
  squatter = null;
  await cluster?.cleanup();
  cluster = null;
});

/** ZMTP 3.0 greeting of a CURVE server: signature, version 3.0, mechanism, as-server, filler. */
function curveServerGreeting(): Buffer {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 0;
  g.write('CURVE', 12, 'latin1');
  g[32] = 1;
  return g;
}

/** A short ZMTP command frame: ERROR with a ZAP status code as its reason. */
function errorCommand(status: string): Buffer {
  const body = Buffer.concat([Buffer.from([5]), Buffer.from('ERROR'), Buffer.from([status.length]), Buffer.from(status)]);
  return Buffer.concat([Buffer.from([0x04, body.length]), body]);
}

/** Listens on `port`; every connection gets a CURVE greeting and, after the client's HELLO, ERROR 400. */
async function squat(port: number): Promise<{ server: net.Server; refused: () => number }> {
  let refused = 0;
  const server = net.createServer((sock) => {
    conns.push(sock);
    let got = 0;
    let answered = false;
    sock.on('error', () => undefined);
    sock.write(curveServerGreeting());
    sock.on('data', (b) => {
      got += b.length;
      // The client's greeting (64 bytes) and the start of its HELLO command.
      if (!answered && got > 66) {
        answered = true;
        refused += 1;
        sock.write(errorCommand('400'));
      }
    });
  });
  await waitFor(
    `port ${port}`,
    () =>
      new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(true));
      }),
    5000,
    50,
  );
  return { server, refused: () => refused };
}

describe('node processes: a keyless squatter on a dead node\'s port', () => {
  it('cannot cut the live nodes\' (or a client\'s) links to that node for good by answering ERROR 400', async () => {
    cluster = await TestCluster.create({ size: 3 });
    const c = cluster;
    await c.startAll();
    const client = c.client();
    const leader = await c.waitForLeader(client);
    await client.set('x', '1');
    const victim = c.ids.find((id) => id !== leader)!;
    // The client has a link to the victim too.
    await client.status(victim);
    await c.kill(victim);

    const port = c.nodes.find((n) => n.id === victim)!.port;
    const s = await squat(port);
    squatter = s.server;
    // Both live nodes' DEALERs, and the client's, re-dial the dead port every 100-500 ms.
    await waitFor('the live nodes and the client to meet the squatter', () => s.refused() >= 3, 10_000, 50);
    await new Promise((r) => setTimeout(r, 500));
    for (const sock of conns.splice(0)) sock.destroy();
    await new Promise<void>((r) => s.server.close(() => r()));
    squatter = null;

    await c.start(victim);
    await client.set('y', '2');
    // The leader's link to the restarted node (on which its messages arrive) comes back.
    await waitFor(
      `node ${leader}'s link to node ${victim} to come back`,
      async () => (await client.status(leader)).peers.find((p) => p.id === victim)?.linkUpMsAgo != null,
      8000,
      100,
    );
    // And the client reaches it again.
    const st = await client.status(victim);
    expect(st.id).toBe(victim);
  });
});
