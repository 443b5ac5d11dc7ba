// UI tests with fake data (no cluster): panes, the replicated-log view, the REPL line.
import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, cleanup } from 'ink-testing-library';
import { App } from '../../src/cli/ui/App.js';
import { LogView } from '../../src/cli/ui/LogView.js';
import { NodePane } from '../../src/cli/ui/NodePane.js';
import { initialState, reduce, type NodeView, type UiAction } from '../../src/cli/ui/state.js';
import { createStore } from '../../src/cli/ui/store.js';
import type { Value } from '../../src/paxos/types.js';

afterEach(() => cleanup());

const val = (key: string, value: string, seq: number): Value => ({ kind: 'batch', cmds: [{ op: 'set', key, value, clientId: 'c', seq }] });

function node(over: Partial<NodeView> = {}): NodeView {
  return { id: 1, alive: true, role: 'follower', ballot: '2.3', promised: '2.3', commitIndex: 7, appliedIndex: 6, pid: 1, lines: [], flash: null, catchingUp: false, ...over };
}

const ENTER = '\r';
const UP = '\u001B[A';
const DOWN = '\u001B[B';
const TAB = '\t';
const BACKSPACE = '\u007F';
const LEFT = '\u001B[D';
const RIGHT = '\u001B[C';
const ctrl = (ch: string): string => String.fromCharCode(ch.charCodeAt(0) - 96);

/** Ink reads input asynchronously: give it a turn between keystrokes. */
async function type(stdin: { write(s: string): void }, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    stdin.write(k);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('NodePane', () => {
  it('shows id, role, ballots, indexes and the last log lines', () => {
    const { lastFrame } = render(<NodePane node={node({ role: 'leader', lines: ['one', 'two', 'three'] })} width={20} logLines={2} now={0} />);
    const f = lastFrame() ?? '';
    expect(f).toContain('n1 LEADER');
    expect(f).toContain('b2.3 p2.3');
    expect(f).toContain('c7 a6');
    expect(f).toContain('two');
    expect(f).toContain('three');
    expect(f).not.toContain('one');
  });

  it('shows a dead node as down, with the kill flash while it lasts', () => {
    const n = node({ alive: false, role: 'down', flash: { text: 'KILLED', tone: 'bad', until: 1000 } });
    expect(render(<NodePane node={n} width={20} logLines={1} now={500} />).lastFrame()).toMatch(/n1 down KILLED/);
    expect(render(<NodePane node={n} width={20} logLines={1} now={1500} />).lastFrame()).not.toContain('KILLED');
  });

  it('says when a restarted node is still catching up', () => {
    expect(render(<NodePane node={node({ catchingUp: true })} width={30} logLines={1} now={0} />).lastFrame()).toContain('catching up');
  });
});

describe('LogView', () => {
  const nodes = [node({ id: 1, role: 'leader' }), node({ id: 2 }), node({ id: 3, alive: false, role: 'down' })];
  it('draws chosen, accepted-not-chosen, missing and conflicting cells differently', () => {
    const rows = [
      { slot: 0, cells: { 1: { kind: 'chosen' as const, label: 'set a=1', ballot: '1.1' }, 2: { kind: 'chosen' as const, label: 'set a=1', ballot: '1.1' } } },
      { slot: 1, cells: { 1: { kind: 'accepted' as const, label: 'set b=2', ballot: '2.1' }, 2: { kind: 'missing' as const, label: '', ballot: '' } } },
      { slot: 2, cells: { 1: { kind: 'conflict' as const, label: 'set c=3', ballot: '2.1' }, 2: { kind: 'conflict' as const, label: 'set c=4', ballot: '2.2' } } },
    ];
    const f = render(<LogView rows={rows} nodes={nodes} width={80} height={5} />).lastFrame() ?? '';
    const lines = f.split('\n');
    expect(lines[0]).toMatch(/slot\s+n1\s+n2\s+n3 down/);
    expect(lines[1]).toMatch(/^0\s+set a=1 1\.1\s+set a=1 1\.1\s+·/);
    expect(lines[2]).toMatch(/^1\s+\?set b=2 2\.1\s+·/);
    expect(lines[3]).toMatch(/^2\s+!set c=3 2\.1\s+!set c=4 2\.2/);
  });

  it('follows the tail when there are more slots than rows', () => {
    const rows = Array.from({ length: 30 }, (_, slot) => ({ slot, cells: { 1: { kind: 'chosen' as const, label: `set k=${slot}`, ballot: '' } } }));
    const f = render(<LogView rows={rows} nodes={nodes} width={80} height={4} />).lastFrame() ?? '';
    // Three rows and a sign for what is above: nothing cut without saying so.
    expect(f).toContain('set k=29');
    expect(f).toContain('set k=27');
    expect(f).not.toContain('set k=26');
    expect(f).toContain('↑ 27 earlier slots');
  });

  it('says how to start when the log is empty', () => {
    expect(render(<LogView rows={[]} nodes={nodes} width={80} height={3} />).lastFrame()).toContain('no slots chosen yet');
  });
});

function setup(size = { columns: 80, rows: 24 }) {
  const store = createStore(initialState([1, 2, 3, 4, 5]));
  const actions: UiAction[] = [
    ...[1, 2, 3, 4, 5].map((id): UiAction => ({ type: 'node-spawned', id, pid: 100 + id, at: 0 })),
    { type: 'node-event', id: 3, event: { event: 'role', role: 'leader', ballot: '1.3' }, at: 0 },
    { type: 'log-polled', fromSlot: 0, toSlot: 2, dumps: [1, 2, 3, 4, 5].map((n) => ({ node: n, chosen: [{ slot: 0, value: { kind: 'noop' as const } }, { slot: 1, value: val('color', 'blue', 1) }], accepted: [] })) },
  ];
  for (const a of actions) store.dispatch(a);
  const submitted: string[] = [];
  const onSubmit = vi.fn((line: string) => {
    submitted.push(line);
    store.dispatch({ type: 'command-started', input: line });
    store.dispatch({ type: 'command-finished', input: line, ok: !line.startsWith('bad'), text: line.startsWith('bad') ? 'error: unknown command "bad"' : `did ${line}` });
  });
  const onQuit = vi.fn();
  const app = render(<App store={store} onSubmit={onSubmit} onQuit={onQuit} size={size} renderIntervalMs={5} />);
  return { store, app, submitted, onSubmit, onQuit };
}

describe('App (REPL, panes, log view together)', () => {
  it('fits 80x24 with five panes, the log view and the prompt', async () => {
    const { app } = setup();
    await vi.waitFor(() => expect(app.lastFrame()).toContain('set color='));
    const f = app.lastFrame() ?? '';
    const lines = f.split('\n');
    expect(lines.length).toBeLessThan(24);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    for (const id of [1, 2, 4, 5]) expect(f).toContain(`n${id} `);
    expect(f).toContain('n3 LEADER');
    expect(f).toContain('paxos>');
  });

  it('uses a wide terminal: longer panes lines fit', async () => {
    const { app } = setup({ columns: 160, rows: 40 });
    await vi.waitFor(() => expect(app.lastFrame()).toContain('set color='));
    const lines = (app.lastFrame() ?? '').split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeGreaterThan(120);
    expect(lines.length).toBeLessThan(40);
  });

  it('submits typed lines, shows results and errors, and recalls history with up/down', async () => {
    const { app, submitted } = setup();
    await type(app.stdin, 's', 'e', 't', ' a 1', ENTER);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('did set a 1'));
    await type(app.stdin, 'bad cmd', ENTER);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('error: unknown command "bad"'));
    expect(submitted).toEqual(['set a 1', 'bad cmd']);
    await type(app.stdin, UP);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('paxos> bad cmd█'));
    await type(app.stdin, UP);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('paxos> set a 1█'));
    await type(app.stdin, DOWN);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('paxos> bad cmd█'));
    await type(app.stdin, DOWN);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('paxos> █'));
    await type(app.stdin, 'get x', BACKSPACE, 'y', ENTER);
    await vi.waitFor(() => expect(submitted).toContain('get y'));
  });

  it('edits the line where the cursor is: arrows, Home/End as Ctrl-A/E, Ctrl-K/U/W, Backspace', async () => {
    const { app, submitted } = setup();
    await type(app.stdin, 'set a 1', LEFT, LEFT, 'b');
    await vi.waitFor(() => expect(app.lastFrame()).toContain('paxos> set ab 1'));
    await type(app.stdin, ctrl('a'), 'x', RIGHT, BACKSPACE);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('paxos> xet ab 1'));
    await type(app.stdin, ctrl('e'), ' 2', ctrl('w'));
    await vi.waitFor(() => expect(app.lastFrame()).toContain('paxos> xet ab 1 █'));
    await type(app.stdin, ctrl('a'), RIGHT, ctrl('k'));
    await vi.waitFor(() => expect(app.lastFrame()).toContain('paxos> x█'));
    await type(app.stdin, BACKSPACE, 'get b', LEFT, LEFT, ctrl('u'), 'del', ENTER);
    await vi.waitFor(() => expect(submitted).toEqual(['del b']));
  });

  it('completes commands and node ids with Tab, and lists candidates when ambiguous', async () => {
    const { app, submitted } = setup();
    await type(app.stdin, 'ki', TAB);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('paxos> kill █'));
    await type(app.stdin, TAB);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('1  2  3  4  5'));
    await type(app.stdin, '3', ENTER);
    await vi.waitFor(() => expect(submitted).toEqual(['kill 3']));
    await type(app.stdin, 's', TAB);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('set  stop  status'));
  });

  it('quits on Ctrl-C, and on Ctrl-D only when the line is empty', async () => {
    const { app, onQuit } = setup();
    await type(app.stdin, 'x', '\u0004');
    expect(onQuit).not.toHaveBeenCalled();
    await type(app.stdin, '\u0015', '\u0004');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledTimes(1));
    await type(app.stdin, '\u0003');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledTimes(2));
  });

  it('throttles renders: a burst of events becomes a few frames', async () => {
    const store = createStore(initialState([1, 2, 3]));
    const app = render(<App store={store} onSubmit={() => undefined} onQuit={() => undefined} size={{ columns: 80, rows: 24 }} renderIntervalMs={100} />);
    const framesBefore = app.frames.length;
    for (let i = 0; i < 300; i++) store.dispatch({ type: 'node-event', id: 1, event: { event: 'log', level: 'info', msg: `burst ${i}` }, at: i });
    await vi.waitFor(() => expect(app.lastFrame()).toContain('burst 299'));
    expect(app.frames.length - framesBefore).toBeLessThan(10);
  });
});

// Keep the reducer import honest for the type checker in this file.
void reduce;

describe('Repl bursts', () => {
  it('submits every line of a chunk that carries line breaks (paste, tmux send-keys)', async () => {
    const { app, submitted } = setup();
    await type(app.stdin, 'set a 1\rget a\rpart');
    await vi.waitFor(() => expect(submitted).toEqual(['set a 1', 'get a']));
    await vi.waitFor(() => expect(app.lastFrame()).toContain('paxos> part█'));
  });
});

describe('multi-line results', () => {
  it('shows a whole help listing at 80x24 by borrowing log-view rows', async () => {
    const { app, store } = setup();
    const lines = Array.from({ length: 8 }, (_, i) => `line ${i}`);
    store.dispatch({ type: 'command-finished', input: 'help', ok: true, text: lines[0] as string, detail: lines.slice(1) });
    await vi.waitFor(() => expect(app.lastFrame()).toContain('line 7'));
    const f = app.lastFrame() ?? '';
    for (const l of lines) expect(f).toContain(l);
    expect(f.split('\n').length).toBeLessThan(24);
  });
});
