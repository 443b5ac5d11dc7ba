// `paxos-cli check HISTORY.json [--json] [--timeout S]`.
// Exit codes: 0 linearizable, 1 not linearizable, 2 bad input, 3 undecided within the time limit.

import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { HistoryError, readHistoryFile } from './history.js';
import { checkHistory, type CheckResult } from './linearizability.js';
import { jsonLine, roundMs } from '../json/contract.js';
import { formatCheckResult } from './format-check.js';

export const CHECK_EXIT = { linearizable: 0, notLinearizable: 1, badInput: 2, undecided: 3 } as const;

export interface CheckCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: CheckCommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

function positiveSeconds(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds.');
  return n;
}

/** argv: the arguments after `check`, e.g. ['history.json', '--json']. */
export async function runCheckCommand(argv: readonly string[], io: CheckCommandIo = processIo): Promise<number> {
  const program = new Command('paxos-cli check')
    .description('Check a recorded operation history for linearizability (KV model, per key).')
    .argument('<history>', 'history file (JSON) saved by the REPL, chaos or bench')
    .option('--json', 'print the result as one JSON object')
    .option('--timeout <seconds>', 'give up after this long: verdict unknown, exit 3', positiveSeconds, 60)
    .addHelpText('after', '\nExit status: 0 linearizable, 1 not linearizable, 2 bad input, 3 undecided in time.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  // With --json, every outcome is one JSON line on stdout, bad input too (stderr keeps its line).
  const json = argv.includes('--json');
  const badInput = (message: string): number => {
    if (json) io.stdout(jsonLine('check', false, { exitCode: CHECK_EXIT.badInput }, message) + '\n');
    return CHECK_EXIT.badInput;
  };
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its one line (or the help text).
      return err.exitCode === 0 ? 0 : badInput(err.message.replace(/^error: /, ''));
    }
    throw err;
  }
  const [file] = program.args;
  const opts = program.opts<{ json?: boolean; timeout: number }>();
  if (file === undefined) return badInput('missing history file'); // commander rejects this first; kept for the type

  let ops;
  try {
    ops = (await readHistoryFile(file)).ops;
  } catch (err) {
    if (err instanceof HistoryError) {
      io.stderr(`check: ${err.message}\n`);
      return badInput(err.message);
    }
    throw err;
  }

  const result = checkHistory(ops, { timeLimitMs: opts.timeout * 1000 });
  const exitCode =
    result.linearizable === true ? CHECK_EXIT.linearizable : result.linearizable === false ? CHECK_EXIT.notLinearizable : CHECK_EXIT.undecided;
  const nothing = result.ops === 0 ? `nothing to check: ${file} has no operations` : undefined;
  if (opts.json === true) {
    const fields = { exitCode, history: file, ...checkResultJson(result), ...(nothing !== undefined ? { note: nothing } : {}) };
    const error = exitCode === CHECK_EXIT.notLinearizable ? 'not linearizable' : 'undecided: the time limit was reached';
    io.stdout(jsonLine('check', exitCode === CHECK_EXIT.linearizable, fields, exitCode === CHECK_EXIT.linearizable ? undefined : error) + '\n');
  } else if (nothing !== undefined) {
    io.stdout(`${nothing}\n`);
  } else {
    io.stdout([`history        ${file}`, ...formatCheckResult(result)].join('\n') + '\n');
  }
  return exitCode;
}

/** The checker's result in the contract's names (docs/json.md). */
export function checkResultJson(r: CheckResult): Record<string, unknown> {
  return {
    linearizable: r.linearizable,
    opCount: r.ops,
    keyCount: r.keys,
    checkMs: roundMs(r.ms),
    simplifiedKeyCount: r.simplifiedKeys,
    undecidedKeyCount: r.undecidedKeys,
    perKey: r.perKey.map((k) => ({ key: k.key, opCount: k.ops, searchedCount: k.searched, verdict: k.verdict, stateCount: k.states, checkMs: roundMs(k.ms), decidedBy: k.decidedBy })),
    ...(r.counterexample !== undefined ? { counterexample: r.counterexample } : {}),
  };
}
