// The paxos-cli entry: argument parsing only; each command lives in its own module.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { MAX_NODES } from '../cluster/data-dir.js';
import { replCommandList } from './commands.js';
import { ONESHOT_COMMANDS } from './oneshot-names.js';
import type { UpOptions } from './up.js';

const EXIT_USAGE = 2;

function packageVersion(): string {
  // Same relative path from src/cli/ and dist/cli/.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

function intInRange(name: string, min: number, max: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw.trim())) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
    const n = Number(raw);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be from ${min} to ${max}, got ${n}.`);
    return n;
  };
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('paxos-cli')
    .description('A Multi-Paxos replicated key-value cluster you drive from one terminal')
    .version(packageVersion(), '-v, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // Commander's messages are already one line; keep them to that and add the way out.
      outputError: (str, write) => write(str.trimEnd() + ' (see paxos-cli --help)\n'),
    });

  program
    .command('up')
    .description('start N nodes on this machine and open the terminal UI (or run a script)')
    .argument('[N]', `number of nodes, 1 to ${MAX_NODES} (default 3; an existing cluster keeps its size)`, intInRange('N', 1, MAX_NODES))
    .option('--data-dir <dir>', 'where cluster.json and node-N/ databases live', './paxos-data')
    .option('--fresh', 'wipe the data dir first', false)
    .addOption(new Option('--base-port <port>', 'node i listens on port P+i-1 (default: free ports)').argParser(intInRange('--base-port', 1024, 65535 - MAX_NODES)))
    .option('--script <file>', 'run the commands in FILE without the UI, then stop')
    .option('--json', 'in script mode, print one JSON object per command', false)
    .addOption(new Option('--tick-ms <ms>', 'node tick length').argParser(intInRange('--tick-ms', 1, 10_000)).hideHelp())
    .addOption(
      new Option('--snapshot-every <slots>', 'each node snapshots its state and drops the log below it every this many slots (default 10000)').argParser(
        intInRange('--snapshot-every', 1, 1_000_000_000),
      ),
    )
    .option('--insecure', 'no CURVE keys: nodes accept any connection (for debugging only)', false)
    .option('--trace', 'every node records its messages (DIR/node-N/messages.ndjson) from the start; otherwise from when the flow view opens or pause runs (tracing costs ~5 % of write throughput)', false)
    .option('--record', 'when the session ends, write a run folder (node logs and traces, history, faults, report.html) under --runs-dir; traces from the start', false)
    .option('--runs-dir <dir>', 'where --record puts its run folder: DIR/<UTC time>-up/', 'paxos-runs')
    .addOption(
      new Option('--read-mode <mode>', 'how get reads unless it says (get --mode): index = one heartbeat round, lease = the leader\'s lease, log = a log slot')
        .choices(['index', 'lease', 'log'])
        .default('index'),
    )
    .addHelpText(
      'after',
      '\nWithout a terminal on stdin/stdout, or with --script, commands are read one per line\n' +
        'and each prints one result line; the exit code is 0 only if all succeeded.\n' +
        'REPL commands, at the prompt or one per line in a script. A # after a space starts a\n' +
        'comment; to store a value that holds one, quote it: set k "a # b".\n' +
        replCommandList().join('\n') +
        '\n' +
        'Links are CURVE-encrypted and authenticated: the first `up` makes a key pair per node and one\n' +
        'for the operator in DIR/keys/ (mode 0600); public keys go in DIR/cluster.json.',
    )
    .action(async (n: number | undefined, opts: { dataDir: string; fresh: boolean; basePort?: number; script?: string; json: boolean; tickMs?: number; snapshotEvery?: number; insecure: boolean; readMode: 'index' | 'lease' | 'log'; record: boolean; runsDir: string; trace: boolean }) => {
      const { runUp } = await import('./up.js');
      const up: UpOptions = {
        size: n,
        dataDir: path.resolve(opts.dataDir),
        fresh: opts.fresh,
        basePort: opts.basePort,
        script: opts.script,
        json: opts.json,
        tickMs: opts.tickMs,
        snapshotEvery: opts.snapshotEvery,
        insecure: opts.insecure,
        readMode: opts.readMode,
        record: opts.record,
        trace: opts.trace,
        runsDir: opts.runsDir,
      };
      process.exitCode = await runUp(up);
    });

  program
    .command('node')
    .description('run one node of a cluster (the `up` command spawns these)')
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument('[args...]')
    .action(async (args: string[]) => {
      await runNodeCommand(args);
    });

  // Subcommands that parse their own options (and print their own --help) get their arguments untouched.
  for (const [name, { description }] of Object.entries(PASS_THROUGH)) {
    program
      .command(name)
      .description(description)
      .helpOption(false)
      .allowUnknownOption(true)
      .allowExcessArguments(true)
      .argument('[args...]')
      .action(async (args: string[]) => {
        process.exitCode = await PASS_THROUGH[name]!.run(args);
      });
  }

  return program;
}

interface PassThrough {
  readonly description: string;
  readonly run: (args: string[]) => Promise<number>;
}

/** Each loads its module only when run: `paxos-cli get` must not pay for the UI. */
const PASS_THROUGH: Record<string, PassThrough> = {
  init: {
    description: 'write a cluster for real hosts: cluster file, keys, one folder per node (paxos-cli init --hosts H1,H2,H3 --out DIR)',
    run: async (args) => (await import('./init-command.js')).runInitCommand(args),
  },
  check: {
    description: 'check an operation history (JSON) for linearizability: paxos-cli check HISTORY.json [--json]',
    run: async (args) => (await import('../check/check-command.js')).runCheckCommand(args),
  },
  chaos: {
    description: 'fresh cluster under a seeded nemesis (kills, partitions) with a workload; diff + linearizability check (paxos-cli chaos --help)',
    run: async (args) => (await import('../chaos/chaos-command.js')).runChaosCommand(args),
  },
  bench: {
    description: 'measure ops/s and latency of a fresh cluster, a running one or etcd (paxos-cli bench --help)',
    run: async (args) => (await import('../bench/bench-command.js')).runBenchCommand(args),
  },
  logs: {
    description: "print node N's whole log, from a second terminal too: paxos-cli logs N [--follow] [--data-dir DIR] [--json]",
    run: async (args) => (await import('./logs-command.js')).runLogsCommand(args),
  },
  report: {
    description: 'rebuild report.html of a run folder (chaos, bench, up --record) and print its path: paxos-cli report DIR [--json]',
    run: async (args) => (await import('../report/report-command.js')).runReportCommand(args),
  },
  attach: {
    description: 'the UI and REPL over a running cluster this terminal did not start: paxos-cli attach [FILE] (default ./paxos-data/cluster.json)',
    run: async (args) => (await import('./attach.js')).runAttachCommand(args),
  },
  ...Object.fromEntries(
    ONESHOT_COMMANDS.map((name) => [
      name,
      {
        description: `the REPL's ${name}, once, against a running cluster: paxos-cli ${name} ... [--cluster FILE] [-w table|json]`,
        run: async (args: string[]) => (await import('./oneshot-command.js')).runOneshotCommand(name, args),
      },
    ]),
  ),
};

async function runNodeCommand(args: string[]): Promise<void> {
  // The node process owns its own option parsing; this is only a dispatch.
  const mod = (await import('../node/main.js')) as { main: (argv: string[]) => unknown };
  await mod.main(args);
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  // `node` passes its arguments through untouched (they include options commander would eat).
  if (argv[0] === 'node') {
    await runNodeCommand(argv.slice(1));
    return;
  }
  const own = argv[0] === undefined ? undefined : PASS_THROUGH[argv[0]];
  if (own !== undefined && Object.hasOwn(PASS_THROUGH, argv[0]!)) {
    process.exitCode = await own.run(argv.slice(1));
    return;
  }
  // `paxos-cli help chaos` is `paxos-cli chaos --help`: those commands own their options.
  const helped = argv[0] === 'help' && argv[1] !== undefined && Object.hasOwn(PASS_THROUGH, argv[1]) ? PASS_THROUGH[argv[1]] : undefined;
  if (helped !== undefined) {
    process.exitCode = await helped.run(['--help']);
    return;
  }
  // Bare `paxos-cli` is a request for help: on stdout, exit 0 (commander would use stderr and 1).
  if (argv.length === 0) {
    program.outputHelp();
    process.exitCode = 0;
    return;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      process.exitCode = ok ? 0 : err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') {
      process.stderr.write(`paxos-cli: ${(err as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
