// End to end in a real terminal: tmux runs `paxos-cli up 5`, keys go in with send-keys, the
// screen comes out with capture-pane. Skipped (with a message) where tmux is not installed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTmux, nodeProcesses as nodesOn, TmuxSession } from './tmux-session.js';

if (!hasTmux) console.warn('tmux not found: skipping the terminal end-to-end test (apt-get install -y tmux)');

const BIN = path.resolve('bin/paxos-cli.js');
const term = new TmuxSession(`paxos-e2e-${process.pid}`);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-cli-e2e-'));
const dataDir = path.join(root, 'data');
const waitForScreen = term.waitForScreen.bind(term);
const type = term.type.bind(term);
const nodeProcesses = () => nodesOn(dataDir);

afterAll(() => {
  term.kill();
  // The supervisor is gone with the tmux server; its nodes watch --parent-pid and follow.
  fs.rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('paxos-cli up 5 in tmux', () => {
  it('set, get, kill the leader, restart, diff, quit: on screen, and no node left behind', async () => {
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} up 5 --data-dir ${JSON.stringify(dataDir)}; echo PAXOS-EXITED $?; sleep 600`;
    term.start(120, 40, cmd);

    let s = await waitForScreen('a leader and the prompt', (t) => /n\d LEADER/.test(t) && t.includes('paxos>'));
    expect(s).toMatch(/slot\s+n1\s+n2\s+n3\s+n4\s+n5/);

    type('set color blue');
    s = await waitForScreen('the set result', (t) => /set color blue → OK slot \d+ \(leader n\d/.test(t));
    type('get color');
    // The get's result, and the replicated-log view showing the slot (it polls the nodes).
    s = await waitForScreen('the get result and the slot in the log view', (t) => /get color → blue/.test(t) && /set color=blue/.test(t));

    const leader = Number(/n(\d) LEADER/.exec(s)?.[1]);
    type(`kill ${leader}`);
    s = await waitForScreen('the kill result', (t) => t.includes(`kill ${leader} → killed node ${leader}`));
    s = await waitForScreen('a new leader', (t) => {
      const m = /n(\d) LEADER/.exec(t);
      return m !== null && Number(m[1]) !== leader;
    });
    expect(s).toMatch(new RegExp(`n${leader} down`));

    type('set after kill');
    await waitForScreen('a write under the new leader', (t) => /set after kill → OK slot \d+/.test(t));
    type(`restart ${leader}`);
    await waitForScreen('the restart result', (t) => t.includes(`restart ${leader} → restarted node ${leader}`));

    // The restarted node may still be catching up: diff until no lag (bounded).
    const deadline = Date.now() + 20_000;
    while (true) {
      type('diff');
      s = await waitForScreen('the diff result', (t) => /diff → identical prefix \d+/.test(t.split('\n').filter((l) => l.includes('diff →')).at(-1) ?? ''));
      const lastDiff = s.split('\n').filter((l) => l.includes('diff →')).at(-1) ?? '';
      expect(lastDiff).toContain('0 conflicts');
      if (lastDiff.includes('no lag') || Date.now() > deadline) {
        expect(lastDiff).toMatch(/no lag; 0 conflicts; state hash [0-9a-f]+ on all 5/);
        break;
      }
      type('clear');
      await waitForScreen('cleared results', (t) => !t.includes('diff →'));
    }

    // A long chaos run stopped with Esc: it heals, checks and reports what ran.
    type('clear');
    await waitForScreen('cleared results', (t) => !t.includes('diff →'));
    type('chaos --duration 120 --seed 7');
    await waitForScreen('chaos under way', (t) => /chaos \d+s left/.test(t) && t.includes('Esc stops the faults early'));
    await new Promise((r) => setTimeout(r, 1500));
    term.key('Escape');
    s = await waitForScreen('the stopped chaos report', (t) => /chaos: 5 nodes, [\d.]+ m?s \(stopped early\)/.test(t) && /linearizable +\w/.test(t), 60_000);
    expect(s).toMatch(/conflicts +0\n/);
    expect(s).toMatch(/linearizable +yes/);

    type('quit');
    await waitForScreen('the UI to exit', (t) => t.includes('PAXOS-EXITED 0'));
    expect(nodeProcesses()).toEqual([]);
  });
});
