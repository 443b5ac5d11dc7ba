// Resident memory of a local process and the size of a directory tree, for the report.
import fs from 'node:fs/promises';
import path from 'node:path';

/** VmRSS of a process on this machine in MiB, or null (not Linux, or not our process). */
export async function rssMiB(pid: number): Promise<number | null> {
  try {
    const text = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
    return m === null ? null : Math.round((Number(m[1]) / 1024) * 10) / 10;
  } catch {
    return null;
  }
}

/** Total bytes of the regular files under dir (what LevelDB keeps on disk). */
export async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirBytes(p);
    else if (e.isFile()) total += (await fs.stat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** User + system CPU seconds a local process has used so far, or null. */
export async function cpuSeconds(pid: number): Promise<number | null> {
  try {
    const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    // USER_HZ is 100 on every Linux build Node runs on.
    return Number.isFinite(ticks) ? ticks / 100 : null;
  } catch {
    return null;
  }
}
