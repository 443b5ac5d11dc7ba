// Reads a run folder back: summary, history, fault bands and every node's trace. Each part may
// be missing or damaged (a run killed hard, an old folder, a hand edit); what cannot be read is
// named in `problems` and the page shows the rest.
import fs from 'node:fs';
import path from 'node:path';
import { HistoryError, parseHistory, type History } from '../check/history.js';
import { parseFaultBands, type FaultBand } from '../runs/fault-bands.js';
import { FAULTS_FILE, HISTORY_FILE, parseSummary, SUMMARY_FILE, type RunSummary } from '../runs/run-summary.js';
import { OLD_TRACE_FILE, parseTraceLine, TRACE_FILE, type TraceRecord } from '../trace/trace-record.js';

/** Per node, only the newest this many bytes of trace are read (the page is bounded anyway). */
export const MAX_TRACE_BYTES_PER_NODE = 64 * 1024 * 1024;

export interface RunData {
  readonly dir: string;
  readonly summary: RunSummary | null;
  readonly history: History | null;
  readonly bands: readonly FaultBand[];
  /** Node ids: the summary's, and any node-N/ folder found. */
  readonly nodes: readonly number[];
  readonly records: readonly TraceRecord[];
  /** Trace lines that did not parse (a torn last line after a SIGKILL is normal). */
  readonly badTraceLineCount: number;
  /** Some trace was not read whole (over MAX_TRACE_BYTES_PER_NODE). */
  readonly traceCut: boolean;
  readonly problems: readonly string[];
}

export class RunDirError extends Error {
  readonly code = 'bad-run-dir';
}

function readJson(file: string, problems: string[]): unknown {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${path.basename(file)} is not valid JSON (${(err as Error).message.slice(0, 120)})`);
    return undefined;
  }
}

/** The newest `max` bytes of a file, from a line start. */
function readTail(file: string, max: number): { text: string; cut: boolean } {
  const size = fs.statSync(file).size;
  if (size <= max) return { text: fs.readFileSync(file, 'utf8'), cut: false };
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(max);
    fs.readSync(fd, buf, 0, max, size - max);
    const text = buf.toString('utf8');
    return { text: text.slice(text.indexOf('\n') + 1), cut: true };
  } finally {
    fs.closeSync(fd);
  }
}

export function loadRun(dirArg: string): RunData {
  const dir = path.resolve(dirArg);
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new RunDirError(`no run folder at ${dir}; give a folder a run wrote, e.g. paxos-runs/2026-12-03T09-12-05Z-chaos`);
  }
  if (!st.isDirectory()) throw new RunDirError(`${dir} is not a folder; give the run folder, not a file in it`);
  const entries = fs.readdirSync(dir);
  const nodeDirs = entries.map((e) => /^node-(\d+)$/.exec(e)).flatMap((m) => (m === null ? [] : [Number(m[1])]));
  if (!entries.includes(SUMMARY_FILE) && nodeDirs.length === 0 && !entries.includes(HISTORY_FILE)) {
    throw new RunDirError(`${dir} is not a run folder: it has no ${SUMMARY_FILE}, ${HISTORY_FILE} or node-N/`);
  }
  const problems: string[] = [];
  const rawSummary = readJson(path.join(dir, SUMMARY_FILE), problems);
  const summary = rawSummary === undefined ? null : parseSummary(rawSummary);
  if (rawSummary !== undefined && summary === null) problems.push(`${SUMMARY_FILE} lacks kind, startedAtMs or endedAtMs`);
  if (rawSummary === undefined && !entries.includes(SUMMARY_FILE)) problems.push(`no ${SUMMARY_FILE} (the run did not finish writing its folder)`);

  let history: History | null = null;
  const rawHistory = readJson(path.join(dir, HISTORY_FILE), problems);
  if (rawHistory !== undefined) {
    try {
      history = parseHistory(rawHistory);
    } catch (err) {
      if (!(err instanceof HistoryError)) throw err;
      problems.push(`${HISTORY_FILE}: ${err.message}`);
    }
  }
  const rawFaults = readJson(path.join(dir, FAULTS_FILE), problems);
  const bands = rawFaults === undefined ? [] : parseFaultBands(rawFaults);

  const nodes = [...new Set([...(summary?.nodes ?? []), ...nodeDirs])].sort((a, b) => a - b);
  const records: TraceRecord[] = [];
  let bad = 0;
  let cut = false;
  for (const id of nodeDirs) {
    let budget = MAX_TRACE_BYTES_PER_NODE;
    // Newest first for the budget; the rotated part only with what the current one leaves.
    const parts: string[] = [];
    for (const name of [TRACE_FILE, OLD_TRACE_FILE]) {
      const file = path.join(dir, `node-${id}`, name);
      if (!fs.existsSync(file) || budget <= 0) {
        if (fs.existsSync(file)) cut = true;
        continue;
      }
      const { text, cut: c } = readTail(file, budget);
      cut ||= c;
      budget -= Buffer.byteLength(text);
      parts.push(text);
    }
    for (const text of parts) {
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const r = parseTraceLine(line);
        if (r === null) bad++;
        else records.push(r);
      }
    }
  }
  return { dir, summary, history, bands, nodes, records, badTraceLineCount: bad, traceCut: cut, problems };
}
