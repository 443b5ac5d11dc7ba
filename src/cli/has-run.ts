// Records in DIR/cluster.json that a node has reported ready: from then on it refuses to start
// on a missing or empty data dir (it would vote again having forgotten its promises). The mark
// lives outside the node's dir, so losing the dir does not lose it.
import fs from 'node:fs/promises';

const chains = new Map<string, Promise<void>>();

/** Adds id to the file's hasRun; one write at a time per file. Keeps fields it does not know. */
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
  const json = JSON.parse(await fs.readFile(clusterFile, 'utf8')) as Record<string, unknown>;
  const ids = Array.isArray(json.hasRun) ? json.hasRun.filter((x): x is number => typeof x === 'number') : [];
  if (ids.includes(id)) return;
  json.hasRun = [...ids, id].sort((a, b) => a - b);
  const tmp = `${clusterFile}.tmp-${process.pid}`;
  await fs.writeFile(tmp, JSON.stringify(json, null, 2) + '\n');
  await fs.rename(tmp, clusterFile);
}
