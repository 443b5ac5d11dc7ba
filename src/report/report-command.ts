// `paxos-cli report DIR`: rebuilds DIR/report.html from the run folder and prints its path.
import { Command } from 'commander';
import { asSubcommand, parseSubcommand } from '../command/subcommand.js';
import { jsonLine } from '../json/contract.js';
import { buildReport } from './build-report.js';
import { RunDirError } from './load-run.js';

const EXIT_FAILURE = 1;

function buildProgram(): Command {
  return asSubcommand(
    new Command('paxos-cli report')
      .description('Rebuild report.html of a run folder (written by chaos, bench or up --record) and print its path')
      .argument('<dir>', 'the run folder, e.g. paxos-runs/2026-12-03T09-12-05Z-chaos')
      .option('--json', 'print one JSON object: {"cmd":"report","ok":true,"runDir","report","laneCount","arrowCount","deliveredCount",…}', false),
    'report',
  );
}

export async function runReportCommand(args: readonly string[]): Promise<number> {
  const program = buildProgram();
  const parsed = parseSubcommand<{ json: boolean }>(program, args);
  if (typeof parsed === 'number') return parsed;
  const dir = program.processedArgs[0] as string;
  try {
    const built = buildReport(dir);
    const c = built.counts;
    if (parsed.json) {
      const fields = {
        runDir: built.path.replace(/[\\/]report\.html$/, ''),
        report: built.path,
        laneCount: c.lanes,
        arrowCount: c.arrows,
        deliveredCount: c.delivered,
        sampled: c.sampled,
        lostCount: c.lost,
        droppedCount: c.dropped,
        faultBandCount: c.bands,
        opCount: c.ops,
        linearizable: built.linearizable,
        reportBytes: built.bytes,
      };
      process.stdout.write(jsonLine('report', true, fields) + '\n');
    } else {
      process.stdout.write(`${built.path}\n`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof RunDirError) && typeof (err as { code?: unknown }).code !== 'string') throw err;
    const msg = (err as Error).message;
    process.stderr.write(`paxos-cli report: ${msg}\n`);
    if (parsed.json) process.stdout.write(jsonLine('report', false, { exitCode: EXIT_FAILURE }, msg) + '\n');
    return EXIT_FAILURE;
  }
}
