// LevelDB without paranoid_checks recovers what it can from a damaged log file, drops the rest,
// and says so only in its info log (<db>/LOG); the next open finds a clean DB with records
// missing. A node that forgot a promise or a vote can let two values be chosen for one slot, so
// the damage found at open must be remembered (the DAMAGED file) and the node refused from then
// on. The log files are hard-linked before each open so the damaged one survives LevelDB's
// cleanup for whoever restores the directory.
import fs from 'node:fs/promises';
import path from 'node:path';

export const DAMAGE_MARKER = 'DAMAGED';
/** What a person can do about a node whose disk lost what it wrote (the node's id, when known). */
export function whatToDo(node?: number): string {
  const id = node === undefined ? 'N' : String(node);
  return `Restore the directory from a backup, or put a new node in its place with replace ${id} (the cluster keeps its data), or start a new cluster with --fresh.`;
}
export const WHAT_TO_DO = whatToDo();
const PRE_OPEN = 'pre-open-';
const KEPT = 'damaged-';
const LEVELDB_FILE = /^(\d+\.(log|ldb|sst)|MANIFEST-\d+|CURRENT)$/;
/** Lines LevelDB writes to LOG when recovery skipped something it could not read. */
const DAMAGE_LINE = /ignoring error|corruption|checksum mismatch|dropping \d+ bytes/i;

export interface DirInspection {
  /** LevelDB files are present (an empty or missing directory has none). */
  readonly hasData: boolean;
  readonly hasCurrent: boolean;
  /**
   * A write-ahead log is present. LevelDB makes a new one at every open and deletes an old one
   * only once its records are in a table, so a DB it wrote always has one: none means the
   * newest writes (votes among them) were deleted, which LevelDB would not notice.
   */
  readonly hasLog: boolean;
  /** The refusal recorded by an earlier open, if any. */
  readonly marker: string | null;
}

export async function inspectDir(dir: string): Promise<DirInspection> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { hasData: false, hasCurrent: false, hasLog: false, marker: null };
    throw err;
  }
  const marker = entries.includes(DAMAGE_MARKER) ? (await fs.readFile(path.join(dir, DAMAGE_MARKER), 'utf8')).trim() : null;
  return { hasData: entries.some((e) => LEVELDB_FILE.test(e)), hasCurrent: entries.includes('CURRENT'), hasLog: entries.some((e) => /^\d+\.log$/.test(e)), marker };
}

/** Hard-links every log file before LevelDB opens (and may delete) it; returns the links. */
export async function linkLogs(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir);
  // Left by a process that died between open and the check: stale, never evidence.
  await Promise.all(entries.filter((e) => e.startsWith(PRE_OPEN)).map((e) => fs.rm(path.join(dir, e), { force: true })));
  const logs = entries.filter((e) => /^\d+\.log$/.test(e));
  await Promise.all(logs.map((e) => fs.link(path.join(dir, e), path.join(dir, PRE_OPEN + e))));
  return logs.map((e) => path.join(dir, PRE_OPEN + e));
}

export async function unlinkAll(files: readonly string[]): Promise<void> {
  await Promise.all(files.map((f) => fs.rm(f, { force: true })));
}

/** What this open's info log says LevelDB skipped while recovering, or null if nothing. */
export async function recoveryDamage(dir: string): Promise<string | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, 'LOG'), 'utf8');
  } catch {
    return null;
  }
  // "2026/12/02-18:54:28.322924 7f6738fbc6c0 (ignoring error) d/000003.log: dropping 25236 bytes; Corruption: checksum mismatch"
  const hit = text.split('\n').find((l) => DAMAGE_LINE.test(l));
  if (hit === undefined) return null;
  return hit.replace(/^\S+ \S+ /, '').replace(/^\(ignoring error\) /, '').trim();
}

/**
 * Keeps the linked logs as damaged-*.log, writes the refusal to DAMAGED so every later open
 * repeats it, and returns it (one line).
 */
export async function recordDamage(dir: string, what: string, links: readonly string[]): Promise<string> {
  const kept: string[] = [];
  for (const link of links) {
    const to = path.join(dir, KEPT + path.basename(link).slice(PRE_OPEN.length));
    await fs.rename(link, to);
    kept.push(to);
  }
  const keptNote = kept.length > 0 ? `The log as it was before this open is kept as ${kept.join(', ')}. ` : '';
  const line = damagedLine(dir, `LevelDB dropped records while recovering it (${what})`, keptNote);
  await fs.writeFile(path.join(dir, DAMAGE_MARKER), line + '\n');
  return line;
}

/** The one-line refusal for a DB that lost or garbled what this node wrote. */
export function damagedLine(dir: string, what: string, note = ''): string {
  return (
    `data dir ${dir} is damaged: ${what}; it may have lost promises or votes this node made, so the node must not ` +
    `vote with what is left (it could let two values be chosen for one slot). ${note}${WHAT_TO_DO}`
  );
}
