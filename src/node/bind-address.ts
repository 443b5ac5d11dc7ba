// Which address a node listens on. By default exactly the one the cluster file gives it (a name
// is resolved first, and must be an address of this host), so a node never listens wider than
// its peers expect; `--bind 0.0.0.0` (or `::`) widens it, only when asked. Unauthenticated links
// (--insecure) are for one machine: anything but loopback is refused, since any host that can
// reach the port could then vote.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import os from 'node:os';
import { nodeAddress } from '../cluster/cluster-file.js';
import { canonicalIp, isLoopback } from '../cluster/host-list.js';

export class BindAddressError extends Error {
  readonly code = 'bad-bind-address';
}

export interface BindRequest {
  readonly id: number;
  /** The cluster file's host and port for this node. */
  readonly host: string;
  readonly port: number;
  /** --bind: an IP address of this host, or 0.0.0.0 / :: for every interface. */
  readonly bind?: string | undefined;
  readonly insecure: boolean;
}


const WILDCARDS = new Set(['0.0.0.0', '::']);

/** This host's own addresses, as the kernel lists them (loopback's whole 127/8 counts too). */
export function ownAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((a) => a.address.replace(/%.*$/, ''));
}

function isOwn(ip: string, own: readonly string[]): boolean {
  return isLoopback(ip) || own.some((o) => canonicalIp(o) === canonicalIp(ip));
}

/** This host's addresses for an error line: link-local ones left out, at most a few. */
function listed(own: readonly string[]): string {
  const shown = own.filter((a) => !/^fe80:/i.test(a));
  if (shown.length === 0) return 'none';
  return shown.length > 6 ? `${shown.slice(0, 6).join(', ')}, …` : shown.join(', ');
}

/** The ZeroMQ endpoint to bind; a BindAddressError (one line that says what to do) otherwise. */
export async function chooseBindAddress(req: BindRequest, own: readonly string[] = ownAddresses()): Promise<string> {
  const bind = req.bind;
  if (bind !== undefined) {
    if (isIP(bind) === 0) throw new BindAddressError(`--bind ${bind} is not an IP address; give one of this host's addresses, or 0.0.0.0 (every interface)`);
    if (!WILDCARDS.has(canonicalIp(bind)) && !isOwn(bind, own)) {
      throw new BindAddressError(`--bind ${bind} is not an address of this host (it has ${listed(own)}); give one of them, or 0.0.0.0`);
    }
    if (req.insecure && !isLoopback(bind)) {
      throw new BindAddressError(`--bind ${bind} with --insecure would let any host that reaches the port vote unauthenticated; bind a loopback address, or drop --insecure`);
    }
    return nodeAddress({ host: canonicalIp(bind), port: req.port });
  }
  let ips: string[];
  if (isIP(req.host) !== 0) {
    ips = [req.host];
  } else {
    try {
      // IPv4 first: peers dial a name with ZeroMQ's default (IPv4-only) resolution.
      ips = (await lookup(req.host, { all: true })).map((a) => a.address).sort((a, b) => isIP(a) - isIP(b));
    } catch (err) {
      throw new BindAddressError(`node ${req.id}'s host ${req.host} does not resolve here (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'}); fix the name, or run the node with --bind ADDRESS`);
    }
  }
  const mine = ips.map(canonicalIp).find((ip) => isOwn(ip, own));
  if (mine === undefined) {
    throw new BindAddressError(
      `node ${req.id}'s address ${req.host}${ips[0] !== req.host ? ` (${ips.join(', ')})` : ''} is not an address of this host (it has ${listed(own)}); ` +
        `run node ${req.id} on the host the cluster file names, or fix the cluster file`,
    );
  }
  if (req.insecure && !isLoopback(mine)) {
    throw new BindAddressError(`node ${req.id}'s address ${mine} is not loopback, and --insecure links are unauthenticated; use the cluster's keys (drop --insecure) to run across hosts`);
  }
  return nodeAddress({ host: mine, port: req.port });
}
