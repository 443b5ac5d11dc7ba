import { Command, CommanderError } from 'commander';
import { jsonLine } from '../json/contract.js';

export const EXIT_USAGE = 2;

/** What every subcommand shares: its own --help, no stray arguments, errors as one line. */
export function asSubcommand(program: Command, name: string): Command {
  return program
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
      outputError: (str, write) => write(str.trimEnd() + ` (see paxos-cli ${name} --help)\n`),
    });
}

/**
 * Parses a subcommand's arguments (without its name): its options, or the exit code once
 * commander has printed the help (0) or a one-line error (2).
 */
export function parseSubcommand<T extends object>(program: Command, argv: readonly string[]): T | number {
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      // With --json a usage error is a JSON line too (commander has printed its line on stderr).
      if (argv.includes('--json')) printUsageJson(program, err.message.replace(/^error: /, ''));
      return EXIT_USAGE;
    }
    throw err;
  }
  return program.opts<T>();
}

/** A usage error as the JSON contract's line: `{"cmd":"chaos","ok":false,"error":…,"exitCode":2}`. */
export function printUsageJson(program: Command, message: string): void {
  process.stdout.write(jsonLine(program.name().replace(/^paxos-cli /, ''), false, { exitCode: EXIT_USAGE }, message) + '\n');
}
