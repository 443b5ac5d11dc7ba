// Processes a test started, found by their command lines (for cleanup and "nothing is left").
import { execFileSync } from 'node:child_process';

/** Pids of processes whose command line names `dir` (the nodes get their data dir there). */
export function processesUnder(dir: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(dir))
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid);
}
