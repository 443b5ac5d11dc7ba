// The flow view in the app, on trace files written in a temp dir: `flow` and Ctrl-T switch the
// panes to it and back, it fits 80x24 for 3 and 5 nodes and uses a wider screen, scrolls back
// with the keys the app uses, and stays quiet while only hidden heartbeats come in. Opening it
// turns the nodes' message trace on (it is off by default), once, and says so.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import stringWidth from 'string-width';
import { Executor, type SupervisorLike } from '../../src/cli/execute-command.js';
import type { ClusterClient } from '../../src/cluster/cluster-client.js';
import { App } from '../../src/cli/ui/App.js';
import { createCommandRunner, traceWhenFlowOpens } from '../../src/cli/ui/run-ui.js';
import { initialState, type UiAction } from '../../src/cli/ui/state.js';
import { createStore } from '../../src/cli/ui/store.js';
import { TracePoller } from '../../src/cli/ui/trace-poller.js';
import { TRACE_FILE } from '../../src/trace/trace-record.js';
import { electionAndAccept, TraceFixture } from './trace-fixture.js';

const PGUP = '\u001B[5~';
const PGDN = '\u001B[6~';
const HOME = '\u001B[H';
const END = '\u001B[F';
const CTRL_T = '\u0014';

const roots: string[] = [];
const pollers: TracePoller[] = [];
const offs: (() => void)[] = [];
afterEach(async () => {
  cleanup();
  for (const off of offs.splice(0)) off();
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

/** An election, an Accept round, then one lost, one dropped and one held message, and heartbeats. */
function scenario(ids: readonly number[]): TraceFixture {
  const f = new TraceFixture(ids);
  electionAndAccept(f);
  for (const n of ids.filter((x) => x !== 1)) f.message(1, n, 'heartbeat', { ballot: '3.1' });
  f.send(1, 2, 'accept', { ballot: '3.1', slots: [21, 21] });
  const d = f.send(1, 3, 'accept', { ballot: '3.1', slots: [22, 22] });
  f.receive(d, 'drop', { why: 'partition' });
  const h = f.send(1, 2, 'catchup-resp', { n: 4 });
  f.receive(h, 'hold', { id: 7 });
  return f;
}

/** What the nodes were told: [node, on] per admin `trace` request. */
type TraceCalls = [number, boolean][];

function setup(f: TraceFixture, size: { columns: number; rows: number }, traceCalls?: TraceCalls) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-flow-'));
  roots.push(root);
  const ids = [...f.nodes];
  const nodes = f.write(root);
  const store = createStore(initialState(ids));
  const actions: UiAction[] = [
    ...ids.map((id): UiAction => ({ type: 'node-spawned', id, pid: 100 + id, at: 0 })),
    ...ids.map((id): UiAction => ({ type: 'node-event', id, event: { event: 'role', role: id === 1 ? 'leader' : 'follower', ballot: '3.1' }, at: 0 })),
  ];
  for (const a of actions) store.dispatch(a);
  let supTracing = false;
  const sup = {
    ids, isAlive: () => true, pid: (id: number) => 100 + id, onEvent: () => () => undefined,
    get tracing() { return supTracing; },
    setTracing: (on: boolean) => (supTracing = on),
  } as unknown as SupervisorLike;
  const client = (traceCalls === undefined ? {} : { trace: (id: number, on: boolean) => (traceCalls.push([id, on]), Promise.resolve(on)) }) as unknown as ClusterClient;
  const executor = new Executor({ sup, client, dataDir: root });
  const submit = createCommandRunner(store, executor, ids.length, () => undefined);
  offs.push(traceWhenFlowOpens(store, executor.tracing));
  // Wall clock well after the fixture: a send without its receipt has been lost for a while.
  const poller = new TracePoller(store, nodes, 20, () => f.t + 60_000);
  pollers.push(poller);
  poller.start();
  const app = render(<App store={store} onSubmit={submit} onQuit={() => undefined} size={size} renderIntervalMs={5} />);
  const frame = () => app.lastFrame() ?? '';
  return { root, store, app, frame, nodes, supTracing: () => supTracing };
}

const type = async (app: { stdin: { write(s: string): void } }, s: string) => {
  app.stdin.write(s);
  await new Promise((r) => setTimeout(r, 10));
};

function expectFits(frame: string, size: { columns: number; rows: number }): void {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThan(size.rows);
  for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(size.columns);
}

describe('the flow view in the app', () => {
  it('`flow` switches the panes to the diagram and back, with arrows between the right lanes and the marks', async () => {
    const size = { columns: 80, rows: 24 };
    const { app, frame } = setup(scenario([1, 2, 3]), size);
    await vi.waitFor(() => expect(frame()).toContain('n1 LEADER'));
    await type(app, 'flow\r');
    // The first poll of the file's first test: under a full parallel suite it took over 1 s once.
    await vi.waitFor(() => expect(frame()).toContain('A 3.1 s14-20'), { timeout: 5000 });
    const f = frame();
    expect(f).not.toContain('n1 LEADER');
    expect(f).toContain('flow view: one lane per node');
    expect(f).toContain('heartbeats hidden (flow hb) · PgUp/Dn messages (Ctrl-G: results) · Ctrl-T panes');
    const lines = f.split('\n');
    const header = lines[0] as string;
    const [c1, c2, c3] = [header.indexOf('n1'), header.indexOf('n2'), header.indexOf('n3')];
    const prepare = lines.find((l) => l.includes('P 3.1') && l.indexOf('▶') === c3 - 1) as string;
    expect(prepare.indexOf('├')).toBe(c1);
    expect(prepare[c2]).toBe('┼');
    expect(lines.find((l) => l.includes('s21'))).toMatch(/s21 lost.*✗/);
    expect(lines.find((l) => l.includes('s22'))).toMatch(/✗/);
    expect(lines.find((l) => l.includes('catch-up'))).toMatch(/held #7.*⏸/);
    expect(f).not.toContain('HB 3.1');
    expectFits(f, size);
    await type(app, 'flow hb\r');
    await vi.waitFor(() => expect(frame()).toContain('HB 3.1'));
    await type(app, 'flow\r');
    await vi.waitFor(() => expect(frame()).toContain('n1 LEADER'));
    expect(frame()).not.toContain('A 3.1 s14-20');
  });

  it('Ctrl-T switches too, and fits 80x24 with 5 nodes', async () => {
    const size = { columns: 80, rows: 24 };
    const { app, frame } = setup(scenario([1, 2, 3, 4, 5]), size);
    await vi.waitFor(() => expect(frame()).toContain('n1 LEADER'));
    await type(app, CTRL_T);
    await vi.waitFor(() => expect(frame()).toContain('s22'));
    const f = frame();
    expect(f).toMatch(/n1 L\s+n2\s+n3\s+n4\s+n5/);
    expect(f).toContain('A 3.1 s14-20');
    expect(f).toMatch(/↑ \d+ earlier messages · PgUp/);
    expectFits(f, size);
    await type(app, CTRL_T);
    await vi.waitFor(() => expect(frame()).toContain('n1 LEADER'));
  });

  it('uses a wider and taller screen: longer labels, more messages', async () => {
    const wide = { columns: 160, rows: 40 };
    const { app, frame, store } = setup(scenario([1, 2, 3, 4, 5]), wide);
    await type(app, CTRL_T);
    await vi.waitFor(() => expect(frame()).toContain('s22'));
    expect(frame()).toContain('s22 dropped partition');
    expect(frame()).not.toContain('earlier messages');
    expect(Math.max(...frame().split('\n').map((l) => stringWidth(l)))).toBeGreaterThan(140);
    expectFits(frame(), wide);
    expect(store.getState().flow?.messages.length).toBeGreaterThan(20);
  });

  it('scrolls back in time with PgUp/Home, says what is newer, stays put as messages arrive, and follows again with End', async () => {
    const size = { columns: 80, rows: 24 };
    const f = new TraceFixture([1, 2, 3]);
    for (let i = 0; i < 100; i++) f.message(1, 2 + (i % 2), 'accept', { ballot: '3.1', slots: [i, i] });
    const { app, frame, nodes } = setup(f, size);
    await type(app, 'flow\r');
    await vi.waitFor(() => expect(frame()).toContain('s99─'));
    await type(app, PGUP);
    await vi.waitFor(() => expect(frame()).toMatch(/↓ \d+ newer · PgDn, End/));
    expect(frame()).not.toContain('s99─');
    const shown = frame();
    // New messages while scrolled back: the same messages stay on screen, the sign counts them.
    const more = new TraceFixture([1, 2, 3], f.t + 10);
    for (let i = 0; i < 3; i++) more.send(1, 2, 'prepare', { ballot: `${9 + i}.1` });
    fs.appendFileSync(path.join((nodes[0] as { dir: string }).dir, TRACE_FILE), (more.lines.get(1) ?? []).map((l) => l.replace(/"lc":(\d+)/, (_, n: string) => `"lc":${1000 + Number(n)}`).replace(/"mlc":(\d+)/, (_, n: string) => `"mlc":${1000 + Number(n)}`) + '\n').join(''));
    const before = Number(/↓ (\d+) newer/.exec(shown)?.[1]);
    await vi.waitFor(() => expect(Number(/↓ (\d+) newer/.exec(frame())?.[1])).toBe(before + 3));
    expect(frame().split('\n').filter((l) => l.includes('├')).join('\n')).toBe(shown.split('\n').filter((l) => l.includes('├')).join('\n'));
    await type(app, HOME);
    await vi.waitFor(() => expect(frame()).toContain('s0─'));
    expect(frame()).not.toContain('earlier messages');
    await type(app, PGDN);
    await vi.waitFor(() => expect(frame()).toMatch(/↑ \d+ earlier messages/));
    await type(app, END);
    await vi.waitFor(() => expect(frame()).toContain('P 11.1'));
    expect(frame()).not.toContain('newer · PgDn');
  });

  it('writes nothing new to the screen while only hidden heartbeats come in', async () => {
    const size = { columns: 80, rows: 24 };
    const f = scenario([1, 2, 3]);
    const { app, frame, nodes, store } = setup(f, size);
    await type(app, 'flow\r');
    await vi.waitFor(() => expect(frame()).toContain('s22'));
    let polled = 0;
    store.subscribe(() => {
      if (store.getState().flow?.messages !== undefined) polled++;
    });
    const messagesBefore = store.getState().flow?.messages;
    const beat = new TraceFixture([1, 2, 3], f.t + 10);
    for (let i = 0; i < 20; i++) beat.send(1, 2, 'heartbeat', { ballot: '3.1' });
    fs.appendFileSync(path.join((nodes[0] as { dir: string }).dir, TRACE_FILE), (beat.lines.get(1) ?? []).join('\n') + '\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(polled).toBe(0);
    expect(store.getState().flow?.messages).toBe(messagesBefore);
  });

  it('Ctrl-T turns the message trace on in every node, once, and says so; restarts follow', async () => {
    const size = { columns: 80, rows: 24 };
    const calls: TraceCalls = [];
    const { app, frame, supTracing } = setup(scenario([1, 2, 3]), size, calls);
    await vi.waitFor(() => expect(frame()).toContain('n1 LEADER'));
    expect(calls).toEqual([]);
    await type(app, CTRL_T);
    await vi.waitFor(() => expect(frame()).toContain('Ctrl-T → tracing on from now: nodes record messages to messages.ndjson'));
    expect(calls.sort()).toEqual([[1, true], [2, true], [3, true]]);
    // A node restarted from now on starts with --trace.
    expect(supTracing()).toBe(true);
    // Closed and opened again, by key or by command: nothing more to switch, nothing more said.
    await type(app, CTRL_T);
    await vi.waitFor(() => expect(frame()).toContain('n1 LEADER'));
    await type(app, CTRL_T);
    await type(app, CTRL_T);
    await type(app, 'flow\r');
    await vi.waitFor(() => expect(frame()).toContain('flow view: one lane per node'));
    expect(calls).toHaveLength(3);
    expect(frame().match(/tracing on from now/g)).toHaveLength(1);
  });

  it('`flow` turns it on before its own line, which says so', async () => {
    const size = { columns: 80, rows: 24 };
    const calls: TraceCalls = [];
    const { app, frame } = setup(scenario([1, 2, 3]), size, calls);
    await vi.waitFor(() => expect(frame()).toContain('n1 LEADER'));
    await type(app, 'flow\r');
    await vi.waitFor(() => expect(frame()).toContain('tracing on from now'));
    expect(frame()).toMatch(/flow view: one lane per node[^\n]*\n\s*tracing on from now/);
    expect(frame()).not.toContain('Ctrl-T →');
    expect(calls).toHaveLength(3);
    // `flow off` and `flow hb` switch nothing.
    await type(app, 'flow off\r');
    await type(app, 'flow hb\r');
    await vi.waitFor(() => expect(frame()).toContain('n1 LEADER'));
    expect(calls).toHaveLength(3);
  });
});
