// `paxos-cli logs N`: prints node N's whole log file (DIR/node-N/events.ndjson, the rotated one
// first), from any terminal, while the cluster runs or after; --follow keeps printing.
import { describeIds } from './node-ids.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { EVENT_FILE } from '../node/event-file.js';
import { MAX_NODE_ID } from '../paxos/limits.js';
import { clusterFilePath, CliError, nodeDataPath, readClusterFile } from '../cluster/data-dir.js';
import { LogTail, parseLogLine, type LogRecord } from './event-log.js';
import { asSubcommand, parseSubcommand } from '../command/subcommand.js';

export interface LogsCommandOptions {
  readonly dataDir: string;
  readonly follow: boolean;
  readonly json: boolean;
  readonly pollMs: number;
}

const FOLLOW_POLL_MS = 200;

function buildProgram(): Command {
  return asSubcommand(
    new Command('paxos-cli logs')
      .description("Print node N's whole log (DIR/node-N/events.ndjson, rotated part first): local time and event, one per line")
      .argument('<N>', 'node id', (raw: string) => {
        if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > MAX_NODE_ID) throw new InvalidArgumentError(`"${raw}" is not a node id; give a number from 1, e.g. paxos-cli logs 1`);
        return Number(raw);
      })
      .option('--data-dir <dir>', 'the cluster\'s data dir (as given to `paxos-cli up`)', './paxos-data')
      .option('-f, --follow', 'keep printing new lines as the node writes them (across rotation and restarts); Ctrl-C stops', false)
      .option('--json', 'one JSON object per line: {"cmd":"logs","ok":true,"node":N,"atMs":ms,"event":name,"text":words,"line":the node\'s NDJSON line}', false),
    'logs',
  );
}

export async function runLogsCommand(args: readonly string[], out: (s: string) => void = (s) => void process.stdout.write(s)): Promise<number> {
  const program = buildProgram();
  const parsed = parseSubcommand<{ dataDir: string; follow: boolean; json: boolean }>(program, args);
  if (typeof parsed === 'number') return parsed;
  const node = program.processedArgs[0] as number;
  const opts: LogsCommandOptions = { dataDir: path.resolve(parsed.dataDir), follow: parsed.follow, json: parsed.json, pollMs: FOLLOW_POLL_MS };
  const fail = (msg: string): number => {
    if (opts.json) out(JSON.stringify({ cmd: 'logs', ok: false, node, error: msg }) + '\n');
    else process.stderr.write(`paxos-cli logs: ${msg}\n`);
    return 1;
  };
  try {
    return await printLogs(node, opts, out, fail);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
}

async function printLogs(node: number, opts: LogsCommandOptions, out: (s: string) => void, fail: (msg: string) => number): Promise<number> {
  const isDir = await fs.stat(opts.dataDir).then((s) => s.isDirectory(), () => false);
  if (!isDir) return fail(`no data dir at ${opts.dataDir}; pass the --data-dir the cluster runs in (paxos-cli logs ${node} --data-dir DIR)`);
  let cluster;
  try {
    cluster = await readClusterFile(clusterFilePath(opts.dataDir));
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    cluster = null; // a broken cluster file must not hide the logs
  }
  if (cluster !== null && !cluster.nodes.some((n) => n.id === node)) {
    return fail(`node ${node} does not exist; this cluster has nodes ${describeIds(cluster.nodes.map((n) => n.id))}`);
  }
  const dir = nodeDataPath(opts.dataDir, node);
  const tail = new LogTail(dir);
  if (!opts.follow && !(await tail.exists())) {
    const why = cluster === null ? ` (and there is no cluster in ${opts.dataDir}: is it the right --data-dir?)` : '; it writes one once it has started';
    return fail(`node ${node} has no log yet: no ${path.join(dir, EVENT_FILE)}${why}`);
  }
  const print = (lines: readonly string[]) => {
    let text = '';
    for (const line of lines) {
      const r = parseLogLine(line);
      if (r !== null) text += formatRecord(node, r, opts.json) + '\n';
    }
    if (text !== '') out(text);
  };
  try {
    print(await tail.poll());
    if (!opts.follow) return 0;
    await followUntilSignal(tail, opts.pollMs, print);
    return 0;
  } finally {
    await tail.close();
  }
}

export function formatRecord(node: number, r: LogRecord, json: boolean): string {
  if (!json) return r.text;
  // The node's own line goes out whole as a string: its fields (t, replayed, …) follow the
  // node's event format, not the JSON contract's naming rules, and must not be renamed here.
  const event = typeof r.raw.event === 'string' ? r.raw.event : 'unknown';
  return JSON.stringify({ cmd: 'logs', ok: true, node, atMs: r.t, event, text: r.text.replace(/^\S+ {2}/, ''), line: JSON.stringify(r.raw) });
}

/** Polls until SIGINT/SIGTERM (or a closed stdout): following ends there, and that is a success. */
async function followUntilSignal(tail: LogTail, pollMs: number, print: (lines: readonly string[]) => void): Promise<void> {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (stop = r));
  const onEpipe = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.on('error', onEpipe);
  let done = false;
  void stopped.then(() => (done = true));
  try {
    while (!done) {
      await Promise.race([stopped, new Promise((r) => setTimeout(r, pollMs))]);
      if (!done) print(await tail.poll());
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.stdout.off('error', onEpipe);
  }
}
