// Feeds the UI store with what events do not carry: every node's status and the tail of each
// live node's log (chosen and accepted-not-chosen), polled every ~300 ms, one poll at a time.
import type { ClusterClient } from '../../cluster/cluster-client.js';
import type { Executor } from '../execute-command.js';
import type { NodeDump } from './state.js';
import type { Store } from './store.js';

export const POLL_INTERVAL_MS = 300;
/** Slots fetched per poll: more than any screen shows, few enough to stay cheap. */
export const POLL_WINDOW_SLOTS = 60;

export class Poller {
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private polling = false;
  private again = false;

  constructor(
    private readonly store: Store,
    private readonly executor: Executor,
    private readonly client: ClusterClient,
    private readonly intervalMs = POLL_INTERVAL_MS,
  ) {}

  start(): void {
    this.loop();
  }

  /** Polls at once (or right after the poll under way) instead of waiting for the interval. */
  pollSoon(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    if (this.timer !== null) clearTimeout(this.timer);
    this.loop();
  }

  private loop(): void {
    if (this.stopped) return;
    this.timer = null;
    this.polling = true;
    this.running = this.pollOnce()
      .catch(() => undefined)
      .finally(() => {
        this.polling = false;
        if (this.stopped) return;
        const wait = this.again ? 0 : this.intervalMs;
        this.again = false;
        this.timer = setTimeout(() => this.loop(), wait);
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.running;
  }

  async pollOnce(): Promise<void> {
    const statuses = await this.executor.statusAll();
    if (this.stopped) return;
    this.store.dispatch({ type: 'status-polled', statuses, at: Date.now() });
    const live = statuses.filter((s) => s.alive && s.commitIndex !== null);
    if (live.length === 0) return;
    const latest = Math.max(...live.map((s) => Math.max(s.commitIndex ?? 0, (s.lastSlot ?? -1) + 1)));
    // Scrolled back: fetch the window being looked at, so the grid reaches slot 0.
    const toSlot = Math.max(0, latest - (this.store.getState().logScroll ?? 0));
    const fromSlot = Math.max(0, toSlot - POLL_WINDOW_SLOTS);
    const dumps: NodeDump[] = [];
    await Promise.all(
      live.map(async (s) => {
        try {
          // The log view shows slots only: never pull a compacted node's whole snapshot each poll.
          const d = await this.client.logDump(s.id, fromSlot, toSlot, { withSnapshot: false });
          dumps.push({ node: s.id, chosen: d.chosen, accepted: d.accepted, snapshotIndex: d.snapshotIndex });
        } catch {
          // Unreachable this round: its column keeps what it showed last.
        }
      }),
    );
    if (this.stopped) return;
    this.store.dispatch({ type: 'log-polled', fromSlot, toSlot, dumps, latestSlot: latest });
  }
}
