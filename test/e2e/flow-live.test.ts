// The flow view on a live cluster, in a real terminal: tmux runs `paxos-cli up 3` at 80x24,
// `flow` switches to the space-time diagram, and a write shows up as its Accept and Accepted
// arrows (read from the nodes' own messages.ndjson), then Ctrl-T goes back to the panes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTmux, nodeProcesses as nodesOn, TmuxSession } from './tmux-session.js';

if (!hasTmux) console.warn('tmux not found: skipping the live flow-view test (apt-get install -y tmux)');

const BIN = path.resolve('bin/paxos-cli.js');
const term = new TmuxSession(`paxos-flow-${process.pid}`);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-cli-flow-'));
const dataDir = path.join(root, 'data');

afterAll(() => {
  term.kill();
  fs.rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('the flow view on a live 3-node cluster (tmux, 80x24)', () => {
  it('draws a write as labelled arrows across three lanes, fits 80 columns, and Ctrl-T goes back', async () => {
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} up 3 --data-dir ${JSON.stringify(dataDir)}; echo PAXOS-EXITED $?; sleep 600`;
    term.start(80, 24, cmd);
    await term.waitForScreen('a leader', (t) => /n\d LEADER/.test(t) && t.includes('paxos>'));
    term.type('flow');
    await term.waitForScreen('the flow view', (t) => t.includes('Ctrl-T panes') && !/n\d LEADER/.test(t));
    term.type('set colour blue');
    // A ballot is round.node; an Accept carries its slot span, the Accepted answers it.
    const s = await term.waitForScreen('the write as arrows', (t) => /\bA \d+\.\d s\d+/.test(t) && /◀─+Ad─|─Ad─+▶/.test(t));
    expect(s).toMatch(/n1\b.*n2\b.*n3\b/);
    for (const line of s.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    // Arrows end at lanes: every lane is drawn on the arrow rows.
    expect(s.split('\n').filter((l) => /A \d+\.\d s\d+/.test(l)).every((l) => (l.match(/[│├┤┼▶◀]/g) ?? []).length >= 3)).toBe(true);
    term.key('C-t');
    await term.waitForScreen('the panes again', (t) => /n\d LEADER/.test(t) && t.includes('Ctrl-T flow') && !t.includes('Ctrl-T panes'));
    term.type('quit');
    await term.waitForScreen('the UI to exit', (t) => t.includes('PAXOS-EXITED 0'));
    expect(nodesOn(dataDir)).toEqual([]);
  }, 90_000);
});
