// `paxos-cli init`, the built CLI run for real: what it writes must be what a node and the
// operator later load (ids in --hosts order, each node's folder its own secret only), and what
// it refuses, it refuses with one line and without writing.
import { lookup } from 'node:dns/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClusterFile } from '../../src/cluster/cluster-file.js';
import { showAddress } from '../../src/cluster/host-list.js';
import { readKeyFile } from '../../src/cluster/keys.js';
import { isKeyPair } from '../../src/cluster/x25519.js';
import { validateLine } from '../../src/json/contract.js';

const BIN = path.resolve('bin/paxos-cli.js');
const init = (args: string[]) => execa(process.execPath, [BIN, 'init', ...args], { reject: false, timeout: 30_000 });
let dir = '';
// Which address `localhost` has differs by machine: the test writes it out as found here.
const localhost = await lookup('localhost').then((a) => a.address, () => null);

beforeAll(() => {
  if (!fs.existsSync(path.resolve('dist/cli/main.js'))) throw new Error('run `npm run build` first: the CLI runs from dist/');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-init-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every file under `root`, relative, with its content: to compare a tree before and after. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(root, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

const oneLine = (s: string): string => {
  const lines = s.trim().split('\n');
  expect(lines, s).toHaveLength(1);
  return lines[0]!;
};

describe('init writes a cluster', () => {
  const hosts = '10.0.0.1,10.0.0.2:7005,[fd00::3]:7009,::4';
  const expected = [
    { id: 1, host: '10.0.0.1', port: 7100 },
    { id: 2, host: '10.0.0.2', port: 7005 },
    { id: 3, host: 'fd00::3', port: 7009 },
    { id: 4, host: '::4', port: 7100 },
  ];

  it('that the cluster-file loader reads back, with one folder per node holding its own secret only', async () => {
    const out = path.join(dir, 'roundtrip');
    const r = await init(['--hosts', hosts, '--port', '7100', '--out', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');

    const cluster = loadClusterFile(path.join(out, 'cluster.json'));
    expect(cluster.nodes.map(({ id, host, port }) => ({ id, host, port }))).toEqual(expected);
    expect(cluster.hasRun).toEqual([]);
    expect(cluster.clusterId).toEqual(expect.any(String));

    const operator = readKeyFile(path.join(out, 'keys', 'operator.key'));
    expect(cluster.operatorKeys).toEqual([operator.publicKey]);
    const clusterText = fs.readFileSync(path.join(out, 'cluster.json'), 'utf8');
    const secrets = new Map<string, string>([['operator', operator.secretKey]]);
    for (const n of cluster.nodes) {
      const pair = readKeyFile(path.join(out, `node-${n.id}`, 'keys', `node-${n.id}.key`));
      // The public key derived from the secret, not the one the key file says it has.
      expect(isKeyPair(n.publicKey!, pair.secretKey), `node ${n.id}'s secret`).toBe(true);
      secrets.set(`node-${n.id}`, pair.secretKey);
    }
    expect(new Set(secrets.values()).size).toBe(secrets.size);

    const files = tree(out);
    expect(Object.keys(files).sort()).toEqual(
      ['cluster.json', path.join('keys', 'operator.key'), ...expected.flatMap((n) => [path.join(`node-${n.id}`, 'cluster.json'), path.join(`node-${n.id}`, 'keys', `node-${n.id}.key`)])].sort(),
    );
    for (const [file, text] of Object.entries(files)) {
      if (file.endsWith('cluster.json')) expect(text, file).toBe(clusterText);
      const owner = file.split(path.sep)[0] === 'keys' ? 'operator' : file.split(path.sep)[0]!;
      for (const [who, secret] of secrets) {
        if (who !== owner) expect(text.includes(secret), `${file} holds ${who}'s secret`).toBe(false);
      }
      if (file.endsWith('.key')) expect(fs.statSync(path.join(out, file)).mode & 0o777, file).toBe(0o600);
    }
  });

  it('--json: one line of the contract, naming what it wrote', async () => {
    const out = path.join(dir, 'json');
    const r = await init(['--hosts', hosts, '--port', '7100', '--out', out, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const line = oneLine(r.stdout);
    expect(validateLine(line)).toEqual({ ok: true, schema: 'init' });
    expect(JSON.parse(line)).toEqual({
      cmd: 'init',
      ok: true,
      dir: out,
      clusterFile: path.join(out, 'cluster.json'),
      nodeCount: 4,
      nodes: expected.map((n) => ({ node: n.id, host: n.host, port: n.port, folder: path.join(out, `node-${n.id}`) })),
    });
  });

  it('into an empty folder that exists', async () => {
    const out = path.join(dir, 'empty');
    fs.mkdirSync(out);
    const r = await init(['--hosts', '10.0.0.1,10.0.0.2,10.0.0.3', '--out', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(loadClusterFile(path.join(out, 'cluster.json')).nodes).toHaveLength(3);
  });
});

describe('init refuses', () => {
  it('a non-empty --out, with one line, overwriting nothing', async () => {
    const out = path.join(dir, 'taken');
    expect((await init(['--hosts', '10.0.0.1,10.0.0.2,10.0.0.3', '--out', out])).exitCode).toBe(0);
    const before = tree(out);
    const r = await init(['--hosts', '10.0.0.1,10.0.0.2,10.0.0.3', '--out', out]);
    expect(r.exitCode).toBe(1);
    expect(oneLine(r.stderr)).toBe(`paxos-cli init: ${out} already exists and is not empty; pick another --out (init never overwrites keys)`);
    expect(r.stdout).toBe('');
    expect(tree(out)).toEqual(before);

    const j = await init(['--hosts', '10.0.0.1,10.0.0.2,10.0.0.3', '--out', out, '--json']);
    expect(j.exitCode).toBe(1);
    const line = oneLine(j.stdout);
    expect(validateLine(line)).toEqual({ ok: true, schema: 'init' });
    expect(JSON.parse(line)).toMatchObject({ cmd: 'init', ok: false, exitCode: 1, error: expect.stringMatching(/already exists and is not empty/) });
    expect(tree(out)).toEqual(before);
  });

  it('literal duplicates and bad entries with exit 2, writing nothing', async () => {
    const cases: [string, RegExp][] = [
      ['h1.invalid,H1.invalid,h3.invalid', /^paxos-cli init: nodes 1 and 2 are both h1\.invalid:7001; /],
      ['10.0.0.1,10.0.0.2,10.0.0.1:7001', /^paxos-cli init: nodes 1 and 3 are both 10\.0\.0\.1:7001; /],
      ['10.0.0.1,,10.0.0.3', /^paxos-cli init: an empty host in --hosts; /],
      ['fd00:0:0:0:0:0:0:2:7001', /^paxos-cli init: .* an IPv6 address with a port goes in brackets/],
    ];
    for (const [hosts, message] of cases) {
      const out = path.join(dir, 'never');
      const r = await init(['--hosts', hosts, '--out', out]);
      expect(r.exitCode, hosts).toBe(2);
      expect(oneLine(r.stderr)).toMatch(message);
      expect(fs.existsSync(out), hosts).toBe(false);
    }
    const j = await init(['--hosts', 'h1.invalid,h1.invalid', '--out', path.join(dir, 'never'), '--json']);
    expect(j.exitCode).toBe(2);
    expect(validateLine(oneLine(j.stdout))).toEqual({ ok: true, schema: 'init' });
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, exitCode: 2 });
  });

  it('a usage error with --json: one line of the contract, exit 2', async () => {
    const r = await init(['--out', path.join(dir, 'never'), '--json']);
    expect(r.exitCode).toBe(2);
    expect(validateLine(oneLine(r.stdout))).toEqual({ ok: true, schema: 'init' });
    expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
  });

  it.runIf(localhost !== null)('two entries that resolve to one address, with exit 2, writing nothing', async () => {
    const out = path.join(dir, 'resolved-twice');
    const r = await init(['--hosts', `10.0.0.1:7001,localhost:7001,${showAddress(localhost!, 7001)}`, '--out', out]);
    expect(r.exitCode, r.stderr).toBe(2);
    const shown = showAddress(localhost!, 7001).replace(/[.[\]]/g, '\\$&');
    expect(oneLine(r.stderr)).toMatch(new RegExp(`^paxos-cli init: nodes 2 \\(localhost\\) and 3 \\(${localhost!.replace(/\./g, '\\.')}\\) are both ${shown}; give each node its own host or port$`));
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('init lets through', () => {
  it('a name that does not resolve here, with a note on stderr', async () => {
    const out = path.join(dir, 'unresolved');
    const r = await init(['--hosts', 'node1.invalid,10.0.0.2,10.0.0.3', '--out', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(oneLine(r.stderr)).toBe("paxos-cli init: note: node1.invalid does not resolve here; it must resolve on the cluster's hosts");
    expect(loadClusterFile(path.join(out, 'cluster.json')).nodes[0]).toMatchObject({ id: 1, host: 'node1.invalid', port: 7001 });
  });
});
