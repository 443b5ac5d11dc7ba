// One-shot commands, etcdctl style: `paxos-cli get|set|del|status|leader|diff|stop ... --cluster
// FILE [-w table|json]` from any terminal or script, against a running cluster (started by `up`
// in another terminal, or by `paxos-cli node` on its hosts). Each is the REPL command of the same
// name, run once by the same executor: the same words, the same output, the same JSON line.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Command } from 'commander';
import { openSwitchableClient } from '../cluster/switchable-client.js';
import { activeNodes } from '../cluster/membership-plan.js';
import { clusterFilePath, openClusterFile } from '../cluster/data-dir.js';
import { RemoteNodes } from '../cluster/remote-nodes.js';
import { EXIT_USAGE } from '../command/subcommand.js';
import { jsonLine } from '../json/contract.js';
import { findCommand, helpOptionLines } from './commands.js';
import { Executor, isMembershipCommand, type Outcome } from './execute-command.js';
import type { OneshotName } from './oneshot-names.js';
import { parseWords } from './parse-command.js';

export const DEFAULT_CLUSTER_FILE = clusterFilePath('paxos-data');
/** A one-shot command waits at most this long for a leader (the REPL waits longer). */
const ONESHOT_RETRY_MS = 10_000;

interface OneshotArgs {
  readonly words: string[];
  readonly clusterFile: string;
  readonly json: boolean;
  readonly help: boolean;
  /** A usage error; the fields above are what was read up to it (json says how to report it). */
  readonly error?: string;
}

/**
 * Splits our options (--cluster, -w, --json, --help) from the REPL command's own words. After
 * `--` every argument is a word, so a value may be anything: `set k -- -w` stores "-w".
 */
export function splitOneshotArgs(args: readonly string[]): OneshotArgs {
  const words: string[] = [];
  let clusterFile = DEFAULT_CLUSTER_FILE;
  let json = false;
  let help = false;
  const out = (error?: string): OneshotArgs => ({ words, clusterFile, json, help, ...(error !== undefined ? { error } : {}) });
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      words.push(...args.slice(i + 1));
      break;
    }
    const value = (name: string): string | null => {
      if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
      const next = args[i + 1];
      // An option's value is never the next option: `--cluster -w json` lacks a file.
      if (next === undefined || next.startsWith('-')) return null;
      i++;
      return next;
    };
    if (a === '--cluster' || a.startsWith('--cluster=')) {
      const v = value('--cluster');
      if (v === null || v === '') return out('--cluster needs a file (e.g. --cluster paxos-data/cluster.json)');
      clusterFile = v;
    } else if (a === '-w' || a === '--write-out' || a.startsWith('--write-out=') || a.startsWith('-w=')) {
      const v = value(a.startsWith('--') ? '--write-out' : '-w');
      if (v !== 'table' && v !== 'json') return out(`-w takes table or json, not ${v === null ? 'nothing' : `"${v}"`}`);
      json = v === 'json';
    } else if (a === '--json') {
      json = true;
    } else if (a === '-h' || a === '--help') {
      help = true;
    } else {
      words.push(a);
    }
  }
  return out();
}

/** Whether the options (before any `--`) ask for JSON, the last one deciding: for a usage error. */
function jsonAsked(args: readonly string[]): boolean {
  let json = false;
  for (let i = 0; i < args.length && args[i] !== '--'; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '-w' || a === '--write-out') json = args[i + 1] === 'json';
    else if (a.startsWith('-w=') || a.startsWith('--write-out=')) json = a.endsWith('=json');
  }
  return json;
}

/** The words as one REPL line, for the JSON line's `cmd` (shown, never parsed again). */
function toLine(name: string, words: readonly string[]): string {
  const quote = (w: string): string => (w === '' || /[\s"'#]/.test(w) ? (w.includes('"') ? `'${w}'` : `"${w}"`) : w);
  return [name, ...words.map(quote)].join(' ');
}

function helpFor(name: OneshotName): string {
  const spec = findCommand(name)!;
  const program = new Command(`paxos-cli ${name}`)
    .usage(`${spec.usage.replace(/^\S+\s*/, '')} [--cluster FILE] [-w table|json]`.trim())
    .description(`${spec.summary}. The REPL's ${name}, once, against a running cluster.`)
    .option('--cluster <file>', `the cluster file (written by paxos-cli up or paxos-cli init; its keys/operator.key beside it)`, DEFAULT_CLUSTER_FILE)
    .option('-w, --write-out <format>', 'table (words, as the REPL prints) or json (one line of the JSON contract, docs/json.md)', 'table')
    .option('--json', 'the same as -w json')
    .helpOption('-h, --help', 'show this help');
  const extra = helpOptionLines(name);
  const tail = '\nA word after -- is the command\'s own, even if it looks like an option: paxos-cli set k -- -w stores "-w".\n';
  return program.helpInformation() + (extra.length > 0 ? `\nThe command's own ${extra.join('\n')}\n` : '') + tail;
}

export async function runOneshotCommand(name: OneshotName, args: readonly string[], out: (s: string) => void = (s) => void process.stdout.write(s)): Promise<number> {
  const split = splitOneshotArgs(args);
  // JSON for a usage error too, when the options (before any `--`, the last -w winning) ask for it.
  const jsonWanted = split.error === undefined ? split.json : jsonAsked(args);
  const fail = (line: string, msg: string, code: number): number => {
    process.stderr.write(`paxos-cli ${name}: ${msg}\n`);
    if (jsonWanted) out(jsonLine(line, false, {}, msg) + '\n');
    return code;
  };
  if (split.error !== undefined) return fail(name, `${split.error} (see paxos-cli ${name} --help)`, EXIT_USAGE);
  if (split.help) {
    out(helpFor(name));
    return 0;
  }
  const line = toLine(name, split.words);
  const opened = openClusterFile(split.clusterFile);
  if ('error' in opened) return fail(line, opened.error, opened.code);
  const { cluster, auth } = opened;
  const ids = activeNodes(cluster).map((n) => n.id);
  const parsed = parseWords([name, ...split.words], ids);
  if (!parsed.ok) return fail(line, `${parsed.error.replace(/; type help for the list$/, '')} (see paxos-cli ${name} --help)`, EXIT_USAGE);
  if (parsed.cmd === null) return fail(line, `nothing to run (see paxos-cli ${name} --help)`, EXIT_USAGE);
  const client = await openSwitchableClient(cluster, { clientId: `oneshot-${randomUUID()}`, auth });
  let outcome: Outcome;
  let interrupted = false;
  try {
    const remote = new RemoteNodes(ids, split.clusterFile);
    const executor = new Executor({ sup: remote, remote, client, dataDir: path.dirname(split.clusterFile), clusterFile: split.clusterFile, nodes: cluster.nodes, retryMs: ONESHOT_RETRY_MS });
    // A membership command says each step as it goes (on stderr under -w json: stdout is the one line).
    executor.onProgress((l) => (split.json ? process.stderr.write(`paxos-cli ${name}: ${l}\n`) : out(`${l}\n`)));
    // A membership command waits (for a node to start, catch up, take over): Ctrl-C stops it the
    // way Esc does in the UI, so the cluster file is made to say what the log says and the
    // outcome is printed; a second Ctrl-C quits at once.
    const interrupt = new AbortController();
    const onInt = (): void => {
      if (interrupt.signal.aborted) process.exit(130);
      process.stderr.write(`paxos-cli ${name}: stopping (Ctrl-C again quits at once)\n`);
      interrupt.abort();
    };
    if (isMembershipCommand(parsed.cmd)) process.on('SIGINT', onInt);
    try {
      outcome = await executor.run(parsed.cmd, interrupt.signal);
    } finally {
      process.off('SIGINT', onInt);
    }
    if (interrupt.signal.aborted) interrupted = true;
  } finally {
    await client.close().catch(() => undefined);
  }
  if (split.json) {
    out(jsonLine(line, outcome.ok, outcome.fields, outcome.ok ? undefined : (outcome.error ?? outcome.text)) + '\n');
  } else if (outcome.ok) {
    out((outcome.detail ?? [outcome.text]).join('\n') + '\n');
  } else {
    // What a failed command still shows (status of a cluster that does not answer) goes to stdout.
    if (outcome.detail !== undefined && outcome.detail.length > 0) out(outcome.detail.join('\n') + '\n');
    process.stderr.write(`paxos-cli ${name}: ${outcome.error ?? outcome.text}\n`);
  }
  return outcome.ok ? 0 : interrupted ? 130 : 1;
}
