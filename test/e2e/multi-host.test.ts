// A cluster across hosts: three network namespaces on a bridge, one node each, started with the
// container image's own entry command (the Dockerfile's ENTRYPOINT, /app being this checkout)
// and the folders `init` wrote. From the root namespace, as an operator on another machine:
// one-shot commands, `attach`, and a write load while one host's link is cut; after it heals,
// every acknowledged write is there and `diff` finds 0 conflicts. Then a fourth host joins with
// `add --host`: the folder add writes is all it is given. Root only: skipped elsewhere with the
// reason; CI runs as root and must run it.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClusterFile } from '../../src/cluster/cluster-file.js';
import { openClusterClient, type ClusterClient } from '../../src/cluster/cluster-client.js';
import { operatorAuth } from '../../src/cluster/data-dir.js';
import { validateLine } from '../../src/json/contract.js';
import { nodeCommandHere } from '../deploy/dockerfile.js';
import { leftovers, makeHosts, netnsUnavailable, type TestHosts } from './netns.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'paxos-cli.js');
const NODES = 3;
/** The host `add --host` places a node on: a namespace of its own, in no cluster file yet. */
const ADDED = NODES + 1;

const unavailable = netnsUnavailable();
if (unavailable !== null) {
  if (process.env.CI === 'true') throw new Error(`the multi-host test must run in CI, but ${unavailable}`);
  console.warn(`skipping the multi-host test: ${unavailable}`);
}

function cli(args: string[], timeoutMs = 30_000, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A one-shot command's JSON line, checked against the JSON contract. */
function oneshot(clusterFile: string, words: string[]): Record<string, unknown> {
  const r = cli([...words, '--cluster', clusterFile, '-w', 'json']);
  const line = r.stdout.trim();
  const v = validateLine(line);
  expect(v.ok ? null : `${v.problem} in ${line} (stderr: ${r.stderr})`).toBeNull();
  return JSON.parse(line) as Record<string, unknown>;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

describe.skipIf(unavailable !== null)('a cluster across network namespaces, a host each', () => {
  let hosts: TestHosts | null = null;
  let dir = '';
  let clusterFile = '';
  const nodes = new Map<number, { proc: ChildProcess; stderr: string[] }>();

  /** Node `id` in its namespace, from its folder as init or add wrote it (the image's entry command). */
  const startNode = (id: number, folder: string): void => {
    const proc = spawn('ip', ['netns', 'exec', hosts!.namespace(id), ...nodeCommandHere(), '--id', String(id), '--cluster', path.join(folder, 'cluster.json'), '--data-dir', path.join(folder, 'data')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderr: string[] = [];
    proc.stdout!.resume();
    proc.stderr!.on('data', (b: Buffer) => stderr.push(b.toString()));
    nodes.set(id, { proc, stderr });
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-multihost-'));
    hosts = makeHosts(ADDED);
    const h = hosts;
    const out = path.join(dir, 'cluster');
    const init = cli(['init', '--hosts', Array.from({ length: NODES }, (_, i) => h.address(i + 1)).join(','), '--out', out, '--json']);
    expect(init.code, init.stderr).toBe(0);
    clusterFile = path.join(out, 'cluster.json');
    for (let id = 1; id <= NODES; id++) startNode(id, path.join(out, `node-${id}`));
    await until('a leader', () => {
      const r = cli(['leader', '--cluster', clusterFile, '-w', 'json']);
      const leader = r.code === 0 ? (JSON.parse(r.stdout) as { leader: number | null }).leader : null;
      return leader ?? undefined;
    }, 40_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; node stderr: ${[...nodes.values()].map((n) => n.stderr.join('')).join(' | ')}`);
    });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(
      [...nodes.values()].map(
        ({ proc }) =>
          new Promise<void>((resolve) => {
            if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
            proc.once('exit', () => resolve());
            proc.kill('SIGKILL');
          }),
      ),
    );
    const problems = hosts?.remove() ?? [];
    const tag = hosts?.tag;
    // The kernel tears a deleted namespace's devices down in the background: give it a moment.
    const left = tag === undefined ? [] : await until('the namespaces and links to go', () => (leftovers(tag).length === 0 ? [] : undefined), 5000).catch(() => leftovers(tag));
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
    expect(problems).toEqual([]);
    expect(left, 'no namespace or link of the test is left').toEqual([]);
  }, 30_000);

  it('each node binds its own host address and nothing wider', () => {
    for (let id = 1; id <= NODES; id++) {
      const listening = execFileSync('ip', ['netns', 'exec', hosts!.namespace(id), 'ss', '-ltnH'], { encoding: 'utf8' });
      expect(listening).toContain(`${hosts!.address(id)}:7001`);
      expect(listening).not.toMatch(/(0\.0\.0\.0|\*|\[::\]):7001/);
    }
  });

  it('one-shot commands from another host follow the JSON contract', () => {
    expect(oneshot(clusterFile, ['set', 'colour', 'blue'])).toMatchObject({ cmd: 'set colour blue', ok: true });
    expect(oneshot(clusterFile, ['get', 'colour'])).toMatchObject({ ok: true, value: 'blue' });
    const status = oneshot(clusterFile, ['status']) as { ok: boolean; nodes: { id: number; role: string }[] };
    expect(status.ok).toBe(true);
    expect(status.nodes.map((n) => n.role).filter((r) => r === 'leader')).toHaveLength(1);
    expect(oneshot(clusterFile, ['diff'])).toMatchObject({ ok: true, conflictCount: 0, unreadable: [] });
    // The table form is the REPL's words.
    expect(cli(['get', 'colour', '--cluster', clusterFile]).stdout).toMatch(/^blue\s/);
  });

  it('attach drives the cluster and refuses what needs the node process', () => {
    const script = path.join(dir, 'attach.paxos');
    // attach's temp copy goes here, so "nothing left behind" is this test's alone.
    const attachTmp = path.join(dir, 'tmp');
    fs.mkdirSync(attachTmp);
    fs.writeFileSync(script, 'set shape round\nget shape\nkill 1\nstatus\nlogs 2\ndiff\nquit\n');
    const r = cli(['attach', clusterFile, '--script', script, '--json'], 60_000, { TMPDIR: attachTmp });
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const l of r.stdout.trim().split('\n')) expect(validateLine(l)).toMatchObject({ ok: true });
    expect(lines.map((l) => [l.cmd, l.ok])).toEqual([
      ['set shape round', true],
      ['get shape', true],
      ['kill 1', false],
      ['status', true],
      ['logs 2', true],
      ['diff', true],
      ['quit', true],
    ]);
    expect(String(lines[2]!.error)).toMatch(/stop 1 asks it to exit/);
    expect(r.code).toBe(1);
    expect(fs.readdirSync(attachTmp), 'attach removed its temp copy').toEqual([]);
  }, 90_000);

  it('a host cut off under a write load loses no acknowledged write, and diff is clean after it heals', async () => {
    const cluster = loadClusterFile(clusterFile);
    const client: ClusterClient = await openClusterClient(cluster, { clientId: `multihost-${process.pid}`, auth: operatorAuth(clusterFile, cluster) });
    const acked = new Map<string, string>();
    const ackedAt: number[] = [];
    let stop = false;
    let n = 0;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const i = n++;
        const key = `w-${String(i).padStart(6, '0')}`;
        try {
          await client.set(key, `v${i}`, { timeoutMs: 2000 });
          acked.set(key, `v${i}`);
          ackedAt.push(Date.now());
        } catch {
          // Unknown or refused: not acknowledged, so nothing is owed.
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const leader = (oneshot(clusterFile, ['leader']) as { leader: number }).leader;
    const workers = Array.from({ length: 4 }, () => worker());
    try {
      await new Promise((r) => setTimeout(r, 2000));
      const cutAt = Date.now();
      hosts!.setLink(leader, false);
      await new Promise((r) => setTimeout(r, 8000));
      hosts!.setLink(leader, true);
      const healedAt = Date.now();
      // The two hosts still joined elected a leader and went on acknowledging writes.
      expect(ackedAt.filter((t) => t > cutAt + 500 && t < healedAt).length, 'writes acknowledged while the leader was cut off').toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    expect(acked.size).toBeGreaterThan(50);
    const diff = await until(
      'every node to hold the same log',
      () => {
        const d = oneshot(clusterFile, ['diff']) as { conflictCount: number; lagging: unknown[]; unreadable: unknown[]; stateHashByNode: Record<string, string> };
        return d.lagging.length === 0 && d.unreadable.length === 0 ? d : undefined;
      },
      30_000,
    );
    expect(diff.conflictCount).toBe(0);
    expect(new Set(Object.values(diff.stateHashByNode)).size).toBe(1);
    // Every acknowledged write is there, read linearizably, page by page.
    const found = new Map<string, string>();
    let after: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const r = await client.range('w-', { limit: 1000, ...(after !== undefined ? { after } : {}) });
      for (const [k, v] of r.entries) found.set(k, v);
      if (!r.more || r.entries.length === 0) break;
      after = r.entries[r.entries.length - 1]![0];
    }
    await client.close();
    const lost = [...acked].filter(([k, v]) => found.get(k) !== v);
    expect(lost, 'acknowledged writes missing after the heal').toEqual([]);
  }, 120_000);

  it('add --host puts a node on a fourth host, from the folder it writes, and makes it a voter', async () => {
    const h = hosts!;
    const out = path.dirname(clusterFile);
    // Refused with one line, nothing written: a cluster across hosts needs to be told where.
    const bare = cli(['add', '--cluster', clusterFile]);
    expect(bare.code).toBe(1);
    expect(bare.stdout + bare.stderr).toMatch(/this cluster's nodes run on other hosts; say where the new node will run: add --host HOST\[:PORT\]/);
    const loop = cli(['add', '--host', '127.0.0.1', '--cluster', clusterFile]);
    expect(loop.stdout + loop.stderr).toMatch(/127\.0\.0\.1 is this machine's loopback/);
    expect(loadClusterFile(clusterFile).nodes.map((n) => n.id)).toEqual([1, 2, 3]);

    const add = spawn(process.execPath, [BIN, 'add', '--host', h.address(ADDED), '--cluster', clusterFile, '-w', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    add.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    add.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number>((resolve) => add.once('exit', (code) => resolve(code ?? -1)));
    try {
      // What the person at the new host does: take the folder add wrote and start the node.
      const folder = path.join(out, `node-${ADDED}`);
      await until('add to say where the folder is and how to start the node', () => (/copy .*node-4\/ to .*paxos-cli node --id 4/.test(stderr) ? true : undefined), 30_000);
      expect(fs.readdirSync(folder).sort()).toEqual(['cluster.json', 'keys']);
      expect(fs.readdirSync(path.join(folder, 'keys'))).toEqual([`node-${ADDED}.key`]);
      expect(fs.existsSync(path.join(out, 'keys', `node-${ADDED}.key`)), "the new node's secret stays in its folder only").toBe(false);
      startNode(ADDED, folder);
      const code = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-2), 60_000))]);
      expect(code, `add: ${stdout} ${stderr}`).toBe(0);
    } finally {
      add.kill();
    }
    const line = stdout.trim();
    expect(validateLine(line)).toMatchObject({ ok: true });
    expect(JSON.parse(line)).toMatchObject({ cmd: `add --host ${h.address(ADDED)}`, ok: true, node: ADDED, host: h.address(ADDED), port: 7001, inForce: { voterNodes: [1, 2, 3, ADDED], learnerNodes: [] } });
    const file = loadClusterFile(clusterFile);
    expect(file.nodes.find((n) => n.id === ADDED)).toMatchObject({ host: h.address(ADDED), port: 7001, member: 'voter' });
    const listening = execFileSync('ip', ['netns', 'exec', h.namespace(ADDED), 'ss', '-ltnH'], { encoding: 'utf8' });
    expect(listening).toContain(`${h.address(ADDED)}:7001`);
    // A voter of the cluster: the operator reaches it, and it holds what the others chose.
    expect(oneshot(clusterFile, ['set', 'joined', 'four'])).toMatchObject({ ok: true });
    await until(`node ${ADDED} to hold the write`, () => {
      const r = cli(['get', 'joined', '--local', String(ADDED), '--cluster', clusterFile, '-w', 'json']);
      return r.code === 0 && (JSON.parse(r.stdout) as { value?: string }).value === 'four' ? true : undefined;
    }, 10_000);
    const diff = await until('every node to hold the same log', () => {
      const d = oneshot(clusterFile, ['diff']) as { conflictCount: number; lagging: unknown[]; unreadable: unknown[]; nodes?: unknown };
      return d.lagging.length === 0 && d.unreadable.length === 0 ? d : undefined;
    }, 20_000);
    expect(diff.conflictCount).toBe(0);
    const members = oneshot(clusterFile, ['members']) as { nodes: { node: number; member: string }[] };
    expect(members.nodes.find((n) => n.node === ADDED)).toMatchObject({ member: 'voter' });
  }, 120_000);
});
