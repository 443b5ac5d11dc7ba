// Given `paxos-cli chaos` on 5 real node processes for 30 s with a fixed seed: the nemesis
// injects at least 10 faults, the logs never conflict and the history is linearizable. Then a
// stale read planted in that very history (a get returning a value overwritten before the get
// began) is reported as not linearizable, by the checker and by `paxos-cli check`.
// And with --faults membership,kill: followers replaced by new nodes and leadership moved
// while kills hit the members of the moment; still linearizable, the voters still three.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readHistoryFile, type History, type Operation } from '../../src/check/history.js';
import { checkHistory } from '../../src/check/linearizability.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'paxos-cli.js');

let child: ChildProcess | null = null;
let dir: string | null = null;

afterEach(async () => {
  if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = null;
  if (dir !== null) await rm(dir, { recursive: true, force: true });
  dir = null;
});

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = p;
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGTERM');
      reject(new Error(`paxos-cli ${args[0]} did not finish within ${timeoutMs} ms; stderr:\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A get of `key`, after everything else, that returns a value overwritten before it began. */
function plantStaleRead(h: History): History {
  const sets = h.ops.filter((o) => o.op === 'set' && o.outcome === 'ok');
  for (const s2 of [...sets].reverse()) {
    const s1 = sets.find((o) => o.key === s2.key && o.completeMs! < s2.invokeMs && o.value !== s2.value);
    if (s1 === undefined) continue;
    const end = Math.max(...h.ops.map((o) => o.completeMs ?? o.invokeMs));
    const stale: Operation = { id: Math.max(...h.ops.map((o) => o.id)) + 1, process: 'planted', op: 'get', key: s1.key, value: s1.value, invokeMs: end + 1, completeMs: end + 2, outcome: 'ok' };
    return { ...h, ops: [...h.ops, stale] };
  }
  throw new Error('no key with two sequential acknowledged writes to plant a stale read on');
}

describe('paxos-cli chaos on real processes', () => {
  it('5 nodes, 30 s, >= 10 faults: 0 conflicts, linearizable; a planted stale read is caught', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-chaos-test-'));
    const historyPath = path.join(dir, 'history.json');
    const r = await run(['chaos', '--nodes', '5', '--duration', '30', '--seed', '7', '--clients', '4', '--keys', '6', '--json', '--history', historyPath, '--data-dir', path.join(dir, 'data'), '--no-record'], 150_000);
    const lines = r.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>;
    const context = `exit ${r.code}; report ${JSON.stringify(report)}; stderr tail:\n${r.stderr.slice(-2000)}`;
    expect(report.faultCount, context).toBeGreaterThanOrEqual(10);
    expect(report.conflictCount, context).toBe(0);
    expect(report.converged, context).toBe(true);
    expect(report.linearizable, context).toBe(true);
    expect(report.okOps as number, context).toBeGreaterThan(100);
    expect(report).toMatchObject({ cmd: 'chaos', ok: true, exitCode: 0, reasons: [] });
    expect(report.history).toBe(historyPath);
    expect(r.code, context).toBe(0);

    const history = await readHistoryFile(historyPath);
    expect(checkHistory(history.ops).linearizable).toBe(true);
    const planted = plantStaleRead(history);
    const verdict = checkHistory(planted.ops);
    expect(verdict.linearizable).toBe(false);
    expect(verdict.counterexample?.ops.some((o) => o.process === 'planted')).toBe(true);

    const plantedPath = path.join(dir, 'planted.json');
    await writeFile(plantedPath, JSON.stringify(planted));
    const check = await run(['check', plantedPath], 60_000);
    expect(check.code, check.stdout + check.stderr).toBe(1);
    expect(check.stdout).toMatch(/linearizable\s+NO/);
  }, 200_000);

  it('--faults membership,kill: followers replaced and leadership moved while faults hit the members of the moment; linearizable', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paxos-chaos-test-'));
    const historyPath = path.join(dir, 'history.json');
    const r = await run(['chaos', '--nodes', '3', '--duration', '15', '--seed', '29', '--clients', '3', '--keys', '5', '--faults', 'membership,kill', '--json', '--history', historyPath, '--data-dir', path.join(dir, 'data'), '--no-record'], 150_000);
    const lines = r.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>;
    const context = `exit ${r.code}; report ${JSON.stringify(report)}; stderr tail:\n${r.stderr.slice(-3000)}`;
    const byKind = report.faultCountByKind as Record<string, number>;
    const changes = report.membershipChanges as { action: string; node: number | null; ok: boolean; text: string }[];
    expect(byKind.membership, context).toBeGreaterThanOrEqual(2);
    expect(Object.keys(byKind).filter((k) => byKind[k]! > 0).every((k) => k === 'membership' || k === 'kill'), context).toBe(true);
    expect(changes.length, context).toBe(byKind.membership);
    // Seed 29 plans replace, transfer, replace, kill, replace, kill: both actions and kills after a replace.
    expect(byKind.kill, context).toBeGreaterThanOrEqual(1);
    expect(changes.some((c) => c.ok && c.action === 'transfer'), context).toBe(true);
    const replaced = changes.filter((c) => c.ok && c.action === 'replace').map((c) => c.node!);
    expect(replaced.length, context).toBeGreaterThanOrEqual(1);
    // The voters stay three: each replace swapped a node for a new one (ids above 3), and the
    // kills after it hit members of the moment, never a removed node.
    const members = report.finalMemberNodes as number[];
    expect(members.length, context).toBe(3);
    for (const n of replaced) expect(members, context).not.toContain(n);
    expect(Math.max(...members), context).toBeGreaterThan(3);
    const timeline = report.timeline as { text: string }[];
    const firstReplace = timeline.findIndex((t) => t.text.startsWith('replace'));
    for (const t of timeline.slice(firstReplace + 1)) {
      const killed = /^kill n(\d+)/.exec(t.text);
      if (killed !== null) expect(replaced.slice(0, 1), context).not.toContain(Number(killed[1]));
    }
    expect(report.conflictCount, context).toBe(0);
    expect(report.converged, context).toBe(true);
    expect(report.linearizable, context).toBe(true);
    expect(report).toMatchObject({ cmd: 'chaos', ok: true, exitCode: 0, reasons: [] });
    expect(r.code, context).toBe(0);
    expect(checkHistory((await readHistoryFile(historyPath)).ops).linearizable).toBe(true);
  }, 200_000);
});
