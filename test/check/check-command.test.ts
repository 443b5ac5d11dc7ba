import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheckCommand } from '../../src/check/check-command.js';
import { validateLine } from '../../src/json/contract.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paxos-check-cmd-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCheckCommand(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

async function file(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const setX5 = { id: 0, process: 'p3', op: 'set', key: 'x', value: '5', invokeMs: 12.1, completeMs: 14.9, outcome: 'ok' };
const getX5 = { id: 1, process: 'p1', op: 'get', key: 'x', value: '5', invokeMs: 15, completeMs: 16, outcome: 'ok' };
const setX6 = { id: 2, process: 'p2', op: 'set', key: 'x', value: '6', invokeMs: 17, completeMs: 18, outcome: 'ok' };
const staleGet = { id: 3, process: 'p1', op: 'get', key: 'x', value: '5', invokeMs: 19, completeMs: 20, outcome: 'ok' };

describe('paxos-cli check', () => {
  it('exits 0 with a human verdict for a linearizable history', async () => {
    const r = await run([await file('ok.json', { version: 1, ops: [setX5, getX5] })]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/ops\s+2 on 1 key/);
    expect(r.out).toMatch(/linearizable\s+yes/);
    expect(r.out).toMatch(/checked in\s+[\d.]+ms/);
  });

  it('exits 1 and prints the counterexample as readable lines', async () => {
    const r = await run([await file('stale.json', [setX5, getX5, setX6, staleGet])]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/linearizable\s+NO/);
    expect(r.out).toContain('counterexample on key x (minimal, 3 ops):');
    expect(r.out).toContain('  [p3] set x=5  12.1ms..14.9ms ok');
    expect(r.out).toContain('  [p2] set x=6  17.0ms..18.0ms ok');
    expect(r.out).toContain('  [p1] get x -> 5  19.0ms..20.0ms ok');
    expect(r.out).not.toContain('15.0ms'); // the fresh read is not part of the story
  });

  it('prints one JSON object with --json', async () => {
    const r = await run([await file('stale2.json', [setX5, getX5, setX6, staleGet]), '--json']);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0] as string);
    expect(json).toMatchObject({ cmd: 'check', ok: false, exitCode: 1, linearizable: false, keyCount: 1, opCount: 4, counterexample: { key: 'x' } });
    expect(validateLine(lines[0] as string)).toEqual({ ok: true, schema: 'paxos-cli check' });
    expect(json.counterexample.ops.map((o: { id: number }) => o.id)).toEqual([0, 2, 3]);
  });

  it('exits 2 with one clear line on bad input', async () => {
    const cases = [
      [join(dir, 'missing.json')],
      [await file('bad.json', '{"version": 1, "ops": [')],
      [await file('schema.json', [{ ...setX5, outcome: 'maybe' }])],
      [],
      ['a.json', '--bogus'],
      ['a.json', '--timeout', 'soon'],
    ];
    for (const argv of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.out, argv.join(' ')).toBe('');
      expect(r.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.err, argv.join(' ')).not.toMatch(/\n\s+at /);
    }
    expect((await run([join(dir, 'missing.json')])).err).toMatch(/^check: cannot read .*missing\.json: no such file/);
    expect((await run([join(dir, 'schema.json')])).err).toMatch(/ops\[0\]\.outcome: /);
  });

  it('prints one JSON line for bad input too with --json, and still one line on stderr', async () => {
    const cases = [[join(dir, 'missing.json')], [await file('bad2.json', '{"version": 1, "ops": [')], ['a.json', '--bogus'], ['a.json', '--timeout', 'soon']];
    for (const argv of cases) {
      const r = await run([...argv, '--json']);
      expect(r.code, argv.join(' ')).toBe(2);
      const lines = r.out.trim().split('\n');
      expect(lines, argv.join(' ')).toHaveLength(1);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ cmd: 'check', ok: false, exitCode: 2, error: expect.stringMatching(/\S/) });
      expect(validateLine(lines[0] as string).ok, lines[0]).toBe(true);
      expect(r.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });

  it('says there was nothing to check for a history without operations, on screen and in JSON', async () => {
    const empty = await file('empty.json', { version: 1, ops: [] });
    const human = await run([empty]);
    expect(human.code).toBe(0);
    expect(human.out).toBe(`nothing to check: ${empty} has no operations\n`);
    const r = await run([empty, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ cmd: 'check', ok: true, opCount: 0, note: `nothing to check: ${empty} has no operations` });
    expect(validateLine(r.out.trim()).ok).toBe(true);
  });

  it('shows help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Exit status: 0 linearizable, 1 not linearizable, 2 bad input, 3 undecided');
  });
});
