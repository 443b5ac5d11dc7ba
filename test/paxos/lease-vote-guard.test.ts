// Found by review: a follower refused pre-votes inside a leader's lease but promised any
// Prepare, so a pre-vote it had granted just before echoing the leader's heartbeat could still
// elect a new leader (and choose a write) while the old leader's lease let it read locally.
// Now a follower that heard its leader within an election timeout drops a stranger's Prepare.
import { expect, it } from 'vitest';
import { PaxosNode } from '../../src/paxos/paxos-node.js';
import { seededRng } from '../../src/paxos/rng.js';
import { persistReceipt, type Message } from '../../src/paxos/types.js';
import { ReadLease, LEASE_FRACTION } from '../../src/node/reads.js';

it('a pre-vote granted before a heartbeat echo does not become a promise inside the leader\'s lease', () => {
  const ids = [1, 2, 3];
  const nodes = new Map<number, PaxosNode>();
  for (const id of ids) nodes.set(id, new PaxosNode({ id, nodes: ids, rng: seededRng(id), electionTicksMin: 5, electionTicksMax: 5, heartbeatTicks: 1 }));
  let inflight: Message[] = [];
  const reads: { node: number; id: number; index: number | null }[] = [];
  const flush = (id: number): void => {
    const n = nodes.get(id)!;
    while (n.hasReady()) {
      const rd = n.ready();
      for (const r of rd.reads) reads.push({ node: id, ...r });
      inflight.push(...rd.unpersistedMessages, ...rd.messages(persistReceipt(rd.id)));
      n.advance(rd);
    }
  };
  const deliver = (pick: (m: Message) => boolean): number => {
    const now = inflight.filter(pick);
    inflight = inflight.filter((m) => !pick(m));
    for (const m of now) { nodes.get(m.to)!.step(m); flush(m.to); }
    return now.length;
  };
  const settle = (pick: (m: Message) => boolean): void => { for (let i = 0; i < 50 && deliver(pick) > 0; i++); };
  const tick = (id: number): void => { nodes.get(id)!.tick(); flush(id); };
  const n1 = nodes.get(1)!, n2 = nodes.get(2)!, n3 = nodes.get(3)!;

  // Elect node 1 (all clocks past the restart guard; 2's and 3's own pre-votes dropped).
  for (let t = 0; t < 5; t++) { tick(2); tick(3); }
  inflight = inflight.filter((m) => m.from === 1);
  for (let t = 0; t < 5; t++) tick(1);
  settle(() => true);
  expect(n1.role).toBe('leader');

  // Node 1 is frozen (no ticks, nothing delivered to or from it). 3 times out and asks 2; 2 grants.
  inflight = [];
  for (let t = 0; t < 6 && n3.role === 'follower' && !inflight.some((m) => m.type === 'prevote' && m.from === 3); t++) { tick(3); tick(2); }
  inflight = inflight.filter((m) => m.from === 3 && m.to === 2 && m.type === 'prevote');
  deliver(() => true); // 2 grants; the grant to 3 stays in flight
  expect(inflight.some((m) => m.type === 'prevote-resp' && m.granted)).toBe(true);

  // Node 1 thaws: a read, and one heartbeat round, echoed by 2. Lease dated before the round (t=0 ms).
  const lease = new ReadLease(5 * 10 * LEASE_FRACTION); // tickMs = 10
  n1.readIndex(7);
  flush(1);
  tick(1);
  lease.observe(0, n1.ballot, n1.readRoundNow, n1.confirmedReadRound);
  deliver((m) => m.from === 1 && m.to === 2 && m.type === 'heartbeat');
  deliver((m) => m.from === 2 && m.to === 1 && m.type === 'accepted');
  lease.observe(1, n1.ballot, n1.readRoundNow, n1.confirmedReadRound);
  expect(reads.find((r) => r.id === 7)?.index).not.toBeNull();
  expect(lease.valid(2)).toBe(true);

  // Now (no tick at node 2 since it echoed) the grant reaches 3: node 2 drops its Prepare.
  deliver((m) => m.from === 2 && m.to === 3 && m.type === 'prevote-resp');
  expect(n3.role).toBe('candidate');
  settle((m) => (m.from === 3 && m.to === 2) || (m.from === 2 && m.to === 3));
  expect(n3.role).not.toBe('leader');
  expect(n2.promised).toEqual(n1.ballot);
  expect(n1.role).toBe('leader');
  expect(lease.valid(3)).toBe(true);
});
