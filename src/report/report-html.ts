// report.html: one self-contained page (styles, data, uPlot and the page's script inline; no
// request leaves it). What needs no script (the summary, the verdict, the counterexample's
// operations, the sampling notes) is written here as escaped HTML; the charts are drawn by
// client-script.ts from the JSON block.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { CheckResult } from '../check/linearizability.js';
import { CLIENT_SCRIPT } from './client-script.js';
import { escapeHtml as h, inlineScript, inlineStyle, jsonForScript } from './html-escape.js';
import type { RunData } from './load-run.js';
import { SAMPLING_RULE } from './message-layout.js';
import { MAX_LATENCY_POINTS, MAX_OP_BARS, opText, type PageData } from './report-data.js';

const require = createRequire(import.meta.url);

/** uPlot's browser build and its style sheet, read from the installed package. */
function uplotSources(): { js: string; css: string } {
  return {
    js: fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

const STYLE = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px 20px; color: #222; background: #fff; }
h1 { font-size: 18px; margin: 0 0 6px; } h2 { font-size: 15px; margin: 22px 0 6px; }
table.kv td { padding: 1px 10px 1px 0; vertical-align: top; } table.kv td:first-child { color: #666; }
.verdict-pass { color: #1a7f37; font-weight: 600; } .verdict-fail { color: #c62828; font-weight: 600; } .verdict-undecided, .verdict-none { color: #8a6d00; font-weight: 600; }
.note { color: #555; max-width: 70em; } pre { white-space: pre-wrap; word-break: break-all; max-height: 24em; overflow: auto; } .problems { color: #a33; }
.no-trace { max-width: 70em; padding: 6px 10px; border-left: 4px solid #b58900; background: #fdf6e3; }
.toolbar { position: sticky; top: 0; background: #fff; padding: 6px 0; z-index: 2; border-bottom: 1px solid #eee; }
.toolbar button { margin-right: 4px; } #zoom-state { margin-left: 8px; color: #555; }
.chart { width: 100%; overflow: hidden; user-select: none; cursor: grab; border: 1px solid #ddd; background: #fcfcfc; }
.chart svg { display: block; }
.grid { stroke: #eee; } .tick { font-size: 10px; fill: #888; }
.lane-line { stroke: #999; stroke-width: 1; } .lane-label { font-weight: 600; font-size: 12px; fill: #333; }
.arrow { stroke: #3465a4; stroke-width: 1; opacity: 0.8; } .arrow.hb { stroke: #9aa9bd; opacity: 0.55; }
.head { fill: #3465a4; } .alabel { font-size: 9px; fill: #234; }
.mark.dropped path { stroke: #c62828; stroke-width: 1.6; } .mark.lost circle { fill: none; stroke: #e67e22; stroke-width: 1.4; }
.band-rect.kill { fill: rgba(220,50,47,0.18); } .band-rect.partition { fill: rgba(181,137,0,0.16); }
.band-rect.slow { fill: rgba(38,139,210,0.14); } .band-rect.pause { fill: rgba(108,113,196,0.2); }
.proc { font-size: 11px; fill: #333; } .optext { font-size: 10px; fill: #fff; pointer-events: none; }
.op.ok rect { fill: #2e7d32; } .op.failed rect { fill: #c62828; } .op.unknown rect { fill: #f0ad4e; opacity: 0.75; }
.op.unknown .optext { fill: #222; }
.op.cx rect { stroke: #000; stroke-width: 2.5; fill-opacity: 1; } .op.cx .optext { font-weight: 700; }
table.cx { border-collapse: collapse; } table.cx td, table.cx th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
.legend span { display: inline-block; margin-right: 14px; } .sw { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: middle; }
`;

/**
 * Why section 1 has no arrows, when the folder has no trace: the run did not record one (bench
 * without --trace: tracing costs about 5 % of write throughput), or the files are missing.
 */
export function noTraceText(run: RunData): string | null {
  if (run.records.length > 0) return null;
  if (run.summary?.traced !== false) return 'No message trace: no node-N/messages.ndjson in this folder, so there are no arrows to draw.';
  const how =
    run.summary.kind === 'bench'
      ? 'bench leaves it off, as its figures are the cluster\'s speed and tracing costs about 5 % of write throughput; run paxos-cli bench --trace to record one'
      : run.summary.kind === 'chaos'
        ? 'chaos records one with its run folder, or with --trace'
        : 'up records one with --trace or --record';
  return `No message trace: the nodes of this run did not record their messages (${how}). The lanes show the fault bands only.`;
}

const fmtMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

function summaryRows(run: RunData, data: PageData, check: CheckResult | null): string {
  const s = run.summary;
  const rows: [string, string][] = [];
  rows.push(['kind', h(data.kind)], ['started', h(data.startedAt)], ['length', h(fmtMs(data.durationMs))]);
  if (s !== null) {
    rows.push(['nodes', h(s.nodes.map((n) => `n${n}`).join(' '))]);
    rows.push(['verdict', `<span class="verdict-${h(s.verdict)}">${h(s.verdict)}</span>${s.interrupted ? ' (interrupted: the folder holds what was gathered)' : ''}`]);
  }
  if (check !== null) rows.push(['linearizable', `<span class="verdict-${check.linearizable === true ? 'pass' : check.linearizable === false ? 'fail' : 'undecided'}">${h(String(check.linearizable))}</span> (${check.ops} operations on ${check.keys} keys)`]);
  else if (run.history !== null && s?.historySampled === true) rows.push(['linearizable', 'not checked: history.json holds a sample of the operations']);
  const c = data.counts;
  if (run.records.length === 0) rows.push(['messages', s?.traced === false ? 'not recorded (no message trace: see 1.)' : 'no message trace in this folder']);
  else rows.push(['messages', `${c.delivered} delivered, ${c.dropped} dropped, ${c.lost} sent and never received${c.unmatchedRecv > 0 ? `, ${c.unmatchedRecv} received without their send line` : ''}`]);
  rows.push(['faults', h(`${c.bands} band(s)`)]);
  rows.push(['operations', `${c.ops}${s?.historyOpCount !== undefined ? ` recorded of ${s.historyOpCount} made` : ''}`]);
  if (s?.result !== null && s?.result !== undefined) {
    const text = JSON.stringify(s.result, null, 1);
    rows.push(['result', `<details><summary>the command's --json fields</summary><pre>${h(text.length > 20_000 ? `${text.slice(0, 20_000)}\n…` : text)}</pre></details>`]);
  }
  return `<table class="kv">${rows.map(([k, v]) => `<tr><td>${h(k)}</td><td>${v}</td></tr>`).join('')}</table>`;
}

function counterexampleSection(check: CheckResult | null): string {
  const cx = check?.counterexample;
  if (check === null) return '<p class="note">No checked history in this folder.</p>';
  if (cx === undefined) return `<p class="note">The checker found no violation (linearizable: ${h(String(check.linearizable))}).</p>`;
  const row = (o: (typeof cx.ops)[number]) =>
    `<tr><td>${o.id}</td><td>${h(o.process)}</td><td>${h(opText(o))}</td><td>${o.invokeMs.toFixed(3)}</td><td>${o.completeMs === null ? 'never' : o.completeMs.toFixed(3)}</td><td>${h(o.outcome)}</td></tr>`;
  return (
    `<p>Key <code>${h(cx.key)}</code>: these ${cx.ops.length} operations cannot be put in any order that respects their times and a register's rules` +
    `${cx.minimal ? ' (minimal: none of them can be left out)' : ' (shrunk greedily; it may not be minimal)'}. ` +
    `They are outlined in black on the timeline. <button id="zoom-cx">zoom to the counterexample</button></p>` +
    `<table class="cx"><tr><th>id</th><th>client</th><th>operation</th><th>invoked (ms)</th><th>completed (ms)</th><th>outcome</th></tr>${cx.ops.map(row).join('')}</table>` +
    (cx.failedWrites.length > 0 ? `<p class="note">Failed writes of a value read here (never applied, as the checker assumes):</p><table class="cx">${cx.failedWrites.map(row).join('')}</table>` : '')
  );
}

export function renderReportHtml(run: RunData, data: PageData, check: CheckResult | null): string {
  const u = uplotSources();
  const c = data.counts;
  const problems = [...run.problems];
  if (run.badTraceLineCount > 0) problems.push(`${run.badTraceLineCount} trace line(s) did not parse (a torn last line after a SIGKILL is normal)`);
  if (run.traceCut) problems.push('some trace was longer than the report reads; its oldest part is left out');
  // A run that chose not to trace (bench) has no problem: section 1 says why it has no arrows.
  if (run.records.length === 0 && run.summary?.traced !== false) problems.push('no message trace (node-N/messages.ndjson) in this folder');
  const noTrace = noTraceText(run);
  const attrs = `data-lanes="${c.lanes}" data-arrows="${c.arrows}" data-delivered="${c.delivered}" data-sampled="${c.sampled}" data-marks="${c.marks}" data-lost="${c.lost}" data-dropped="${c.dropped}" data-bands="${c.bands}"`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${h(data.title)}</title>
<style>${inlineStyle(u.css)}</style><style>${STYLE}</style></head>
<body>
<h1>${h(data.title)}</h1>
${summaryRows(run, data, check)}
${problems.length > 0 ? `<ul class="problems">${problems.map((p) => `<li>${h(p)}</li>`).join('')}</ul>` : ''}
<div class="toolbar"><button id="zoom-in">zoom in</button><button id="zoom-out">zoom out</button><button id="zoom-reset">whole run</button>
<span id="zoom-state"></span> <span class="note">wheel zooms at the pointer, drag pans; the three charts share one time axis</span></div>
<h2>1. Messages between nodes</h2>
<p class="legend"><span><i class="sw" style="background:#3465a4"></i>delivered (send to receipt)</span><span><i class="sw" style="background:#9aa9bd"></i>heartbeat</span>
<span style="color:#c62828">× dropped</span><span style="color:#e67e22">○ sent, never received</span>
<span><i class="sw" style="background:rgba(220,50,47,0.35)"></i>killed</span><span><i class="sw" style="background:rgba(181,137,0,0.35)"></i>partition</span>
<span><i class="sw" style="background:rgba(108,113,196,0.4)"></i>paused</span><span><i class="sw" style="background:rgba(38,139,210,0.3)"></i>slow</span></p>
${noTrace !== null ? `<p class="no-trace" id="no-trace">${h(noTrace)}</p>\n` : ''}<div id="spacetime" class="chart" ${attrs}></div>
${noTrace !== null ? '' : `<p class="note">${c.sampled ? `Sampled: ${c.arrows} of ${c.delivered} delivered messages are drawn. ` : `All ${c.delivered} delivered messages are drawn. `}Rule: ${h(SAMPLING_RULE)}.</p>`}
<h2>2. Client operations</h2>
<p class="legend"><span><i class="sw" style="background:#2e7d32"></i>ok</span><span><i class="sw" style="background:#c62828"></i>failed</span><span><i class="sw" style="background:#f0ad4e"></i>unknown (never answered: drawn to the end)</span><span><i class="sw" style="border:2px solid #000"></i>in the counterexample</span></p>
<div id="timeline" class="chart" data-ops="${c.opBars}" data-procs="${data.procs.length}"></div>
<p class="note">${c.opBars < c.ops ? `${c.opBars} of ${c.ops} operations drawn (the counterexample's first, the rest sampled evenly; at most ${MAX_OP_BARS}).` : `All ${c.ops} operations drawn.`}</p>
<h2>3. Latency over time</h2>
<div id="latency" class="chart"></div>
<p class="note">Each point is an acknowledged operation at its completion time; ${c.latencyPoints} point(s)${c.latencyPoints >= MAX_LATENCY_POINTS ? ` (sampled evenly, at most ${MAX_LATENCY_POINTS})` : ''}. Drag to zoom, double-click for the whole run. Fault bands as above.</p>
<h2>4. Linearizability</h2>
${counterexampleSection(check)}
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${inlineScript(u.js)}</script>
<script>${inlineScript(CLIENT_SCRIPT)}</script>
</body></html>
`;
}
