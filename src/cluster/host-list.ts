// `init --hosts H1,H2,H3[:PORT]`: one entry per node, in id order. An entry is a name or an
// IPv4 address with an optional port, or an IPv6 address: bare (`::1`, no port) or bracketed
// (`[::1]:7001`). Parsing is pure; resolving the names (to find two entries that are one
// address) is the caller's, since it needs the network.
import { isIP } from 'node:net';

export const DEFAULT_NODE_PORT = 7001;

export interface HostEntry {
  /** As the cluster file stores it: a name, an IPv4 address, or an IPv6 address without brackets. */
  readonly host: string;
  readonly port: number;
}

export class HostListError extends Error {
  readonly code = 'bad-hosts';
}

// RFC 1123 names: labels of letters, digits and hyphens, dot-separated, at most 253 characters.
const NAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function isHostName(s: string): boolean {
  return hostProblem(s) === null;
}

/** Why `s` cannot be a node's host, or null. */
export function hostProblem(s: string): string | null {
  if (isIP(s) !== 0) {
    // A zone (`%eth0`) names an interface of one host: no other host can dial it.
    if (s.includes('%')) return `"${s}" is a link-local address with a zone; give an address other hosts can reach`;
    if (WILDCARDS.has(canonicalIp(s))) return `"${s}" is every address, not one; give the node's own address (a node binds 0.0.0.0 only with --bind)`;
    return null;
  }
  // All digits and dots is an IPv4 address or nothing: `127.1` and `10.0.0.256` are not names.
  if (/^[\d.]+$/.test(s)) return `"${s}" is not an IPv4 address (four numbers 0 to 255, e.g. 10.0.0.1)`;
  return NAME.test(s) ? null : `"${s}" is not a host name or an IP address`;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

export function isLoopback(ip: string): boolean {
  const c = canonicalIp(ip);
  return c === '::1' || /^127\./.test(c) || /^::ffff:127\./.test(c);
}

/**
 * One spelling per address, so two spellings of one IPv6 address compare equal: lower case,
 * zeros compressed (`FD00:0::2` is `fd00::2`), an IPv4-mapped address dotted (`::ffff:127.0.0.1`).
 * IPv4 addresses and names are returned as they are.
 */
export function canonicalIp(ip: string): string {
  // With a zone it is no address we compare (hostProblem refuses it); URL would throw on it.
  if (isIP(ip) !== 6 || ip.includes('%')) return ip;
  const host = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  // An IPv4-mapped address is that IPv4 address: a socket bound to one is reached by the other.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped === null) return host;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function parsePort(raw: string, entry: string): number {
  const n = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || n < 1 || n > 65535) throw new HostListError(`bad port in "${entry}": a port is 1 to 65535`);
  return n;
}

export function parseHostEntry(raw: string, defaultPort = DEFAULT_NODE_PORT): HostEntry {
  const entry = raw.trim();
  if (entry === '') throw new HostListError('an empty host in --hosts; give one host per node, comma-separated (e.g. h1,h2,h3)');
  if (entry.startsWith('[')) {
    const m = /^\[([^\]]+)\](?::(.*))?$/.exec(entry);
    if (m === null || isIP(m[1]!) !== 6) throw new HostListError(`"${entry}" is not an IPv6 address; write it as [::1] or [::1]:7001`);
    const problem = hostProblem(m[1]!);
    if (problem !== null) throw new HostListError(problem);
    return { host: canonicalIp(m[1]!), port: m[2] === undefined ? defaultPort : parsePort(m[2], entry) };
  }
  if (isIP(entry) === 6) {
    const problem = hostProblem(entry);
    if (problem !== null) throw new HostListError(problem);
    return { host: canonicalIp(entry), port: defaultPort };
  }
  const colon = entry.lastIndexOf(':');
  if (colon !== entry.indexOf(':')) throw new HostListError(`"${entry}" is not a host; an IPv6 address with a port goes in brackets: [${entry.slice(0, colon)}]:${entry.slice(colon + 1)}`);
  const host = colon < 0 ? entry : entry.slice(0, colon);
  const port = colon < 0 ? defaultPort : parsePort(entry.slice(colon + 1), entry);
  const problem = hostProblem(host);
  if (problem !== null) throw new HostListError(problem);
  return { host: host.toLowerCase(), port };
}

/** The entries of `--hosts`, with literal duplicates refused here (resolved ones by the caller). */
export function parseHostList(list: string, defaultPort = DEFAULT_NODE_PORT, maxNodes = 99): HostEntry[] {
  const entries = list.split(',').map((e) => parseHostEntry(e, defaultPort));
  if (entries.length > maxNodes) throw new HostListError(`--hosts names ${entries.length} nodes; a cluster has at most ${maxNodes}`);
  const seen = new Map<string, number>();
  entries.forEach((e, i) => {
    const key = addressKey(e.host, e.port);
    const first = seen.get(key);
    if (first !== undefined) throw new HostListError(`nodes ${first + 1} and ${i + 1} are both ${showAddress(e.host, e.port)}; give each node its own host or port (e.g. h1:7001,h1:7002)`);
    seen.set(key, i);
  });
  return entries;
}

export function showAddress(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export function addressKey(host: string, port: number): string {
  return `${host.toLowerCase()}|${port}`;
}
