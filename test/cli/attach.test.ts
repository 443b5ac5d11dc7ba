// attach against an `up` it did not start (script mode, real nodes): leaving undoes what the
// session did to the cluster (a pause, a partition), so nobody is left with a frozen or cut
// cluster that status cannot explain; and status/leader fail, for scripts, when nothing answers.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateLine } from '../../src/json/contract.js';

const BIN = path.resolve('bin/paxos-cli.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-cli-attach-'));
const dataDir = path.join(root, 'data');
const clusterFile = path.join(dataDir, 'cluster.json');
const tmp = path.join(root, 'tmp');
let upProc: ChildProcess | null = null;

const cli = (args: string[], input?: string) =>
  execa(process.execPath, [BIN, ...args], { reject: false, timeout: 60_000, env: { TMPDIR: tmp }, ...(input !== undefined ? { input } : {}) });
const jsonOf = (stdout: string): Record<string, unknown>[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => {
      expect(validateLine(l)).toMatchObject({ ok: true });
      return JSON.parse(l) as Record<string, unknown>;
    });

beforeAll(async () => {
  fs.mkdirSync(tmp);
  // up in script mode, its stdin held open: the cluster runs until the pipe closes.
  upProc = spawn(process.execPath, [BIN, 'up', '3', '--data-dir', dataDir], { stdio: ['pipe', 'ignore', 'ignore'] });
  for (let i = 0; i < 200; i++) {
    const r = await cli(['leader', '--cluster', clusterFile, '-w', 'json']);
    if (r.exitCode === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('no leader');
}, 90_000);

afterAll(async () => {
  if (upProc !== null && upProc.exitCode === null) {
    const exited = new Promise((r) => upProc!.once('exit', r));
    upProc.stdin!.end();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (upProc.exitCode === null) upProc.kill('SIGKILL');
  }
  fs.rmSync(root, { recursive: true, force: true });
}, 30_000);

describe('attach, leaving', () => {
  it('resumes what it paused and heals what it cut, says so, and leaves no temp copy', async () => {
    const r = await cli(['attach', clusterFile, '--json'], 'pause\npartition 1 | 2,3\n');
    expect(jsonOf(r.stdout).map((l) => [l.cmd, l.ok])).toEqual([
      ['pause', true],
      ['partition 1 | 2,3', true],
    ]);
    expect(r.stderr).toContain('resumed the nodes this session paused');
    expect(r.stderr).toContain('healed the faults this session set');
    const status = jsonOf((await cli(['status', '--cluster', clusterFile, '-w', 'json'])).stdout)[0] as { nodes: { paused?: boolean; faults?: { groups: unknown } }[] };
    expect(status.nodes.map((n) => [n.paused, n.faults?.groups])).toEqual([
      [false, null],
      [false, null],
      [false, null],
    ]);
    expect((await cli(['set', 'after', 'attach', '--cluster', clusterFile])).exitCode).toBe(0);
    expect(fs.readdirSync(tmp)).toEqual([]);
  }, 90_000);

  it('status names a pause or a partition it did not set', async () => {
    // A session that dies without cleaning up (SIGKILL) is what leaves these behind.
    const a = spawn(process.execPath, [BIN, 'attach', clusterFile, '--json'], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, TMPDIR: tmp } });
    let out = '';
    a.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    a.stdin!.write('partition 1 | 2,3\n');
    for (let i = 0; i < 100 && !out.includes('"ok":true'); i++) await new Promise((r) => setTimeout(r, 100));
    a.kill('SIGKILL');
    await new Promise((r) => a.once('exit', r));
    const status = await cli(['status', '--cluster', clusterFile]);
    expect(status.stdout).toMatch(/n1 enforces faults this terminal did not set: partition 1 \| 2,3; heal clears them/);
    // One-shot heal (and resume) undo what a session that died left behind.
    const heal = await cli(['heal', '--cluster', clusterFile]);
    expect(heal.exitCode, heal.stderr).toBe(0);
    expect((await cli(['resume', '--cluster', clusterFile])).exitCode).toBe(0);
    expect((await cli(['status', '--cluster', clusterFile])).stdout).not.toContain('enforces faults');
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp);
  }, 90_000);
});

describe('the message trace and attach', () => {
  it('a trace found on is left on when attach leaves; one-shot trace off switches it off everywhere', async () => {
    const tracing = async (): Promise<(boolean | undefined)[]> =>
      (jsonOf((await cli(['status', '--cluster', clusterFile, '-w', 'json'])).stdout)[0] as { nodes: { tracing?: boolean }[] }).nodes.map((n) => n.tracing);
    expect(jsonOf((await cli(['trace', 'on', '--cluster', clusterFile, '-w', 'json'])).stdout)[0]).toMatchObject({ ok: true, tracing: true, appliedNodes: [1, 2, 3] });
    const r = await cli(['attach', clusterFile], 'status\n');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('trace');
    expect(await tracing()).toEqual([true, true, true]);
    expect((await cli(['trace', 'off', '--cluster', clusterFile])).exitCode).toBe(0);
    expect(await tracing()).toEqual([false, false, false]);
    expect(fs.readdirSync(tmp)).toEqual([]);
  }, 60_000);
});

describe('one-shot status and leader with nothing to answer', () => {
  it('fail (exit 1, ok false) instead of reporting a cluster that is not there', async () => {
    const dead = path.join(root, 'dead');
    const init = await cli(['init', '--hosts', '127.0.0.1:1,127.0.0.1:2,127.0.0.1:3', '--out', dead]);
    expect(init.exitCode, init.stderr).toBe(0);
    const status = await cli(['status', '--cluster', path.join(dead, 'cluster.json'), '-w', 'json']);
    expect(status.exitCode).toBe(1);
    expect(jsonOf(status.stdout)[0]).toMatchObject({ ok: false, error: 'no node answered (3 of 3 down or unreachable)', nodeCount: 3 });
    const leader = await cli(['leader', '--cluster', path.join(dead, 'cluster.json'), '-w', 'json']);
    expect(leader.exitCode).toBe(1);
    expect(jsonOf(leader.stdout)[0]).toMatchObject({ ok: false, leader: null });
  }, 60_000);
});
