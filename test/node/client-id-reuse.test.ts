// Review finding: client ids are `cli-${process.pid}` (up), `bench-${pid}`, `chaos-${pid}`, and a
// PaxosClient numbers its sessions `<clientId>.1, .2, …` from seq 1 again in every process. The
// nodes keep every session's last seq forever (replayed from the log on restart), so a later
// process that happens to get the same pid (common in containers, where pids start small and
// repeat from run to run; `paxos-cli up` on an existing data dir keeps the log) sends seqs the
// state machine has already seen: its writes are answered OK ("duplicate") and never applied.
// Real node processes, real ZeroMQ, real LevelDB.
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster } from './harness.js';

let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

describe('review: a second client process with the same client id prefix', () => {
  it('has its writes applied', async () => {
    cluster = await TestCluster.create({ size: 3 });
    const c = cluster;
    await c.startAll();
    // The first `paxos-cli up` (pid 4242) writes, then exits.
    const first = c.client({ clientId: 'cli-4242' });
    await c.waitForLeader(first);
    await first.set('color', 'blue');
    await first.close();

    // A later run that got the same pid.
    const second = c.client({ clientId: 'cli-4242' });
    const w = await second.set('color', 'red');
    const r = await second.get('color');
    await second.close();
    expect({ duplicate: w.duplicate, value: r.value }).toEqual({ duplicate: false, value: 'red' });
  });
});
