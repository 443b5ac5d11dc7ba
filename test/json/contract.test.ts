// The JSON contract (docs/json.md, src/json/contract.ts): every command run for real, in script
// mode and standalone, and every line it prints checked against the schema and naming rules.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { COMMANDS } from '../../src/cli/commands.js';
import { COMMAND_SCHEMAS, namingProblems, roundMs, validateLine } from '../../src/json/contract.js';

const BIN = path.resolve('bin/paxos-cli.js');
const DOC = fs.readFileSync(path.resolve('docs/json.md'), 'utf8');
let dir = '';

beforeAll(() => {
  if (!fs.existsSync(path.resolve('dist/cli/main.js'))) throw new Error('run `npm run build` first: the CLI runs from dist/');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-json-contract-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function expectValid(lines: readonly string[]): void {
  for (const line of lines) {
    const v = validateLine(line);
    expect(v.ok ? 'ok' : v.problem, line.slice(0, 300)).toBe('ok');
  }
}

const parse = (line: string) => JSON.parse(line) as Record<string, unknown>;

describe('the schemas catch the old defects', () => {
  const set = { cmd: 'set a 1', ok: true, slot: 3, leader: 1, latencyMs: 4.1 };
  it.each([
    ['ok as a count (the old chaos line)', { ...set, ok: 57 }],
    ['an unrounded time', { ...set, latencyMs: 11.029330999999956 }],
    ['a field the contract does not name', { ...set, extra: 1 }],
    ['a missing field', { cmd: 'set a 1', ok: true, slot: 3, leader: 1 }],
    ['a failure without its error', { cmd: 'kill 2', ok: false }],
    ['a count not named as one', { cmd: 'diff', ok: true, conflicts: 0 }],
    ['a shortened hash', { cmd: 'diff', ok: true, identicalSlotCount: 1, conflictCount: 0, conflictSlots: [], lagging: [], stateHashByNode: { 1: '95dc1d05…' }, appliedIndexByNode: { 1: 1 }, unreadable: [] }],
    ['no cmd', { ok: true }],
  ])('refuses %s', (_name, obj) => {
    expect(validateLine(JSON.stringify(obj)).ok).toBe(false);
  });

  it('takes the good line, rounds times to 0.01 and checks names in nested objects', () => {
    expect(validateLine(JSON.stringify(set))).toEqual({ ok: true, schema: 'set' });
    expect(roundMs(11.029330999999956)).toBe(11.03);
    expect(roundMs(0.004)).toBe(0);
    expect(namingProblems({ a: { retries: 3 }, faultCountByKind: { kill: 1 }, pid: 4 })).toEqual(['a.retries holds a number but is not named as a count, time, size or id']);
  });
});

describe('docs/json.md', () => {
  it('has a section for every command, naming each of its fields', () => {
    for (const [name, schema] of Object.entries(COMMAND_SCHEMAS)) {
      const heading = `### \`${name}\``;
      const at = DOC.indexOf(heading);
      expect(at, `docs/json.md lacks a "${heading}" section`).toBeGreaterThanOrEqual(0);
      const next = DOC.indexOf('\n### ', at + heading.length);
      const section = DOC.slice(at, next < 0 ? undefined : next);
      const branches = (schema as unknown as { options: { shape: Record<string, z.ZodType> }[] }).options;
      const fields = new Set(branches.flatMap((b) => Object.keys(b.shape)));
      for (const f of ['cmd', 'ok', 'error', 'note']) fields.delete(f);
      for (const f of fields) expect(section, `docs/json.md: the ${name} section does not name \`${f}\``).toContain(`\`${f}\``);
    }
  });

  it('covers every REPL command', () => {
    for (const c of COMMANDS) expect(Object.keys(COMMAND_SCHEMAS), c.name).toContain(c.name);
  });
});

describe('every command, run for real, prints lines of the contract', () => {
  it('script mode: every REPL command against a real 3-node cluster', async () => {
    const dataDir = path.join(dir, 'script-data');
    const script = path.join(dir, 'all.txt');
    const lines = [
      'check',
      'set a 1   # a trailing comment is not part of the value',
      'get a',
      'get a --local 2',
      'del a',
      'del a',
      'get a',
      'set b 2',
      'kill 3',
      'get b',
      'restart 3',
      'leader',
      'status',
      'partition 1|2,3',
      'isolate 1',
      'slow 2 50',
      'heal',
      'diff',
      'check',
      'chaos --duration 2 --clients 2 --keys 3 --seed 5',
      'help',
      'help chaos',
      'logs 2',
      'flow',
      'get b --from 2',
      'get b --mode lease',
      'get b --mode log',
      'keys',
      'get --prefix b',
      'pause',
      'elect 1',
      'held',
      // By link, not by age: which of the two Prepares is held first depends on timing.
      'deliver 1>2',
      'deliver 2>1',
      'drop 1>3',
      'step',
      'tick 2',
      'resume',
      // Membership: grow to 4, hand leadership to the new node, shrink back, replace a node.
      'members',
      'add',
      'transfer 4',
      'remove 4',
      'replace 3',
      'members',
      'stop 2',
      'trace off',
      'clear',
      'frobnicate',
      'quit',
    ];
    fs.writeFileSync(script, lines.join('\n') + '\n');
    const r = await execa(process.execPath, [BIN, 'up', '3', '--script', script, '--json', '--data-dir', dataDir], { reject: false, timeout: 150_000 });
    const out = r.stdout.trim().split('\n');
    expect(out, r.stderr.slice(-2000)).toHaveLength(lines.length);
    expectValid(out);
    const byCmd = out.map(parse);
    // The comment is not in the line, nor in the value stored.
    expect(byCmd[1]).toMatchObject({ cmd: 'set a 1', ok: true });
    expect(byCmd[2]).toMatchObject({ cmd: 'get a', value: '1' });
    expect(byCmd[0]).toMatchObject({ cmd: 'check', ok: true, opCount: 0, note: expect.stringMatching(/^nothing to check/) });
    expect(byCmd[4]).toMatchObject({ cmd: 'del a', ok: true, existed: true });
    expect(byCmd[5]).toMatchObject({ cmd: 'del a', ok: true, existed: false });
    expect(byCmd[6]).toMatchObject({ cmd: 'get a', ok: true, value: null });
    const status = byCmd[12] as { nodes: { port: number }[]; nodeCount: number };
    expect(status.nodeCount).toBe(3);
    const cluster = JSON.parse(fs.readFileSync(path.join(dataDir, 'cluster.json'), 'utf8')) as { nodes: { id: number; port: number; member?: string; replaces?: number }[]; genesis?: number[] };
    // The first three nodes keep their ports; add and replace grew the file (4 removed, 5 replaced 3).
    expect(status.nodes.map((n) => n.port)).toEqual(cluster.nodes.filter((n) => n.id <= 3).map((n) => n.port));
    expect(cluster.genesis).toEqual([1, 2, 3]);
    expect(cluster.nodes.map((n) => [n.id, n.member ?? 'voter'])).toEqual([[1, 'voter'], [2, 'voter'], [3, 'removed'], [4, 'removed'], [5, 'voter']]);
    expect(cluster.nodes.find((n) => n.id === 5)?.replaces).toBe(3);
    expect(byCmd.find((o) => o.cmd === 'add')).toMatchObject({ ok: true, node: 4, inForce: { voterNodes: [1, 2, 3, 4], learnerNodes: [] } });
    expect(byCmd.find((o) => o.cmd === 'transfer 4')).toMatchObject({ ok: true, leader: 4 });
    expect(byCmd.find((o) => o.cmd === 'remove 4')).toMatchObject({ ok: true, node: 4, inForce: { voterNodes: [1, 2, 3] } });
    expect(byCmd.find((o) => o.cmd === 'replace 3')).toMatchObject({ ok: true, node: 3, added: { node: 5 }, inForce: { voterNodes: [1, 2, 5] } });
    expect(byCmd[17]).toMatchObject({ cmd: 'diff', ok: true, conflictCount: 0 });
    expect(byCmd.at(-2)).toMatchObject({ cmd: 'frobnicate', ok: false });
    // Every REPL command ran, under its own schema.
    const ran = new Set(out.map((l) => validateLine(l)).flatMap((v) => (v.ok ? [v.schema] : [])));
    for (const c of COMMANDS) expect([...ran].some((s) => s === c.name || s === `paxos-cli ${c.name}`), c.name).toBe(true);
    expect(ran).toContain('get --local');
    expect(ran).toContain('get --prefix');
    expect(byCmd.find((o) => o.cmd === 'get b --from 2')).toMatchObject({ ok: true, value: '2', readMode: 'index', node: 2 });
    expect(byCmd.find((o) => o.cmd === 'get b --mode log')).toMatchObject({ ok: true, value: '2', readMode: 'log', slot: expect.any(Number) });
    const keys = byCmd.find((o) => o.cmd === 'keys') as { ok: boolean; keys: string[]; more: boolean };
    expect(keys).toMatchObject({ ok: true, more: false });
    expect(keys.keys).toContain('b');
    expect(keys.keys).not.toContain('a');
    expect(byCmd.find((o) => o.cmd === 'get --prefix b')).toMatchObject({ ok: true, entries: [{ key: 'b', value: '2' }] });
    expect(r.exitCode).toBe(1); // frobnicate
    const logs = byCmd.find((o) => o.cmd === 'logs 2') as { lineCount: number; file: string };
    expect(logs.file).toBe(path.join(dataDir, 'node-2', 'events.ndjson'));
    expect(logs.lineCount).toBeGreaterThan(3);
    expect(byCmd.find((o) => o.cmd === 'flow')).toMatchObject({ ok: true, traceFileCount: expect.any(Number) });

    // The same log from a second terminal, after the cluster stopped: every line of the contract.
    const printed = await execa(process.execPath, [BIN, 'logs', '2', '--json', '--data-dir', dataDir], { reject: false });
    expect(printed.exitCode, printed.stderr).toBe(0);
    const logLines = printed.stdout.trim().split('\n');
    expect(logLines.length).toBeGreaterThanOrEqual(logs.lineCount);
    expectValid(logLines);
    expect(logLines.map(parse).some((o) => o.event === 'ready')).toBe(true);
    for (const bad of [['logs', '7', '--json', '--data-dir', dataDir], ['logs', '1', '--json', '--data-dir', path.join(dir, 'nowhere')]]) {
      const r2 = await execa(process.execPath, [BIN, ...bad], { reject: false });
      expect(r2.exitCode, bad.join(' ')).toBe(1);
      const one = r2.stdout.trim().split('\n');
      expect(one).toHaveLength(1);
      expectValid(one);
    }
  }, 180_000);

  it('standalone chaos --json (short)', async () => {
    const r = await execa(process.execPath, [BIN, 'chaos', '--nodes', '3', '--duration', '2', '--clients', '2', '--keys', '3', '--seed', '3', '--json', '--quiet', '--data-dir', path.join(dir, 'chaos-data'), '--history', path.join(dir, 'chaos-history.json'), '--runs-dir', path.join(dir, 'runs')], { reject: false, timeout: 120_000 });
    const out = r.stdout.trim().split('\n');
    expect(out, r.stderr.slice(-2000)).toHaveLength(1);
    expectValid(out);
    const j = parse(out[0] as string);
    // The exit code and the JSON agree, and the JSON says why.
    expect(j.exitCode).toBe(r.exitCode);
    expect(j.ok).toBe(r.exitCode === 0);
    expect((j.reasons as string[]).length === 0).toBe(r.exitCode === 0);
    // The run folder, under --runs-dir, with its page.
    expect(path.dirname(j.runDir as string)).toBe(path.join(dir, 'runs'));
    expect(fs.existsSync(j.report as string)).toBe(true);
  }, 150_000);

  it('standalone bench --json (short)', async () => {
    const r = await execa(process.execPath, [BIN, 'bench', '--nodes', '3', '--clients', '2', '--duration', '1', '--warmup', '0', '--read-ratio', '0.5', '--verify', '--json', '--quiet', '--runs-dir', path.join(dir, 'runs')], { reject: false, timeout: 120_000 });
    const out = r.stdout.trim().split('\n');
    expect(out, r.stderr.slice(-2000)).toHaveLength(1);
    expectValid(out);
    const b = parse(out[0] as string);
    expect(b).toMatchObject({ cmd: 'bench', ok: true });
    expect(r.exitCode).toBe(0);
    expect(path.dirname(b.runDir as string)).toBe(path.join(dir, 'runs'));
    expect(JSON.parse(fs.readFileSync(path.join(b.runDir as string, 'summary.json'), 'utf8'))).toMatchObject({ kind: 'bench', historySampled: true });
  }, 150_000);

  it('chaos and bench --json print a JSON line for a usage error too', async () => {
    for (const args of [['chaos', '--nodes', '99', '--json'], ['bench', '--clients', '0', '--json'], ['bench', '--target', 'etcd', '--json']]) {
      const r = await execa(process.execPath, [BIN, ...args], { reject: false });
      expect(r.exitCode, args.join(' ')).toBe(2);
      const out = r.stdout.trim().split('\n');
      expect(out, args.join(' ')).toHaveLength(1);
      expectValid(out);
      expect(parse(out[0] as string)).toMatchObject({ cmd: args[0], ok: false, exitCode: 2 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('up --json that cannot start prints one line too', async () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const r = await execa(process.execPath, [BIN, 'up', '3', '--json', '--data-dir', file], { reject: false, input: 'leader\n' });
    expect(r.exitCode).toBe(1);
    const out = r.stdout.trim().split('\n');
    expect(out).toHaveLength(1);
    expectValid(out);
    expect(parse(out[0] as string)).toMatchObject({ cmd: 'up', ok: false, exitCode: 1, error: expect.stringMatching(/a file is in the way/) });
  });

  it('standalone check --json: a good file, a bad file, a missing file', async () => {
    const good = path.join(dir, 'good.json');
    const op = { process: 'p1', key: 'x', completeMs: 2, outcome: 'ok' };
    fs.writeFileSync(good, JSON.stringify({ version: 1, ops: [{ ...op, id: 0, op: 'set', value: '5', invokeMs: 1 }, { ...op, id: 1, op: 'get', value: '5', invokeMs: 1.5, completeMs: 3 }] }));
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"version": 1, "ops": [');
    const cases: [string, number][] = [
      [good, 0],
      [bad, 2],
      [path.join(dir, 'missing.json'), 2],
    ];
    for (const [file, code] of cases) {
      const r = await execa(process.execPath, [BIN, 'check', file, '--json'], { reject: false });
      expect(r.exitCode, r.stderr).toBe(code);
      const out = r.stdout.trim().split('\n');
      expect(out).toHaveLength(1);
      expectValid(out);
      expect(parse(out[0] as string)).toMatchObject({ cmd: 'check', ok: code === 0, exitCode: code });
    }
  }, 60_000);
});
