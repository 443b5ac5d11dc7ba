// The run folder: its name, its files, the fault bands gathered from the supervisor and the
// fault rules, and bench's bounded sample of operations.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryRecorder } from '../../src/check/history.js';
import type { FaultRules } from '../../src/protocol/fault-rules.js';
import { FaultRecorder } from '../../src/runs/fault-bands.js';
import { OpSampler } from '../../src/runs/op-sampler.js';
import { copyNodeFiles, createRunFolder, runStamp } from '../../src/runs/run-folder.js';
import { RunRecorder } from '../../src/runs/run-recorder.js';
import { writeRunFixture } from '../report/run-fixture.js';

let dir = '';
afterEach(() => {
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});
const tmp = () => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-runs-')));

describe('the folder', () => {
  it('is named by its UTC start and kind, and a second run in the same second gets its own', () => {
    const d = tmp();
    const at = Date.UTC(2026, 11, 3, 9, 12, 5, 123);
    expect(runStamp(at)).toBe('2026-12-03T09-12-05Z');
    const a = createRunFolder('chaos', path.join(d, 'runs'), at);
    const b = createRunFolder('chaos', path.join(d, 'runs'), at);
    expect(path.basename(a)).toBe('2026-12-03T09-12-05Z-chaos');
    expect(path.basename(b)).toBe('2026-12-03T09-12-05Z-chaos-2');
  });

  it('refuses a runs dir it cannot make, in one line', () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'file'), 'x');
    expect(() => createRunFolder('bench', path.join(d, 'file', 'runs'))).toThrow(/cannot make the runs dir .*--runs-dir/);
  });

  it('copies each node\'s events and traces, rotated parts too, and skips what a node never wrote', () => {
    const d = tmp();
    const data = path.join(d, 'data');
    for (const [id, files] of [[1, ['events.ndjson', 'events.1.ndjson', 'messages.ndjson', 'messages.1.ndjson', 'LOG']], [2, ['events.ndjson']]] as const) {
      fs.mkdirSync(path.join(data, `node-${id}`), { recursive: true });
      for (const f of files) fs.writeFileSync(path.join(data, `node-${id}`, f), `${id}:${f}\n`);
    }
    const run = path.join(d, 'run');
    fs.mkdirSync(run);
    const copied = copyNodeFiles(data, [1, 2, 3], run);
    expect(copied.sort()).toEqual(['node-1/events.1.ndjson', 'node-1/events.ndjson', 'node-1/messages.1.ndjson', 'node-1/messages.ndjson', 'node-2/events.ndjson']);
    expect(fs.readFileSync(path.join(run, 'node-1', 'messages.1.ndjson'), 'utf8')).toBe('1:messages.1.ndjson\n');
    expect(fs.existsSync(path.join(run, 'node-1', 'LOG'))).toBe(false);
  });
});

describe('fault bands', () => {
  function sources() {
    const supFns = new Set<(e: { type: string; id: number; requested?: boolean }) => void>();
    const ruleFns = new Set<(r: FaultRules) => void>();
    let rules: FaultRules = { groups: null, slow: [] };
    return {
      sup: { onEvent: (fn: (e: { type: string; id: number; requested?: boolean }) => void) => (supFns.add(fn), () => supFns.delete(fn)) },
      faults: {
        get rules() {
          return rules;
        },
        onChange: (fn: (r: FaultRules) => void) => (ruleFns.add(fn), () => ruleFns.delete(fn)),
      },
      emit: (e: { type: string; id: number; requested?: boolean }) => supFns.forEach((f) => f(e)),
      set: (r: FaultRules) => {
        rules = r;
        ruleFns.forEach((f) => f(r));
      },
    };
  }

  it('a kill lasts to the respawn, a partition to the heal, a slow rule per node, a pause to its resume', () => {
    let now = 1000;
    const rec = new FaultRecorder(() => now);
    const s = sources();
    rec.listen({ sup: s.sup, faults: s.faults });
    s.emit({ type: 'exited', id: 3, requested: true });
    now = 1500;
    s.emit({ type: 'spawned', id: 3 });
    now = 2000;
    s.set({ groups: [[1, 2], [3]], slow: [] });
    now = 2200;
    s.set({ groups: [[1, 2], [3]], slow: [{ node: 2, ms: 200 }] });
    now = 2500;
    s.set({ groups: null, slow: [{ node: 2, ms: 200 }] });
    // As the supervisor reports chaos's SIGSTOP and SIGCONT.
    s.emit({ type: 'stopped', id: 1 });
    now = 2700;
    s.emit({ type: 'continued', id: 1 });
    now = 2800;
    s.emit({ type: 'stopped', id: 4 });
    now = 2900;
    // A paused node that is killed is not paused any more.
    s.emit({ type: 'exited', id: 4, requested: true });
    now = 3000;
    s.emit({ type: 'spawned', id: 4 });
    rec.stop();
    // Not a fault: the cluster shutting down after stop().
    s.emit({ type: 'exited', id: 1, requested: true });
    expect(rec.bands()).toEqual([
      { kind: 'kill', nodes: [3], startMs: 1000, endMs: 1500, text: 'kill n3 (SIGKILL)' },
      { kind: 'partition', nodes: [1, 2, 3], startMs: 2000, endMs: 2500, text: 'partition 1,2 | 3', groups: [[1, 2], [3]] },
      { kind: 'slow', nodes: [2], startMs: 2200, endMs: null, text: 'slow n2 200 ms' },
      { kind: 'pause', nodes: [1], startMs: 2500, endMs: 2700, text: 'pause n1 (SIGSTOP)' },
      { kind: 'pause', nodes: [4], startMs: 2800, endMs: 2900, text: 'pause n4 (SIGSTOP)' },
      { kind: 'kill', nodes: [4], startMs: 2900, endMs: 3000, text: 'kill n4 (SIGKILL)' },
    ]);
  });
});

describe('RunRecorder', () => {
  it('fills the folder: node files, history, faults, summary and a report that builds; once', () => {
    const d = tmp();
    const data = path.join(d, 'data');
    writeRunFixture({ dir: data });
    const history = new HistoryRecorder();
    history.invoke('c1', 'set', 'k', 'v').ok();
    const rec = RunRecorder.start('chaos', [1, 2, 3], { runsDir: path.join(d, 'runs') });
    expect(fs.existsSync(rec.dir)).toBe(true);
    const files = rec.finish({ dataDir: data, history: history.toJSON(), result: { seed: 1 }, verdict: 'pass', interrupted: false });
    expect(files.reportError).toBeUndefined();
    const summary = JSON.parse(fs.readFileSync(path.join(rec.dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ kind: 'chaos', nodeCount: 3, verdict: 'pass', result: { seed: 1 }, interrupted: false });
    for (const f of ['faults.json', 'history.json', 'report.html', 'summary.json', 'node-1/events.ndjson', 'node-1/messages.ndjson', 'node-3/messages.ndjson']) {
      expect(summary.files, f).toContain(f);
      expect(fs.existsSync(path.join(rec.dir, f)), f).toBe(true);
    }
    expect(rec.finish({ dataDir: null, history: null, result: null, verdict: 'none', interrupted: true })).toBe(files);
  });
});

describe("bench's sample of operations", () => {
  it('keeps everything under the bound, then an even, bounded sample of the whole run', () => {
    let t = 0;
    const few = new OpSampler(100, () => t, () => 0);
    for (let i = 0; i < 50; i++) few.add('w1', 'set', 'k', `v${i}`, (t += 1), (t += 1), 'ok');
    expect(few.toHistory().ops).toHaveLength(50);

    const s = new OpSampler(100, () => t, () => 0);
    for (let i = 0; i < 10_000; i++) s.add(`w${i % 4}`, i % 2 ? 'get' : 'set', 'k', 'v', (t += 1), (t += 1), 'ok');
    const ops = s.toHistory().ops;
    expect(s.offered).toBe(10_000);
    expect(ops.length).toBeLessThan(100);
    expect(ops.length).toBeGreaterThan(40);
    expect(ops[0]!.id).toBe(0);
    expect(ops.at(-1)!.id).toBeGreaterThan(9000);
    const gaps = new Set(ops.slice(1).map((o, i) => o.id - ops[i]!.id));
    expect(gaps.size).toBe(1);
  });
});
