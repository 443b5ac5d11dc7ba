// A leader frozen by SIGSTOP for 5 s under load, then SIGCONT: its peers' reconnects must take
// over the stale pipes at once (ROUTER handover), so it hears a majority again within 2 s and
// causes at most one more leader change; a client whose leader froze fails over in about a
// second instead of waiting its whole budget.
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeId } from '../../src/paxos/types.js';
import { TestCluster, waitFor } from './harness.js';

let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

const PAUSE_MS = 5000;

/** Ballots of every leader any node announced after index `from` of each node's events. */
function leaderBallotsSince(c: TestCluster, marks: Map<NodeId, number>): Set<string> {
  const ballots = new Set<string>();
  for (const [id, p] of c.procs) {
    for (const e of p.events.slice(marks.get(id) ?? 0)) if (e.event === 'role' && e.role === 'leader') ballots.add(e.ballot);
  }
  return ballots;
}

describe('node processes: a paused leader', () => {
  it('hears its peers within 2 s of SIGCONT, causes at most one more leader change, and costs a client about a second', async () => {
    cluster = await TestCluster.create({ size: 5, tickMs: 50, requestTimeoutMs: 3000 });
    const c = cluster;
    await c.startAll();
    const client = c.client({ timeoutMs: 20_000 });
    const old = await c.waitForLeader(client);

    // Load: writers that never stop until the end of the test, recording each write's latency.
    let stop = false;
    let done = 0;
    const slowest: number[] = [];
    const failures: string[] = [];
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const began = Date.now();
        try {
          await client.set(`w${w}`, `v${i}`);
        } catch (err) {
          failures.push((err as Error).message);
          if (stop) return;
          continue;
        }
        slowest.push(Date.now() - began);
        done += 1;
      }
    });
    await waitFor('some writes', () => done >= 50, 10_000);

    c.procs.get(old)!.child.kill('SIGSTOP');
    const pausedAt = Date.now();
    slowest.length = 0;
    const newLeader = await waitFor(
      'a new leader among the others',
      async () => {
        const others = c.ids.filter((id) => id !== old);
        const s = await Promise.all(others.map((id) => client.status(id)));
        const l = s.find((x) => x.role === 'leader');
        return l !== undefined && s.every((x) => x.leader === l.id || x.id === l.id) ? l.id : undefined;
      },
      PAUSE_MS,
      50,
    );
    await new Promise((r) => setTimeout(r, Math.max(0, PAUSE_MS - (Date.now() - pausedAt))));
    const worstWhilePaused = Math.max(...slowest);

    const marks = new Map([...c.procs].map(([id, p]) => [id, p.events.length]));
    c.procs.get(old)!.child.kill('SIGCONT');
    const resumedAt = Date.now();
    // Back: its links to a majority are up, it follows a leader, and it and that leader hear
    // each other after SIGCONT (followers talk only to the leader, so that is what "hears" is).
    const heardMs = await waitFor(
      'the resumed node to rejoin',
      async () => {
        const s = await client.status(old);
        const now = Date.now();
        const linked = s.peers.filter((p) => p.linkUpMsAgo !== null && p.linkUpMsAgo !== undefined).length;
        const leader = s.peers.find((p) => p.id === s.leader);
        if (s.role !== 'follower' || leader === undefined || linked < 2) return undefined;
        if (leader.lastHeardMsAgo === null || now - leader.lastHeardMsAgo <= resumedAt) return undefined;
        const ls = await client.status(leader.id);
        const me = ls.peers.find((p) => p.id === old)!;
        return me.lastHeardMsAgo !== null && Date.now() - me.lastHeardMsAgo > resumedAt ? now - resumedAt : undefined;
      },
      10_000,
      20,
    );
    await new Promise((r) => setTimeout(r, 2000));
    stop = true;
    await Promise.all(writers);
    const changes = leaderBallotsSince(c, marks);
    const leaderNow = await c.waitForLeader(client);
    console.log(
      `pause: n${old} stopped ${PAUSE_MS} ms, n${newLeader} led meanwhile; n${old} rejoined ${heardMs} ms after SIGCONT; ` +
        `leader elections after SIGCONT: ${changes.size} (${[...changes].join(', ') || 'none'}); slowest write while paused ${worstWhilePaused} ms`,
    );
    expect(failures).toEqual([]);
    expect(heardMs).toBeLessThan(2000);
    expect(changes.size).toBeLessThanOrEqual(1);
    expect(worstWhilePaused).toBeLessThan(4000);
    expect(leaderNow).toBeDefined();
    await c.waitConverged(client, c.ids);
  });
});
