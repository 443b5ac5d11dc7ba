// A short real chaos run (3 node processes, ZeroMQ, LevelDB, the built CLI) leaves a run folder
// with every file, its JSON line names it, `paxos-cli report DIR` rebuilds the page from it;
// and a run stopped by Ctrl-C still leaves a folder with what it gathered.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseHistory } from '../../src/check/history.js';
import { validateLine } from '../../src/json/contract.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'paxos-cli.js');

let child: ChildProcess | null = null;
let tmp = '';

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'runs', 'run-recorder.js'))) throw new Error('run `npm run build` first: the CLI runs from dist/');
});

afterEach(() => {
  if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = null;
  if (tmp !== '') fs.rmSync(tmp, { recursive: true, force: true });
  tmp = '';
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with TMPDIR inside the test's dir (so its temp data dir is seen to go), optionally Ctrl-C once `interruptOn` shows on stderr. */
function cli(args: string[], timeoutMs: number, interruptOn?: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
    child = p;
    let stdout = '';
    let stderr = '';
    let sent = false;
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (interruptOn !== undefined && !sent && interruptOn.test(stderr)) {
        sent = true;
        p.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`paxos-cli ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr:\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
const tempDataDirs = () => fs.readdirSync(tmp).filter((f) => f.startsWith('paxos-chaos-') && !f.endsWith('.json'));

describe('chaos writes a run folder', () => {
  it('3 nodes, 3 s: summary, history, faults, every node\'s files, a report; `report DIR` rebuilds it', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-runs-chaos-'));
    const r = await cli(['chaos', '--nodes', '3', '--duration', '3', '--clients', '2', '--keys', '3', '--seed', '11', '--faults', 'pause,partition-minority', '--json', '--quiet'], 120_000);
    const lines = r.stdout.trim().split('\n');
    expect(lines, r.stderr.slice(-2000)).toHaveLength(1);
    const v = validateLine(lines[0]!);
    expect(v.ok ? 'ok' : v.problem).toBe('ok');
    const j = JSON.parse(lines[0]!) as { exitCode: number; opCount: number; faultCount: number; faultCountByKind: Record<string, number>; runDir: string; report: string };
    expect(j.exitCode).toBe(r.code);
    // The default place: paxos-runs/ under the current directory.
    expect(path.dirname(j.runDir)).toBe(path.join(fs.realpathSync(tmp), 'paxos-runs'));
    expect(path.basename(j.runDir)).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ-chaos$/);
    expect(j.report).toBe(path.join(j.runDir, 'report.html'));

    const summary = readJson(path.join(j.runDir, 'summary.json'));
    expect(summary).toMatchObject({ kind: 'chaos', nodeCount: 3, nodes: [1, 2, 3], interrupted: false, verdict: j.exitCode === 0 ? 'pass' : j.exitCode === 3 ? 'undecided' : 'fail' });
    expect((summary.result as { opCount: number }).opCount).toBe(j.opCount);
    expect(summary.endedAtMs as number).toBeGreaterThan(summary.startedAtMs as number);
    const history = parseHistory(readJson(path.join(j.runDir, 'history.json')));
    expect(history.ops).toHaveLength(j.opCount);
    // Every fault the nemesis injected is a band (a kill until the respawn, a partition until the heal).
    const bands = (readJson(path.join(j.runDir, 'faults.json')) as { bands: { kind: string; endMs: number | null }[] }).bands;
    expect(bands).toHaveLength(j.faultCount);
    for (const b of bands) expect(b.endMs).not.toBeNull();
    // A SIGSTOP is a pause band (the supervisor reports it), one per pause the nemesis made.
    const byKind = j.faultCountByKind;
    expect(bands.filter((b) => b.kind === 'pause')).toHaveLength(byKind.pause ?? 0);
    expect(bands.filter((b) => b.kind === 'partition')).toHaveLength(byKind['partition-minority'] ?? 0);
    for (const id of [1, 2, 3]) expect(fs.existsSync(path.join(j.runDir, `node-${id}`, 'events.ndjson')), `node-${id}`).toBe(true);
    // A run folder means message traces (the report draws them), though tracing is off by default.
    expect(summary.traced).toBe(true);
    for (const id of [1, 2, 3]) expect(fs.existsSync(path.join(j.runDir, `node-${id}`, 'messages.ndjson')), `node-${id} trace`).toBe(true);
    // Copied before the temp data dir went, and that dir is gone.
    expect(tempDataDirs()).toEqual([]);

    const before = fs.statSync(j.report).mtimeMs;
    fs.rmSync(j.report);
    const rebuilt = await cli(['report', j.runDir, '--json'], 60_000);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const line = rebuilt.stdout.trim();
    const rv = validateLine(line);
    expect(rv.ok ? 'ok' : rv.problem).toBe('ok');
    expect(JSON.parse(line)).toMatchObject({ cmd: 'report', ok: true, report: j.report, laneCount: 3, faultBandCount: j.faultCount, opCount: j.opCount });
    expect(fs.statSync(j.report).mtimeMs).toBeGreaterThanOrEqual(before);
    expect(fs.readFileSync(j.report, 'utf8')).toContain('data-lanes="3"');
  }, 150_000);

  it('Ctrl-C during the faults still leaves a folder, marked interrupted, with what ran', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-runs-int-'));
    const r = await cli(['chaos', '--nodes', '3', '--duration', '60', '--clients', '2', '--seed', '3', '--runs-dir', 'here'], 120_000, /running [2-9]\/60 s/);
    expect(r.stderr).toContain('chaos: interrupted');
    const m = /run folder\s+(\S+)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const dir = m![1]!;
    expect(path.dirname(dir)).toBe(path.join(fs.realpathSync(tmp), 'here'));
    const summary = readJson(path.join(dir, 'summary.json'));
    expect(summary).toMatchObject({ kind: 'chaos', interrupted: true });
    expect((summary.result as { stopped: boolean }).stopped).toBe(true);
    expect(parseHistory(readJson(path.join(dir, 'history.json'))).ops.length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(dir, 'report.html'))).toBe(true);
    expect(tempDataDirs()).toEqual([]);
  }, 150_000);
});

describe('paxos-cli report: errors in one line', () => {
  it('a missing folder, a folder that is no run, no argument', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-report-cli-'));
    const missing = await cli(['report', path.join(tmp, 'nope')], 30_000);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^paxos-cli report: no run folder at /);
    const notRun = await cli(['report', tmp, '--json'], 30_000);
    expect(notRun.code).toBe(1);
    const v = validateLine(notRun.stdout.trim());
    expect(v.ok ? 'ok' : v.problem).toBe('ok');
    expect(JSON.parse(notRun.stdout)).toMatchObject({ cmd: 'report', ok: false, exitCode: 1, error: expect.stringMatching(/is not a run folder/) });
    const none = await cli(['report'], 30_000);
    expect(none.code).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    const help = await cli(['report', '--help'], 30_000);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: paxos-cli report');
  }, 60_000);
});
