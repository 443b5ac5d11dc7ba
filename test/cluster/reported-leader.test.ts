// The leader chaos aims at: of the nodes that say they lead, the highest ballot, compared as
// numbers (round 10 is above round 9), whether the roles come from stdout or from attach's copy.
import { describe, expect, it } from 'vitest';
import { highestLeader } from '../../src/cluster/reported-leader.js';
import { RemoteNodes } from '../../src/cluster/remote-nodes.js';

describe('the reported leader', () => {
  it('is the leader with the highest ballot, by number', () => {
    expect(highestLeader([{ id: 1, role: 'leader', ballot: '9.3' }, { id: 2, role: 'leader', ballot: '10.1' }, { id: 3, role: 'follower', ballot: '11.3' }])).toBe(2);
    expect(highestLeader([{ id: 1, role: 'leader', ballot: '4.1' }, { id: 3, role: 'leader', ballot: '4.3' }])).toBe(3);
    expect(highestLeader([{ id: 1, role: 'follower', ballot: '1.1' }, { id: 2, role: null, ballot: null }])).toBeNull();
  });

  it('follows the role events attach feeds in', () => {
    const remote = new RemoteNodes([1, 2, 3], 'cluster.json');
    const role = (id: number, r: 'leader' | 'follower', ballot: string): void => remote.emit({ type: 'node-event', id, event: { event: 'role', role: r, ballot } });
    role(1, 'leader', '9.1');
    expect(remote.reportedLeader()).toBe(1);
    role(2, 'leader', '10.2');
    role(1, 'follower', '10.2');
    expect(remote.reportedLeader()).toBe(2);
  });
});
