// `up` follows its cluster file: a membership command run from another terminal (paxos-cli add
// --cluster FILE) writes the new node there, and the terminal that runs the nodes starts it; a
// node the file marks removed is never restarted.
import fs from 'node:fs';
import { readClusterFile, type ClusterConfig } from '../cluster/data-dir.js';

/** Calls `onChange` with the file each time it changes (polled every intervalMs); returns the stop. */
export function watchClusterFile(file: string, onChange: (c: ClusterConfig) => void, intervalMs = 1000): () => void {
  let stopped = false;
  const listener = (cur: fs.Stats, prev: fs.Stats): void => {
    if (stopped || cur.mtimeMs === prev.mtimeMs) return;
    readClusterFile(file).then(
      (c) => {
        if (!stopped && c !== null) onChange(c);
      },
      // Half-edited by hand, say: the next change is read again.
      () => undefined,
    );
  };
  fs.watchFile(file, { interval: intervalMs, persistent: false }, listener);
  return () => {
    stopped = true;
    fs.unwatchFile(file, listener);
  };
}

/**
 * What the supervisor must do for the file as it now reads: start members it does not run
 * (added elsewhere), and mark removed the ones it runs that the file says are removed.
 */
export function membershipDelta(c: ClusterConfig, running: readonly number[], removed: readonly number[]): { start: number[]; remove: number[] } {
  const start = c.nodes.filter((n) => (n.member ?? 'voter') !== 'removed' && !running.includes(n.id) && !removed.includes(n.id)).map((n) => n.id);
  const remove = c.nodes.filter((n) => n.member === 'removed' && running.includes(n.id)).map((n) => n.id);
  return { start, remove };
}
