// report.html in a real headless Chromium (Debian's, driven by playwright-core): one lane per
// node, one arrow per delivered message of the trace (within the sampling rule), the fault
// bands, the counterexample outlined, no console or page errors, no request leaving the page,
// and a screenshot of the diagram that is not blank. Skipped only without /usr/bin/chromium
// outside CI; under CI it must run (.ci/run installs the browser).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/build-report.js';
import { MAX_ARROWS } from '../../src/report/message-layout.js';
import { writeRunFixture, type FixtureBooks } from './run-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const present = fs.existsSync(CHROMIUM);
if (!present && process.env.CI === undefined) {
  process.stderr.write(`report browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium); under CI=true it runs and fails instead\n`);
}

let browser: Browser | null = null;
let root = '';

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-report-browser-'));
  if (!present && process.env.CI === undefined) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

interface Opened {
  readonly page: Page;
  readonly errors: string[];
  readonly requests: string[];
  readonly books: FixtureBooks;
  close(): Promise<void>;
}

async function open(name: string, fixture: Omit<Parameters<typeof writeRunFixture>[0], 'dir'>): Promise<Opened> {
  const dir = path.join(root, name);
  const books = writeRunFixture({ dir, ...fixture });
  const file = buildReport(dir).path;
  const context = await browser!.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  context.on('request', (r) => requests.push(r.url()));
  const url = pathToFileURL(file).href;
  await page.goto(url);
  await page.waitForSelector('body[data-rendered="1"]', { timeout: 15_000 });
  return { page, errors, requests: requests.filter((u) => u !== url), books, close: () => context.close() };
}

/** Distinct colours in a PNG, counted by the browser itself (a canvas in a blank page). */
async function distinctColours(png: Buffer): Promise<number> {
  const page = await browser!.newPage();
  try {
    // Runs in the page (a string: this project's TypeScript has no DOM types).
    const count = `(async () => {
      const img = new Image();
      img.src = 'data:image/png;base64,${png.toString('base64')}';
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set();
      for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return seen.size;
    })()`;
    return (await page.evaluate(count)) as number;
  } finally {
    await page.close();
  }
}

const run = present || process.env.CI !== undefined ? describe : describe.skip;

run('report.html in headless Chromium', () => {
  it('draws a lane per node, an arrow per delivered message, the fault bands and the counterexample; no errors; not blank', async () => {
    const o = await open('violation', { violation: true, hostile: true });
    try {
      const { page, books } = o;
      const st = page.locator('#spacetime');
      expect(await st.getAttribute('data-lanes')).toBe(String(books.lanes));
      expect(await page.locator('#spacetime g.lane').count()).toBe(books.lanes);
      expect(await st.getAttribute('data-sampled')).toBe('false');
      expect(await st.getAttribute('data-arrows')).toBe(String(books.delivered));
      expect(await page.locator('#spacetime line.arrow').count()).toBe(books.delivered);
      expect(await page.locator('#spacetime g.mark.dropped').count()).toBe(books.dropped);
      expect(await page.locator('#spacetime g.mark.lost').count()).toBe(books.lost);
      expect(await page.locator('#spacetime g.band').count()).toBe(books.bands);
      for (const kind of ['kill', 'partition', 'pause', 'slow']) expect(await page.locator(`#spacetime g.band[data-kind="${kind}"]`).count(), kind).toBe(1);
      expect(await page.locator('#timeline g.op').count()).toBe(books.ops);
      expect(await page.locator('#timeline g.op.cx').count()).toBe(3);
      expect(await page.locator('#latency canvas').count()).toBeGreaterThan(0);
      // The hostile strings stayed text.
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
      expect(await page.locator('img').count()).toBe(0);

      // Zoom in narrows what is drawn; "whole run" brings every arrow back.
      await page.click('#zoom-cx');
      const zoomed = Number(await st.getAttribute('data-drawn-arrows'));
      expect(zoomed).toBeLessThan(books.delivered);
      await page.click('#zoom-reset');
      expect(Number(await st.getAttribute('data-drawn-arrows'))).toBe(books.delivered);
      await page.mouse.move(600, 300);

      const shot = await st.screenshot();
      const blank = await (async () => {
        const p = await browser!.newPage();
        await p.setContent('<html><body style="background:#fff"></body></html>');
        const b = await p.screenshot({ clip: { x: 0, y: 0, width: 400, height: 200 } });
        await p.close();
        return b;
      })();
      expect(await distinctColours(blank)).toBeLessThanOrEqual(2);
      expect(await distinctColours(shot)).toBeGreaterThan(20);

      expect(o.errors).toEqual([]);
      expect(o.requests).toEqual([]);
    } finally {
      await o.close();
    }
  }, 60_000);

  it('a big trace is sampled by the stated rule: every non-heartbeat drawn, heartbeats fill up to the limit', async () => {
    const o = await open('big', { heartbeatEveryMs: 1 });
    try {
      const { page, books } = o;
      expect(books.delivered).toBeGreaterThan(MAX_ARROWS);
      const st = page.locator('#spacetime');
      expect(await st.getAttribute('data-sampled')).toBe('true');
      expect(await st.getAttribute('data-delivered')).toBe(String(books.delivered));
      expect(await page.locator('#spacetime line.arrow').count()).toBe(MAX_ARROWS);
      expect(await page.locator('#spacetime line.arrow:not(.hb)').count()).toBe(books.delivered - books.deliveredHeartbeats);
      expect(await page.locator('text=Sampled:').count()).toBe(1);
      expect(o.errors).toEqual([]);
    } finally {
      await o.close();
    }
  }, 60_000);
});
