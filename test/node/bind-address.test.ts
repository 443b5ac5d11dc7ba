// A node listens exactly where its cluster file says (so never wider than its peers expect),
// and only on this host; --bind widens it on request; --insecure stays on loopback. The unit
// tests pass this host's addresses in; the process test shows a refused node leaves no trace.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { BindAddressError, chooseBindAddress, ownAddresses, type BindRequest } from '../../src/node/bind-address.js';
import { TestCluster, waitFor } from './harness.js';

const OWN = ['10.1.2.3', 'fd00::2'];
const req = (r: Partial<BindRequest>): BindRequest => ({ id: 1, host: '10.1.2.3', port: 7001, insecure: false, ...r });
const refusal = async (r: Partial<BindRequest>, own: readonly string[] = OWN): Promise<string> => {
  const err = await chooseBindAddress(req(r), own).then(() => null, (e: unknown) => e);
  expect(err, JSON.stringify(r)).toBeInstanceOf(BindAddressError);
  return (err as Error).message;
};

describe('chooseBindAddress', () => {
  it("binds the cluster file's address when it is this host's (loopback always is)", async () => {
    expect(await chooseBindAddress(req({}), OWN)).toBe('tcp://10.1.2.3:7001');
    expect(await chooseBindAddress(req({ host: 'fd00::2', port: 7009 }), OWN)).toBe('tcp://[fd00::2]:7009');
    expect(await chooseBindAddress(req({ host: '127.0.0.5' }), [])).toBe('tcp://127.0.0.5:7001');
    expect(await chooseBindAddress(req({ host: '::1' }), [])).toBe('tcp://[::1]:7001');
  });

  it("refuses an address that is not this host's, saying which it has and what to do", async () => {
    expect(await refusal({ id: 3, host: '192.0.2.1' })).toBe(
      "node 3's address 192.0.2.1 is not an address of this host (it has 10.1.2.3, fd00::2); run node 3 on the host the cluster file names, or fix the cluster file",
    );
    expect(await refusal({ host: 'fd00::9' })).toMatch(/^node 1's address fd00::9 is not an address of this host/);
  });

  it('resolves a name, and binds the address it resolves to', async () => {
    // localhost is loopback wherever it resolves: 127.x or ::1, IPv4 first.
    expect(await chooseBindAddress(req({ host: 'localhost' }), [])).toMatch(/^tcp:\/\/(127\.\d+\.\d+\.\d+|\[::1\]):7001$/);
    expect(await refusal({ host: 'nowhere.invalid' })).toMatch(/^node 1's host nowhere\.invalid does not resolve here \(\w+\); fix the name, or run the node with --bind ADDRESS$/);
  });

  it('widens to every interface only with --bind 0.0.0.0 or ::, wherever the cluster file points', async () => {
    expect(await chooseBindAddress(req({ host: '192.0.2.1', bind: '0.0.0.0' }), OWN)).toBe('tcp://0.0.0.0:7001');
    expect(await chooseBindAddress(req({ host: '192.0.2.1', bind: '::' }), OWN)).toBe('tcp://[::]:7001');
    expect(await chooseBindAddress(req({ host: 'nowhere.invalid', bind: '10.1.2.3' }), OWN)).toBe('tcp://10.1.2.3:7001');
  });

  it('refuses a --bind that is a name or not this host', async () => {
    expect(await refusal({ bind: 'localhost' })).toBe('--bind localhost is not an IP address; give one of this host\'s addresses, or 0.0.0.0 (every interface)');
    expect(await refusal({ bind: '10.9.9.9' })).toBe('--bind 10.9.9.9 is not an address of this host (it has 10.1.2.3, fd00::2); give one of them, or 0.0.0.0');
  });

  it('with --insecure, refuses anything but loopback, from the cluster file or --bind', async () => {
    expect(await refusal({ insecure: true })).toBe(
      "node 1's address 10.1.2.3 is not loopback, and --insecure links are unauthenticated; use the cluster's keys (drop --insecure) to run across hosts",
    );
    for (const bind of ['0.0.0.0', '::', '10.1.2.3']) {
      expect(await refusal({ insecure: true, host: '127.0.0.1', bind }), bind).toMatch(new RegExp(`^--bind ${bind.replace(/\./g, '\\.')} with --insecure would let any host that reaches the port vote unauthenticated`));
    }
    expect(await chooseBindAddress(req({ insecure: true, host: '127.0.0.1' }), OWN)).toBe('tcp://127.0.0.1:7001');
    expect(await chooseBindAddress(req({ insecure: true, host: 'localhost' }), OWN)).toMatch(/^tcp:\/\/(127\.|\[::1\])/);
    expect(await chooseBindAddress(req({ insecure: true, host: '10.1.2.3', bind: '127.0.0.1' }), OWN)).toBe('tcp://127.0.0.1:7001');
  });

  // Known bug (reported with #14): IPv6 addresses are compared as text, so this host's own
  // address in capitals or uncompressed is refused (init stores [FD00::2] as written). Drop
  // `.fails` once they are compared as addresses.
  it('takes an IPv6 address of this host in any of its spellings', async () => {
    expect(await chooseBindAddress(req({ host: 'FD00::2' }), OWN)).toMatch(/^tcp:\/\/\[fd00::2\]:7001$/i);
    expect(await chooseBindAddress(req({ host: '0:0:0:0:0:0:0:1' }), [])).toMatch(/^tcp:\/\/\[(::1|0:0:0:0:0:0:0:1)\]:7001$/);
  });

  it('takes this host\'s addresses from the kernel by default', async () => {
    expect(ownAddresses()).toContain('127.0.0.1');
    expect(await chooseBindAddress(req({ host: '127.0.0.1' }))).toBe('tcp://127.0.0.1:7001');
  });
});

describe('a node whose cluster-file address is not this host', () => {
  let cluster: TestCluster | null = null;
  afterEach(async () => {
    await cluster?.cleanup();
    cluster = null;
  });

  it('exits 2 with one line saying so, and creates nothing in its data dir', async () => {
    // TEST-NET addresses route nowhere; one this host happens to hold would not do.
    const foreign = ['192.0.2.1', '198.51.100.1', '203.0.113.1'].find((a) => !ownAddresses().includes(a))!;
    cluster = await TestCluster.create({ size: 3 });
    const c = cluster;
    const file = JSON.parse(fs.readFileSync(c.clusterFile, 'utf8')) as { nodes: { id: number; host: string }[] };
    file.nodes[0]!.host = foreign;
    fs.writeFileSync(c.clusterFile, JSON.stringify(file));
    const before = fs.readdirSync(c.dir).sort();

    const proc = c.spawn(1);
    await waitFor('node 1 to exit', () => proc.exit !== null, 20_000);
    expect(proc.exit?.code, proc.stderr).toBe(2);
    expect(proc.events.some((e) => e.event === 'ready')).toBe(false);
    const lines = proc.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^paxos-cli node 1: node 1's address ${foreign.replace(/\./g, '\\.')} is not an address of this host \\(it has .*\\); run node 1 on the host`));
    expect(fs.existsSync(c.dataDir(1)), 'the refused node created its data dir').toBe(false);
    expect(fs.readdirSync(c.dir).sort()).toEqual(before);

    // The same cluster file starts a node whose address is this host's: the refusal was the address.
    await c.start(2);
  });
});
