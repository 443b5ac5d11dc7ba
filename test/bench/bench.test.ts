// A short real bench (3 node processes, ZeroMQ, LevelDB) checking only that the counts are
// honest: every write the bench counted as acknowledged is readable afterwards. Speed is not
// asserted: this machine is shared.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LatencyRecorder, nearestRank } from '../../src/bench/latency-recorder.js';
import { parseBenchArgs } from '../../src/bench/bench-command.js';
import { makeValue } from '../../src/bench/workload.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'paxos-cli.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('latency recorder', () => {
  it('uses nearest-rank percentiles over every sample', () => {
    const r = new LatencyRecorder();
    for (let i = 100; i >= 1; i--) r.record(i);
    const s = r.summary(2);
    expect(s).toEqual({ ops: 100, opsPerSec: 50, p50Ms: 50, p95Ms: 95, p99Ms: 99, maxMs: 100 });
    expect(nearestRank(new Float64Array([7]), 0.99)).toBe(7);
    expect(new LatencyRecorder().summary(1)).toEqual({ ops: 0, opsPerSec: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 });
  });

  it('makes values of exactly the asked size', () => {
    expect(makeValue(3, 17, 100)).toHaveLength(100);
    expect(makeValue(3, 17, 2)).toHaveLength(2);
  });
});

describe('bench options', () => {
  it('refuses bad input with one line and exit code 2', () => {
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (writes.push(s), true)) as typeof process.stderr.write;
    try {
      expect(parseBenchArgs(['--target', 'etcd'])).toBe(2);
      expect(parseBenchArgs(['--clients', '0'])).toBe(2);
      expect(parseBenchArgs(['--read-ratio', '1.5'])).toBe(2);
      expect(parseBenchArgs(['--trace', '--cluster', 'paxos-data/cluster.json'])).toBe(2);
    } finally {
      process.stderr.write = orig;
    }
    expect(writes.join('')).toContain('--endpoints');
    expect(writes.every((w) => w.trimEnd().split('\n').length === 1)).toBe(true);
    expect(writes.join('')).toContain('--trace applies to the bench\'s own paxos cluster');
    expect(parseBenchArgs(['--clients', '4', '--read-ratio', '0.5'])).toMatchObject({ clients: 4, readRatio: 0.5, valueSize: 100, nodes: 5 });
    // No trace unless --trace; --no-trace (the old way to turn it off) is still taken.
    expect((parseBenchArgs([]) as { trace?: boolean }).trace).toBeUndefined();
    expect(parseBenchArgs(['--trace'])).toMatchObject({ trace: true });
    expect(parseBenchArgs(['--no-trace'])).toMatchObject({ trace: false });
  });
});

describe('paxos-cli bench (3 real nodes)', () => {
  let child: ChildProcess | null = null;

  /** Runs bench (kept in `child`, so afterEach can kill it), with everything it printed. */
  async function runBench(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((resolve) => child!.on('exit', (c) => resolve(c)));
    return { code, out, err };
  }
  let dir: string | null = null;
  let nodePids: number[] = [];

  afterEach(async () => {
    if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // The nodes watch their parent (--parent-pid) and leave when it is gone; make sure of it.
    for (const pid of nodePids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (dir !== null) await rm(dir, { recursive: true, force: true });
    child = null;
    dir = null;
    nodePids = [];
  });

  it('counts only acknowledged writes, and each key reads back as its last acknowledged write', async () => {
    expect(existsSync(path.join(ROOT, 'dist', 'bench', 'bench-command.js')), 'run `npm run build` first').toBe(true);
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-bench-test-'));
    const args = [BIN, 'bench', '--nodes', '3', '--clients', '8', '--duration', '3', '--keys', '40', '--read-ratio', '0.2', '--warmup', '0', '--no-record'];
    args.push('--verify', '--json', '--quiet', '--data-dir', path.join(dir, 'data'), '--tick-ms', '20');
    const { code, out, err } = await runBench(args);
    expect(err, 'stderr').toBe('');
    expect(code, `exit code; stdout: ${out.slice(0, 2000)}`).toBe(0);
    const r = JSON.parse(out) as {
      cmd: string;
      ok: boolean;
      set: { opCount: number; opsPerSec: number; p50Ms: number; maxMs: number };
      get: { opCount: number };
      errorCountByCode: Record<string, number>;
      verify: { keyCount: number; mismatchCount: number; ambiguousCount: number };
      nodeStats: { pid: number; commitIndex: number }[];
      traced: boolean;
    };
    nodePids = r.nodeStats.map((n) => n.pid);
    expect(r).toMatchObject({ cmd: 'bench', ok: true });
    expect(r.errorCountByCode).toEqual({});
    // No message trace by default: the figures are the cluster's speed.
    expect(r.traced).toBe(false);
    for (const id of [1, 2, 3]) expect(existsSync(path.join(dir, 'data', `node-${id}`, 'messages.ndjson')), `node ${id}`).toBe(false);
    expect(r.set.opCount).toBeGreaterThan(0);
    expect(r.get.opCount).toBeGreaterThan(0);
    expect(r.set.p50Ms).toBeLessThanOrEqual(r.set.maxMs);
    // Every key written was read back through the log and matched its highest-slot acknowledged write.
    expect(r.verify.keyCount).toBeGreaterThan(0);
    expect(r.verify.keyCount).toBeLessThanOrEqual(40);
    expect(r.verify.mismatchCount).toBe(0);
    expect(r.verify.ambiguousCount).toBe(0);
    // Each acknowledged command sits in a chosen slot: the log holds at least that many commands' slots.
    expect(Math.max(...r.nodeStats.map((n) => n.commitIndex))).toBeGreaterThan(0);
    await waitFor('the bench to stop its nodes', () => nodePids.every((pid) => !alive(pid)), 10_000);
  });

  it('--trace: the nodes record their messages, and the run folder and its report have them', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-bench-trace-'));
    const args = [BIN, 'bench', '--nodes', '3', '--clients', '2', '--duration', '1', '--warmup', '0', '--trace', '--json', '--quiet', '--runs-dir', path.join(dir, 'runs'), '--tick-ms', '20'];
    const { code, out, err } = await runBench(args);
    expect(code, `stdout: ${out.slice(0, 2000)}; stderr: ${err.slice(-2000)}`).toBe(0);
    const r = JSON.parse(out) as { traced: boolean; runDir: string; report: string; nodeStats: { pid: number }[] };
    nodePids = r.nodeStats.map((n) => n.pid);
    expect(r.traced).toBe(true);
    const summary = JSON.parse(readFileSync(path.join(r.runDir, 'summary.json'), 'utf8')) as { traced: boolean; files: string[] };
    expect(summary.traced).toBe(true);
    for (const id of [1, 2, 3]) expect(summary.files).toContain(`node-${id}/messages.ndjson`);
    const page = readFileSync(r.report, 'utf8');
    expect(page).not.toContain('id="no-trace"');
    expect(Number(/data-delivered="(\d+)"/.exec(page)?.[1])).toBeGreaterThan(0);
  }, 90_000);
});
