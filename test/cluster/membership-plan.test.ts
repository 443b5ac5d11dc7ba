// The membership commands' pure half: ids, genesis, the file's member states, the quorum check
// that refuses a removal which would stop the cluster, and the lines the UI shows.
import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../src/cluster/data-dir.js';
import {
  activeNodes, addProblem, configHeader, describeConfig, membersOf, nextNodeId, paneOrder, placeNewNode, removalProblem, sameMembers, withGenesis, withMemberState, withNode, withoutMember,
  type ConfigView,
} from '../../src/cluster/membership-plan.js';

const cluster = (ids: number[], extra: Partial<ClusterConfig> = {}): ClusterConfig => ({
  nodes: ids.map((id) => ({ id, host: '127.0.0.1', port: 7000 + id })),
  ...extra,
});
const config = (voters: number[], learners: number[] = [], slot = -1, activeFrom = 0): ConfigView => ({ slot, activeFrom, voters, learners });

describe('the cluster file of a changing cluster', () => {
  it('gives a new node one above the highest id ever, removed ones included', () => {
    const c = withMemberState(cluster([1, 2, 3, 4]), 4, 'removed')!;
    expect(nextNodeId(c)).toBe(5);
    expect(activeNodes(c).map((n) => n.id)).toEqual([1, 2, 3]);
  });

  it('writes genesis once, as the nodes of a file that never changed', () => {
    const g = withGenesis(cluster([1, 2, 3]));
    expect(g.genesis).toEqual([1, 2, 3]);
    const grown = withNode(g, { id: 4, host: '127.0.0.1', port: 7004, member: 'learner' });
    expect(withGenesis(grown).genesis).toEqual([1, 2, 3]);
  });

  it('sets member states, and says when nothing changes', () => {
    const c = cluster([1, 2]);
    expect(withMemberState(c, 1, 'voter')).toBeNull();
    expect(withMemberState(c, 2, 'learner')?.nodes[1]).toMatchObject({ id: 2, member: 'learner' });
    expect(withMemberState(c, 9, 'removed')).toBeNull();
  });

  it('builds a configuration from ids with each member\'s address and key', () => {
    const c = withNode(cluster([1, 2]), { id: 3, host: 'h3', port: 9, publicKey: 'k'.repeat(40) });
    expect(membersOf(c, [2, 1], [3])).toEqual([
      { id: 1, voter: true, host: '127.0.0.1', port: 7001 },
      { id: 2, voter: true, host: '127.0.0.1', port: 7002 },
      { id: 3, voter: false, host: 'h3', port: 9, publicKey: 'k'.repeat(40) },
    ]);
    expect(membersOf(c, [1, 7])).toMatch(/node 7 is in the configuration but not in the cluster file/);
  });
});

describe('limits and quorum checks', () => {
  it('adds up to 9 voters and 4 learners', () => {
    expect(addProblem(config([1, 2, 3]))).toBeNull();
    expect(addProblem(config([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toMatch(/9 voters, the most it may have; remove one first/);
    expect(addProblem(config([1], [2, 3, 4, 5]))).toMatch(/4 learners already/);
  });

  it('removes a voter while the rest keep a live majority', () => {
    expect(removalProblem(config([1, 2, 3]), new Set([1, 2, 3]), 3)).toBeNull();
    // Down node removed: 2 of 2 remain live.
    expect(removalProblem(config([1, 2, 3]), new Set([1, 2]), 3)).toBeNull();
    expect(removalProblem(config([1, 2, 3], [4]), new Set([1, 2, 3]), 4)).toBeNull();
  });

  it('refuses a removal that leaves no live quorum, saying what to do', () => {
    // 5 voters, 2 down: removing a live one leaves 2 of 4 live, 3 needed.
    expect(removalProblem(config([1, 2, 3, 4, 5]), new Set([1, 2, 3]), 3)).toBe(
      'removing 1 of 3 live voters would stop the cluster: 2 of 4 voters left live, 3 needed; restart n4,n5 first',
    );
    // 4 voters, 2 down, removing a dead one: 1 of 3 live, 2 needed... and no quorum now either.
    expect(removalProblem(config([1, 2, 3, 4]), new Set([1, 2]), 4)).toMatch(/^no quorum now: 2 of 4 voters live \(n3,n4 down\)/);
    // 5 voters, 2 down, removing a dead one: 3 of 4 live is a quorum.
    expect(removalProblem(config([1, 2, 3, 4, 5]), new Set([1, 2, 3]), 5)).toBeNull();
    // 3 voters, one down; removing a live one: 1 of 2 left live.
    expect(removalProblem(config([1, 2, 3]), new Set([1, 2]), 2)).toMatch(/would stop the cluster: 1 of 2 voters left live, 2 needed; restart n3 first/);
  });

  it('uses the "would leave X of Y live voters" form for a dead node whose removal breaks the quorum', () => {
    // 6 voters (majority 4), 2 down: removing dead 6 leaves 4 of 5 live (3 needed): fine.
    expect(removalProblem(config([1, 2, 3, 4, 5, 6]), new Set([1, 2, 3, 4]), 6)).toBeNull();
    // 7 voters (4 needed), 3 down (4 live, a quorum now); removing dead 7 leaves 4 of 6 live: fine.
    expect(removalProblem(config([1, 2, 3, 4, 5, 6, 7]), new Set([1, 2, 3, 4]), 7)).toBeNull();
  });

  it('refuses the last voter and a node that is no member', () => {
    expect(removalProblem(config([1]), new Set([1]), 1)).toMatch(/last voter/);
    expect(removalProblem(config([1, 2, 3]), new Set([1, 2, 3]), 7)).toBe('node 7 is not a member of the configuration (members: n1,n2,n3)');
  });

  it('computes the configuration after a removal', () => {
    expect(withoutMember(config([1, 2, 3], [4]), 2)).toEqual({ voters: [1, 3], learners: [4] });
    expect(sameMembers({ voters: [3, 1], learners: [] }, { voters: [1, 3], learners: [] })).toBe(true);
    expect(sameMembers({ voters: [1, 3], learners: [4] }, { voters: [1, 3, 4], learners: [] })).toBe(false);
  });
});

describe('lines for people', () => {
  it('describes the configuration in force and the next one', () => {
    expect(describeConfig(config([1, 2, 3]))).toBe('voters 1 2 3 · the first configuration');
    expect(configHeader({ inForce: config([1, 2, 3, 4], [5], 112, 120), next: null })).toBe('config voters 1 2 3 4 · learners 5 · since slot 120');
    expect(configHeader({ inForce: config([1, 2, 3, 4], [5], 112, 120), next: config([1, 2, 3, 4, 5], [], 128, 136) })).toBe(
      'config voters 1 2 3 4 · learners 5 · since slot 120 (next from 136: voters 1 2 3 4 5)',
    );
  });

  it('puts a replacing node where the node it replaced was', () => {
    expect(paneOrder([{ id: 1 }, { id: 3 }, { id: 4, replaces: 2 }])).toEqual([1, 4, 3]);
    expect(paneOrder([{ id: 1 }, { id: 3 }, { id: 5, replaces: 4 }, { id: 4, replaces: 2 }])).toEqual([1, 4, 5, 3]);
    expect(paneOrder([{ id: 2 }, { id: 1 }, { id: 6 }])).toEqual([1, 2, 6]);
  });
});

describe('where a new node listens', () => {
  const hosts = (list: string[]): ClusterConfig => ({ nodes: list.map((h, i) => ({ id: i + 1, host: h, port: 7001 })) });

  it('on loopback: a free port (the caller picks it), or the one given; nowhere else', () => {
    const c = cluster([1, 2, 3]);
    expect(placeNewNode(c, undefined, 'add')).toEqual({ host: '127.0.0.1', port: null });
    expect(placeNewNode(c, { host: '127.0.0.2', port: null }, 'add')).toEqual({ host: '127.0.0.2', port: null });
    expect(placeNewNode(c, { host: 'localhost', port: 7100 }, 'add')).toEqual({ host: 'localhost', port: 7100 });
    expect(placeNewNode(c, { host: '10.0.0.4', port: null }, 'add')).toMatch(/^this cluster's nodes listen on loopback only .*10\.0\.0\.4 could not reach them/);
    expect(placeNewNode(c, { host: '127.0.0.1', port: 7002 }, 'add')).toBe("127.0.0.1:7002 is node 2's address; give another host or port");
  });

  it('across hosts: --host is required, port 7001 unless given, never a loopback or a taken address', () => {
    const c = withMemberState(hosts(['10.0.0.1', '10.0.0.2', 'h3.example']), 2, 'removed')!;
    expect(placeNewNode(c, undefined, 'replace 2')).toBe("this cluster's nodes run on other hosts; say where the new node will run: replace 2 --host HOST[:PORT]");
    expect(placeNewNode(c, { host: '10.0.0.4', port: null }, 'add')).toEqual({ host: '10.0.0.4', port: 7001 });
    expect(placeNewNode(c, { host: 'H3.Example', port: 7002 }, 'add')).toEqual({ host: 'h3.example', port: 7002 });
    expect(placeNewNode(c, { host: '10.0.0.2', port: null }, 'add')).toBe("10.0.0.2:7001 is node 2's address (removed, and never reused); give another host or port");
    expect(placeNewNode(c, { host: 'h3.example', port: 7001 }, 'add')).toBe("h3.example:7001 is node 3's address; give another host or port");
    expect(placeNewNode(c, { host: '::1', port: null }, 'add')).toMatch(/^::1 is this machine's loopback/);
    expect(placeNewNode(hosts(['fd00::1', 'fd00::2']), { host: 'FD00:0::2', port: null }, 'add')).toBe("[fd00::2]:7001 is node 2's address; give another host or port");
  });
});
