// Ctrl-C (SIGINT) on the standalone long commands, on real node processes: the first one ends
// the run early but still reports what ran (chaos also heals and checks); every temp dir the
// command made is gone and no node process is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { processesUnder } from '../processes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'paxos-cli.js');

let child: ChildProcess | null = null;
let tmp: string | null = null;

afterEach(async () => {
  if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = null;
  if (tmp !== null) {
    for (const pid of processesUnder(tmp)) process.kill(pid, 'SIGKILL');
    await rm(tmp, { recursive: true, force: true });
  }
  tmp = null;
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs paxos-cli with TMPDIR=tmp, sends SIGINT once `ready` matches stderr, waits for the exit. */
function interruptWhen(args: string[], ready: RegExp, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp! } });
    child = p;
    let stdout = '';
    let stderr = '';
    let sent = false;
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (!sent && ready.test(stderr)) {
        sent = true;
        p.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`paxos-cli ${args[0]} did not finish within ${timeoutMs} ms (SIGINT sent: ${sent}); stderr:\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (!sent) reject(new Error(`paxos-cli ${args[0]} exited (${code}) before SIGINT; stderr:\n${stderr.slice(-3000)}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

describe('Ctrl-C on standalone commands', () => {
  it('chaos: stops the faults, heals, checks and reports; its temp dir is removed, the history kept', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'paxos-int-'));
    const r = await interruptWhen(['chaos', '--nodes', '3', '--duration', '120', '--seed', '7', '--json', '--no-record'], /running [3-9]\/120 s/, 90_000);
    expect(r.stderr).toContain('chaos: interrupted');
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(line.cmd).toBe('chaos');
    expect(line.stopped).toBe(true);
    expect(line.durationMs as number).toBeLessThan(120_000);
    expect(line.okOps as number).toBeGreaterThan(0);
    expect(line.linearizable).toBe(true);
    expect(r.code).toBe(line.exitCode);
    expect(r.code).toBe(0);
    expect(existsSync(line.history as string)).toBe(true);
    const left = readdirSync(tmp);
    expect(left.filter((f) => f.startsWith('paxos-chaos-') && !f.endsWith('.json'))).toEqual([]);
    expect(processesUnder(tmp)).toEqual([]);
  }, 120_000);

  it('bench: reports the partial run marked interrupted; its cluster and temp dir are gone', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'paxos-int-'));
    const r = await interruptWhen(['bench', '--nodes', '3', '--clients', '4', '--duration', '120', '--warmup', '0', '--json', '--no-record'], /bench paxos c=4: \d+s \d+ ops/, 90_000);
    expect(r.stderr).toContain('bench: interrupted');
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(line).toMatchObject({ cmd: 'bench', ok: true, interrupted: true, nodeCount: 3 });
    expect(line.durationMs as number).toBeLessThan(120_000);
    expect(r.code).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
    expect(processesUnder(tmp)).toEqual([]);
  }, 120_000);
});
