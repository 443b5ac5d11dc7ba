import { describe, expect, it } from 'vitest';
import { initialState, MAX_NODE_LINES, reduce, type UiAction, type UiState } from '../../src/cli/ui/state.js';
import { computeLayout } from '../../src/cli/ui/layout.js';
import type { PaneStatus } from '../../src/cli/execute-command.js';
import type { Value } from '../../src/paxos/types.js';

const setA: Value = { kind: 'batch', cmds: [{ op: 'set', key: 'a', value: '1', clientId: 'c', seq: 1 }] };
const setB: Value = { kind: 'batch', cmds: [{ op: 'set', key: 'b', value: '2', clientId: 'c', seq: 2 }] };

function run(state: UiState, ...actions: UiAction[]): UiState {
  return actions.reduce(reduce, state);
}

function status(id: number, over: Partial<PaneStatus> = {}): PaneStatus {
  return { id, alive: true, role: 'follower', ballot: '1.1', promised: '1.1', commitIndex: 0, appliedIndex: 0, leader: 1, lastSlot: -1, pid: 100 + id, ...over };
}

describe('ui reducer', () => {
  const started = run(
    initialState([1, 2, 3]),
    { type: 'node-spawned', id: 1, pid: 101, at: 0 },
    { type: 'node-spawned', id: 2, pid: 102, at: 0 },
    { type: 'node-spawned', id: 3, pid: 103, at: 0 },
  );

  it('marks spawned nodes alive and starting, without a restart flash', () => {
    expect(started.nodes.map((n) => [n.alive, n.role, n.flash])).toEqual([
      [true, 'starting', null], [true, 'starting', null], [true, 'starting', null],
    ]);
  });

  it('role events set role and ballot and log a line; a new leader flashes', () => {
    const s = reduce(started, { type: 'node-event', id: 2, event: { event: 'role', role: 'leader', ballot: '3.2' }, at: 10 });
    const n2 = s.nodes[1];
    expect(n2).toMatchObject({ role: 'leader', ballot: '3.2' });
    expect(n2?.lines.at(-1)).toBe('leader b3.2');
    expect(n2?.flash?.text).toBe('NEW LEADER');
  });

  it('an exit that was asked for without SIGKILL (stop N, quit) flashes STOPPED; one nobody asked for, CRASHED', () => {
    expect(reduce(started, { type: 'node-exited', id: 3, code: 0, signal: null, requested: true, at: 100 }).nodes[2]?.flash?.text).toBe('STOPPED');
    expect(reduce(started, { type: 'node-exited', id: 3, code: 0, signal: null, requested: false, at: 100 }).nodes[2]?.flash?.text).toBe('CRASHED');
  });

  it('an exit marks the node down with a KILLED flash; a respawn flashes RESTARTED and catches up later', () => {
    let s = reduce(started, { type: 'node-exited', id: 3, code: null, signal: 'SIGKILL', requested: true, at: 100 });
    expect(s.nodes[2]).toMatchObject({ alive: false, role: 'down', pid: null });
    expect(s.nodes[2]?.flash?.text).toBe('KILLED');
    expect(s.nodes[2]?.lines.at(-1)).toBe('exited (SIGKILL)');
    s = reduce(s, { type: 'node-spawned', id: 3, pid: 203, at: 200 });
    expect(s.nodes[2]).toMatchObject({ alive: true, role: 'starting', catchingUp: true });
    expect(s.nodes[2]?.flash?.text).toBe('RESTARTED');
    s = reduce(s, { type: 'status-polled', at: 300, statuses: [status(1, { commitIndex: 9 }), status(2, { commitIndex: 9 }), status(3, { commitIndex: 4, pid: 203 })] });
    expect(s.nodes[2]).toMatchObject({ catchingUp: true, commitIndex: 4 });
    s = reduce(s, { type: 'status-polled', at: 400, statuses: [status(1, { commitIndex: 9 }), status(2, { commitIndex: 9 }), status(3, { commitIndex: 9, pid: 203 })] });
    expect(s.nodes[2]).toMatchObject({ catchingUp: false, commitIndex: 9 });
    expect(s.nodes[2]?.flash?.text).toBe('CAUGHT UP');
  });

  it('ignores a status poll that disagrees with what the exit event said', () => {
    const s = run(started,
      { type: 'node-exited', id: 1, code: null, signal: 'SIGKILL', requested: true, at: 1 },
      { type: 'status-polled', at: 2, statuses: [status(1, { role: 'leader' })] });
    expect(s.nodes[0]?.role).toBe('down');
  });

  it('keeps a bounded number of log lines per node', () => {
    let s = started;
    for (let i = 0; i < MAX_NODE_LINES + 20; i++) s = reduce(s, { type: 'node-event', id: 1, event: { event: 'log', level: 'info', msg: `m${i}` }, at: i });
    expect(s.nodes[0]?.lines).toHaveLength(MAX_NODE_LINES);
    expect(s.nodes[0]?.lines.at(-1)).toBe(`m${MAX_NODE_LINES + 19}`);
  });

  it('builds log rows: chosen, accepted-not-chosen, missing and conflicting cells', () => {
    const s = reduce(started, {
      type: 'log-polled', fromSlot: 0, toSlot: 3,
      dumps: [
        { node: 1, chosen: [{ slot: 0, value: setA }, { slot: 1, value: setB }], accepted: [{ slot: 2, ballot: { round: 3, node: 1 }, value: setB }] },
        { node: 2, chosen: [{ slot: 0, value: setA }, { slot: 1, value: setA }], accepted: [] },
        { node: 3, chosen: [{ slot: 0, value: setA }], accepted: [] },
      ],
    });
    expect(s.logRows.map((r) => r.slot)).toEqual([0, 1, 2]);
    expect(s.logRows[0]?.cells[1]).toEqual({ kind: 'chosen', label: 'set a=1', ballot: '' });
    expect(s.logRows[1]?.cells[1]?.kind).toBe('conflict');
    expect(s.logRows[1]?.cells[2]?.kind).toBe('conflict');
    expect(s.logRows[1]?.cells[3]?.kind).toBe('missing');
    expect(s.logRows[2]?.cells[1]).toEqual({ kind: 'accepted', label: 'set b=2', ballot: '3.1' });
  });

  it('marks slots below a node\'s snapshot as compacted, not missing', () => {
    const s = reduce(started, {
      type: 'log-polled', fromSlot: 8, toSlot: 12,
      dumps: [
        { node: 1, chosen: [{ slot: 10, value: setA }, { slot: 11, value: setB }], accepted: [], snapshotIndex: 10 },
        { node: 2, chosen: [8, 9, 10, 11].map((slot) => ({ slot, value: slot === 11 ? setB : setA })), accepted: [], snapshotIndex: 0 },
        { node: 3, chosen: [], accepted: [] },
      ],
    });
    expect(s.logRows.map((r) => r.cells[1]?.kind)).toEqual(['compacted', 'compacted', 'chosen', 'chosen']);
    expect(s.logRows[0]?.cells[2]?.kind).toBe('chosen');
    expect(s.logRows[0]?.cells[3]?.kind).toBe('missing');
  });

  it('keeps a dead node column as it was last seen', () => {
    const dump = { node: 3, chosen: [{ slot: 0, value: setA }], accepted: [] };
    let s = reduce(started, { type: 'log-polled', fromSlot: 0, toSlot: 1, dumps: [dump] });
    s = reduce(s, { type: 'log-polled', fromSlot: 0, toSlot: 2, dumps: [{ node: 1, chosen: [{ slot: 0, value: setA }, { slot: 1, value: setB }], accepted: [] }] });
    expect(s.logRows[0]?.cells[3]?.kind).toBe('chosen');
    expect(s.logRows[1]?.cells[3]).toBeUndefined();
  });

  it('records history (no immediate duplicates) and results; clear empties results only', () => {
    let s = run(started,
      { type: 'command-started', input: 'set a 1' },
      { type: 'command-finished', input: 'set a 1', ok: true, text: 'OK slot 0' },
      { type: 'command-started', input: 'set a 1' },
      { type: 'command-finished', input: 'set a 1', ok: true, text: 'OK slot 1' },
      { type: 'command-started', input: 'kill 9' },
      { type: 'command-finished', input: 'kill 9', ok: false, text: 'error: no' });
    expect(s.history).toEqual(['set a 1', 'kill 9']);
    expect(s.results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(s.running).toBeNull();
    s = reduce(s, { type: 'command-finished', input: 'help', ok: true, text: 'first', detail: ['second', 'third'] });
    expect(s.results.slice(-3).map((r) => [r.input, r.text])).toEqual([['help', 'first'], ['', 'second'], ['', 'third']]);
    s = reduce(s, { type: 'clear' });
    expect(s.results).toEqual([]);
    expect(s.history).toHaveLength(2);
  });
});

describe('computeLayout', () => {
  it('fits 5 nodes in one row at 80x24 and leaves room for the log view', () => {
    const l = computeLayout(80, 24, 5);
    expect(l).toMatchObject({ panesPerRow: 5, paneWidth: 16 });
    const used = 5 + l.paneLogLines + 1 + l.logViewRows + l.resultLines + 2;
    expect(used).toBeLessThan(24);
  });
  it('wraps 9 nodes into two rows at 80 columns and still fits 24 lines', () => {
    const l = computeLayout(80, 24, 9);
    expect(l.panesPerRow).toBe(5);
    const used = 2 * (5 + l.paneLogLines) + 1 + l.logViewRows + l.resultLines + 2;
    expect(used).toBeLessThan(24);
  });
  it('balances pane rows (5+4, not 8+1) on a wide terminal', () => {
    expect(computeLayout(130, 30, 9).panesPerRow).toBe(5);
    expect(computeLayout(200, 30, 9).panesPerRow).toBe(9);
  });
  it('uses a wider and taller terminal for more columns and lines', () => {
    const small = computeLayout(80, 24, 5);
    const big = computeLayout(160, 50, 5);
    expect(big.paneWidth).toBeGreaterThan(small.paneWidth);
    expect(big.logViewRows).toBeGreaterThan(small.logViewRows);
    expect(big.paneLogLines).toBeGreaterThan(small.paneLogLines);
  });
});
