// The message trace under `up`, on real nodes: off unless asked (it costs ~5 % of write
// throughput); `flow` in a script turns it on in every node from then on, and a node restarted
// afterwards traces from its start; `up --record` traces from the start, so its report has the
// messages. (Step mode turning it on: the demo scenarios, test/cli/scenarios.test.ts.)
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, cliTempDirs } from './cli-temp-dirs.js';
import { parseTraceLine, type TraceRecord } from '../../src/trace/trace-record.js';

const tempDir = cliTempDirs('paxos-cli-up-trace-');

function records(file: string): TraceRecord[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').map(parseTraceLine).filter((r): r is TraceRecord => r !== null);
}

async function runScript(dir: string, lines: readonly string[], extra: readonly string[] = []) {
  const script = path.join(dir, 'script.txt');
  fs.writeFileSync(script, lines.join('\n') + '\n');
  const dataDir = path.join(dir, 'data');
  const r = await execa(process.execPath, [BIN, 'up', '3', '--data-dir', dataDir, '--script', script, '--json', ...extra], { reject: false, timeout: 90_000, cwd: dir });
  const out = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { r, out, dataDir };
}

describe('up and the message trace', { timeout: 120_000 }, () => {
  it('off by default; `flow` turns it on in every node, and a restarted node traces from its start', async () => {
    const dir = tempDir();
    const { r, out, dataDir } = await runScript(dir, ['set a 1', 'status', 'flow', 'set b 2', 'kill 3', 'restart 3', 'set c 3', 'status']);
    expect(r.exitCode, r.stderr.slice(-2000)).toBe(0);
    const [before, flow, after] = [out[1]!, out[2]!, out[7]!];
    expect((before.nodes as { tracing?: boolean }[]).map((n) => n.tracing)).toEqual([false, false, false]);
    expect(flow).toMatchObject({ cmd: 'flow', ok: true, tracing: true });
    expect((after.nodes as { tracing?: boolean }[]).map((n) => n.tracing)).toEqual([true, true, true]);
    const file = (id: number) => path.join(dataDir, `node-${id}`, 'messages.ndjson');
    // The Accepts of `set b 2` on every node that was up, none of `set a 1` (before flow).
    const [slotA, slotB] = [out[0]!.slot as number, out[3]!.slot as number];
    for (const id of [1, 2]) {
      const accepts = records(file(id)).filter((x) => x.type === 'accept' && x.slots !== undefined);
      expect(accepts.some((x) => x.slots![0] <= slotB && slotB <= x.slots![1]), `node ${id}`).toBe(true);
      expect(accepts.some((x) => x.slots![0] <= slotA && slotA <= x.slots![1]), `node ${id}`).toBe(false);
    }
    // The restarted node traces too (it starts with --trace, and is switched on again at ready).
    const node3 = fs.readFileSync(path.join(dataDir, 'node-3', 'events.ndjson'), 'utf8').split('\n').filter((l) => l.includes('"event":"ready"'));
    const lastReady = JSON.parse(node3.at(-1)!) as { t: number };
    const own = records(file(3));
    expect(own.some((x) => x.t >= lastReady.t), `node 3's ready at ${lastReady.t}, its last lines at ${own.slice(-3).map((x) => x.t).join(',')}`).toBe(true);
  });

  it('a script without flow or pause leaves no trace; --trace traces from the start', async () => {
    const plain = await runScript(tempDir(), ['set a 1', 'get a']);
    expect(plain.r.exitCode, plain.r.stderr.slice(-2000)).toBe(0);
    for (const id of [1, 2, 3]) expect(fs.existsSync(path.join(plain.dataDir, `node-${id}`, 'messages.ndjson')), `node ${id}`).toBe(false);
    const traced = await runScript(tempDir(), ['set a 1', 'get a'], ['--trace']);
    expect(traced.r.exitCode, traced.r.stderr.slice(-2000)).toBe(0);
    // The election before the first command is in it.
    const all = [1, 2, 3].flatMap((id) => records(path.join(traced.dataDir, `node-${id}`, 'messages.ndjson')));
    expect(all.some((x) => x.type === 'prepare' || x.type === 'prevote')).toBe(true);
  });

  it('up --record traces from the start: the run folder has every node\'s messages, drawn in its report', async () => {
    const dir = tempDir();
    const { r } = await runScript(dir, ['set a 1', 'set b 2', 'get a'], ['--record', '--runs-dir', path.join(dir, 'runs')]);
    expect(r.exitCode, r.stderr.slice(-2000)).toBe(0);
    const runDir = /run folder\s+(\S+)/.exec(r.stderr)?.[1];
    expect(runDir, r.stderr).toBeDefined();
    const summary = JSON.parse(fs.readFileSync(path.join(runDir!, 'summary.json'), 'utf8')) as { kind: string; traced: boolean; files: string[] };
    expect(summary).toMatchObject({ kind: 'up', traced: true });
    for (const id of [1, 2, 3]) expect(summary.files, `node ${id}`).toContain(`node-${id}/messages.ndjson`);
    const page = fs.readFileSync(path.join(runDir!, 'report.html'), 'utf8');
    expect(page).not.toContain('id="no-trace"');
    expect(Number(/data-delivered="(\d+)"/.exec(page)?.[1])).toBeGreaterThan(0);
  });
});
