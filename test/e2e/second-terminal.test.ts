// A second terminal beside `up`, as a person would use one: one-shot commands with no flags (the
// cluster file defaults to ./paxos-data/cluster.json) and `attach`, whose panes, REPL and quit
// work on nodes it did not start and leave them running.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateLine } from '../../src/json/contract.js';
import { hasTmux, nodeProcesses, TmuxSession } from './tmux-session.js';

if (!hasTmux) console.warn('tmux not found: skipping the second-terminal test (apt-get install -y tmux)');

const BIN = path.resolve('bin/paxos-cli.js');
const socket = `paxos-second-${process.pid}`;
const upTerm = new TmuxSession(socket, 'up');
const attachTerm = new TmuxSession(socket, 'attach');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-cli-second-'));
// attach's temp copy goes under here, so "nothing left behind" is this test's alone.
const tmp = path.join(root, 'tmp');
fs.mkdirSync(tmp);

afterAll(() => {
  upTerm.kill();
  fs.rmSync(root, { recursive: true, force: true });
});

function oneshot(args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    return { code: 0, stdout: execFileSync(process.execPath, [BIN, ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }), stderr: '' };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe.skipIf(!hasTmux)('a second terminal beside up (tmux)', () => {
  it('one-shot commands and attach drive the cluster up shows; quitting attach leaves it running', async () => {
    const node = JSON.stringify(process.execPath);
    upTerm.start(100, 30, `cd ${JSON.stringify(root)} && ${node} ${JSON.stringify(BIN)} up 3; echo PAXOS-EXITED $?; sleep 600`);
    await upTerm.waitForScreen('a leader', (t) => /n\d LEADER/.test(t) && t.includes('paxos>'), 60_000);

    const set = oneshot(['set', 'colour', 'blue']);
    expect(set, set.stderr).toMatchObject({ code: 0 });
    expect(set.stdout).toMatch(/^OK slot \d+/);
    const get = oneshot(['get', 'colour', '-w', 'json']);
    expect(validateLine(get.stdout.trim())).toMatchObject({ ok: true });
    expect(JSON.parse(get.stdout)).toMatchObject({ cmd: 'get colour', ok: true, value: 'blue' });
    expect(oneshot(['get'])).toMatchObject({ code: 2 });
    expect(oneshot(['kill', '1']).code).toBe(2);

    // stop 3 through the API: up sees an exit that was asked for.
    expect(oneshot(['stop', '3'])).toMatchObject({ code: 0 });
    await upTerm.waitForScreen('n3 stopped', (t) => /n3 down STOPPED/.test(t));
    expect(upTerm.screen()).not.toContain('CRASHED');

    attachTerm.start(100, 30, `cd ${JSON.stringify(root)} && TMPDIR=${JSON.stringify(tmp)} ${node} ${JSON.stringify(BIN)} attach; echo ATTACH-EXITED $?; sleep 600`);
    // Its panes come from the nodes' own logs, read through their API.
    await attachTerm.waitForScreen('attach panes with log lines', (t) => /n\d LEADER/.test(t) && /leader is n\d/.test(t) && t.includes('paxos>'), 60_000);
    attachTerm.type('get colour');
    await attachTerm.waitForScreen('the value', (t) => /get colour → blue/.test(t));
    attachTerm.type('kill 1');
    await attachTerm.waitForScreen('kill refused', (t) => t.includes('runs elsewhere'));
    // The flow view turns the nodes' trace on through their API and draws it from the copy.
    attachTerm.type('flow');
    await attachTerm.waitForScreen('the flow view', (t) => t.includes('Ctrl-T panes') && t.includes('tracing on from now'));
    attachTerm.type('set shade dark');
    await attachTerm.waitForScreen('the write as arrows', (t) => /\bA \d+\.\d s\d+/.test(t) && /◀─+Ad─|─Ad─+▶/.test(t), 30_000);
    attachTerm.key('C-t');
    await attachTerm.waitForScreen('the panes again', (t) => /n\d LEADER/.test(t));
    attachTerm.type('quit');
    await attachTerm.waitForScreen('attach to exit', (t) => t.includes('ATTACH-EXITED 0'));
    expect(attachTerm.screen()).toContain('the nodes keep running');
    // It switched the trace back off on the way out, as it found it.
    expect(oneshot(['status']).stdout).toContain('message trace: off');
    expect(fs.readdirSync(tmp)).toEqual([]);

    // up still runs its two nodes and answers.
    expect(upTerm.screen()).toContain('paxos>');
    expect(oneshot(['get', 'colour']).stdout).toMatch(/^blue\s/);
    upTerm.type('quit');
    await upTerm.waitForScreen('up to exit', (t) => t.includes('PAXOS-EXITED 0'));
    expect(nodeProcesses(path.join(root, 'paxos-data'))).toEqual([]);
  }, 180_000);
});
