// Records in DIR/cluster.json that a node has reported ready: from then on it refuses to start
// on a missing or empty data dir (it would vote again having forgotten its promises). The mark
// lives outside the node's dir, so losing the dir does not lose it.
import { updateClusterFile } from './cluster-file-update.js';

/** Adds id to the file's hasRun; one write at a time per file (shared with every other update). */
export async function recordHasRun(clusterFile: string, id: number): Promise<void> {
  await updateClusterFile(clusterFile, (cluster) => {
    const ids = cluster.hasRun ?? [];
    if (ids.includes(id)) return null;
    return { ...cluster, hasRun: [...ids, id].sort((a, b) => a - b) };
  });
}
