// One supervisor per data dir: DIR/supervisor.pid names the `up` process that owns the nodes.
// A second `up` (or `--fresh`) on a live cluster would fight over the LevelDB locks or wipe
// the data under running nodes; this turns that into one clear line instead.
import fs from 'node:fs';
import path from 'node:path';
import { CliError } from './data-dir.js';

export const LOCK_FILE = 'supervisor.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Throws CliError('busy') when another live supervisor holds dataDir. Returns a release function. */
export function acquireSupervisorLock(dataDir: string): () => void {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : (code ?? String(err));
    throw new CliError('bad-data-dir', `cannot use ${dataDir} as the data dir (${why}); pick another --data-dir`);
  }
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new CliError('busy', `paxos-cli up (pid ${pid}) is already running on ${dataDir}; quit it first, or use another --data-dir (delete ${file} if no such process is paxos-cli)`);
      }
      fs.rmSync(file, { force: true }); // left by a supervisor that died: take it over
    }
  }
  throw new CliError('busy', `cannot take ${file}; remove it if no paxos-cli up is running`);
}
