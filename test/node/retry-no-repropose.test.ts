// A write that outlives the leader's request timeout (no quorum for a while) is retried by the
// client with the same seq. The leader still has it proposed, so the retry must wait for that
// proposal, not propose the value again: re-proposing every timed-out command is how an
// overloaded leader used to multiply its own backlog. One command, one slot.
import { afterEach, describe, expect, it } from 'vitest';
import type { Value } from '../../src/paxos/types.js';
import { TestCluster } from './harness.js';

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

const setsOf = (v: Value, key: string): number => (v.kind === 'batch' ? v.cmds.filter((c) => c.op === 'set' && c.key === key).length : 0);

describe('node processes: a retried write while the quorum is away', () => {
  it('is chosen in one slot, however often the client retried it', async () => {
    cluster = await TestCluster.create({ size: 3, tickMs: 50, requestTimeoutMs: 250 });
    const c = cluster;
    await c.startAll();
    const client = c.client({ timeoutMs: 10_000 });
    const leader = await c.waitForLeader(client);
    await client.set('warm', 'up');
    const followers = c.aliveIds().filter((id) => id !== leader);
    for (const id of followers) c.procs.get(id)!.child.kill('SIGSTOP');
    const write = client.set('probe', 'once');
    // Longer than several request timeouts, shorter than the leader's CheckQuorum window
    // (2 election timeouts: 40 ticks of 50 ms), so the leader and its ballot stay.
    await new Promise((r) => setTimeout(r, 1300));
    for (const id of followers) c.procs.get(id)!.child.kill('SIGCONT');
    const r = await write;
    await c.waitConverged(client);
    const dump = await client.logDump(leader, 0, r.slot + 50);
    const slots = dump.chosen.filter((e) => setsOf(e.value, 'probe') > 0).map((e) => e.slot);
    expect(slots).toEqual([r.slot]);
  }, 60_000);
});
