// The UI's poller: it polls on its interval, at once when a command asks (so the log view shows
// a write right away), and never runs two polls at the same time.
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterClient } from '../../src/cluster/cluster-client.js';
import type { Executor } from '../../src/cli/execute-command.js';
import { Poller } from '../../src/cli/ui/poller.js';
import type { Store } from '../../src/cli/ui/store.js';

let poller: Poller | null = null;
afterEach(async () => {
  await poller?.stop();
  poller = null;
});

function fakes(pollMs: number): { store: Store; executor: Executor; client: ClusterClient; polls: number[]; overlaps: () => number } {
  const polls: number[] = [];
  let inFlight = 0;
  let overlap = 0;
  const executor = {
    statusAll: async () => {
      inFlight += 1;
      if (inFlight > 1) overlap += 1;
      polls.push(Date.now());
      await new Promise((r) => setTimeout(r, pollMs));
      inFlight -= 1;
      return [];
    },
  } as unknown as Executor;
  const store = { getState: () => ({}), dispatch: () => undefined, subscribe: () => () => undefined } as unknown as Store;
  return { store, executor, client: {} as ClusterClient, polls, overlaps: () => overlap };
}

const waitUntil = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
};

describe('UI poller', () => {
  it('polls at once when asked, instead of waiting out its interval', async () => {
    const f = fakes(1);
    poller = new Poller(f.store, f.executor, f.client, 60_000);
    poller.start();
    await waitUntil(() => f.polls.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(f.polls).toHaveLength(1);
    poller.pollSoon();
    await waitUntil(() => f.polls.length === 2, 500);
    expect(f.polls).toHaveLength(2);
  });

  it('asked during a poll, polls once more right after it, never two at a time', async () => {
    const f = fakes(50);
    poller = new Poller(f.store, f.executor, f.client, 60_000);
    poller.start();
    await waitUntil(() => f.polls.length === 1);
    poller.pollSoon();
    poller.pollSoon();
    await waitUntil(() => f.polls.length === 2, 500);
    await new Promise((r) => setTimeout(r, 120));
    expect(f.polls).toHaveLength(2);
    expect(f.overlaps()).toBe(0);
  });

  it('asks for the log window without any snapshot (a compacted node would send its whole state)', async () => {
    const calls: unknown[][] = [];
    const executor = { statusAll: async () => [{ id: 1, alive: true, commitIndex: 500, lastSlot: 499 }] } as unknown as Executor;
    const client = {
      logDump: async (...args: unknown[]) => {
        calls.push(args);
        return { commitIndex: 500, chosen: [], accepted: [], snapshotIndex: 450 };
      },
    } as unknown as ClusterClient;
    const store = { getState: () => ({}), dispatch: () => undefined, subscribe: () => () => undefined } as unknown as Store;
    const p = new Poller(store, executor, client, 60_000);
    await p.pollOnce();
    expect(calls).toEqual([[1, 440, 500, { withSnapshot: false }]]);
  });
});
