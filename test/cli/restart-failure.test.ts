// `restart N` and the initial start of `up` report a node that exits during its start, with its
// exit code and its one-line reason, and the script then exits non-zero. Real nodes (ZeroMQ,
// LevelDB) driven through `up --json` on piped stdin.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/paxos-cli.js');
const started: ResultPromise[] = [];
const servers: net.Server[] = [];
const dirs: string[] = [];

beforeAll(() => {
  if (!fs.existsSync(path.resolve('dist/cli/main.js'))) throw new Error('run `npm run build` first: the CLI runs from dist/');
});

afterEach(async () => {
  for (const p of started.splice(0)) {
    p.kill('SIGTERM');
    await p.catch(() => undefined);
  }
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-cli-restart-'));
  dirs.push(d);
  return path.join(d, 'data');
}

const LOST = (dir: string, id: number): string =>
  `node ${id} exited during its start (exit code 1): data dir ${path.join(dir, `node-${id}`)} is missing or empty, but node ${id} has run ` +
  'in this cluster before; a node that lost its disk must not vote again under its old identity (it could let two values be chosen ' +
  'for one slot). Restore the directory from a backup, or put a new node in its place with replace ' +
  `${id} (the cluster keeps its data), or start a new cluster with --fresh.`;

describe('restart reports a node that exits during its start', () => {
  it('fails restart of a node whose data dir was wiped, and of one whose port is taken; the script exits 1', async () => {
    const dataDir = tempDir();
    const proc = execa(process.execPath, [BIN, 'up', '3', '--json', '--data-dir', dataDir], { stdin: 'pipe', reject: false, buffer: { stdout: false } });
    started.push(proc);
    const lines = readline.createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    const send = async (cmd: string): Promise<Record<string, unknown>> => {
      proc.stdin.write(cmd + '\n');
      const next = await lines.next();
      expect(next.done).toBe(false);
      return JSON.parse(next.value as string) as Record<string, unknown>;
    };
    expect(await send('set a 1')).toMatchObject({ ok: true });
    const cluster = JSON.parse(fs.readFileSync(path.join(dataDir, 'cluster.json'), 'utf8')) as { hasRun: number[]; clusterId: string; nodes: { port: number }[] };
    expect(cluster.hasRun).toEqual([1, 2, 3]);
    expect(cluster.clusterId).toMatch(/^[0-9a-f-]{36}$/);

    expect(await send('kill 3')).toMatchObject({ ok: true });
    fs.rmSync(path.join(dataDir, 'node-3'), { recursive: true, force: true });
    expect(await send('restart 3')).toEqual({ cmd: 'restart 3', ok: false, error: LOST(dataDir, 3), node: 3, exitCode: 1 });
    expect(fs.existsSync(path.join(dataDir, 'node-3')), 'the refused node created no DB').toBe(false);

    expect(await send('kill 2')).toMatchObject({ ok: true });
    const port = cluster.nodes[1]!.port;
    // The other nodes keep dialing node 2's port: drop them, or close() would wait for them.
    const squatter = net.createServer((socket) => socket.destroy());
    servers.push(squatter);
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    const taken = await send('restart 2');
    expect(taken).toMatchObject({ cmd: 'restart 2', ok: false, node: 2, exitCode: 1 });
    expect(taken.error).toBe(
      `node 2 exited during its start (exit code 1): cannot listen on tcp://127.0.0.1:${port}: EADDRINUSE ` +
        '(another process holds the port; stop it, or give this node another port in the cluster file)',
    );
    await new Promise((r) => squatter.close(r));
    expect(await send('restart 2')).toEqual({ cmd: 'restart 2', ok: true, node: 2 });
    expect(await send('get a')).toMatchObject({ ok: true, value: '1' });

    proc.stdin.end();
    expect((await proc).exitCode).toBe(1);
  });

  it('reports a node of the initial start that refuses its lost data dir, in plain script mode, and exits 1', async () => {
    const dataDir = tempDir();
    const first = await execa(process.execPath, [BIN, 'up', '3', '--json', '--data-dir', dataDir], { input: 'set keep me\n', reject: false });
    expect(first.exitCode, first.stderr).toBe(0);
    fs.rmSync(path.join(dataDir, 'node-1'), { recursive: true, force: true });
    const again = await execa(process.execPath, [BIN, 'up', '--data-dir', dataDir], { input: 'get keep\nrestart 1\n', reject: false });
    expect(again.stderr).toContain(`paxos-cli: ${LOST(dataDir, 1)}\n`);
    // The other two are a majority: the cluster serves on without node 1.
    expect(again.stdout.split('\n')).toEqual([expect.stringMatching(/^me {2}\(read index/), `error: ${LOST(dataDir, 1)}`]);
    expect(again.exitCode).toBe(1);
  });
});
