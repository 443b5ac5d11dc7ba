// Help where a new user looks for it: bare `paxos-cli`, `up --help`, `help chaos` at the prompt
// and `paxos-cli help chaos`; and the one-line refusal of a data dir that is a file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, helpOptionLines, helpText, replCommandList } from '../../src/cli/commands.js';

const BIN = path.resolve('bin/paxos-cli.js');
const run = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, timeout: 30_000 });
const CHAOS_FLAGS = ['--duration', '--clients', '--keys', '--seed', '--json'];
let dir = '';

beforeAll(() => {
  if (!fs.existsSync(path.resolve('dist/cli/main.js'))) throw new Error('run `npm run build` first: the CLI runs from dist/');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-help-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('REPL help', () => {
  it('help chaos lists every chaos option, on its line and in the detail lines', () => {
    const line = helpText('chaos');
    const detail = helpOptionLines('chaos');
    for (const flag of CHAOS_FLAGS) {
      expect(line).toContain(flag);
      expect(detail.some((l) => l.trim().startsWith(flag)), flag).toBe(true);
    }
    expect(helpOptionLines('kill')).toEqual([]);
  });

  it("up --help's list has every REPL command and fits 80 columns", () => {
    const lines = replCommandList();
    for (const c of COMMANDS) expect(lines.some((l) => l.startsWith(`  ${c.name}`)), c.name).toBe(true);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
  });
});

describe('paxos-cli', () => {
  it('bare, prints its help on stdout and exits 0', async () => {
    const r = await run([]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: paxos-cli/);
    expect(r.stdout).toContain('up [options] [N]');
    expect(r.stderr).toBe('');
  });

  it('help chaos lists chaos options (as chaos --help does)', async () => {
    const r = await run(['help', 'chaos']);
    expect(r.exitCode).toBe(0);
    for (const flag of CHAOS_FLAGS) expect(r.stdout).toContain(flag);
    expect(r.stdout).toBe((await run(['chaos', '--help'])).stdout);
  });

  it('up --help lists every REPL command', async () => {
    const r = await run(['up', '--help']);
    expect(r.exitCode).toBe(0);
    for (const c of COMMANDS) expect(r.stdout, c.name).toMatch(new RegExp(`^  ${c.name}\\b`, 'm'));
    expect(r.stdout).toContain('set k "a # b"');
  });

  it('up --fresh with a data dir that is a file: one line, exit 1, the file untouched', async () => {
    const file = path.join(dir, 'not-a-dir');
    fs.writeFileSync(file, 'keep me');
    const r = await run(['up', '--fresh', '--data-dir', file]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^paxos-cli: cannot use .*not-a-dir as the data dir \(a file is in the way\); pick another --data-dir/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
  });
});
