// A node's host as this machine resolves it: the addresses to compare (two spellings of one
// address, or a name for this machine's loopback), and whether it resolves here at all.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { canonicalIp } from './host-list.js';

const LOOKUP_TIMEOUT_MS = 3000;

/** Every address `host` has here, canonical; null when it does not resolve (or not in time). */
export async function resolveHost(host: string, timeoutMs = LOOKUP_TIMEOUT_MS): Promise<string[] | null> {
  if (isIP(host) !== 0) return [canonicalIp(host)];
  let timer: NodeJS.Timeout | undefined;
  try {
    const all = await Promise.race([
      lookup(host, { all: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return [...new Set(all.map((a) => canonicalIp(a.address)))];
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
