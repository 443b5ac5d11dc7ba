// The human table of a bench run.
import type { OpSummary } from './latency-recorder.js';

export interface BenchReport {
  readonly target: string;
  readonly clients: number;
  readonly valueSize: number;
  readonly readRatio: number;
  readonly keys: number;
  readonly durationSec: number;
  readonly set: OpSummary;
  readonly get: OpSummary;
  readonly errors: Record<string, number>;
  readonly [extra: string]: unknown;
}

export function formatTable(r: BenchReport): string {
  const head = ['op', 'ops', 'ops/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];
  const rows = (['set', 'get'] as const)
    .filter((k) => r[k].ops > 0 || k === 'set')
    .map((k) => {
      const s = r[k];
      return [k, String(s.ops), s.opsPerSec.toFixed(0), s.p50Ms.toFixed(2), s.p95Ms.toFixed(2), s.p99Ms.toFixed(2), s.maxMs.toFixed(2)];
    });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    `${r.target}: ${r.clients} client${r.clients === 1 ? '' : 's'}, ${r.valueSize}-byte values, read ratio ${r.readRatio}${typeof r.readMode === 'string' && r.readRatio > 0 ? ` (reads by ${r.readMode})` : ''}, ${r.keys} keys, ${r.durationSec.toFixed(1)} s`,
    line(head),
    ...rows.map(line),
  ];
  const cpu = r.cpu as { serverUsPerOp?: number; clientUsPerOp?: number } | undefined;
  if (cpu?.serverUsPerOp !== undefined) out.push(`cpu per op: servers ${cpu.serverUsPerOp} us (all processes together), load generator ${cpu.clientUsPerOp ?? '-'} us`);
  const errs = Object.entries(r.errors);
  if (r.traced === true) out.push('message trace on (--trace): these figures include what it costs');
  if (r.interrupted === true) out.push('interrupted (Ctrl-C): a partial result, the load ran for the time shown above');
  if (errs.length > 0) out.push(`errors (not counted above): ${errs.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  return out.join('\n') + '\n';
}
