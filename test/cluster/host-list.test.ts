// `init --hosts`: what each entry may be, and the one line that says why an entry is refused.
// Only literal duplicates are caught here; two names of one address are init's (it resolves).
import { describe, expect, it } from 'vitest';
import { DEFAULT_NODE_PORT, HostListError, parseHostEntry, parseHostList } from '../../src/cluster/host-list.js';

const refusal = (list: string, port?: number): string => {
  try {
    parseHostList(list, port);
  } catch (err) {
    expect(err).toBeInstanceOf(HostListError);
    expect((err as HostListError).code).toBe('bad-hosts');
    return (err as Error).message;
  }
  throw new Error(`--hosts ${list} was accepted`);
};

describe('--hosts entries', () => {
  it('takes names (lower-cased) and IPv4 addresses, with or without a port, in order', () => {
    expect(parseHostList('db-1.example.com,H2.Example.COM:7002, 10.0.0.3 ,10.0.0.4:9')).toEqual([
      { host: 'db-1.example.com', port: DEFAULT_NODE_PORT },
      { host: 'h2.example.com', port: 7002 },
      { host: '10.0.0.3', port: DEFAULT_NODE_PORT },
      { host: '10.0.0.4', port: 9 },
    ]);
  });

  it('stores one spelling of an IPv6 address (lower case, zeros compressed, IPv4-mapped as IPv4)', () => {
    expect(parseHostList('FD00:0::2,[0:0:0:0:0:0:0:1]:7002,::FFFF:7F00:1').map((e) => e.host)).toEqual(['fd00::2', '::1', '127.0.0.1']);
    expect(refusal('[::ffff:127.0.0.1]:7001,127.0.0.1:7001')).toMatch(/^nodes 1 and 2 are both 127\.0\.0\.1:7001/);
  });

  it('refuses what no other host can dial: a zone, or every address', () => {
    expect(refusal('[fe80::1%eth0]:7001')).toMatch(/link-local address with a zone/);
    expect(refusal('fe80::1%lo')).toMatch(/link-local address with a zone/);
    expect(refusal('0.0.0.0')).toMatch(/is every address, not one.*--bind/);
    expect(refusal('[::]:7001')).toMatch(/is every address, not one/);
  });

  it('refuses dotted numbers that are no IPv4 address, rather than taking them for names', () => {
    expect(refusal('127.1')).toBe('"127.1" is not an IPv4 address (four numbers 0 to 255, e.g. 10.0.0.1)');
    expect(refusal('10.0.0.256:7001')).toMatch(/^"10\.0\.0\.256" is not an IPv4 address/);
  });

  it('takes IPv6 bare (default port) or bracketed (port optional), and stores it without brackets', () => {
    expect(parseHostList('::1,fd00::2,[fd00::3]:7009,[fd00::4]')).toEqual([
      { host: '::1', port: 7001 },
      { host: 'fd00::2', port: 7001 },
      { host: 'fd00::3', port: 7009 },
      { host: 'fd00::4', port: 7001 },
    ]);
  });

  it('reads a bare IPv6 address whole: its last group is never a port', () => {
    // fd00::2:7001 is itself an address; the parser cannot tell, so only brackets give a port.
    expect(parseHostEntry('fd00::2:7001')).toEqual({ host: 'fd00::2:7001', port: 7001 });
  });

  it('gives entries without a port the default port, 7001, or --port', () => {
    expect(DEFAULT_NODE_PORT).toBe(7001);
    expect(parseHostList('h1,h2:7002,::1,[::2]', 9000).map((e) => e.port)).toEqual([9000, 7002, 9000, 9000]);
  });

  it('refuses an empty entry', () => {
    for (const list of ['', 'h1,,h2', 'h1,h2,', ' , h2']) {
      expect(refusal(list), list).toBe('an empty host in --hosts; give one host per node, comma-separated (e.g. h1,h2,h3)');
    }
  });

  it('refuses a port outside 1..65535 or not a number', () => {
    for (const entry of ['h1:0', 'h1:65536', 'h1:x', 'h1:', 'h1:-1', 'h1:7e3', '10.0.0.1:123456', '[::1]:0', '[::1]:']) {
      expect(refusal(entry), entry).toBe(`bad port in "${entry}": a port is 1 to 65535`);
    }
  });

  it('refuses an IPv6 address with a port outside brackets, and says how to write it', () => {
    expect(refusal('fd00:0:0:0:0:0:0:2:7001')).toBe('"fd00:0:0:0:0:0:0:2:7001" is not a host; an IPv6 address with a port goes in brackets: [fd00:0:0:0:0:0:0:2]:7001');
    expect(refusal('fe80::1:99999')).toMatch(/goes in brackets: \[fe80::1\]:99999$/);
  });

  it('refuses brackets around anything but an IPv6 address', () => {
    for (const entry of ['[127.0.0.1]:7001', '[h1]', '[::1', '[::1]x', '[]:7001']) {
      expect(refusal(entry), entry).toBe(`"${entry}" is not an IPv6 address; write it as [::1] or [::1]:7001`);
    }
  });

  it('refuses what is neither a host name nor an IP address', () => {
    const long = 'a'.repeat(64);
    const tooLong = Array.from({ length: 64 }, () => 'abc').join('.'); // 255 characters
    for (const host of ['bad_host', '-h1', 'h1-', 'a..b', '.h1', long, tooLong, 'h1/x', 'h 1']) {
      expect(refusal(`${host}:7001`), host).toBe(`"${host}" is not a host name or an IP address`);
    }
    expect(refusal(':7001')).toBe('"" is not a host name or an IP address');
  });

  it('refuses more nodes than a cluster has', () => {
    const hosts = Array.from({ length: 100 }, (_, i) => `h${i + 1}`).join(',');
    expect(refusal(hosts)).toBe('--hosts names 100 nodes; a cluster has at most 99');
    expect(parseHostList(hosts.split(',').slice(0, 99).join(','))).toHaveLength(99);
  });
});

describe('--hosts duplicates', () => {
  it('refuses one host and port twice, naming both nodes', () => {
    expect(refusal('h1,h2,h1')).toBe('nodes 1 and 3 are both h1:7001; give each node its own host or port (e.g. h1:7001,h1:7002)');
    expect(refusal('10.0.0.1:7002,10.0.0.2,10.0.0.1:7002')).toMatch(/^nodes 1 and 3 are both 10\.0\.0\.1:7002;/);
  });

  it('refuses a name twice whatever its case', () => {
    expect(refusal('h1,H1')).toMatch(/^nodes 1 and 2 are both h1:7001;/);
    expect(refusal('Db.Example.com:7005,db.example.COM:7005')).toMatch(/^nodes 1 and 2 are both db\.example\.com:7005;/);
  });

  it('refuses a default port and the same port written out, or --port and the same', () => {
    expect(refusal('h1,h1:7001')).toMatch(/^nodes 1 and 2 are both h1:7001;/);
    expect(refusal('h1:9000,h1', 9000)).toMatch(/^nodes 1 and 2 are both h1:9000;/);
  });

  it('refuses an IPv6 address twice, bare or bracketed, whatever its case', () => {
    expect(refusal('::1,[::1]:7001')).toMatch(/^nodes 1 and 2 are both \[::1\]:7001;/);
    expect(refusal('[FD00::2],fd00::2')).toMatch(/^nodes 1 and 2 are both \[fd00::2\]:7001;/);
  });

  // Known bug (reported with #14): IPv6 is compared as lower-cased text, not as an address, and
  // init's resolving does not normalise literals either. Drop `.fails` once it is fixed.
  it('refuses one IPv6 address written two ways', () => {
    expect(refusal('::1,0:0:0:0:0:0:0:1')).toMatch(/^nodes 1 and 2 are both /);
  });

  it('takes one host on two ports', () => {
    expect(parseHostList('h1:7001,h1:7002,H1:7003')).toHaveLength(3);
  });
});
