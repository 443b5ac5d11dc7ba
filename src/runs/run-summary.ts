// summary.json: what ran, when, how big, what it printed (its --json object) and the verdict.
// The report reads it back, so its shape is checked when loaded: the folder may be old or edited.
export const SUMMARY_FILE = 'summary.json';
export const HISTORY_FILE = 'history.json';
export const FAULTS_FILE = 'faults.json';
export const REPORT_FILE = 'report.html';

/** pass/fail/undecided as the command decided; `none` when nothing was judged (bench, up). */
export type Verdict = 'pass' | 'fail' | 'undecided' | 'none';

export interface RunSummary {
  readonly version: 1;
  readonly kind: string;
  readonly startedAt: string;
  readonly endedAt: string;
  /** Wall clock, ms since the epoch: the origin of every time axis in the report. */
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly nodeCount: number;
  readonly nodes: readonly number[];
  /** Ctrl-C ended it early; the folder holds what was gathered. */
  readonly interrupted: boolean;
  readonly verdict: Verdict;
  /** The command's --json object (without cmd/ok), or null when it did not get that far. */
  readonly result: Record<string, unknown> | null;
  /** true: history.json holds a sample of the operations (bench), not to be checked. */
  readonly historySampled: boolean;
  /** Operations the run made, when sampled (history.json holds fewer). */
  readonly historyOpCount?: number;
  /** Whether the nodes recorded their messages (false: bench without --trace); absent in older folders. */
  readonly traced?: boolean;
  /** Files of the folder, relative to it. */
  readonly files: readonly string[];
}

export function parseSummary(input: unknown): RunSummary | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return null;
  const r = input as Record<string, unknown>;
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (typeof r.kind !== 'string' || !num(r.startedAtMs) || !num(r.endedAtMs)) return null;
  const nodes = Array.isArray(r.nodes) && r.nodes.every((n) => Number.isSafeInteger(n) && (n as number) > 0) ? (r.nodes as number[]) : [];
  const verdict: Verdict = r.verdict === 'pass' || r.verdict === 'fail' || r.verdict === 'undecided' ? r.verdict : 'none';
  return {
    version: 1,
    kind: r.kind.slice(0, 40),
    startedAt: typeof r.startedAt === 'string' ? r.startedAt : new Date(r.startedAtMs).toISOString(),
    endedAt: typeof r.endedAt === 'string' ? r.endedAt : new Date(r.endedAtMs).toISOString(),
    startedAtMs: r.startedAtMs,
    endedAtMs: r.endedAtMs,
    nodeCount: nodes.length,
    nodes,
    interrupted: r.interrupted === true,
    verdict,
    result: typeof r.result === 'object' && r.result !== null && !Array.isArray(r.result) ? (r.result as Record<string, unknown>) : null,
    historySampled: r.historySampled === true,
    ...(num(r.historyOpCount) ? { historyOpCount: r.historyOpCount } : {}),
    ...(typeof r.traced === 'boolean' ? { traced: r.traced } : {}),
    files: Array.isArray(r.files) ? r.files.filter((f): f is string => typeof f === 'string') : [],
  };
}
