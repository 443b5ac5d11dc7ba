// The `logs N` viewer: its pure model (paging, search, follow) and the component on a real log
// file written the way a node writes it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { LogViewer } from '../../src/cli/ui/LogViewer.js';
import { appendLines, initialViewer, viewerFrame, viewerKey, type ViewerState } from '../../src/cli/ui/log-viewer-model.js';
import { formatEvent } from '../../src/node/events.js';

afterEach(() => cleanup());

const PAGE_UP = '\u001B[5~';
const PAGE_DOWN = '\u001B[6~';
const HOME = '\u001B[H';
const ESC = '\u001B';

function keyed(s: ViewerState, ...keys: Parameters<typeof viewerKey>[1][]): ViewerState {
  let cur = s;
  for (const k of keys) {
    const next = viewerKey(cur, k);
    if (next === 'close') throw new Error('closed');
    cur = next;
  }
  return cur;
}

const numbered = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `line ${from + i}`);

describe('log viewer model', () => {
  it('follows the end, pages back and forth, and Home/End go to the ends', () => {
    let s = appendLines(initialViewer(10), numbered(100));
    expect(s.top).toBe(90);
    expect(viewerFrame(s).status).toContain('lines 91-100 of 100 · following');
    s = keyed(s, { input: '', pageUp: true });
    expect(s.top).toBe(81);
    expect(s.follow).toBe(false);
    s = appendLines(s, numbered(5, 100));
    expect(s.top).toBe(81); // not following: the view stays where the user put it
    s = keyed(s, { input: '', home: true });
    expect(viewerFrame(s).shown[0]?.text).toBe('line 0');
    s = keyed(s, { input: '', pageDown: true });
    expect(s.top).toBe(9);
    s = keyed(s, { input: '', end: true });
    expect(s.top).toBe(95);
    s = keyed(s, { input: 'f' });
    expect(s.follow).toBe(true);
    s = appendLines(s, numbered(3, 105));
    expect(viewerFrame(s).shown.at(-1)?.text).toBe('line 107');
  });

  it('/ searches forward from the view, n and N move between matches, and a miss says so', () => {
    let s = appendLines(initialViewer(5), ['a', 'leader b1', 'b', 'c', 'd', 'e', 'f', 'leader b2', 'g']);
    s = keyed(s, { input: '', home: true }, { input: '/' }, { input: 'LEAD' }, { input: '', return: true });
    expect(s.match).toBe(1);
    s = keyed(s, { input: 'n' });
    expect(s.match).toBe(7);
    expect(viewerFrame(s).shown.map((l) => l.index)).toContain(7);
    s = keyed(s, { input: 'n' });
    expect(s.match).toBe(1); // wraps
    s = keyed(s, { input: 'N' });
    expect(s.match).toBe(7);
    s = keyed(s, { input: '/' }, { input: 'nowhere' }, { input: '', return: true });
    expect(viewerFrame(s).status).toContain('no match for "nowhere"');
  });

  it('Esc and q close it, but Esc while typing a search only ends the search', () => {
    const s = appendLines(initialViewer(5), ['x']);
    expect(viewerKey(s, { input: '', escape: true })).toBe('close');
    expect(viewerKey(s, { input: 'q' })).toBe('close');
    const typing = keyed(s, { input: '/' }, { input: 'q' });
    expect(typing.searchInput).toBe('q');
    const back = viewerKey(typing, { input: '', escape: true });
    expect(back).not.toBe('close');
    expect((back as ViewerState).searchInput).toBeNull();
  });
});

describe('LogViewer on a node log file', () => {
  function logDir(lines: number): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-viewer-'));
    const text = Array.from({ length: lines }, (_, i) => formatEvent(2, { event: 'log', level: 'info', msg: `event number ${i}` }, 1_700_000_000_000 + i) + '\n').join('');
    // The rotated part holds the oldest lines; a torn last line (a SIGKILL) is skipped.
    fs.writeFileSync(path.join(dir, 'events.1.ndjson'), formatEvent(2, { event: 'log', level: 'warn', msg: 'from the old file' }) + '\n');
    fs.writeFileSync(path.join(dir, 'events.ndjson'), text + '{"t":17000');
    return dir;
  }

  async function until(frame: () => string | undefined, test: (f: string) => boolean): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const f = frame() ?? '';
      if (test(f)) return f;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`not seen; last frame:\n${frame()}`);
  }

  it('shows the whole file across its rotated part, pages, searches, follows new lines, and closes', async () => {
    const dir = logDir(60);
    const onClose = vi.fn();
    const file = path.join(dir, 'events.ndjson');
    const { lastFrame, stdin } = render(<LogViewer node={2} dir={dir} file={file} width={80} rows={14} onClose={onClose} pollMs={20} />);
    let f = await until(lastFrame, (t) => t.includes('of 61'));
    expect(f).toContain('event number 59');
    expect(f).toContain('following');
    stdin.write(HOME);
    f = await until(lastFrame, (t) => t.includes('lines 1-10 of 61'));
    expect(f).toContain('warn: from the old file');
    stdin.write(PAGE_DOWN);
    f = await until(lastFrame, (t) => t.includes('lines 10-19 of 61'));
    stdin.write(PAGE_UP);
    await until(lastFrame, (t) => t.includes('lines 1-10 of 61'));
    // A burst, as a terminal sends a paste: the search and its Enter in one chunk.
    stdin.write('/number 42\r');
    f = await until(lastFrame, (t) => t.includes('line 44 of 61'));
    expect(f).toContain('event number 42');
    stdin.write('f');
    await until(lastFrame, (t) => t.includes('following'));
    fs.appendFileSync(file, '0}\n' + formatEvent(2, { event: 'log', level: 'info', msg: 'written later' }) + '\n');
    await until(lastFrame, (t) => t.includes('written later'));
    expect(onClose).not.toHaveBeenCalled();
    stdin.write(ESC);
    await until(() => String(onClose.mock.calls.length), (n) => n === '1');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
