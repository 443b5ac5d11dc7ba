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

  it('add-member.paxos: a voter joins while paused; from slot 9 a value needs 3 of 4 acks, not 2 of 3', async () => {
    const { lines, dataDir } = await runScenario('add-member.paxos', 3);
    const effects = effectsOf(lines);
    expect(lines.filter((l) => l.ok === false)).toEqual([]);
    // Slot 0 under the first configuration: n1 and n2 are enough.
    expect(effects).toContain('chose s0: set x=1');
    // add in step mode proposes and returns: n4, a voter of the configuration it proposed.
    expect(find(lines, 'add')).toMatchObject({ ok: true, stepMode: true, node: 4, leader: 1, proposed: { voterNodes: [1, 2, 3, 4], learnerNodes: [] } });
    // Chosen in slot 1 by 2 of 3, it rules from slot 9; the leader fills 2-8 with no-ops.
    expect(effects).toContain('chose s1: config 1 2 3 4');
    expect(effects).toContain('sent A 1.1 s2-8 to n2,n3,n4');
    expect(effects).toContain('chose s2: no-op');
    const members = lines.filter((l) => l.cmd === 'members');
    expect(members).toHaveLength(2);
    expect(members[0]).toMatchObject({ inForce: { slot: -1, voterNodes: [1, 2, 3] }, next: { slot: 1, activeFromIndex: 9, voterNodes: [1, 2, 3, 4] } });
    // Slot 9: the Accept goes to n4 too; n1+n2 is 2 of 4, not chosen; n3's ack makes 3 of 4.
    const setY = lines.findIndex((l) => l.cmd === 'set y 2');
    const after = lines.slice(setY + 1).filter((l) => l.cmd.startsWith('deliver'));
    expect(after.map((l) => l.cmd)).toEqual(['deliver 1>2', 'deliver 2>1', 'deliver 1>3', 'deliver 3>1', 'deliver 3>1']);
    const eff = (l: Line): string[] => l.effects as string[];
    expect(eff(after[1]!).some((e) => e.startsWith('chose s9'))).toBe(false);
    expect(eff(after[3]!).some((e) => e.startsWith('chose s9'))).toBe(false);
    expect(eff(after[4]!)).toContain('chose s9: set y=2');
    expect(find(lines, 'set y')).toMatchObject({ ok: true, slot: 9, leader: 1 });
    // Resumed: the configuration with n4 rules from slot 9, and the cluster file says n4 is a voter.
    expect(members[1]).toMatchObject({ inForce: { slot: 1, activeFromIndex: 9, voterNodes: [1, 2, 3, 4] }, next: null });
    expect((members[1]!.nodes as { node: number; fileMember: string }[]).find((n) => n.node === 4)?.fileMember).toBe('voter');
    expect(find(lines, 'get y')?.value).toBe('2');
    expect(find(lines, 'diff')).toMatchObject({ conflictCount: 0, lagging: [] });
    expect(Object.keys(find(lines, 'diff')?.stateHashByNode as object).sort()).toEqual(['1', '2', '3', '4']);
    const file = JSON.parse(fs.readFileSync(path.join(dataDir, 'cluster.json'), 'utf8')) as { nodes: { id: number; member?: string }[] };
    expect(file.nodes.find((n) => n.id === 4)?.member).toBe('voter');
  });
});
