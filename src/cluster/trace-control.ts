// The CLI's side of the message trace (messages.ndjson): off by default, as it costs about 5 % of
// write throughput. It owns whether the cluster traces: `set(true)` switches every live node on
// through its admin API, makes the supervisor start later nodes (a restart) with --trace, and
// switches a node on again when it says `ready` (one spawned just before the switch). `up`
// turns it on when the flow view opens or step mode starts; `up --trace`, `--record` and a
// script that starts paused start the nodes with it on.
import { noAdminClient, pushToLiveNodes } from './live-nodes.js';
import type { Supervisor } from './supervisor.js';

export interface TraceClient {
  trace(nodeId: number, on: boolean): Promise<boolean>;
}

export type TraceSupervisor = Pick<Supervisor, 'ids' | 'isAlive' | 'onEvent'> & {
  /** A supervisor of our own says whether its nodes start tracing, and can be told. */
  readonly tracing?: boolean;
  setTracing?(on: boolean): void;
};

export interface TraceSwitch {
  /** Whether the cluster traces now (as asked). */
  readonly on: boolean;
  /** It was the other way before this call: the first caller that switched it hears true. */
  readonly changed: boolean;
  /** Live nodes that took the switch (none when nothing changed). */
  readonly applied: readonly number[];
  /** Live nodes that did not answer, or refused; restarted, they start as the cluster is. */
  readonly failed: readonly { node: number; error: string }[];
}

/** What `up` says the first time it turns tracing on for the flow view or step mode. */
export const TRACING_ON_NOTE = 'tracing on from now: nodes record messages to messages.ndjson';

export class TraceControl {
  private current: boolean;
  /** The switch being pushed: a caller that finds nothing to change waits for it. */
  private pushing: Promise<unknown> = Promise.resolve();
  private readonly off: () => void;

  constructor(
    private readonly sup: TraceSupervisor,
    private readonly client: TraceClient | undefined,
  ) {
    this.current = sup.tracing === true;
    this.off = sup.onEvent((e) => {
      if (e.type === 'node-event' && e.event.event === 'ready' && this.current) void this.push(e.id, true).catch(() => undefined);
    });
  }

  /** Whether the cluster traces (as far as this terminal switched it). */
  get on(): boolean {
    return this.current;
  }

  /**
   * What the nodes were found doing (attach reads it from their status): a terminal that did not
   * start them cannot know otherwise.
   */
  assume(on: boolean): void {
    this.current = on;
  }

  /**
   * Switches every live node; later starts follow. Never throws: a node that fails is in `failed`.
   * force: push even if this terminal believes they are so already (`trace off`).
   */
  async set(on: boolean, force = false): Promise<TraceSwitch> {
    if (this.current === on && !force) {
      await this.pushing;
      return { on, changed: false, applied: [], failed: [] };
    }
    const changed = this.current !== on;
    this.current = on;
    this.sup.setTracing?.(on);
    const work = pushToLiveNodes(this.sup, (id) => this.push(id, on));
    this.pushing = work;
    const { applied, failed } = await work;
    return { on, changed, applied, failed };
  }

  private async push(id: number, on: boolean): Promise<void> {
    if (this.client === undefined) throw noAdminClient();
    const now = await this.client.trace(id, on);
    if (now !== on) throw new Error(`node ${id} still traces ${now ? 'on' : 'off'}`);
  }

  dispose(): void {
    this.off();
  }
}

/** One line on a switch that some live node did not take, or null when all did. */
export function traceFailureText(s: TraceSwitch): string | null {
  if (s.failed.length === 0) return null;
  const first = s.failed[0]!;
  return `tracing ${s.on ? 'on' : 'off'}, but ${s.failed.map((f) => `n${f.node}`).join(',')} did not take it (${first.error}); ${s.on ? 'their messages are missing from the trace' : 'they still trace'}`;
}
