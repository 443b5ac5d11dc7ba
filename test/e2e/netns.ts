// Hosts for the multi-host test: one network namespace per node, joined by a bridge, with
// addresses of 198.18.0.0/15 (RFC 2544's benchmarking range, routed nowhere). The bridge lives in
// a namespace of its own (the switch), not in the root one: a machine running Docker has
// br_netfilter on and a FORWARD policy of DROP there, which would drop bridged frames, while a
// new namespace starts with no firewall rules. The root namespace joins the switch through one
// more veth pair, with .254, so the operator's commands reach every host as over a LAN.
// Everything made here is named with one random tag and removed by remove(), which also runs on
// the way out of the process if a test dies first.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

export interface TestHosts {
  readonly tag: string;
  /** Host i's address (i from 1). */
  address(i: number): string;
  /** The namespace of host i, for `ip netns exec`. */
  namespace(i: number): string;
  /** Cuts host i off (its link to the bridge goes down), or brings it back. */
  setLink(i: number, up: boolean): void;
  remove(): string[];
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why namespaces cannot be made here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (ip netns, bridges and veth pairs)';
  const probe = `pxprobe${randomBytes(2).toString('hex')}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return null;
  } catch (err) {
    return `ip netns add failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  }
}

export function makeHosts(count: number): TestHosts {
  const tag = randomBytes(2).toString('hex');
  const octet = randomInt(100, 250);
  const sw = `pxs${tag}`;
  const bridge = 'br0';
  const ns = (i: number): string => `pxn${tag}${i}`;
  /** Host i's port on the switch (0: the root namespace's). */
  const port = (i: number): string => `pxp${tag}${i}`;
  const made: string[] = [];
  const remove = (): string[] => {
    const problems: string[] = [];
    // The root namespace's end first: the kernel removes a deleted namespace's veth pairs later.
    try {
      if (made.length > 0) ip('link', 'del', `pxe${tag}0`);
    } catch {
      // Not made yet, or gone with the switch already.
    }
    // Deleting a namespace deletes the veth ends in it, and with them their peers.
    for (const name of made.splice(0).reverse()) {
      try {
        ip('netns', 'del', name);
      } catch (err) {
        problems.push(`netns ${name}: ${String(err)}`);
      }
    }
    return problems;
  };
  process.once('exit', () => void remove());
  /** A veth pair from the switch's port to `inner` in namespace `where` (null: the root one). */
  const wire = (i: number, where: string | null, inner: string, address: string): void => {
    const far = `pxe${tag}${i}`;
    ip('link', 'add', port(i), 'netns', sw, 'type', 'veth', 'peer', 'name', far);
    const at = where === null ? [] : ['-n', where];
    if (where !== null) {
      ip('link', 'set', far, 'netns', where);
      ip(...at, 'link', 'set', far, 'name', inner);
    }
    const dev = where === null ? far : inner;
    ip(...at, 'addr', 'add', `${address}/24`, 'dev', dev);
    ip(...at, 'link', 'set', dev, 'up');
    ip('-n', sw, 'link', 'set', port(i), 'master', bridge);
    ip('-n', sw, 'link', 'set', port(i), 'up');
  };
  try {
    ip('netns', 'add', sw);
    made.push(sw);
    ip('-n', sw, 'link', 'add', bridge, 'type', 'bridge');
    ip('-n', sw, 'link', 'set', bridge, 'up');
    wire(0, null, '', `198.18.${octet}.254`);
    for (let i = 1; i <= count; i++) {
      ip('netns', 'add', ns(i));
      made.push(ns(i));
      ip('-n', ns(i), 'link', 'set', 'lo', 'up');
      wire(i, ns(i), 'eth0', `198.18.${octet}.${i}`);
    }
  } catch (err) {
    remove();
    throw err;
  }
  return {
    tag,
    address: (i) => `198.18.${octet}.${i}`,
    namespace: ns,
    setLink: (i, up) => ip('-n', sw, 'link', 'set', port(i), up ? 'up' : 'down'),
    remove,
  };
}

/** Namespaces and links of this tag still there (for "nothing is left behind"). */
export function leftovers(tag: string): string[] {
  const names = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }) + execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return names.split('\n').filter((l) => l.includes(tag));
}
