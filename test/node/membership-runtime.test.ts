// The node runtime's pure parts of membership change: the admin actions' arguments, the first
// configuration and the links a node opens from its cluster file and its restored log, the
// lease during a hand-over, and which stopping reasons the supervisor counts as asked for.
import { describe, expect, it } from 'vitest';
import { parseCluster } from '../../src/cluster/cluster-file.js';
import { newKeyPair } from '../../src/cluster/keys.js';
import { isRequestedStop, OPERATOR_STOP, REMOVED } from '../../src/node/events.js';
import { parseMembershipAction } from '../../src/node/membership-admin.js';
import { genesisMembers, linkTargets } from '../../src/node/node-runtime.js';
import { ReadLease } from '../../src/node/reads.js';
import type { Member } from '../../src/paxos/types.js';

const keys = Array.from({ length: 5 }, () => newKeyPair().publicKey);
const member = (id: number, voter = true, withKey = true): Member => ({ id, voter, host: '127.0.0.1', port: 7000 + id, ...(withKey ? { publicKey: keys[id - 1]! } : {}) });

describe('admin actions config and transfer', () => {
  it('takes a valid configuration and a transfer target', () => {
    expect(parseMembershipAction('config', { members: [member(1), member(2), member(3, false)] }, true)).toMatchObject({ ok: true, action: 'config' });
    expect(parseMembershipAction('transfer', { to: 3 }, true)).toEqual({ ok: true, action: 'transfer', to: 3 });
    expect(parseMembershipAction('isolate', { node: 1 }, true)).toBeNull();
  });

  it.each([
    ['no members', { members: [] }, /config needs args/],
    ['no voter', { members: [member(1, false)] }, /at least one voter/],
    ['an id twice', { members: [member(1), member(1)] }, /appears twice/],
    ['no key with CURVE on', { members: [member(1), member(2, true, false)] }, /node 2 needs its public key/],
    ['a key that is not Z85', { members: [member(1), { ...member(2), publicKey: '#'.repeat(40) }] }, /not a CURVE key/],
    ['two members with one key', { members: [member(1), { ...member(2), publicKey: keys[0]! }] }, /share a public key/],
    ['no port', { members: [member(1), { ...member(2), port: 0 }] }, /host and port/],
    ['a field too many', { members: [member(1)], extra: 1 }, /config needs args/],
  ])('refuses %s', (_name, args, why) => {
    const r = parseMembershipAction('config', args, true);
    expect(r?.ok).toBe(false);
    if (r?.ok === false) expect(r.error).toMatch(why);
  });

  it('refuses a transfer without a node id', () => {
    for (const args of [undefined, {}, { to: 0 }, { to: 'x' }]) expect(parseMembershipAction('transfer', args, true)?.ok).toBe(false);
  });

  it('needs no key without CURVE', () => {
    expect(parseMembershipAction('config', { members: [member(1, true, false)] }, false)?.ok).toBe(true);
  });
});

describe('the first configuration and the links', () => {
  const file = parseCluster(
    JSON.stringify({
      genesis: [1, 2, 3],
      nodes: [
        { id: 1, port: 7001, publicKey: keys[0] },
        { id: 2, port: 7002, publicKey: keys[1] },
        { id: 3, port: 7003, publicKey: keys[2], member: 'removed' },
        { id: 4, port: 7004, publicKey: keys[3], member: 'learner' },
      ],
    }),
  );

  it('builds the genesis members from the file, with addresses and keys', () => {
    expect(genesisMembers(file).map((m) => [m.id, m.voter, m.port, m.publicKey])).toEqual([
      [1, true, 7001, keys[0]],
      [2, true, 7002, keys[1]],
      [3, true, 7003, keys[2]],
    ]);
  });

  it('links the file\'s nodes not removed and every member of the configurations the log has, from the log', () => {
    const inForce = { slot: 10, activeFrom: 18, members: [member(1), member(2), member(3), member(4, false)] };
    const next = { slot: 20, activeFrom: 28, members: [member(1), member(2), member(4), { ...member(5), host: '127.0.0.5' }] };
    const links = linkTargets(file, 1, { inForce, next });
    expect(links.map((l) => [l.id, l.address, l.publicKey])).toEqual([
      [2, 'tcp://127.0.0.1:7002', keys[1]],
      // Removed in the file, but the log still says it decides: linked.
      [3, 'tcp://127.0.0.1:7003', keys[2]],
      [4, 'tcp://127.0.0.1:7004', keys[3]],
      // Known only from the log.
      [5, 'tcp://127.0.0.5:7005', keys[4]],
    ]);
    // Once the log no longer names it either, a removed node is not linked.
    const after = linkTargets(file, 1, { inForce: { slot: 30, activeFrom: 38, members: [member(1), member(2), member(4)] }, next: null });
    expect(after.map((l) => l.id)).toEqual([2, 4]);
  });
});

describe('the lease during a hand-over', () => {
  it('is never valid while handing over, and only a round started after it renews it', () => {
    const ballot = { round: 1, node: 1 };
    const lease = new ReadLease(1000);
    lease.observe(0, ballot, 1, 0);
    lease.observe(10, ballot, 1, 1);
    expect(lease.valid(100)).toBe(true);
    lease.setHandingOver(true);
    expect(lease.valid(100)).toBe(false);
    // A round confirmed during the hand-over gives no lease either.
    lease.observe(200, ballot, 2, 1);
    lease.observe(210, ballot, 2, 2);
    expect(lease.valid(300)).toBe(false);
    lease.setHandingOver(false);
    // Given up: the round dated during the hand-over does not count...
    lease.observe(400, ballot, 2, 2);
    expect(lease.valid(450)).toBe(false);
    // ...a new one does.
    lease.observe(500, ballot, 3, 2);
    lease.observe(510, ballot, 3, 3);
    expect(lease.valid(600)).toBe(true);
  });
});

describe('stopping reasons', () => {
  it('counts an operator stop and a removal as asked for, nothing else', () => {
    expect(isRequestedStop(OPERATOR_STOP)).toBe(true);
    expect(isRequestedStop(`${REMOVED} by the configuration chosen in slot 42`)).toBe(true);
    expect(isRequestedStop('SIGTERM')).toBe(false);
    expect(isRequestedStop('parent process 12 exited')).toBe(false);
  });
});
