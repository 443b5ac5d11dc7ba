// The chaos report as text lines, as one JSON object, and as an exit code.
import { decidedText, formatCheckResult } from '../check/format-check.js';
import type { ChaosReport } from './chaos-run.js';
import { FAULT_KINDS } from './nemesis.js';
import { roundMs } from '../json/contract.js';

export const CHAOS_EXIT = { passed: 0, failed: 1, usage: 2, undecided: 3 } as const;

const secs = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

export function linearizableText(v: boolean | 'unknown'): string {
  return v === true ? 'yes' : v === false ? 'NO' : 'unknown (checker time limit reached)';
}

export function formatChaosReport(r: ChaosReport): string[] {
  const faultParts = FAULT_KINDS.filter((k) => r.faults[k] > 0).map((k) => `${k} ${r.faults[k]}`);
  const lines = [
    `chaos: ${r.nodes} nodes, ${secs(r.durationMs)}${r.stopped ? ' (stopped early)' : ''}, ${r.clients} clients, ${r.keys} keys, seed ${r.seed}`,
    `operations       ${r.ops}: ok ${r.ok}, failed ${r.failed}, unknown ${r.unknown}`,
    `faults           ${r.faultsTotal}${faultParts.length > 0 ? ` (${faultParts.join(', ')})` : ''}`,
    `leader changes   ${r.leaderChanges}`,
    `without leader   ${secs(r.noLeaderMs)}`,
    `max unavailable  ${secs(r.maxUnavailableMs)} (longest stretch without a successful operation)`,
    `converged        ${r.converged ? `yes (${secs(r.convergeMs)} after healing)` : `NO (nodes still differ after ${secs(r.convergeMs)})`}`,
    `conflicts        ${r.conflicts}${r.conflicts > 0 ? '  <- two nodes chose different values for one slot' : ''}`,
  ];
  if (r.membershipChanges.length > 0) {
    const done = r.membershipChanges.filter((m) => m.ok).length;
    lines.push(`membership       ${done} of ${r.membershipChanges.length} changes done; members at the end: ${r.finalNodes.map((n) => `n${n}`).join(',')}`);
    for (const m of r.membershipChanges.filter((x) => !x.ok)) lines.push(`  failed at ${secs(m.atMs)}: ${m.text}`);
  }
  for (const u of r.unreadable) lines.push(`  node ${u.node} log unreadable: ${u.error}`);
  lines.push(`linearizable     ${linearizableText(r.linearizable)} (checked in ${secs(r.checkMs)}; ${decidedText(r.check)})`);
  if (r.linearizable !== true) lines.push(...formatCheckResult(r.check).map((l) => `  ${l}`));
  lines.push(`history          ${r.history}  (re-check: paxos-cli check ${r.history})`);
  return lines;
}

/** One line, for script mode and the REPL's result line. */
export function chaosSummary(r: ChaosReport): string {
  return (
    `chaos seed ${r.seed}${r.stopped ? ` (stopped after ${secs(r.durationMs)})` : ''}: ${r.ops} ops (ok ${r.ok}, failed ${r.failed}, unknown ${r.unknown}), ${r.faultsTotal} faults, ` +
    `${r.leaderChanges} leader changes, max unavailable ${secs(r.maxUnavailableMs)}, ` +
    `${r.converged ? 'converged' : 'NOT converged'}, conflicts ${r.conflicts}, linearizable ${linearizableText(r.linearizable)}; history ${r.history}`
  );
}

/** The fields of chaos's JSON line (src/json/contract.ts): every reason for its exit code included. */
export function chaosJson(r: ChaosReport): Record<string, unknown> {
  return {
    exitCode: chaosExitCode(r),
    reasons: chaosReasons(r),
    seed: r.seed,
    nodeCount: r.nodes,
    durationMs: roundMs(r.durationMs),
    stopped: r.stopped,
    clientCount: r.clients,
    keyCount: r.keys,
    opCount: r.ops,
    okOps: r.ok,
    failedOps: r.failed,
    unknownOps: r.unknown,
    faultCount: r.faultsTotal,
    faultCountByKind: r.faults,
    leaderChangeCount: r.leaderChanges,
    noLeaderMs: roundMs(r.noLeaderMs),
    maxUnavailableMs: roundMs(r.maxUnavailableMs),
    converged: r.converged,
    convergeMs: roundMs(r.convergeMs),
    conflictCount: r.conflicts,
    unreadable: r.unreadable,
    linearizable: r.linearizable,
    checkMs: roundMs(r.checkMs),
    simplifiedKeyCount: r.check.simplifiedKeys,
    undecidedKeyCount: r.check.undecidedKeys,
    history: r.history,
    timeline: r.timeline.map((t) => ({ atMs: roundMs(t.atMs), text: t.text })),
    faultSpans: r.faultSpans.map((f) => ({ kind: f.kind, nodes: f.nodes, startMs: roundMs(f.startMs), endMs: roundMs(f.endMs), text: f.text })),
    membershipChanges: r.membershipChanges.map((m) => ({ atMs: roundMs(m.atMs), action: m.action, node: m.node, ok: m.ok, text: m.text })),
    finalMemberNodes: r.finalNodes,
  };
}

/** Why the run did not pass, one line each; empty when it passed. */
export function chaosReasons(r: ChaosReport): string[] {
  const out: string[] = [];
  if (r.conflicts > 0) out.push(`${r.conflicts} conflict(s): two nodes chose different values for one slot`);
  if (!r.converged) out.push(`the nodes did not converge within ${secs(r.convergeMs)} of healing`);
  for (const u of r.unreadable) out.push(`node ${u.node} log unreadable: ${u.error}`);
  if (r.linearizable === false) out.push('the history is not linearizable');
  if (r.linearizable === 'unknown') out.push('the checker ran out of time: linearizability unknown');
  return out;
}

/** Passed only when nothing diverged, the nodes converged, and the checker said yes. */
export function chaosExitCode(r: ChaosReport): number {
  if (r.conflicts > 0 || r.linearizable === false || !r.converged || r.unreadable.length > 0) return CHAOS_EXIT.failed;
  if (r.linearizable !== true) return CHAOS_EXIT.undecided;
  return CHAOS_EXIT.passed;
}

export function chaosPassed(r: ChaosReport): boolean {
  return chaosExitCode(r) === CHAOS_EXIT.passed;
}
