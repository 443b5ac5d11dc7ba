// A key file whose secret key is not the one of its public key (hand-edited, or pieced together
// from two files) makes a node that starts, reports ready, and can never complete a handshake
// with anyone: its peers encrypt to the public key, and it cannot decrypt. It must be refused
// at start, with one line, as a key file that does not match the cluster file is.
import { writeFileSync, chmodSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { newKeyPair, nodeKeyPath, readKeyFile } from '../../src/cluster/keys.js';
import { TestCluster, waitFor } from './harness.js';

let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

describe('node processes: key files', () => {
  it('refuses a key file whose secret key does not belong to its public key, with one line', async () => {
    cluster = await TestCluster.create({ size: 3 });
    const c = cluster;
    const file = nodeKeyPath(c.dir, 2);
    const own = readKeyFile(file);
    writeFileSync(file, JSON.stringify({ publicKey: own.publicKey, secretKey: newKeyPair().secretKey }) + '\n');
    chmodSync(file, 0o600);

    const proc = c.spawn(2);
    await waitFor('node 2 to exit or become ready', () => proc.exit !== null || proc.events.some((e) => e.event === 'ready'), 20_000);
    expect(proc.events.some((e) => e.event === 'ready'), 'node 2 started with a secret key that is not its own').toBe(false);
    await proc.exited;
    expect(proc.exit?.code).toBe(2);
    const lines = proc.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^paxos-cli node 2: key file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*secret key`));
  });
});
