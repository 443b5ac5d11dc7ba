// Wires the Ink app to the cluster: supervisor events and polls into the store, REPL lines to
// the executor (one command at a time, in order), quit to a clean stop of every node.
import React from 'react';
import { render } from 'ink';
import { describeFaults, isFaultFree } from '../../protocol/fault-rules.js';
import type { ClusterClient } from '../../cluster/cluster-client.js';
import { nodeDataPath, type ClusterConfig } from '../../cluster/data-dir.js';
import type { Executor } from '../execute-command.js';
import { parseCommand } from '../parse-command.js';
import type { Supervisor, SupervisorEvent } from '../../cluster/supervisor.js';
import { App } from './App.js';
import { flowResultText } from './flow-state.js';
import { Poller } from './poller.js';
import { TracePoller } from './trace-poller.js';
import { traceFailureText, TRACING_ON_NOTE, type TraceControl } from '../../cluster/trace-control.js';
import { initialState, type UiAction } from './state.js';
import { createStore, RENDER_INTERVAL_MS, type Store } from './store.js';
import type { NodeIdSource } from '../script-mode.js';
import { activeNodes, paneOrder } from '../../cluster/membership-plan.js';

export interface RunUiOptions {
  /** The local supervisor, or attach's RemoteNodes (events read from the nodes' logs). */
  readonly sup: Pick<Supervisor, 'recentEvents' | 'onEvent'>;
  /** attach: the nodes run elsewhere; quitting leaves them running. */
  readonly attached?: boolean;
  readonly client: ClusterClient;
  readonly executor: Executor;
  readonly cluster: ClusterConfig;
  readonly dataDir: string;
  /** Why nodes of the initial start did not come up: shown as error lines. */
  readonly startFailures?: Promise<readonly string[]>;
}

export function supervisorAction(e: SupervisorEvent, at: number): UiAction {
  switch (e.type) {
    case 'spawned':
      return { type: 'node-spawned', id: e.id, pid: e.pid, at };
    case 'exited':
      return { type: 'node-exited', id: e.id, code: e.code, signal: e.signal, requested: e.requested, at };
    case 'node-event':
      return { type: 'node-event', id: e.id, event: e.event, at };
    case 'stderr':
      return { type: 'node-stderr', id: e.id, line: e.line };
    case 'stopped':
    case 'continued':
      return { type: 'node-signalled', id: e.id, stopped: e.type === 'stopped', at };
  }
}

/** Runs REPL lines one after another; `cancel` (Esc) stops waiting for the one running now. */
export function createCommandRunner(store: Store, executor: Executor, nodeCount: NodeIdSource, onQuit: () => void, onRan: () => void = () => undefined, quitText = 'stopping every node…') {
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  let current: AbortController | null = null;
  const submit = (line: string): void => {
    queued++;
    store.dispatch({ type: 'queued', count: current !== null ? queued : Math.max(0, queued - 1) });
    chain = chain.then(async () => {
      queued--;
      const parsed = parseCommand(line, typeof nodeCount === 'function' ? nodeCount() : nodeCount);
      if (parsed.ok && parsed.cmd === null) return;
      const control = new AbortController();
      current = control;
      store.dispatch({ type: 'queued', count: queued });
      store.dispatch({ type: 'command-started', input: line });
      try {
        await runOne(line, parsed, control.signal);
      } finally {
        current = null;
      }
    });
  };
  const runOne = async (line: string, parsed: ReturnType<typeof parseCommand>, signal: AbortSignal): Promise<void> => {
      if (!parsed.ok) {
        store.dispatch({ type: 'command-finished', input: line, ok: false, text: `error: ${parsed.error}` });
        return;
      }
      if (parsed.cmd === null) return;
      if (parsed.cmd.kind === 'quit') {
        store.dispatch({ type: 'command-finished', input: line, ok: true, text: quitText });
        onQuit();
        return;
      }
      const out = await executor.run(parsed.cmd, signal);
      // What the command changed shows in the log view now, not at the next poll.
      onRan();
      if (out.effect === 'clear') {
        store.dispatch({ type: 'command-finished', input: line, ok: true, text: '' });
        store.dispatch({ type: 'clear' });
        return;
      }
      if (typeof out.effect === 'object' && 'flow' in out.effect) {
        store.dispatch({ type: 'flow', how: out.effect.flow });
        const flow = store.getState().flow;
        // The detail says when opening the view turned the message trace on.
        store.dispatch({ type: 'command-finished', input: line, ok: true, text: flow === undefined ? out.text : flowResultText(flow), ...(out.detail !== undefined ? { detail: out.detail } : {}) });
        return;
      }
      if (typeof out.effect === 'object') store.dispatch({ type: 'viewer', target: out.effect.logs });
      if (out.detail !== undefined && out.detail.length > 0) {
        store.dispatch({ type: 'command-finished', input: line, ok: out.ok, text: out.detail[0] ?? '', detail: out.detail.slice(1) });
      } else {
        store.dispatch({ type: 'command-finished', input: line, ok: out.ok, text: out.text });
      }
  };
  /** Esc: stops the running command (chaos: its faults); true if something was stopped. */
  const cancel = (): boolean => {
    if (executor.stopChaos()) return true;
    if (current === null || current.signal.aborted) return false;
    current.abort();
    return true;
  };
  return Object.assign(submit, { cancel });
}

/**
 * The flow view draws the nodes' message traces, which are off unless `up --trace`: opening it
 * by any way (Ctrl-T, which never reaches the executor, or `flow`) turns them on, and the first
 * time a result line says so. (`flow` itself switches them before its own line, which says it.)
 */
export function traceWhenFlowOpens(store: Store, tracing: Pick<TraceControl, 'on' | 'set'>): () => void {
  let open = store.getState().flow?.on === true;
  return store.subscribe(() => {
    const now = store.getState().flow?.on === true;
    const opened = now && !open;
    open = now;
    if (!opened || tracing.on) return;
    void tracing.set(true).then((sw) => {
      const failed = traceFailureText(sw);
      if (sw.changed) store.dispatch({ type: 'command-finished', input: 'Ctrl-T', ok: failed === null, text: TRACING_ON_NOTE, ...(failed !== null ? { detail: [failed] } : {}) });
    });
  });
}

export async function runUi(o: RunUiOptions): Promise<void> {
  // Members only (a grown cluster's file keeps its removed nodes), a replacing node where the
  // node it replaced was.
  const members = activeNodes(o.cluster);
  const ids = paneOrder(members);
  const fileMembers = Object.fromEntries(members.flatMap((n) => (n.member === 'learner' ? [[n.id, 'learner' as const]] : [])));
  const store = createStore(initialState(ids, Date.now(), { alive: o.attached === true, members: fileMembers }));
  // The nodes started before the UI existed: replay what they said so far.
  for (const e of o.sup.recentEvents()) store.dispatch(supervisorAction(e, Date.now()));
  const off = o.sup.onEvent((e) => store.dispatch(supervisorAction(e, Date.now())));
  void o.startFailures?.then((errors) => {
    for (const error of errors) store.dispatch({ type: 'command-finished', input: 'up', ok: false, text: `error: ${error}` });
  });
  const poller = new Poller(store, o.executor, o.client);
  poller.start();
  const tracePoller = new TracePoller(store, ids.map((node) => ({ node, dir: nodeDataPath(o.dataDir, node) })));
  tracePoller.start();
  const offFlowTrace = traceWhenFlowOpens(store, o.executor.tracing);
  const offFaults = o.executor.faults.onChange((rules) =>
    store.dispatch({ type: 'faults-changed', text: isFaultFree(rules) ? null : describeFaults(rules) }),
  );
  const offCluster = o.executor.onClusterChange((c) => {
    store.dispatch({ type: 'cluster-changed', nodes: c.nodes.map((n) => ({ id: n.id, member: n.member, replaces: n.replaces })), at: Date.now(), alive: o.attached === true });
    tracePoller.addNodes(c.nodes.map((n) => ({ node: n.id, dir: nodeDataPath(o.dataDir, n.id) })));
  });
  const offProgress = o.executor.onProgress((text) => store.dispatch({ type: 'progress', text }));
  const offBackground = o.executor.onBackground((line, out) =>
    store.dispatch({ type: 'command-finished', input: `${line} (submitted while paused)`, ok: out.ok, text: out.ok ? out.text : `error: ${out.error ?? out.text}` }),
  );
  let chaosInterrupted = false;
  const offChaos = o.executor.onChaosProgress((chaos) => {
    store.dispatch({ type: 'chaos-progress', chaos });
    if (chaos === null && chaosInterrupted) {
      chaosInterrupted = false;
      store.dispatch({ type: 'hint', text: null });
    }
  });

  let resolveQuit: () => void = () => undefined;
  const quitRequested = new Promise<void>((r) => (resolveQuit = r));
  const submit = createCommandRunner(store, o.executor, () => o.executor.nodeIds, () => resolveQuit(), () => poller.pollSoon(), o.attached === true ? 'detaching; the nodes keep running…' : undefined);
  // Ctrl-C while chaos runs: the first stops its faults (it still heals, checks and reports);
  // a second one quits at once.
  const onQuit = (): void => {
    if (!chaosInterrupted && o.executor.stopChaos()) {
      chaosInterrupted = true;
      store.dispatch({ type: 'hint', text: 'stopping chaos: healing, checking, then the report · Ctrl-C again quits now' });
      return;
    }
    resolveQuit();
  };
  const instance = render(<App store={store} onSubmit={submit} onQuit={onQuit} onCancel={submit.cancel} onScrolled={() => poller.pollSoon()} />, {
    exitOnCtrlC: false,
  });
  await Promise.race([quitRequested, instance.waitUntilExit()]);
  // Let the last throttled frame (the quit line) reach the screen before leaving it.
  await new Promise((r) => setTimeout(r, RENDER_INTERVAL_MS + 20));
  instance.unmount();
  process.stdout.write('\n');
  off();
  offFaults();
  offChaos();
  offBackground();
  offCluster();
  offProgress();
  offFlowTrace();
  await poller.stop();
  await tracePoller.stop();
}
