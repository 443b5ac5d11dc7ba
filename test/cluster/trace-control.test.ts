// The CLI's switch of the message trace: every live node told once, later starts follow (the
// supervisor's flag, and a push on `ready`), a node that fails is named; and the executor turns
// it on for `flow` and `pause`, and says so the first time.
import { describe, expect, it } from 'vitest';
import { Executor, type SupervisorLike } from '../../src/cli/execute-command.js';
import type { ClusterClient } from '../../src/cluster/cluster-client.js';
import type { SupervisorEvent } from '../../src/cluster/supervisor.js';
import { TraceControl, traceFailureText, TRACING_ON_NOTE } from '../../src/cluster/trace-control.js';
import type { StepResult } from '../../src/client/paxos-client.js';

function fakeSupervisor(ids: number[], alive: (id: number) => boolean, tracing = false) {
  const listeners = new Set<(e: SupervisorEvent) => void>();
  const sup = {
    ids,
    isAlive: alive,
    pid: (id: number) => 100 + id,
    tracing,
    setTracing(on: boolean) {
      sup.tracing = on;
    },
    onEvent(fn: (e: SupervisorEvent) => void) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    emit: (e: SupervisorEvent) => listeners.forEach((fn) => fn(e)),
  };
  return sup;
}

const ready = (id: number): SupervisorEvent => ({ type: 'node-event', id, event: { event: 'ready', port: 7000 + id } });

describe('TraceControl', () => {
  it('switches every live node once, sets the supervisor flag, and pushes again to a node that comes up', async () => {
    const calls: [number, boolean][] = [];
    const sup = fakeSupervisor([1, 2, 3], (id) => id !== 3);
    const t = new TraceControl(sup, { trace: (id, on) => (calls.push([id, on]), Promise.resolve(on)) });
    expect(t.on).toBe(false);
    expect(await t.set(true)).toEqual({ on: true, changed: true, applied: [1, 2], failed: [] });
    expect(sup.tracing).toBe(true);
    expect(await t.set(true)).toEqual({ on: true, changed: false, applied: [], failed: [] });
    expect(calls).toEqual([[1, true], [2, true]]);
    sup.emit(ready(3));
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([[1, true], [2, true], [3, true]]);
    expect(await t.set(false)).toMatchObject({ on: false, changed: true, applied: [1, 2] });
    expect(sup.tracing).toBe(false);
    // Off: a node that comes up is left as it started (without --trace).
    sup.emit(ready(3));
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(5);
    t.dispose();
  });

  it('starts as the supervisor does (up --trace); names the nodes that did not take it', async () => {
    expect(new TraceControl(fakeSupervisor([1], () => true, true), undefined).on).toBe(true);
    const t = new TraceControl(fakeSupervisor([1, 2], () => true), {
      trace: (id, on) => (id === 2 ? Promise.reject(Object.assign(new Error('no answer within 1000 ms'), { code: 'timeout' })) : Promise.resolve(on)),
    });
    const s = await t.set(true);
    expect(s).toMatchObject({ changed: true, applied: [1], failed: [{ node: 2, error: 'no answer within 1000 ms' }] });
    expect(traceFailureText(s)).toBe('tracing on, but n2 did not take it (no answer within 1000 ms); their messages are missing from the trace');
    // Without a client that can send admin requests, every node fails, with why.
    const none = await new TraceControl(fakeSupervisor([1], () => true), undefined).set(true);
    expect(none.failed).toEqual([{ node: 1, error: 'this client cannot send admin requests' }]);
  });
});

describe('the executor turns the trace on for the flow view and step mode', () => {
  function executor() {
    const calls: [number, boolean][] = [];
    const sup = fakeSupervisor([1, 2, 3], () => true);
    const step = (id: number): Promise<StepResult> => Promise.resolve({ node: id, paused: true, held: [], heldTotal: 0, effects: [] });
    const client = { trace: (id: number, on: boolean) => (calls.push([id, on]), Promise.resolve(on)), step } as unknown as ClusterClient;
    return { ex: new Executor({ sup: sup as unknown as SupervisorLike, client, dataDir: '/nonexistent' }), calls, sup };
  }

  it('flow: on, with the note the first time; flow off and flow hb switch nothing', async () => {
    const { ex, calls, sup } = executor();
    const off = await ex.run({ kind: 'flow', how: 'off' });
    expect(off.fields).toEqual({ traceFileCount: 0, tracing: false });
    await ex.run({ kind: 'flow', how: 'heartbeats' });
    expect(calls).toEqual([]);
    const first = await ex.run({ kind: 'flow', how: 'toggle' });
    expect(first).toMatchObject({ ok: true, fields: { traceFileCount: 0, tracing: true }, detail: [TRACING_ON_NOTE] });
    expect(first.text).toContain(TRACING_ON_NOTE);
    expect(calls).toHaveLength(3);
    expect(sup.tracing).toBe(true);
    const again = await ex.run({ kind: 'flow', how: 'on' });
    expect(again.detail).toBeUndefined();
    expect(again.fields).toEqual({ traceFileCount: 0, tracing: true });
    expect(calls).toHaveLength(3);
  });

  it('pause: on before the nodes are paused, with the note in the detail', async () => {
    const { ex, calls } = executor();
    const out = await ex.run({ kind: 'pause' });
    expect(out).toMatchObject({ ok: true, fields: { paused: true, pausedNodes: [1, 2, 3] } });
    expect(out.detail).toEqual([out.text, TRACING_ON_NOTE]);
    expect(calls).toHaveLength(3);
    expect(ex.tracing.on).toBe(true);
  });
});
