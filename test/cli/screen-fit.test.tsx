// What a person sees when there is more than fits: widths in terminal cells, "↑ N more" signs,
// results that keep their ends, scrolling, the too-small message, and Esc on a waiting command.
import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, cleanup } from 'ink-testing-library';
import stringWidth from 'string-width';
import { App } from '../../src/cli/ui/App.js';
import { Results } from '../../src/cli/ui/Results.js';
import { splitControlBurst } from '../../src/cli/ui/Repl.js';
import { cells, clipEnd, clipMiddle, fitCells, wrapCells, wrapWords } from '../../src/cli/ui/fit.js';
import { createCommandRunner } from '../../src/cli/ui/run-ui.js';
import { initialState, type ResultLine, type UiAction } from '../../src/cli/ui/state.js';
import { createStore } from '../../src/cli/ui/store.js';
import type { Executor } from '../../src/cli/execute-command.js';
import type { Value } from '../../src/paxos/types.js';

afterEach(() => cleanup());

const PGUP = '\u001B[5~';
const PGDN = '\u001B[6~';
const ESC = '\u001B';
const widest = (frame: string): number => Math.max(...frame.split('\n').map((l) => stringWidth(l)));
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe('fit: widths in terminal cells', () => {
  it('counts CJK and emoji as two cells and never splits one', () => {
    expect(cells('日本語')).toBe(6);
    expect(cells('a🎉b')).toBe(4);
    expect(fitCells('日本語', 5)).toBe('日本…');
    expect(fitCells('日本語', 4)).toBe('日… ');
    expect(cells(fitCells('日本語テキスト', 9))).toBe(9);
    expect(clipEnd('👩‍👩‍👧 family', 3)).toBe('👩‍👩‍👧…');
    for (const line of wrapCells('日本語日本語日本語', 5)) expect(cells(line)).toBeLessThanOrEqual(5);
  });

  it('shortens in the middle so both ends stay', () => {
    const s = clipMiddle('check → linearizable (412 ops, 3 ms); history /tmp/paxos-chaos-7-abc/history.json', 50);
    expect(cells(s)).toBeLessThanOrEqual(50);
    expect(s.startsWith('check → linearizable')).toBe(true);
    expect(s.endsWith('history.json')).toBe(true);
    expect(wrapWords('one two three four five', 9)).toEqual(['one two', 'three', 'four five']);
  });
});

describe('Results', () => {
  const results = (n: number): ResultLine[] => Array.from({ length: n }, (_, i) => ({ id: i, input: `set k${i} v`, ok: true, text: `OK slot ${i}` }));

  it('says how many older results are hidden, and how many newer when scrolled back', () => {
    const f = render(<Results results={results(10)} lines={3} width={60} />).lastFrame() ?? '';
    expect(f).toContain('↑ 8 more result lines · PgUp');
    expect(f).toContain('OK slot 9');
    const back = render(<Results results={results(10)} lines={4} width={60} scroll={5} />).lastFrame() ?? '';
    expect(back).toContain('↓ 5 newer');
    expect(back).toContain('OK slot 4');
    expect(back).not.toContain('OK slot 9');
  });

  it('keeps the end of a long result (the path, "OK slot") in view', () => {
    const long: ResultLine[] = [
      { id: 1, input: `set ${'k'.repeat(40)} ${'v'.repeat(200)}`, ok: true, text: 'OK slot 12 (leader n3, 4.1 ms)' },
      { id: 2, input: 'check', ok: true, text: 'linearizable (412 ops); history /tmp/paxos-cli-x/history-2026-12-03.json' },
    ];
    const f = render(<Results results={long} lines={3} width={60} />).lastFrame() ?? '';
    expect(f).toContain('OK slot 12 (leader n3, 4.1 ms)');
    expect(f).toContain('/history-2026-12-03.json');
    expect(widest(f)).toBeLessThanOrEqual(60);
  });
});

describe('splitControlBurst', () => {
  it('splits two control keys read at once, and leaves ordinary input alone', () => {
    const keys = splitControlBurst('\u0001\u0005');
    expect(keys?.map((k) => [k.input, k.key.ctrl])).toEqual([['a', true], ['e', true]]);
    expect(splitControlBurst('hello')).toBeNull();
    expect(splitControlBurst('\u001B[A')).toBeNull();
  });
});

const val = (key: string, value: string, seq: number): Value => ({ kind: 'batch', cmds: [{ op: 'set', key, value, clientId: 'c', seq }] });

function cluster(size: { columns: number; rows: number }, slots = 2, value = 'blue') {
  const store = createStore(initialState([1, 2, 3, 4, 5]));
  const chosen = Array.from({ length: slots }, (_, s) => ({ slot: s, value: val(`k${s}`, value, s + 1) }));
  const actions: UiAction[] = [
    ...[1, 2, 3, 4, 5].map((id): UiAction => ({ type: 'node-spawned', id, pid: 100 + id, at: 0 })),
    { type: 'node-event', id: 3, event: { event: 'role', role: 'leader', ballot: '1.3' }, at: 0 },
    { type: 'log-polled', fromSlot: 0, toSlot: slots, dumps: [1, 2, 3, 4, 5].map((n) => ({ node: n, chosen, accepted: [] })) },
  ];
  for (const a of actions) store.dispatch(a);
  const app = render(<App store={store} onSubmit={() => undefined} onQuit={() => undefined} size={size} renderIntervalMs={5} />);
  return { store, app };
}

describe('App when there is more than fits', () => {
  it('at 60x15 says in one line that the terminal is too small, and how big it must be', async () => {
    const { app } = cluster({ columns: 60, rows: 15 });
    await vi.waitFor(() => expect(app.lastFrame()).toContain('too small'));
    const f = app.lastFrame() ?? '';
    expect(f.split('\n')[0]).toMatch(/^too small: 5 nodes need 60x\d+ or 80x\d+ \(this is 60x15\)$/);
    expect(f).toContain('paxos>');
    expect(f).not.toContain('LEADER');
    expect(f.split('\n').length).toBeLessThan(15);
  });

  it('keeps every row within the width with double-width values in the grid', async () => {
    const { app } = cluster({ columns: 80, rows: 24 }, 3, '日本語のテキスト🎉');
    await vi.waitFor(() => expect(app.lastFrame()).toContain('set k2='));
    expect(widest(app.lastFrame() ?? '')).toBeLessThanOrEqual(80);
  });

  it('PgUp scrolls the results back and shows what is newer; End follows again', async () => {
    const { store, app } = cluster({ columns: 80, rows: 24 });
    for (let i = 0; i < 12; i++) {
      store.dispatch({ type: 'command-started', input: `set r${i} v` });
      store.dispatch({ type: 'command-finished', input: `set r${i} v`, ok: true, text: `OK slot ${i + 2}` });
    }
    await vi.waitFor(() => expect(app.lastFrame()).toContain('OK slot 13'));
    expect(app.lastFrame()).toMatch(/↑ \d+ more result lines · PgUp/);
    // The grid holds 2 slots: its unused rows show older results rather than blank lines.
    expect((app.lastFrame() ?? '').split('\n').filter((l) => l.includes('› set r')).length).toBeGreaterThan(3);
    expect((app.lastFrame() ?? '').split('\n').length).toBeLessThan(24);
    app.stdin.write(PGUP);
    await vi.waitFor(() => expect(app.lastFrame()).toMatch(/↓ \d+ newer · PgDn, End/));
    expect(app.lastFrame()).not.toContain('OK slot 13');
    app.stdin.write(PGDN);
    app.stdin.write('\u001B[F');
    await vi.waitFor(() => expect(app.lastFrame()).toContain('OK slot 13'));
    expect(app.lastFrame()).not.toContain('newer · PgDn');
  });

  it('scrolls the slot grid after Ctrl-G, with a sign for the slots it hides', async () => {
    const { store, app } = cluster({ columns: 80, rows: 24 }, 40);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('set k39='));
    expect(app.lastFrame()).toMatch(/↑ \d+ earlier slots/);
    app.stdin.write('\u0007');
    await vi.waitFor(() => expect(store.getState().scrollTarget).toBe('log'));
    app.stdin.write(PGUP);
    await vi.waitFor(() => expect(store.getState().logScroll ?? 0).toBeGreaterThan(0));
  });
});

describe('Esc on a waiting command', () => {
  it('cancels the one running, shows what is pending and how many wait, then runs the next', async () => {
    const store = createStore(initialState([1, 2, 3]));
    const signals: AbortSignal[] = [];
    // Only the runner is under test here: the executor waits until it is told to stop.
    const executor = {
      stopChaos: () => false,
      run: (_cmd: unknown, signal: AbortSignal) =>
        new Promise((resolve) => {
          signals.push(signal);
          const finish = () => resolve({ ok: false, text: 'cancelled: no answer yet; the set may still be chosen (recorded as unknown)' });
          if (signals.length > 1) resolve({ ok: true, text: 'OK slot 5' });
          else signal.addEventListener('abort', finish, { once: true });
        }),
    } as unknown as Executor;
    const submit = createCommandRunner(store, executor, 3, () => undefined);
    const app = render(<App store={store} onSubmit={submit} onQuit={() => undefined} onCancel={submit.cancel} size={{ columns: 100, rows: 30 }} renderIntervalMs={5} />);
    submit('set a 1');
    submit('set b 2');
    await vi.waitFor(() => expect(app.lastFrame()).toContain('… set a 1 (1 more queued) · Esc cancels'));
    await tick();
    app.stdin.write(ESC);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('set a 1 → cancelled'));
    await vi.waitFor(() => expect(app.lastFrame()).toContain('set b 2 → OK slot 5'));
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[1]?.aborted).toBe(false);
  });
});
