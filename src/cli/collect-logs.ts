// Gathers every node's chosen log for `diff`: the running nodes through the API, the dead ones
// by opening their LevelDB directly (nobody else holds its lock while the node is down).
import fs from 'node:fs/promises';
import { chosenPrefix, NodeStorage } from '../node/storage.js';
import type { ChosenEntry } from '../paxos/types.js';
import { nodeDataPath } from './cluster-file.js';
import type { ClusterClient } from './cluster-client.js';
import type { NodeLog } from './diff-logs.js';

/** Logs are read in pages so one reply stays small. */
const PAGE_SLOTS = 500;
/** A bound on the whole read, far above what an interactive session produces. */
const MAX_SLOTS = 1_000_000;

export async function readLogFromDisk(dataDir: string, id: number): Promise<ChosenEntry[]> {
  const dir = nodeDataPath(dataDir, id);
  try {
    await fs.access(dir);
  } catch {
    return []; // never started: an empty log
  }
  const storage = await NodeStorage.open(dir);
  try {
    return chosenPrefix(await storage.load());
  } finally {
    await storage.close();
  }
}

export async function readLogLive(client: ClusterClient, id: number): Promise<ChosenEntry[]> {
  const status = await client.status(id);
  // Chosen slots may sit above a hole (not yet learned), so read up to the highest slot known.
  const end = Math.min(MAX_SLOTS, Math.max(status.commitIndex, status.lastSlot + 1));
  const out: ChosenEntry[] = [];
  for (let from = 0; from < end; from += PAGE_SLOTS) {
    const page = await client.logDump(id, from, Math.min(end, from + PAGE_SLOTS));
    out.push(...page.chosen);
  }
  return out;
}

export interface CollectDeps {
  readonly client: ClusterClient;
  readonly dataDir: string;
  readonly ids: readonly number[];
  isAlive(id: number): boolean;
}

export async function collectLogs(deps: CollectDeps): Promise<{ logs: NodeLog[]; unreadable: { node: number; error: string }[] }> {
  const logs: NodeLog[] = [];
  const unreadable: { node: number; error: string }[] = [];
  await Promise.all(
    deps.ids.map(async (id) => {
      try {
        if (deps.isAlive(id)) logs.push({ node: id, source: 'live', chosen: await readLogLive(deps.client, id) });
        else logs.push({ node: id, source: 'disk', chosen: await readLogFromDisk(deps.dataDir, id) });
      } catch (err) {
        unreadable.push({ node: id, error: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  logs.sort((a, b) => a.node - b.node);
  unreadable.sort((a, b) => a.node - b.node);
  return { logs, unreadable };
}
