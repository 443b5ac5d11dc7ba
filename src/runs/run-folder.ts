// The run folder: paxos-runs/<UTC time>-<kind>/ under the current directory (or --runs-dir).
// A name sorts by time, is safe on every file system (no colons) and says what ran.
import fs from 'node:fs';
import path from 'node:path';

export const RUN_KINDS = ['chaos', 'bench', 'up'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
export const DEFAULT_RUNS_DIR = 'paxos-runs';

/** 2026-12-03T09:12:05.123Z -> 2026-12-03T09-12-05Z */
export function runStamp(atMs: number): string {
  return new Date(atMs).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}

/**
 * Makes the folder (and its parents). Two runs started in the same second get `-2`, `-3`: a
 * folder that exists is never reused, so one run never mixes with another's files.
 */
export function createRunFolder(kind: RunKind, runsDir: string = DEFAULT_RUNS_DIR, atMs: number = Date.now()): string {
  const parent = path.resolve(runsDir);
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch (err) {
    throw Object.assign(new Error(`cannot make the runs dir ${parent} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pick another with --runs-dir DIR, or --no-record`), { code: 'runs-dir' });
  }
  const base = `${runStamp(atMs)}-${kind}`;
  for (let i = 1; i < 1000; i++) {
    const dir = path.join(parent, i === 1 ? base : `${base}-${i}`);
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw Object.assign(new Error(`cannot make the run folder ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pick another --runs-dir, or --no-record`), { code: 'runs-dir' });
      }
    }
  }
  throw Object.assign(new Error(`too many runs named ${base} in ${parent}`), { code: 'runs-dir' });
}

/** What a node writes beside its DB that a run folder keeps: its events and its message trace. */
export const NODE_FILES = ['events.1.ndjson', 'events.ndjson', 'messages.1.ndjson', 'messages.ndjson'] as const;

/**
 * Copies every node's event and trace files into runDir/node-N/. Must run before a temp data
 * dir is removed; a file a node never wrote is skipped. Returns the copied paths, relative.
 */
export function copyNodeFiles(dataDir: string, ids: readonly number[], runDir: string): string[] {
  const copied: string[] = [];
  for (const id of ids) {
    const from = path.join(dataDir, `node-${id}`);
    const to = path.join(runDir, `node-${id}`);
    for (const name of NODE_FILES) {
      const src = path.join(from, name);
      if (!fs.existsSync(src)) continue;
      fs.mkdirSync(to, { recursive: true });
      try {
        fs.copyFileSync(src, path.join(to, name));
        copied.push(path.join(`node-${id}`, name));
      } catch {
        // A file rotated away while we copied: the rest of the run is still worth keeping.
      }
    }
  }
  return copied;
}
