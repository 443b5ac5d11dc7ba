// buildReport(dir): reads a run folder and writes its report.html (rebuilt by `paxos-cli report`).
import fs from 'node:fs';
import path from 'node:path';
import { checkHistory, type CheckResult } from '../check/linearizability.js';
import { REPORT_FILE } from '../runs/run-summary.js';
import { loadRun } from './load-run.js';
import { pageData, type PageCounts } from './report-data.js';
import { renderReportHtml } from './report-html.js';

export interface BuildOptions {
  /** A verdict already computed for this history (chaos has one): no second search. */
  readonly check?: CheckResult;
  /** The checker's budget when it must run here. */
  readonly checkTimeLimitMs?: number;
}

export interface BuiltReport {
  readonly path: string;
  readonly counts: PageCounts;
  readonly linearizable: boolean | 'unknown' | null;
  readonly bytes: number;
}

const DEFAULT_CHECK_LIMIT_MS = 20_000;

export function buildReport(dir: string, o: BuildOptions = {}): BuiltReport {
  const run = loadRun(dir);
  // A sampled history leaves out writes its gets read: checking it would cry wolf.
  const checkable = run.history !== null && run.history.ops.length > 0 && run.summary?.historySampled !== true;
  const check = !checkable ? null : (o.check ?? checkHistory(run.history!.ops, { timeLimitMs: o.checkTimeLimitMs ?? DEFAULT_CHECK_LIMIT_MS, shrinkTimeLimitMs: 5000 }));
  const data = pageData(run, check);
  const html = renderReportHtml(run, data, check);
  const file = path.join(run.dir, REPORT_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, html);
  fs.renameSync(tmp, file);
  return { path: file, counts: data.counts, linearizable: check?.linearizable ?? null, bytes: Buffer.byteLength(html) };
}
