// `up` stays zero set-up with CURVE: it makes the keys of a new cluster, adds keys to a cluster
// made before keys existed, keeps secret keys private, and --insecure turns it all off.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, cliTempDirs } from './cli-temp-dirs.js';
import { freePorts } from '../node/harness.js';

const newDir = cliTempDirs('paxos-cli-keys-');
const tempDir = (): string => path.join(newDir(), 'data');

async function up(dataDir: string, input: string, extra: string[] = []) {
  return execa(process.execPath, [BIN, 'up', '3', '--data-dir', dataDir, ...extra], { input, reject: false, timeout: 60_000 });
}

const mode = (file: string): number => fs.statSync(file).mode & 0o777;

describe('CURVE keys made by up', () => {
  it('makes a key pair per node and for the operator, private, with public keys in cluster.json', async () => {
    const dataDir = tempDir();
    const r = await up(dataDir, 'set a 1\nstatus\nget a\n', ['--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout.split('\n')[1]!) as { nodes: { secure: boolean; refusedHandshakeCount: number }[] };
    expect(status.nodes.map((n) => [n.secure, n.refusedHandshakeCount])).toEqual([[true, 0], [true, 0], [true, 0]]);
    const keys = path.join(dataDir, 'keys');
    expect(mode(keys)).toBe(0o700);
    expect(fs.readdirSync(keys).sort()).toEqual(['node-1.key', 'node-2.key', 'node-3.key', 'operator.key']);
    for (const f of fs.readdirSync(keys)) expect(mode(path.join(keys, f)), f).toBe(0o600);
    const text = fs.readFileSync(path.join(dataDir, 'cluster.json'), 'utf8');
    const cluster = JSON.parse(text) as { nodes: { publicKey: string }[]; operatorKeys: string[] };
    expect(cluster.nodes.every((n) => /^.{40}$/.test(n.publicKey))).toBe(true);
    expect(cluster.operatorKeys).toHaveLength(1);
    expect(text).not.toMatch(/secret/i);
    for (const f of fs.readdirSync(keys)) {
      const secret = (JSON.parse(fs.readFileSync(path.join(keys, f), 'utf8')) as { secretKey: string }).secretKey;
      expect(text).not.toContain(secret);
    }

    // Resumed: the same keys, the same data.
    const before = fs.readFileSync(path.join(keys, 'node-1.key'), 'utf8');
    const again = await up(dataDir, 'get a\n');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout.trim()).toMatch(/^1 /);
    expect(fs.readFileSync(path.join(keys, 'node-1.key'), 'utf8')).toBe(before);
  });

  it('gives keys to a cluster made before keys existed', async () => {
    const dataDir = tempDir();
    fs.mkdirSync(dataDir, { recursive: true });
    const ports = await freePorts(3);
    fs.writeFileSync(path.join(dataDir, 'cluster.json'), JSON.stringify({ nodes: ports.map((port, i) => ({ id: i + 1, host: '127.0.0.1', port })) }));
    const r = await up(dataDir, 'set b 2\nget b\nstatus\n', ['--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/"secure":true/);
    const cluster = JSON.parse(fs.readFileSync(path.join(dataDir, 'cluster.json'), 'utf8')) as { nodes: { publicKey?: string }[] };
    expect(cluster.nodes.every((n) => n.publicKey !== undefined)).toBe(true);
  });

  it('refuses a secret key file that others can read, with one line saying how to fix it', async () => {
    const dataDir = tempDir();
    expect((await up(dataDir, 'status\n')).exitCode).toBe(0);
    const file = path.join(dataDir, 'keys', 'operator.key');
    fs.chmodSync(file, 0o644);
    const r = await up(dataDir, 'status\n');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`chmod 600 ${file}`);
  });

  it('--insecure runs without keys and says so', async () => {
    const dataDir = tempDir();
    const r = await up(dataDir, 'set c 3\nstatus\n', ['--insecure']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/links INSECURE/);
    expect(fs.existsSync(path.join(dataDir, 'keys'))).toBe(false);
  });
});
