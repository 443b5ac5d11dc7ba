// The pause fault (SIGSTOP, then SIGCONT) on real node processes: a stopped node must never be
// left behind. The supervisor continues it on stopAll (a stopped process ignores SIGTERM until
// continued); `paxos-cli chaos --faults pause` continues it on heal after one Ctrl-C and before
// its shutdown after two, and no node of it is left, stopped or running.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareCluster } from '../../src/cluster/data-dir.js';
import { Supervisor } from '../../src/cluster/supervisor.js';
import { processesUnder } from '../processes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'paxos-cli.js');

let tmp: string | null = null;
let sup: Supervisor | null = null;
let child: ChildProcess | null = null;

afterEach(async () => {
  if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = null;
  sup?.killAllNow();
  sup = null;
  if (tmp !== null) {
    for (const pid of processesUnder(tmp)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    await rm(tmp, { recursive: true, force: true });
  }
  tmp = null;
});

/** The process state letter from /proc (T: stopped), or null once it is gone. */
function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

const stoppedUnder = (dir: string): number[] => processesUnder(dir).filter((pid) => procState(pid) === 'T');

async function waitUntil<T>(what: string, probe: () => T | null | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = probe();
    if (v !== null && v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

describe('pause (SIGSTOP) never leaves a stopped node', () => {
  it('supervisor: pause stops the process, resume continues it, stopAll continues a paused one', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'paxos-pause-'));
    const dataDir = path.join(tmp, 'data');
    const prepared = await prepareCluster({ dataDir, size: 3, basePort: undefined, fresh: true, insecure: true });
    // A long grace: if stopAll did not continue the paused node, its SIGTERM would wait for the
    // SIGKILL 20 s later, and the time check below fails.
    const s = new Supervisor({ cluster: prepared.cluster, clusterFile: prepared.clusterFile, dataDir, nodeArgs: ['--insecure'], stopGraceMs: 20_000 });
    sup = s;
    const ready = new Set<number>();
    s.onEvent((e) => {
      if (e.type === 'node-event' && e.event.event === 'ready') ready.add(e.id);
    });
    await s.start();
    await waitUntil('3 ready nodes', () => ready.size === 3, 20_000);
    const pid = s.pid(2)!;

    s.pause(2);
    expect(s.isPaused(2)).toBe(true);
    await waitUntil('n2 stopped', () => procState(pid) === 'T', 2000);
    s.resume(2);
    expect(s.isPaused(2)).toBe(false);
    await waitUntil('n2 running again', () => procState(pid) !== 'T', 2000);

    s.pause(2);
    await waitUntil('n2 stopped again', () => procState(pid) === 'T', 2000);
    const started = Date.now();
    await s.stopAll();
    expect(Date.now() - started).toBeLessThan(8000);
    expect(procState(pid)).toBeNull();
    expect(processesUnder(tmp)).toEqual([]);
  }, 60_000);

  /**
   * Runs `chaos --faults pause` and sends SIGINT `interrupts` times (100 ms apart) as soon as one
   * of its nodes is seen stopped; returns the exit code and output.
   */
  async function interruptWhilePaused(interrupts: 1 | 2): Promise<{ code: number | null; stdout: string; stderr: string }> {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'paxos-pause-'));
    const dataDir = path.join(tmp, 'data');
    const args = ['chaos', '--nodes', '3', '--duration', '60', '--seed', '11', '--faults', 'pause', '--json', '--insecure', '--data-dir', dataDir, '--history', path.join(tmp, 'h.json')];
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = p;
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    await waitUntil('a paused node', () => stoppedUnder(dataDir).length > 0, 45_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; stderr:\n${stderr.slice(-2000)}`);
    });
    for (let i = 0; i < interrupts; i++) {
      p.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 100));
    }
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
    if (code === 'hung') throw new Error(`chaos did not exit after SIGINT; stderr:\n${stderr.slice(-2000)}`);
    return { code, stdout, stderr };
  }

  it('chaos: one Ctrl-C while a node is stopped heals (SIGCONT), checks, reports; no node is left', async () => {
    const r = await interruptWhilePaused(1);
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(line).toMatchObject({ cmd: 'chaos', stopped: true, converged: true, conflictCount: 0 });
    expect((line.faultCountByKind as Record<string, number>).pause).toBeGreaterThan(0);
    const spans = line.faultSpans as { kind: string; nodes: number[]; startMs: number; endMs: number }[];
    expect(spans.length).toBeGreaterThan(0);
    for (const s of spans) {
      expect(s.kind).toBe('pause');
      expect(s.endMs).toBeGreaterThanOrEqual(s.startMs);
      expect(s.nodes.length).toBe(1);
    }
    expect(processesUnder(tmp!)).toEqual([]);
  }, 150_000);

  it('chaos: two Ctrl-Cs while a node is stopped quit at once; no node is left, stopped or not', async () => {
    const r = await interruptWhilePaused(2);
    expect(r.code).not.toBe(0);
    await waitUntil('every node gone', () => processesUnder(tmp!).length === 0, 10_000);
    expect(stoppedUnder(tmp!)).toEqual([]);
  }, 150_000);
});
