// The shipped step-mode scenarios (demos/*.paxos) on real node processes: each must choose the
// value and ballot its comments promise, with every node agreeing.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, cliTempDirs } from './cli-temp-dirs.js';
import { parseTraceLine } from '../../src/trace/trace-record.js';

const tempDir = cliTempDirs('paxos-cli-scenario-');

interface Line {
  cmd: string;
  ok: boolean;
  [k: string]: unknown;
}

async function runScenario(file: string, nodes: number): Promise<{ lines: Line[]; dataDir: string }> {
  const dir = tempDir();
  const dataDir = path.join(dir, 'data');
  const r = await execa(process.execPath, [BIN, 'up', String(nodes), '--data-dir', dataDir, '--script', path.resolve('demos', file), '--json'], { reject: false, timeout: 90_000 });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
  return { lines, dataDir };
}

const effectsOf = (lines: Line[]): string[] => lines.flatMap((l) => (Array.isArray(l.effects) ? (l.effects as string[]) : []));
const find = (lines: Line[], cmd: string): Line | undefined => lines.find((l) => l.cmd === cmd);

describe('demo scenarios', { timeout: 120_000 }, () => {
  it('write.paxos: n1 leads in 1.1 and chooses x=1 in slot 0', async () => {
    const { lines, dataDir } = await runScenario('write.paxos', 3);
    const effects = effectsOf(lines);
    expect(effects).toContain('became leader (b1.1)');
    expect(effects).toContain('chose s0: set x=1');
    expect(find(lines, 'get x')?.value).toBe('1');
    expect(find(lines, 'diff')?.conflictCount).toBe(0);
    expect(lines.filter((l) => l.ok === false)).toEqual([]);
    // The trace saw the held Prepare delivered: a hold line and a later recv line of one message.
    const trace = fs.readFileSync(path.join(dataDir, 'node-2', 'messages.ndjson'), 'utf8').split('\n').map(parseTraceLine).filter((r) => r !== null);
    const prep = trace.filter((r) => r.type === 'prepare' && r.from === 1);
    expect(prep.map((r) => r.dir)).toEqual(['hold', 'recv']);
  });

  it('duel.paxos: b1.1 is rejected after n2 promised b1.3; x=a is chosen once, in 1.3 by n3', async () => {
    const { lines } = await runScenario('duel.paxos', 3);
    const effects = effectsOf(lines);
    expect(effects).toContain('sent Nack b1.1 (promised 1.3) to n1');
    expect(effects).toContain('became leader (b1.3)');
    expect(effects).toContain('chose s0: set x=a');
    expect(find(lines, 'get x')?.value).toBe('a');
    expect(find(lines, 'diff')?.conflictCount).toBe(0);
    expect(lines.filter((l) => l.ok === false)).toEqual([]);
  });

  it('leader-killed.paxos: n3 re-proposes the minority-accepted x=1 in 2.3', async () => {
    const { lines } = await runScenario('leader-killed.paxos', 5);
    const effects = effectsOf(lines);
    expect(effects).toContain('accepted s0 in b1.1');
    expect(effects).toContain('sent A 2.3 s0 to n1,n2,n4,n5');
    expect(effects).toContain('chose s0: set x=1');
    expect(find(lines, 'get x')?.value).toBe('1');
    expect(find(lines, 'diff')?.conflictCount).toBe(0);
    expect(lines.filter((l) => l.ok === false)).toEqual([]);
  });
});
