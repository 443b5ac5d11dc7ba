// The partition line and the chaos progress bar: shown above the hint, still inside 80x24.
import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../src/cli/ui/App.js';
import { chaosLine } from '../../src/cli/ui/FaultBar.js';
import { initialState, reduce } from '../../src/cli/ui/state.js';
import { createStore } from '../../src/cli/ui/store.js';

afterEach(() => cleanup());

const chaos = { phase: 'running', elapsedMs: 5000, durationMs: 20_000, ops: 812, faults: 3, faultLine: 'isolate leader n3' };

describe('fault bar', () => {
  it('reduces fault and chaos actions, and clears them', () => {
    let s = reduce(initialState([1, 2, 3]), { type: 'faults-changed', text: 'partition 1 | 2,3' });
    s = reduce(s, { type: 'chaos-progress', chaos });
    expect(s.faults).toBe('partition 1 | 2,3');
    expect(s.chaos).toEqual(chaos);
    s = reduce(reduce(s, { type: 'faults-changed', text: null }), { type: 'chaos-progress', chaos: null });
    expect(s.faults).toBeNull();
    expect(s.chaos).toBeNull();
  });

  it('draws a bar that fills with elapsed time and says the time left', () => {
    expect(chaosLine(chaos, 80)).toMatch(/^chaos 15s left \[#+\.+\] 812 ops · 3 faults · isolate leader n3$/);
    expect(chaosLine({ ...chaos, phase: 'checking', elapsedMs: 20_000 }, 80)).toMatch(/^chaos checking \[#+\]/);
  });

  it('shows the partition and the chaos line at 80x24 without growing the screen', async () => {
    const store = createStore(initialState([1, 2, 3, 4, 5]));
    for (const id of [1, 2, 3, 4, 5]) store.dispatch({ type: 'node-spawned', id, pid: 100 + id, at: 0 });
    const app = render(<App store={store} onSubmit={() => undefined} onQuit={() => undefined} size={{ columns: 80, rows: 24 }} renderIntervalMs={1} />);
    store.dispatch({ type: 'faults-changed', text: 'partition 1,2 | 3,4,5' });
    store.dispatch({ type: 'chaos-progress', chaos });
    await vi.waitFor(() => expect(app.lastFrame()).toContain('partition 1,2 | 3,4,5'));
    await vi.waitFor(() => expect(app.lastFrame()).toContain('15s left'));
    expect((app.lastFrame() ?? '').split('\n').length).toBeLessThanOrEqual(24);
  });
});
