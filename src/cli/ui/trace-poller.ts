// Feeds the flow view: while it is open, reads every node's message trace at the UI's poll
// cadence and hands the store a new message list only when what the view draws has changed, so
// an idle cluster (heartbeats hidden) costs a small read and no redraw.
import { buildFlow, LOST_AFTER_MS, type FlowMessage } from '../flow-messages.js';
import { TraceLog, type TraceLogOptions } from '../trace-log.js';
import { POLL_INTERVAL_MS } from './poller.js';
import type { Store } from './store.js';

/** What the view would draw differently: a new or newly settled message, or a new error. */
export function flowSignature(messages: readonly FlowMessage[], heartbeats: boolean, errors: readonly string[]): string {
  const counts: Record<string, number> = {};
  let shown = 0;
  let last = '';
  for (const m of messages) {
    if (m.heartbeat && !heartbeats) continue;
    shown++;
    counts[m.status] = (counts[m.status] ?? 0) + 1;
    last = `${m.key}@${m.order}`;
  }
  const first = messages.find((m) => heartbeats || !m.heartbeat);
  return `${heartbeats}|${shown}|${first?.key ?? ''}@${first?.order ?? ''}|${last}|${JSON.stringify(counts)}|${errors.join(';')}`;
}

export class TracePoller {
  private log: TraceLog | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private signature = '';
  private messages: readonly FlowMessage[] = [];
  /** Something came in that the last build did not see (heartbeats only, while hidden). */
  private stale = false;
  /** When an in-flight message of the last build turns lost: build again then. */
  private nextDeadline = Infinity;
  private wasHeartbeats = false;
  /** Heartbeats came in since the last build (which, hidden, they do not force). */
  private staleHeartbeats = false;

  constructor(
    private readonly store: Store,
    private nodes: readonly { readonly node: number; readonly dir: string }[],
    private readonly intervalMs = POLL_INTERVAL_MS,
    private readonly now: () => number = Date.now,
    private readonly options: TraceLogOptions = {},
  ) {}

  start(): void {
    const check = () => {
      const flow = this.store.getState().flow;
      const on = flow?.on === true;
      if (on && this.log === null && !this.stopped) {
        this.log = new TraceLog(this.nodes, this.options);
        this.signature = '';
        this.messages = [];
        this.stale = false;
        this.staleHeartbeats = false;
        this.nextDeadline = Infinity;
        this.wasHeartbeats = flow.heartbeats;
        this.schedule(0);
      } else if (!on && this.log !== null) {
        this.close();
      } else if (on && flow.heartbeats !== this.wasHeartbeats) {
        this.wasHeartbeats = flow.heartbeats;
        this.schedule(0);
      }
    };
    this.unsubscribe = this.store.subscribe(check);
    check();
  }

  /** The cluster's members changed: a new one's trace is read too (a removed one's stays shown). */
  addNodes(nodes: readonly { readonly node: number; readonly dir: string }[]): void {
    for (const n of nodes) {
      if (this.nodes.some((m) => m.node === n.node)) continue;
      this.nodes = [...this.nodes, n];
      this.log?.addNode(n);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.close();
    await this.running;
  }

  private close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const log = this.log;
    this.log = null;
    void this.running.then(() => log?.close());
  }

  private schedule(ms: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.running.then(() => this.pollOnce()).catch(() => undefined).finally(() => {
        if (this.log !== null && !this.stopped && this.timer === null) this.schedule(this.intervalMs);
      });
    }, ms);
  }

  /** One read of every trace, and a new message list for the store if the view would change. */
  async pollOnce(): Promise<void> {
    const log = this.log;
    if (log === null) return;
    const added = await log.poll();
    const flow = this.store.getState().flow;
    if (this.log !== log || flow?.on !== true) return;
    const now = this.now();
    if (added.messages > 0) this.stale = true;
    if (added.heartbeats > 0) this.staleHeartbeats = true;
    const mustBuild =
      this.signature === '' || this.stale || (flow.heartbeats && this.staleHeartbeats) || now >= this.nextDeadline;
    if (mustBuild) {
      this.messages = buildFlow(log.traces(), now);
      this.stale = false;
      this.staleHeartbeats = false;
      this.nextDeadline = Infinity;
      for (const m of this.messages) {
        const due = m.t + LOST_AFTER_MS + 1;
        if (m.status === 'in-flight' && due > now) this.nextDeadline = Math.min(this.nextDeadline, due);
      }
    }
    const errors = [...log.errors].map(([node, e]) => `n${node}: ${e}`);
    const sig = flowSignature(this.messages, flow.heartbeats, errors);
    if (sig === this.signature) return;
    this.signature = sig;
    this.store.dispatch({ type: 'trace-polled', messages: this.messages, errors });
  }
}
