// Bad options and bad cluster files: one line on stderr, exit code 2, no stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNodeArgs } from '../../src/node/main.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/paxos-cli.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'paxos-node-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [BIN, 'node', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('paxos-cli node options', () => {
  it('--help explains every option and exits 0', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    for (const opt of ['--id', '--cluster', '--data-dir', '--tick-ms', '--request-timeout-ms', '--parent-pid', '--trace']) {
      expect(r.stdout).toContain(opt);
    }
  });

  it('traces only with --trace; --no-trace (the default now) is still taken', () => {
    const base = ['--id', '1', '--cluster', 'c.json', '--data-dir', dir];
    expect(parseNodeArgs(base)).toMatchObject({ id: 1 });
    expect((parseNodeArgs(base) as { trace?: boolean }).trace).toBeUndefined();
    expect(parseNodeArgs([...base, '--trace'])).toMatchObject({ trace: true });
    expect(parseNodeArgs([...base, '--no-trace'])).toMatchObject({ trace: false });
  });

  const good = JSON.stringify({ nodes: [{ id: 1, host: '127.0.0.1', port: 7001 }] });
  const cases: [string, () => string[]][] = [
    ['a missing --id', () => ['--cluster', file('a.json', good), '--data-dir', dir]],
    ['a non-numeric --id', () => ['--id', 'x', '--cluster', file('b.json', good), '--data-dir', dir]],
    ['an id not in the cluster', () => ['--id', '4', '--cluster', file('c.json', good), '--data-dir', dir]],
    ['a missing cluster file', () => ['--id', '1', '--cluster', path.join(dir, 'nope.json'), '--data-dir', dir]],
    ['a cluster file that is not JSON', () => ['--id', '1', '--cluster', file('d.json', '{nodes:'), '--data-dir', dir]],
    ['duplicate node ids', () => ['--id', '1', '--cluster', file('e.json', JSON.stringify({ nodes: [{ id: 1, port: 7001 }, { id: 1, port: 7002 }] })), '--data-dir', dir]],
    ['a bad port', () => ['--id', '1', '--cluster', file('f.json', JSON.stringify({ nodes: [{ id: 1, port: 70000 }] })), '--data-dir', dir]],
    ['an unknown option', () => ['--id', '1', '--cluster', file('g.json', good), '--data-dir', dir, '--fast']],
    ['a zero tick', () => ['--id', '1', '--cluster', file('h.json', good), '--data-dir', dir, '--tick-ms', '0']],
  ];
  it.each(cases)('rejects %s with one line and exit code 2', (_name, args) => {
    const r = run(args());
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });
});
