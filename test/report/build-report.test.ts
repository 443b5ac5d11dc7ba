// report.html from a run folder: self-contained, counts exposed for the browser test, every
// string from the files escaped, and the counterexample found and marked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/build-report.js';
import { escapeHtml, jsonForScript } from '../../src/report/html-escape.js';
import { loadRun, RunDirError } from '../../src/report/load-run.js';
import { HOSTILE_KEY, HOSTILE_VALUE, writeRunFixture } from './run-fixture.js';

let dir = '';
afterEach(() => {
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});
const tmp = () => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-report-')));

describe('escaping', () => {
  it('escapes markup and keeps JSON from closing its script', () => {
    expect(escapeHtml('<a href="x">\'&')).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
    const j = jsonForScript({ v: '</script><script>alert(1)</script>' });
    expect(j).not.toMatch(/<\/script/i);
    expect(JSON.parse(j)).toEqual({ v: '</script><script>alert(1)</script>' });
  });

  it('no key, value, client name or band text from the folder becomes markup', () => {
    const d = tmp();
    writeRunFixture({ dir: d, hostile: true, violation: true });
    const html = fs.readFileSync(buildReport(d).path, 'utf8');
    expect(html).not.toContain(HOSTILE_KEY);
    expect(html).not.toContain(HOSTILE_VALUE);
    expect(html).not.toContain('<b>c1</b>');
    expect(html).not.toContain('</title><b>x');
    // It is there, escaped (the counterexample table shows the key).
    expect(html).toContain(escapeHtml(HOSTILE_KEY));
    // Only the page's own three scripts and the data block: nothing a value could have opened.
    expect(html.match(/<script/g)).toHaveLength(3);
  });
});

describe('buildReport', () => {
  it('writes one self-contained page with the counts of the trace', () => {
    const d = tmp();
    const books = writeRunFixture({ dir: d });
    const built = buildReport(d);
    const html = fs.readFileSync(built.path, 'utf8');
    expect(built.path).toBe(path.join(d, 'report.html'));
    expect(built.counts).toMatchObject({ lanes: books.lanes, delivered: books.delivered, arrows: books.delivered, sampled: false, lost: books.lost, dropped: books.dropped, bands: books.bands, ops: books.ops });
    expect(html).toContain(`data-lanes="${books.lanes}"`);
    expect(html).toContain(`data-arrows="${books.delivered}"`);
    // No request can leave the page: no external script, style, image or font.
    expect(html).not.toMatch(/<(script|img|iframe)[^>]+src=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/i);
    expect(html).toContain('uPlot');
    expect(built.linearizable).toBe(true);
  });

  it('finds the counterexample of a history that is not linearizable and marks its operations', () => {
    const d = tmp();
    writeRunFixture({ dir: d, violation: true });
    const built = buildReport(d);
    expect(built.linearizable).toBe(false);
    const html = fs.readFileSync(built.path, 'utf8');
    expect(html).toContain('zoom to the counterexample');
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!) as { ops: number[][]; counterexample: { ids: number[] } };
    expect(data.counterexample.ids.sort()).toEqual([0, 1, 2]);
    expect(data.ops.filter((o) => o[4] === 1).map((o) => o[5]).sort()).toEqual([0, 1, 2]);
  });

  it('a run without a message trace says so in the diagram\'s place, and how to get one', () => {
    const d = tmp();
    writeRunFixture({ dir: d });
    for (const f of fs.readdirSync(d)) if (f.startsWith('node-')) fs.rmSync(path.join(d, f, 'messages.ndjson'), { force: true });
    const summary = JSON.parse(fs.readFileSync(path.join(d, 'summary.json'), 'utf8')) as Record<string, unknown>;
    // bench without --trace: not a problem, a choice, and the page says how to record one.
    fs.writeFileSync(path.join(d, 'summary.json'), JSON.stringify({ ...summary, kind: 'bench', traced: false }));
    let html = fs.readFileSync(buildReport(d).path, 'utf8');
    expect(html).toContain('id="no-trace"');
    expect(html).toContain('the nodes of this run did not record their messages');
    expect(html).toContain('paxos-cli bench --trace');
    expect(html).toContain('not recorded (no message trace: see 1.)');
    expect(html).not.toContain('All 0 delivered messages are drawn');
    expect(html).not.toContain('<ul class="problems"><li>no message trace');
    // A folder that should have one and lacks it: said as a problem too.
    fs.writeFileSync(path.join(d, 'summary.json'), JSON.stringify({ ...summary, traced: true }));
    html = fs.readFileSync(buildReport(d).path, 'utf8');
    expect(html).toContain('id="no-trace"');
    expect(html).toContain('no node-N/messages.ndjson in this folder');
    expect(html).toMatch(/<ul class="problems">.*no message trace/s);
    // With the trace, no such note.
    writeRunFixture({ dir: d });
    expect(fs.readFileSync(buildReport(d).path, 'utf8')).not.toContain('id="no-trace"');
  });

  it('does not check a sampled history (it lacks writes its reads saw)', () => {
    const d = tmp();
    writeRunFixture({ dir: d, violation: true });
    const summary = JSON.parse(fs.readFileSync(path.join(d, 'summary.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(d, 'summary.json'), JSON.stringify({ ...summary, historySampled: true }));
    const built = buildReport(d);
    expect(built.linearizable).toBeNull();
    expect(fs.readFileSync(built.path, 'utf8')).toContain('history.json holds a sample');
  });

  it('builds from what is there when parts are missing or damaged, and says so', () => {
    const d = tmp();
    writeRunFixture({ dir: d });
    fs.rmSync(path.join(d, 'summary.json'));
    fs.writeFileSync(path.join(d, 'history.json'), '{"version": 1, "ops": [');
    const built = buildReport(d);
    expect(built.counts.lanes).toBe(3);
    const html = fs.readFileSync(built.path, 'utf8');
    expect(html).toContain('history.json is not valid JSON');
    expect(html).toContain('no summary.json');
  });

  it('refuses a missing folder, a file and a folder that is no run, in one line', () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'f.txt'), 'x');
    for (const p of [path.join(d, 'nowhere'), path.join(d, 'f.txt'), d]) {
      expect(() => loadRun(p)).toThrow(RunDirError);
      try {
        loadRun(p);
      } catch (err) {
        expect((err as Error).message).not.toContain('\n');
      }
    }
  });
});
