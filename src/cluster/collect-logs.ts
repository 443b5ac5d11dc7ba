// Gathers every node's chosen log for `diff`: the running nodes through the API, the dead ones
// by opening their LevelDB directly (nobody else holds its lock while the node is down).
import { chosenPrefix, NodeStorage, StorageError } from '../node/storage.js';
import type { ChosenEntry, Snapshot } from '../paxos/types.js';
import { nodeDataPath } from './data-dir.js';
import type { ClusterClient } from './cluster-client.js';
import type { NodeLog } from './diff-logs.js';

/** A bound on the whole read, far above what an interactive session produces. */
const MAX_SLOTS = 1_000_000;

export async function readLogFromDisk(dataDir: string, id: number): Promise<{ chosen: ChosenEntry[]; snapshot?: Snapshot }> {
  const dir = nodeDataPath(dataDir, id);
  let storage: NodeStorage;
  try {
    // A reader must not create a DB: an empty one would later pass for the node's own.
    storage = await NodeStorage.open(dir, { create: false });
  } catch (err) {
    if (err instanceof StorageError && err.code === 'missing') return { chosen: [] }; // never started: an empty log
    throw err;
  }
  try {
    const state = await storage.load();
    return { chosen: chosenPrefix(state), ...(state.snapshot !== undefined ? { snapshot: state.snapshot } : {}) };
  } finally {
    await storage.close();
  }
}

export async function readLogLive(client: ClusterClient, id: number): Promise<{ chosen: ChosenEntry[]; snapshot?: Snapshot }> {
  const status = await client.status(id);
  // Chosen slots may sit above a hole (not yet learned), so read up to the highest slot known.
  const end = Math.min(MAX_SLOTS, Math.max(status.commitIndex, status.lastSlot + 1));
  // The client pages through the log (a page a request) and skips what is compacted.
  const dump = await client.logDump(id, 0, end);
  const snapshot = dump.snapshot !== undefined ? { index: dump.snapshotIndex ?? 0, blob: dump.snapshot } : undefined;
  return { chosen: [...dump.chosen], ...(snapshot !== undefined ? { snapshot } : {}) };
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
        if (deps.isAlive(id)) logs.push({ node: id, source: 'live', ...(await readLogLive(deps.client, id)) });
        else logs.push({ node: id, source: 'disk', ...(await readLogFromDisk(deps.dataDir, id)) });
      } catch (err) {
        unreadable.push({ node: id, error: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  logs.sort((a, b) => a.node - b.node);
  unreadable.sort((a, b) => a.node - b.node);
  return { logs, unreadable };
}
