// Human text for operations and checker results: shared by `paxos-cli check` and the REPL.

import type { Operation } from './history.js';
import type { CheckResult } from './linearizability.js';

/** Plain when it reads unambiguously, JSON-quoted otherwise (spaces, '=', empty, …). */
function word(s: string): string {
  return /^[\w.:/@+-]+$/.test(s) ? s : JSON.stringify(s);
}

function ms(t: number): string {
  return `${t.toFixed(1)}ms`;
}

/** e.g. `[p3] set x=5  12.1ms..14.9ms ok`, `[p1] get x -> (nil)  3.0ms..4.2ms ok`. */
export function formatOperation(o: Operation): string {
  let what: string;
  if (o.op === 'set') what = `set ${word(o.key)}=${word(o.value ?? '')}`;
  else if (o.op === 'del') what = `del ${word(o.key)}`;
  else if (o.outcome === 'ok') what = `get ${word(o.key)} -> ${o.value === null ? '(nil)' : word(o.value)}`;
  else what = `get ${word(o.key)} -> ?`;
  const until = o.outcome === 'unknown' || o.completeMs === null ? '?' : ms(o.completeMs);
  return `[${o.process}] ${what}  ${ms(o.invokeMs)}..${until} ${o.outcome}`;
}

/** Which search decided how many keys: `2 of 3 keys passed by the simplified search, 1 undecided`. */
export function decidedText(c: CheckResult): string {
  const full = c.perKey.filter((k) => k.decidedBy === 'full').length;
  const parts = [`${c.simplifiedKeys} of ${c.keys} key${c.keys === 1 ? '' : 's'} passed by the simplified search`];
  if (full > 0) parts.push(`${full} by the full search`);
  if (c.undecidedKeys > 0) parts.push(`${c.undecidedKeys} undecided`);
  return parts.join(', ');
}

export function formatCheckResult(result: CheckResult): string[] {
  const lines: string[] = [];
  const searched = result.perKey.reduce((sum, k) => sum + k.searched, 0);
  lines.push(`ops            ${result.ops} on ${result.keys} key${result.keys === 1 ? '' : 's'} (${searched} constrain the search)`);
  const verdict = result.linearizable === true ? 'yes' : result.linearizable === false ? 'NO' : 'unknown (time limit reached)';
  lines.push(`linearizable   ${verdict}`);
  lines.push(`checked in     ${ms(result.ms)}`);
  lines.push(`decided by     ${decidedText(result)}`);
  const bad = result.perKey.filter((k) => k.verdict !== 'ok');
  const shown = bad.slice(0, 10);
  for (const k of shown) {
    lines.push(`  key ${word(k.key)}: ${k.verdict === 'violation' ? 'not linearizable' : 'undecided (time limit)'} (${k.searched} ops, ${k.states} states, ${ms(k.ms)})`);
  }
  if (bad.length > shown.length) lines.push(`  … and ${bad.length - shown.length} more keys`);
  const cx = result.counterexample;
  if (cx !== undefined) {
    const size = `${cx.ops.length} op${cx.ops.length === 1 ? '' : 's'}`;
    lines.push(`counterexample on key ${word(cx.key)} (${cx.minimal ? 'minimal' : 'shrinking stopped early'}, ${size}):`);
    for (const o of cx.ops) lines.push(`  ${formatOperation(o)}`);
    if (cx.failedWrites.length > 0) {
      lines.push('failed writes of values read above (ignored: they never took effect):');
      for (const o of cx.failedWrites) lines.push(`  ${formatOperation(o)}`);
    }
  }
  return lines;
}
