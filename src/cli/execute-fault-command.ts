// Runs the fault and verification commands of the REPL (partition, heal, isolate, slow, check,
// chaos) for the Executor. The rules live in FaultControl; the session history in the recorder.
import { randomInt } from 'node:crypto';
import path from 'node:path';
import type { HistoryRecorder } from '../check/history.js';
import { formatCheckResult } from '../check/format-check.js';
import { checkHistory } from '../check/linearizability.js';
import { chaosExitCode, chaosJson, chaosReasons, chaosSummary, formatChaosReport, linearizableText } from '../chaos/chaos-report.js';
import { CHAOS_DEFAULTS } from '../chaos/chaos-defaults.js';
import { runChaos, type ChaosProgress } from '../chaos/chaos-run.js';
import { describeFaults, isolateGroups, NO_FAULTS, withSlow, type FaultRules } from '../protocol/fault-rules.js';
import type { ClusterClient } from '../cluster/cluster-client.js';
import type { Outcome, SupervisorLike } from './execute-command.js';
import type { FaultControl } from '../cluster/fault-control.js';
import type { FaultKind } from '../chaos/nemesis.js';
import type { FaultCommand } from './parse-fault-command.js';
import { jsonLine, roundMs } from '../json/contract.js';
import { faultsJson } from '../json/fields.js';

export interface FaultCommandDeps {
  readonly sup: SupervisorLike;
  readonly client: ClusterClient;
  readonly dataDir: string;
  readonly faults: FaultControl;
  readonly history: HistoryRecorder;
  readonly onChaosProgress: (p: ChaosProgress | null) => void;
  /** Stops a chaos command's faults early. */
  readonly signal?: AbortSignal;
  /** Where chaos writes its history (default: dataDir). */
  readonly historyDir?: string;
  /** The fault kinds chaos may inject (attach: only what the network can do). */
  readonly faultKinds?: readonly FaultKind[];
}

/** A REPL check gets a bounded budget: the UI must answer, and 'unknown' is reported honestly. */
const REPL_CHECK_LIMIT_MS = 30_000;

export async function runFaultCommand(cmd: FaultCommand, d: FaultCommandDeps): Promise<Outcome> {
  switch (cmd.kind) {
    case 'partition':
      return setRules(d, { groups: cmd.groups, slow: d.faults.rules.slow });
    case 'isolate':
      return setRules(d, { groups: isolateGroups(cmd.node, d.sup.ids), slow: d.faults.rules.slow });
    case 'slow':
      return setRules(d, withSlow(d.faults.rules, cmd.node, cmd.ms));
    case 'heal':
      return setRules(d, NO_FAULTS);
    case 'check':
      return check(d);
    case 'chaos':
      return chaos(cmd, d);
  }
}

async function setRules(d: FaultCommandDeps, rules: FaultRules): Promise<Outcome> {
  if (!d.faults.supported) return { ok: false, text: 'error: this client cannot inject faults', fields: {}, error: 'this client cannot inject faults' };
  const r = await d.faults.set(rules);
  const down = d.sup.ids.filter((id) => !d.sup.isAlive(id));
  const notes: string[] = [];
  if (down.length > 0) notes.push(`down: ${down.join(',')} (gets the rules when restarted)`);
  if (r.failed.length > 0) notes.push(`not applied on ${r.failed.map((f) => `n${f.node} (${f.error})`).join(', ')}; they get the rules when restarted`);
  const text = `${describeFaults(rules)}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`;
  const fields = { faults: faultsJson(rules), appliedNodes: r.applied, failed: r.failed };
  if (r.failed.length > 0) return { ok: false, text: `error: ${text}`, fields, error: text };
  return { ok: true, text, fields };
}

async function check(d: FaultCommandDeps): Promise<Outcome> {
  const history = d.history.toJSON();
  if (history.ops.length === 0) {
    const text = 'nothing to check: no set, get, del or chaos has run in this session';
    return { ok: true, text, fields: { linearizable: true, opCount: 0, keyCount: 0, checkMs: 0, simplifiedKeyCount: 0, undecidedKeyCount: 0, history: null, note: text } };
  }
  const file = path.join(d.dataDir, `history-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await d.history.save(file);
  const result = checkHistory(history.ops, { timeLimitMs: REPL_CHECK_LIMIT_MS });
  const text = `linearizable ${linearizableText(result.linearizable)}: ${result.ops} ops on ${result.keys} keys, ${Math.round(result.ms)} ms; history ${file}`;
  const fields = {
    linearizable: result.linearizable, opCount: result.ops, keyCount: result.keys, checkMs: roundMs(result.ms),
    simplifiedKeyCount: result.simplifiedKeys, undecidedKeyCount: result.undecidedKeys, history: file,
  };
  const detail = [text, ...formatCheckResult(result)];
  return result.linearizable === true ? { ok: true, text, fields, detail } : { ok: false, text, fields, detail, error: text };
}

async function chaos(cmd: Extract<FaultCommand, { kind: 'chaos' }>, d: FaultCommandDeps): Promise<Outcome> {
  const seed = cmd.seed ?? randomInt(2 ** 31 - 1);
  const historyPath = path.join(d.historyDir ?? d.dataDir, `chaos-${seed}-${Date.now().toString(36)}.json`);
  try {
    const report = await runChaos(
      { sup: d.sup, client: d.client, faults: d.faults, dataDir: d.dataDir, history: d.history },
      {
        durationMs: (cmd.durationSec ?? CHAOS_DEFAULTS.durationSec) * 1000,
        clients: cmd.clients ?? CHAOS_DEFAULTS.clients,
        keys: cmd.keys ?? CHAOS_DEFAULTS.keys,
        seed,
        historyPath,
        ...(d.faultKinds !== undefined ? { faultKinds: d.faultKinds } : {}),
        ...(d.signal !== undefined ? { signal: d.signal } : {}),
      },
      (p) => d.onChaosProgress(p),
    );
    const lines = formatChaosReport(report);
    const passed = chaosExitCode(report) === 0;
    const fields = chaosJson(report);
    const error = `${chaosReasons(report).join('; ')}: ${chaosSummary(report)}`;
    const text = cmd.json ? jsonLine('chaos', passed, fields, passed ? undefined : error) : chaosSummary(report);
    return passed ? { ok: true, text, fields, detail: lines } : { ok: false, text, fields, detail: lines, error };
  } finally {
    d.onChaosProgress(null);
  }
}
