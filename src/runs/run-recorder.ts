// One run's folder, from its start to its report: made when the run starts (so even a run cut
// short leaves one), fed fault bands while it runs, and filled when it ends: every node's
// events and messages (copied before a temp data dir goes), history.json, faults.json,
// summary.json, report.html. Synchronous on purpose: it also runs on the way out of a process
// (a second Ctrl-C), where nothing asynchronous gets to finish.
import fs from 'node:fs';
import path from 'node:path';
import type { History } from '../check/history.js';
import type { CheckResult } from '../check/linearizability.js';
import { buildReport } from '../report/build-report.js';
import { FaultRecorder, type FaultSources } from './fault-bands.js';
import { copyNodeFiles, createRunFolder, DEFAULT_RUNS_DIR, type RunKind } from './run-folder.js';
import { FAULTS_FILE, HISTORY_FILE, REPORT_FILE, SUMMARY_FILE, type RunSummary, type Verdict } from './run-summary.js';

export interface RunEnd {
  /** The cluster's data dir, whose node-N/ files are copied; null when there is none here. */
  readonly dataDir: string | null;
  readonly history: History | null;
  /** The command's --json fields (without cmd and ok). */
  readonly result: Record<string, unknown> | null;
  readonly verdict: Verdict;
  readonly interrupted: boolean;
  readonly historySampled?: boolean;
  readonly historyOpCount?: number;
  /** Whether the nodes recorded their messages: the report says why it has none when they did not. */
  readonly traced?: boolean;
  /** The verdict already computed on this history: the report shows it instead of checking again. */
  readonly check?: CheckResult;
  /** Without `check`: the checker's budget here (short on the way out of an interrupted run). */
  readonly checkTimeLimitMs?: number;
}

export interface RunFiles {
  readonly dir: string;
  readonly report: string;
  /** The report could not be built (the folder is still complete otherwise): one line. */
  readonly reportError?: string;
}

/** `--runs-dir` and `--no-record` as commander leaves them (`record` false for --no-record). */
export interface RecordOptions {
  readonly record: boolean;
  readonly runsDir?: string;
}

export class RunRecorder {
  readonly faults: FaultRecorder;
  private done: RunFiles | null = null;

  private constructor(
    readonly kind: RunKind,
    readonly dir: string,
    readonly startedAtMs: number,
    private readonly nodes: readonly number[],
    private readonly clock: () => number,
  ) {
    this.faults = new FaultRecorder(clock);
  }

  static start(kind: RunKind, nodes: readonly number[], o: { runsDir?: string; clock?: () => number } = {}): RunRecorder {
    const clock = o.clock ?? Date.now;
    const at = clock();
    return new RunRecorder(kind, createRunFolder(kind, o.runsDir ?? DEFAULT_RUNS_DIR, at), at, nodes, clock);
  }

  listen(sources: FaultSources): void {
    this.faults.listen(sources);
  }

  get finished(): RunFiles | null {
    return this.done;
  }

  /** Writes everything; once only (a second call returns the first result). */
  finish(end: RunEnd): RunFiles {
    if (this.done !== null) return this.done;
    this.faults.stop();
    const endedAtMs = this.clock();
    const files: string[] = [];
    if (end.dataDir !== null) files.push(...copyNodeFiles(end.dataDir, this.nodes, this.dir));
    if (end.history !== null) {
      fs.writeFileSync(path.join(this.dir, HISTORY_FILE), JSON.stringify(end.history) + '\n');
      files.push(HISTORY_FILE);
    }
    fs.writeFileSync(path.join(this.dir, FAULTS_FILE), JSON.stringify({ version: 1, bands: this.faults.bands() }, null, 1) + '\n');
    files.push(FAULTS_FILE, SUMMARY_FILE, REPORT_FILE);
    const summary: RunSummary = {
      version: 1,
      kind: this.kind,
      startedAt: new Date(this.startedAtMs).toISOString(),
      endedAt: new Date(endedAtMs).toISOString(),
      startedAtMs: this.startedAtMs,
      endedAtMs,
      nodeCount: this.nodes.length,
      nodes: [...this.nodes],
      interrupted: end.interrupted,
      verdict: end.verdict,
      result: end.result,
      historySampled: end.historySampled === true,
      ...(end.historyOpCount !== undefined ? { historyOpCount: end.historyOpCount } : {}),
      ...(end.traced !== undefined ? { traced: end.traced } : {}),
      files: files.sort(),
    };
    fs.writeFileSync(path.join(this.dir, SUMMARY_FILE), JSON.stringify(summary, null, 1) + '\n');
    const report = path.join(this.dir, REPORT_FILE);
    try {
      buildReport(this.dir, end.check !== undefined ? { check: end.check } : end.checkTimeLimitMs !== undefined ? { checkTimeLimitMs: end.checkTimeLimitMs } : {});
      this.done = { dir: this.dir, report };
    } catch (err) {
      this.done = { dir: this.dir, report, reportError: `cannot build ${report}: ${err instanceof Error ? err.message : String(err)}` };
    }
    return this.done;
  }
}

/** The lines every recorded run prints at its end. */
export function runFilesText(f: RunFiles): string[] {
  return [`run folder       ${f.dir}`, f.reportError !== undefined ? `report           not built: ${f.reportError}` : `report           ${f.report}`];
}

/** The same, as --json fields. */
export function runFilesJson(f: RunFiles | null): { runDir?: string; report?: string } {
  return f === null ? {} : { runDir: f.dir, ...(f.reportError === undefined ? { report: f.report } : {}) };
}
