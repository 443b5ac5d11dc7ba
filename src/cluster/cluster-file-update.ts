// Every read-modify-write of a cluster file goes through one chain per file: hasRun marks, the
// membership commands' member states, genesis. Two writers that each read the file and wrote
// back their copy would lose one another's change; one after the other, neither is lost. Each
// write is atomic (temp file + rename, writeClusterFile), so a reader never sees half a file and
// a Ctrl-C leaves the last whole one.
import { CliError, readClusterFile, writeClusterFile, type ClusterConfig } from './data-dir.js';

const chains = new Map<string, Promise<unknown>>();

/**
 * Reads the file, applies `change` and writes the result back, after every update queued before
 * it on the same file. `change` returning null (or the same object) writes nothing. Resolves
 * with the cluster as the file now holds it.
 */
export function updateClusterFile(clusterFile: string, change: (c: ClusterConfig) => ClusterConfig | null): Promise<ClusterConfig> {
  const next = (chains.get(clusterFile) ?? Promise.resolve()).then(async () => {
    const cluster = await readClusterFile(clusterFile);
    if (cluster === null) throw new CliError('bad-cluster-file', `${clusterFile} is gone`);
    const changed = change(cluster);
    if (changed === null || changed === cluster) return cluster;
    await writeClusterFile(clusterFile, changed);
    return changed;
  });
  const settled = next.catch(() => undefined);
  chains.set(clusterFile, settled);
  void settled.then(() => {
    if (chains.get(clusterFile) === settled) chains.delete(clusterFile);
  });
  return next;
}
