// Records in DIR/cluster.json that a node has reported ready: from then on it refuses to start
// on a missing or empty data dir (it would vote again having forgotten its promises). The mark
// lives outside the node's dir, so losing the dir does not lose it.
import { readClusterFile, writeClusterFile } from './data-dir.js';

const chains = new Map<string, Promise<void>>();

/** Adds id to the file's hasRun; one write at a time per file. */
export function recordHasRun(clusterFile: string, id: number): Promise<void> {
  const next = (chains.get(clusterFile) ?? Promise.resolve()).then(() => addId(clusterFile, id));
  const settled = next.catch(() => undefined);
  chains.set(clusterFile, settled);
  void settled.then(() => {
    if (chains.get(clusterFile) === settled) chains.delete(clusterFile);
  });
  return next;
}

async function addId(clusterFile: string, id: number): Promise<void> {
  const cluster = await readClusterFile(clusterFile);
  if (cluster === null) throw new Error(`${clusterFile} is gone`);
  const ids = cluster.hasRun ?? [];
  if (ids.includes(id)) return;
  await writeClusterFile(clusterFile, { ...cluster, hasRun: [...ids, id].sort((a, b) => a - b) });
}
