// `paxos-cli logs N` from a second terminal, against real node processes writing their
// events.ndjson: the whole log, the JSON lines, a wrong node id, and --follow across a restart.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from '../node/harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'paxos-cli.js');

let cluster: TestCluster | null = null;
const children: ReturnType<typeof spawn>[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await cluster?.cleanup();
  cluster = null;
});

const logs = (...args: string[]) => spawnSync(process.execPath, [BIN, 'logs', ...args], { encoding: 'utf8', timeout: 20_000 });

describe('paxos-cli logs', () => {
  it('prints a node\'s whole log, as text or JSON lines; a wrong id says what exists', async () => {
    cluster = await TestCluster.create({ size: 3 });
    await cluster.startAll();
    const client = cluster.client();
    const leader = await cluster.waitForLeader(client);
    await client.set('color', 'blue');

    const text = logs(String(leader), '--data-dir', cluster.dir);
    expect(text.stderr).toBe('');
    expect(text.status).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(l).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}\S/);
    expect(text.stdout).toMatch(/ready :\d+/);
    expect(text.stdout).toMatch(/leader/);

    const json = logs(String(leader), '--data-dir', cluster.dir, '--json');
    expect(json.status).toBe(0);
    const objs = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.length).toBe(lines.length);
    for (const o of objs) {
      expect(o).toMatchObject({ cmd: 'logs', ok: true, node: leader });
      expect(typeof o.atMs).toBe('number');
      expect(() => JSON.parse(o.line as string)).not.toThrow();
    }

    const bad = logs('9', '--data-dir', cluster.dir);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/node 9 (does not exist|has no log yet)/);
  }, 60_000);

  it('--follow keeps printing across a restart of the node, until Ctrl-C', async () => {
    cluster = await TestCluster.create({ size: 3 });
    await cluster.startAll();
    await cluster.waitForLeader(cluster.client());
    const follow = spawn(process.execPath, [BIN, 'logs', '2', '--follow', '--data-dir', cluster.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(follow);
    let out = '';
    follow.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await waitFor('the first ready line', () => /ready :\d+/.test(out), 10_000);
    const readies = () => out.match(/ready :\d+/g)?.length ?? 0;
    const before = readies();

    await cluster.kill(2, 'SIGTERM');
    await cluster.start(2);
    await waitFor('the ready line of the restarted node', () => readies() > before, 15_000);

    const exited = new Promise<number | null>((r) => follow.on('exit', (code) => r(code)));
    follow.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 60_000);
});
