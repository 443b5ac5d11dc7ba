// Given a node that voted and was SIGKILLed (its votes still in LevelDB's .log), when bytes of
// its DB are flipped, then it refuses to start: exit code 1 and one line naming the damage,
// on this start and every later one, never voting with what LevelDB could salvage.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, waitFor, type NodeProc } from './harness.js';

let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

/** Starts the node and resolves once it has either exited or reported ready (then fails). */
async function startRefused(c: TestCluster, id: number): Promise<NodeProc> {
  const proc = c.spawn(id);
  await waitFor(`node ${id} to exit or become ready`, () => proc.exit !== null || proc.events.some((e) => e.event === 'ready'), 20_000);
  expect(proc.events.some((e) => e.event === 'ready'), `node ${id} started on a damaged DB`).toBe(false);
  await proc.exited;
  return proc;
}

function expectOneLineRefusal(proc: NodeProc, pattern: RegExp): void {
  expect(proc.exit).toEqual({ code: 1, signal: null });
  const lines = proc.stderr.trim().split('\n');
  expect(lines, proc.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^paxos-cli node ${proc.id}: `));
  expect(lines[0]).toMatch(pattern);
  expect(lines[0]).toMatch(/Restore the directory from a backup, or put a new node in its place with replace N \(the cluster keeps its data\), or start a new cluster with --fresh\.$/);
}

/** A 3-node cluster that took writes; returns it with follower `victim` SIGKILLed. */
async function clusterWithKilledFollower(): Promise<{ c: TestCluster; victim: number }> {
  cluster = await TestCluster.create({ size: 3 });
  const c = cluster;
  await c.startAll();
  const client = c.client();
  const leader = await c.waitForLeader(client);
  for (let i = 0; i < 40; i++) await client.set(`k${i}`, `v${i}`.repeat(20));
  const victim = c.ids.find((id) => id !== leader)!;
  await c.waitConverged(client, c.ids);
  await c.kill(victim, 'SIGKILL');
  return { c, victim };
}

async function flip(file: string, at: number, count: number): Promise<void> {
  const bytes = await readFile(file);
  for (let i = at; i < Math.min(at + count, bytes.length); i++) bytes[i] = bytes[i]! ^ 0xff;
  await writeFile(file, bytes);
}

describe('node processes: a damaged DB is refused', () => {
  it('refuses 40 flipped bytes inside the .log records of its votes, now and on every later start', async () => {
    const { c, victim } = await clusterWithKilledFollower();
    const dir = c.dataDir(victim);
    const log = (await readdir(dir)).find((f) => /^\d+\.log$/.test(f))!;
    const bytes = await readFile(path.join(dir, log));
    // Inside the record of a vote in the middle of the log, not at its (legitimately torn) tail.
    const at = bytes.indexOf(Buffer.from('!acc!0000000000000020'));
    expect(at, 'slot 20 vote in the .log').toBeGreaterThan(0);
    await flip(path.join(dir, log), at, 40);

    const first = await startRefused(c, victim);
    expectOneLineRefusal(first, new RegExp(`is damaged: LevelDB dropped records while recovering it \\(.*${log}: dropping \\d+ bytes; Corruption: checksum mismatch\\)`));
    expect(first.stderr).toContain(`damaged-${log}`);
    // LevelDB rewrote the DB without the dropped records: only the DAMAGED record remembers.
    const again = await startRefused(c, victim);
    expect(again.stderr).toBe(first.stderr);
  });

  it('refuses a garbled table (.ldb) file, and a missing CURRENT', async () => {
    const { c, victim } = await clusterWithKilledFollower();
    const dir = c.dataDir(victim);
    // A clean start turns the .log into a table file; stop it again so the votes sit in an .ldb.
    await c.start(victim);
    await c.kill(victim, 'SIGTERM');
    const table = (await readdir(dir)).find((f) => f.endsWith('.ldb'))!;
    expect(table).toBeDefined();
    const size = (await readFile(path.join(dir, table))).length;
    await flip(path.join(dir, table), Math.floor(size / 3), 40);
    expectOneLineRefusal(await startRefused(c, victim), /is damaged: (record .* fails its checksum|LevelDB cannot (read|open) it)/);

    await rm(path.join(dir, 'CURRENT'));
    expectOneLineRefusal(await startRefused(c, victim), /is damaged: its LevelDB files are there but CURRENT is missing/);
  });
});
