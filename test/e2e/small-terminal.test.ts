// A real terminal that starts too small, then grows: tmux runs `paxos-cli up 5` at 60x15. The
// UI says in one line what it needs, writes nothing while idle, draws the cluster once the
// window is big enough, and opens and closes a node's whole log with `logs N`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTmux, nodeProcesses as nodesOn, TmuxSession } from './tmux-session.js';

if (!hasTmux) console.warn('tmux not found: skipping the small-terminal end-to-end test (apt-get install -y tmux)');

const BIN = path.resolve('bin/paxos-cli.js');
const term = new TmuxSession(`paxos-small-${process.pid}`);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-cli-small-'));
const dataDir = path.join(root, 'data');
const piped = path.join(root, 'pane-bytes');
const waitForScreen = term.waitForScreen.bind(term);
const type = term.type.bind(term);
const nodeProcesses = () => nodesOn(dataDir);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pipedBytes = (): number => (fs.existsSync(piped) ? fs.statSync(piped).size : 0);

/** What the UI writes to the terminal over `ms` while nobody types. */
async function bytesWhileIdle(ms: number): Promise<string> {
  const before = pipedBytes();
  await sleep(ms);
  return fs.readFileSync(piped).subarray(before).toString('latin1');
}

afterAll(() => {
  term.kill();
  fs.rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('paxos-cli up 5 in a 60x15 tmux window', () => {
  it('says it is too small, stays quiet while idle, draws once resized, opens logs 2 and goes back', async () => {
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} up 5 --data-dir ${JSON.stringify(dataDir)}; echo PAXOS-EXITED $?; sleep 600`;
    term.start(60, 15, cmd);
    term.tmux('pipe-pane', '-o', '-t', 'paxos', `cat >> ${JSON.stringify(piped)}`);

    let s = await waitForScreen('the too-small message', (t) => t.includes('too small'));
    expect(s.split('\n')[0]).toMatch(/^too small: 5 nodes need 60x\d+ or 80x\d+ \(this is 60x15\)/);
    expect(s).toContain('paxos>');
    // Give the nodes time to elect a leader, then nothing should be drawn at all.
    await sleep(4000);
    expect((await bytesWhileIdle(3000)).length).toBeLessThan(200);

    term.tmux('resize-window', '-t', 'paxos', '-x', '100', '-y', '30');
    s = await waitForScreen('the full screen after the resize', (t) => /n\d LEADER/.test(t) && t.includes('paxos>'));
    expect(s).not.toContain('too small');
    expect(s).toMatch(/slot\s+n1\s+n2\s+n3\s+n4\s+n5/);

    type('set color blue');
    await waitForScreen('the set result', (t) => /set color blue → OK slot \d+/.test(t));
    await sleep(2500);
    // Idle at a size that fits: no full-screen clear, at most a small repaint (the clock-free UI
    // should write nothing, but a late poll result may land).
    const idle = await bytesWhileIdle(3000);
    expect(idle).not.toContain('\u001b[2J');
    expect(idle.length).toBeLessThan(2000);

    type('logs 2');
    s = await waitForScreen('node 2 log viewer with its events', (t) => t.includes('n2 log · ') && t.includes('q or Esc back') && /lines 1.\d+ of \d+/.test(t));
    expect(s).toContain('events.ndjson');
    expect(s).not.toContain('nothing in the log yet');
    term.key('q');
    s = await waitForScreen('back to the cluster', (t) => /n\d LEADER/.test(t) && t.includes('paxos>') && !t.includes('q or Esc back'));

    type('quit');
    await waitForScreen('the UI to exit', (t) => t.includes('PAXOS-EXITED 0'));
    expect(nodeProcesses()).toEqual([]);
  }, 90_000);
});
