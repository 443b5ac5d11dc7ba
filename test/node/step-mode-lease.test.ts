// Step mode lets `elect N` win at once, past the followers' lease guard; so a paused leader must
// not serve reads by lease, or it could answer from a state a new leader has already overwritten.
// Real nodes: n2 leads and holds a lease; the cluster is paused; n1 is elected with n3 behind
// n2's back and a write is acknowledged through it; n2, still sure it leads, is asked for a lease
// read. It must not answer the old value. (Removing ReadLease.setSuspended from step mode makes
// this fail: the read comes back "old", by lease, after "new" was acknowledged.)
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cliTempDirs } from '../cli/cli-temp-dirs.js';

const tempDir = cliTempDirs('paxos-step-lease-');
let up: ChildProcess | null = null;

afterEach(async () => {
  if (up !== null && up.exitCode === null) {
    const gone = new Promise((r) => up!.once('exit', r));
    up.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
    if (up.exitCode === null) up.kill('SIGKILL');
  }
  up = null;
});

describe('a paused leader and its lease', () => {
  it('serves no lease read once step mode may have elected another leader', async () => {
    const dataDir = path.join(tempDir(), 'data');
    // Long ticks: a lease of 35 s (0.7 x 10 ticks), far longer than the steps below take, so
    // only the suspension can keep n2 from answering.
    up = spawn(process.execPath, [BIN, 'up', '3', '--data-dir', dataDir, '--tick-ms', '5000', '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = createInterface({ input: up.stdout! })[Symbol.asyncIterator]();
    const run = async (cmd: string): Promise<Record<string, unknown>> => {
      up!.stdin!.write(cmd + '\n');
      const next = await lines.next();
      expect(next.done, `no answer to ${cmd}`).toBe(false);
      return JSON.parse(next.value as string) as Record<string, unknown>;
    };
    // A first command of `pause` would start the nodes paused; from stdin the election is ours too.
    expect(await run('pause')).toMatchObject({ ok: true });
    expect(await run('elect 2')).toMatchObject({ ok: true });
    expect(await run('deliver 2>3')).toMatchObject({ ok: true });
    expect(await run('deliver 3>2')).toMatchObject({ ok: true });
    expect(await run('resume')).toMatchObject({ ok: true });
    expect(await run('set x old')).toMatchObject({ ok: true, leader: 2 });
    // Until a heartbeat round after the resume confirms it, n2 has no lease: ask until it does.
    let byLease = false;
    for (let i = 0; i < 100 && !byLease; i++) {
      const r = await run('get x --mode lease --from 2');
      byLease = r.readMode === 'lease' && r.value === 'old';
      if (!byLease) await new Promise((r) => setTimeout(r, 250));
    }
    expect(byLease, 'n2 serves reads by lease before the pause').toBe(true);

    expect(await run('pause')).toMatchObject({ ok: true });
    // n1 is elected by n3 alone; n2 hears nothing (its held messages stay held).
    expect(await run('elect 1')).toMatchObject({ ok: true });
    expect(await run('deliver 1>3')).toMatchObject({ ok: true });
    expect(await run('deliver 3>1')).toMatchObject({ ok: true });
    // A second client, which knows no leader, asks n1 first: the new leader.
    const write = execa(process.execPath, [BIN, 'set', 'x', 'new', '--cluster', path.join(dataDir, 'cluster.json'), '-w', 'json'], { reject: false, timeout: 30_000 });
    let written: Record<string, unknown> | null = null;
    void write.then((r) => (written = JSON.parse(r.stdout) as Record<string, unknown>));
    for (let i = 0; i < 40 && written === null; i++) {
      // Only n1 and n3 talk: n2 must not learn of ballot 2.1.
      await run('deliver 1>3');
      await run('deliver 3>1');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(written, 'the write through n1 was acknowledged').toMatchObject({ ok: true, leader: 1 });
    // Asked by another client (the REPL's own reads wait while the cluster is paused).
    const read = await execa(process.execPath, [BIN, 'get', 'x', '--mode', 'lease', '--from', '2', '--cluster', path.join(dataDir, 'cluster.json'), '-w', 'json'], { reject: false, timeout: 30_000 });
    const stale = JSON.parse(read.stdout) as Record<string, unknown>;
    // Refused, or waiting for a round that cannot finish while paused, is right; "old" is not.
    expect(stale.value === 'old' ? `n2 answered "old" by ${String(stale.readMode)} after "new" was acknowledged` : null).toBeNull();
    expect(await run('resume')).toMatchObject({ ok: true });
  }, 120_000);
});
