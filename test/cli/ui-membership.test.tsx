// The UI of a changing membership: each pane says what its node is (learner, joining, REMOVED),
// a header line gives the configuration in force, an added node gets a pane and a replacing one
// takes the pane of the node it replaced. Fake data, no cluster.
import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../src/cli/ui/App.js';
import { NodePane } from '../../src/cli/ui/NodePane.js';
import { initialState, reduce, type NodeView, type UiAction, type UiState } from '../../src/cli/ui/state.js';
import { createStore } from '../../src/cli/ui/store.js';
import type { PaneStatus } from '../../src/cli/execute-command.js';
import type { MembershipView } from '../../src/cluster/membership-plan.js';

afterEach(() => cleanup());

function node(over: Partial<NodeView> = {}): NodeView {
  return { id: 4, alive: true, role: 'follower', ballot: '2.1', promised: '2.1', commitIndex: 7, appliedIndex: 7, pid: 1, lines: [], flash: null, catchingUp: false, ...over };
}

const view = (voters: number[], learners: number[], self: MembershipView['self'] = 'voter', next: MembershipView['next'] = null): MembershipView => ({
  self, inForce: { slot: 112, activeFrom: 120, voters, learners }, next, transferTo: null,
});

function status(id: number, role: string, membership?: MembershipView): PaneStatus {
  return { id, alive: true, role, ballot: '2.1', promised: '2.1', commitIndex: 130, appliedIndex: 130, leader: 1, lastSlot: 129, pid: 100 + id, ...(membership !== undefined ? { membership } : {}) };
}

const run = (state: UiState, ...actions: UiAction[]): UiState => actions.reduce(reduce, state);

describe('NodePane', () => {
  it('names a learner and a joining node in place of the role, not a voter', () => {
    expect(render(<NodePane node={node({ member: 'learner' })} width={24} logLines={1} now={0} />).lastFrame()).toMatch(/n4 learner /);
    expect(render(<NodePane node={node({ member: 'joining' })} width={24} logLines={1} now={0} />).lastFrame()).toMatch(/n4 joining /);
    const voter = render(<NodePane node={node({ member: 'voter' })} width={24} logLines={1} now={0} />).lastFrame();
    expect(voter).toMatch(/n4 follower/);
    expect(voter).not.toMatch(/voter/);
    // A learner that is down shows down, like any node.
    expect(render(<NodePane node={node({ member: 'learner', alive: false, role: 'down' })} width={24} logLines={1} now={0} />).lastFrame()).toMatch(/n4 down/);
  });

  it('shows a removed node as REMOVED, whatever its process does', () => {
    const f = render(<NodePane node={node({ member: 'removed', alive: false, role: 'down' })} width={24} logLines={1} now={0} />).lastFrame() ?? '';
    expect(f).toMatch(/n4 REMOVED/);
    expect(f).not.toMatch(/down/);
  });
});

describe('the reducer', () => {
  it('takes each node\'s state from its status, and the configuration line from the leader', () => {
    const s = run(
      initialState([1, 2, 3, 4], 0, { members: { 4: 'learner' } }),
      ...[1, 2, 3, 4].map((id): UiAction => ({ type: 'node-spawned', id, pid: 100 + id, at: 0 })),
      {
        type: 'status-polled',
        at: 1,
        statuses: [
          status(1, 'leader', view([1, 2, 3], [4], 'voter', { slot: 128, activeFrom: 136, voters: [1, 2, 3, 4], learners: [] })),
          status(2, 'follower', view([1, 2, 3], [4])),
          status(3, 'follower'),
          status(4, 'follower', view([1, 2, 3], [4], 'learner')),
        ],
      },
    );
    expect(s.config).toBe('config voters 1 2 3 · learners 4 · since slot 120 (next from 136: voters 1 2 3 4)');
    expect(s.nodes.map((n) => n.member)).toEqual(['voter', 'voter', undefined, 'learner']);
    const promoted = run(s, { type: 'status-polled', at: 2, statuses: [status(1, 'leader', view([1, 2, 3, 4], [])), status(4, 'follower', view([1, 2, 3, 4], []))] });
    expect(promoted.nodes[3]).toMatchObject({ member: 'voter' });
    expect(promoted.nodes[3]!.lines.at(-1)).toBe('now a voter');
    expect(promoted.config).toBe('config voters 1 2 3 4 · since slot 120');
  });

  it('gives an added node a pane, and a replacing node the pane of the one it replaced', () => {
    let s = initialState([1, 2, 3]);
    s = run(s, { type: 'cluster-changed', at: 0, nodes: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4, member: 'learner' }] });
    expect(s.nodes.map((n) => [n.id, n.member])).toEqual([[1, undefined], [2, undefined], [3, undefined], [4, 'learner']]);
    expect(s.nodes[3]!.lines).toEqual(['added to the cluster']);
    s = run(s, { type: 'cluster-changed', at: 0, nodes: [{ id: 1 }, { id: 2, member: 'removed' }, { id: 3 }, { id: 4 }] });
    expect(s.nodes[1]).toMatchObject({ id: 2, member: 'removed', flash: { text: 'REMOVED' } });
    s = run(s, { type: 'cluster-changed', at: 0, nodes: [{ id: 1 }, { id: 2, member: 'removed' }, { id: 3 }, { id: 4 }, { id: 5, member: 'learner', replaces: 2 }] });
    expect(s.nodes.map((n) => n.id)).toEqual([1, 5, 3, 4]);
    expect(s.nodes[1]!.lines).toEqual(['added in place of n2']);
    // Nothing new: the same state.
    expect(run(s, { type: 'cluster-changed', at: 0, nodes: [{ id: 1 }, { id: 5 }] })).toBe(s);
  });

  it('shows the steps of a membership command as result lines', () => {
    const s = run(initialState([1]), { type: 'command-started', input: 'add' }, { type: 'progress', text: 'n2: port 4000; cluster file says learner' });
    expect(s.results.map((r) => r.text)).toEqual(['  n2: port 4000; cluster file says learner']);
    expect(s.running).toBe('add');
  });
});

describe('App', () => {
  it('shows the configuration line above the panes and the new pane, within 80x24', async () => {
    const store = createStore(initialState([1, 2, 3]));
    for (const id of [1, 2, 3]) store.dispatch({ type: 'node-spawned', id, pid: 100 + id, at: 0 });
    store.dispatch({ type: 'cluster-changed', at: 0, nodes: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4, member: 'learner' }] });
    store.dispatch({ type: 'node-spawned', id: 4, pid: 104, at: 0 });
    store.dispatch({
      type: 'status-polled',
      at: 1,
      statuses: [status(1, 'leader', view([1, 2, 3], [4])), status(2, 'follower', view([1, 2, 3], [4])), status(3, 'follower', view([1, 2, 3], [4])), status(4, 'follower', view([1, 2, 3], [4], 'learner'))],
    });
    const app = render(<App store={store} onSubmit={vi.fn()} onQuit={vi.fn()} size={{ columns: 80, rows: 24 }} renderIntervalMs={5} />);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('config voters 1 2 3 · learners 4 · since slot 120'));
    const f = app.lastFrame() ?? '';
    const lines = f.split('\n');
    expect(lines[0]).toMatch(/^config voters 1 2 3/);
    expect(f).toMatch(/n4 learner/);
    expect(f).toContain('n1 LEADER');
    expect(lines.length).toBeLessThan(24);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
  });
});
