// Script mode against real node processes (ZeroMQ, LevelDB): `up --json` driven line by line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isPortFree } from '../../src/cluster/free-ports.js';
import { NodeStorage } from '../../src/node/storage.js';

const BIN = path.resolve('bin/paxos-cli.js');
const started: ResultPromise[] = [];
const dirs: string[] = [];

beforeAll(() => {
  if (!fs.existsSync(path.resolve('dist/cli/main.js'))) throw new Error('run `npm run build` first: the CLI runs from dist/');
});

afterEach(async () => {
  for (const p of started.splice(0)) {
    p.kill('SIGTERM');
    await p.catch(() => undefined);
  }
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-cli-script-'));
  dirs.push(d);
  return path.join(d, 'data');
}

/** Processes whose command line mentions dir: the nodes of that cluster, if any survive. */
async function processesUsing(dir: string): Promise<string[]> {
  const r = await execa('ps', ['-eo', 'pid,args'], { reject: false });
  return r.stdout.split('\n').filter((l) => l.includes(dir) && !l.includes('ps -eo'));
}

describe('up --json (script mode)', () => {
  it('runs set/get/kill leader/get/restart/diff with the expected JSON and exits 0', async () => {
    const dataDir = tempDir();
    const proc = execa(process.execPath, [BIN, 'up', '5', '--json', '--data-dir', dataDir], { stdin: 'pipe', reject: false, buffer: { stdout: false } });
    started.push(proc);
    const lines = readline.createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    const send = async (cmd: string): Promise<Record<string, unknown>> => {
      proc.stdin.write(cmd + '\n');
      const next = await lines.next();
      expect(next.done).toBe(false);
      const obj = JSON.parse(next.value as string) as Record<string, unknown>;
      expect(obj.cmd).toBe(cmd);
      return obj;
    };

    const set = await send('set a 1');
    expect(Object.keys(set).sort()).toEqual(['cmd', 'latencyMs', 'leader', 'ok', 'slot']);
    expect(set).toMatchObject({ ok: true, slot: expect.any(Number), leader: expect.any(Number), latencyMs: expect.any(Number) });
    // A read index read: no slot; the state's applied index and the node that answered.
    const read = { ok: true, readMode: 'index', appliedIndex: expect.any(Number), node: expect.any(Number), leader: expect.any(Number), latencyMs: expect.any(Number) };
    expect(await send('get a')).toEqual({ cmd: 'get a', value: '1', ...read });
    expect(await send('get nothing')).toEqual({ cmd: 'get nothing', value: null, ...read });
    // Right after a write, diff waits out a heartbeat: followers learning the commit index is not lag.
    expect(await send('diff')).toMatchObject({ ok: true, conflictCount: 0, lagging: [] });

    const leaderReply = await send('leader');
    expect(Object.keys(leaderReply).sort()).toEqual(['cmd', 'leader', 'ok']);
    const leader = leaderReply.leader as number;
    expect(leader).toBeGreaterThanOrEqual(1);
    expect(leader).toBeLessThanOrEqual(5);

    expect(await send(`kill ${leader}`)).toEqual({ cmd: `kill ${leader}`, ok: true, node: leader });
    // Between leaders: retried inside the CLI until a new leader answers.
    expect(await send('get a')).toMatchObject({ cmd: 'get a', ok: true, value: '1' });
    const set2 = await send('set b 2');
    expect(set2.ok).toBe(true);
    expect(set2.leader).not.toBe(leader);

    const status = await send('status');
    const nodes = status.nodes as { id: number; role: string; alive: boolean }[];
    expect(nodes).toHaveLength(5);
    expect(nodes.find((n) => n.id === leader)).toMatchObject({ alive: false, role: 'down' });

    // A diff while the old leader is down reads its log from its LevelDB.
    const diffDown = await send('diff');
    expect(diffDown).toMatchObject({ ok: true, conflictCount: 0 });
    expect(diffDown.lagging).toEqual(expect.arrayContaining([expect.objectContaining({ node: leader })]));

    expect(await send(`restart ${leader}`)).toEqual({ cmd: `restart ${leader}`, ok: true, node: leader });
    // Stale only if it has not caught up with the leader it knows (it may have by now).
    const local = await send(`get b --local ${leader}`);
    expect(local).toMatchObject({ ok: true, node: leader });
    expect(local.stale === null || typeof local.stale === 'boolean').toBe(true);

    // The restarted node catches up, and followers learn the last commit index from the next
    // heartbeat: diff converges to no lag and one state hash (polled, with a deadline).
    let diff: Record<string, unknown> = {};
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      diff = await send('diff');
      if ((diff.lagging as unknown[]).length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Object.keys(diff).sort()).toEqual(['appliedIndexByNode', 'cmd', 'conflictCount', 'conflictSlots', 'identicalSlotCount', 'lagging', 'ok', 'stateHashByNode', 'unreadable']);
    expect(diff).toMatchObject({ ok: true, conflictCount: 0, lagging: [] });
    // The two sets (and a new leader's no-op, if any): reads by read index take no slot.
    expect(diff.identicalSlotCount).toBeGreaterThanOrEqual(2);
    const hashes = Object.values(diff.stateHashByNode as Record<string, string>);
    expect(hashes).toHaveLength(5);
    expect(new Set(hashes).size).toBe(1);

    proc.stdin.end();
    const result = await proc;
    expect(result.exitCode).toBe(0);
    expect(await processesUsing(dataDir)).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'supervisor.pid'))).toBe(false);
  });

  it('exits non-zero when a command fails, after running the rest; plain lines without --json', async () => {
    const dataDir = tempDir();
    const script = path.join(path.dirname(dataDir), 'script.txt');
    fs.writeFileSync(script, ['set k v', 'frobnicate', 'kill 7', 'kill 2', 'kill 2', 'get k', ''].join('\n'));
    const r = await execa(process.execPath, [BIN, 'up', '3', '--script', script, '--data-dir', dataDir], { reject: false });
    expect(r.exitCode).toBe(1);
    const out = r.stdout.split('\n');
    expect(out).toHaveLength(6);
    expect(out[0]).toMatch(/^OK slot \d+ \(leader n\d, [\d.]+ ms\)$/);
    expect(out[1]).toBe('error: unknown command "frobnicate"; type help for the list');
    expect(out[2]).toBe('error: node 7 does not exist; this cluster has nodes 1 to 3');
    expect(out[3]).toBe('killed node 2 (SIGKILL)');
    expect(out[4]).toBe('error: node 2 is already down; restart 2 starts it');
    expect(out[5]).toMatch(/^v {2}\(read index at n\d, applied \d+, [\d.]+ ms\)$/);
    expect(await processesUsing(dataDir)).toEqual([]);
  });

  it('resumes an existing cluster with its size and its data', async () => {
    const dataDir = tempDir();
    const first = await execa(process.execPath, [BIN, 'up', '3', '--json', '--data-dir', dataDir], { input: 'set keep me\n', reject: false });
    expect(first.exitCode).toBe(0);
    const again = await execa(process.execPath, [BIN, 'up', '5', '--json', '--data-dir', dataDir], { input: 'get keep\nstatus\n', reject: false });
    expect(again.stderr).toMatch(/resuming the 3-node cluster/);
    const [get, status] = again.stdout.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(get).toMatchObject({ cmd: 'get keep', ok: true, value: 'me' });
    expect(status?.nodes).toHaveLength(3);
    expect(again.exitCode).toBe(0);
  });

  it('passes --snapshot-every to the nodes, so even a node that was down holds a snapshot', async () => {
    const dataDir = tempDir();
    const writes = Array.from({ length: 12 }, (_, i) => `set k${i} v${i}`);
    const script = ['kill 3', ...writes, 'restart 3', 'get k11 --local 3', 'diff', ''].join('\n');
    const r = await execa(process.execPath, [BIN, 'up', '3', '--json', '--snapshot-every', '5', '--data-dir', dataDir], { input: script, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = r.stdout.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.at(-1)).toMatchObject({ cmd: 'diff', ok: true, conflictCount: 0 });
    const state = await NodeStorage.open(path.join(dataDir, 'node-3')).then(async (s) => {
      try {
        return await s.load();
      } finally {
        await s.close();
      }
    });
    expect(state.snapshot?.index ?? 0).toBeGreaterThanOrEqual(5);
  });

  it('refuses bad arguments with one line and exit code 2', async () => {
    const r = await execa(process.execPath, [BIN, 'up', '10'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/N must be from 1 to 9/);
  });
});

describe('no orphans', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`the nodes do not outlive a supervisor stopped by ${signal}`, async () => {
      const dataDir = tempDir();
      const proc = execa(process.execPath, [BIN, 'up', '3', '--json', '--data-dir', dataDir], { stdin: 'pipe', reject: false, buffer: { stdout: false } });
      started.push(proc);
      const lines = readline.createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
      proc.stdin.write('leader\n');
      const first = await lines.next();
      expect(JSON.parse(first.value as string)).toMatchObject({ ok: true });
      expect(await processesUsing(dataDir)).toHaveLength(4); // the supervisor and 3 nodes
      if (signal === 'SIGTERM') {
        // A second supervisor on the same data dir is refused, and --fresh does not wipe it.
        const second = await execa(process.execPath, [BIN, 'up', '--fresh', '--data-dir', dataDir], { input: 'leader\n', reject: false });
        expect(second.exitCode).toBe(1);
        expect(second.stderr).toMatch(/^paxos-cli: paxos-cli up \(pid \d+\) is already running on /);
        expect(fs.existsSync(path.join(dataDir, 'node-1'))).toBe(true);
      }
      proc.kill(signal);
      await proc;
      // SIGTERM: the supervisor stops them; SIGKILL: they notice their parent is gone (--parent-pid).
      const deadline = Date.now() + 15_000;
      let left = await processesUsing(dataDir);
      while (left.length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        left = await processesUsing(dataDir);
      }
      expect(left).toEqual([]);
      const cluster = JSON.parse(fs.readFileSync(path.join(dataDir, 'cluster.json'), 'utf8')) as { nodes: { port: number }[] };
      for (const n of cluster.nodes) expect(await isPortFree(n.port)).toBe(true);
    });
  }
});
