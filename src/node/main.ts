// `paxos-cli node ...`: parse options, run one node until a signal (or the parent's death).
import { asSubcommand, parseSubcommand } from '../command/subcommand.js';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { KeyFileError, nodeKeyPath, readKeyFile } from '../cluster/keys.js';
import { ClusterFileError, findNode, loadClusterFile } from '../cluster/cluster-file.js';
import { DEFAULT_EVENT_FILE_BYTES, EventFile } from './event-file.js';
import { MessageTrace } from './message-trace.js';
import { BindAddressError, chooseBindAddress } from './bind-address.js';
import { OLD_TRACE_FILE, TRACE_FILE } from '../trace/trace-record.js';
import { EventWriter, formatEvent } from './events.js';
import { DEFAULT_SNAPSHOT_EVERY, NodeRuntime, oneLine } from './node-runtime.js';
import { StorageError } from './storage.js';
import { TransportError, type LinkSecurity } from './transport.js';
import type { Cluster } from '../cluster/cluster-file.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Set while a node runs: writes its queued log lines (and a fatal one) to its file on the way out. */
let exitHook: ((fatal?: string) => void) | null = null;

export interface NodeCommandOptions {
  id: number;
  cluster: string;
  dataDir: string;
  tickMs: number;
  requestTimeoutMs: number;
  snapshotEvery: number;
  parentPid?: number;
  keyFile?: string;
  insecure?: boolean;
  eventFileBytes: number;
  /** --trace: write messages.ndjson from the start (off by default; the admin action `trace` switches it). */
  trace?: boolean;
  paused?: boolean;
  bind?: string;
}

/** The message trace is written in 50 ms batches (EventFile): a SIGKILL loses at most that much of it. */
const TRACE_BATCH_MS = 50;

const intOption =
  (name: string, min: number, max: number) =>
  (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    }
    return n;
  };

function buildProgram(): Command {
  return asSubcommand(
    new Command('paxos-cli node')
    .description('Run one node of a Multi-Paxos key-value cluster. Prints NDJSON events on stdout.')
    .requiredOption('--id <n>', 'this node\'s id: one of the ids in the cluster file', intOption('--id', 1, 1_000_000))
    .requiredOption(
      '--cluster <file>',
      'cluster file, JSON: {"nodes":[{"id":1,"host":"127.0.0.1","port":7001}, ...]}; every node reads the same one. ' +
        'Optional: "clusterId" (stamped into a new DB; a DB of another cluster is refused) and "hasRun": [ids] ' +
        '(nodes that have run before: such a node refuses a missing or empty --data-dir, as it forgot its promises)',
    )
    .requiredOption('--data-dir <dir>', 'directory of this node\'s LevelDB (created if missing; one per node)')
    .option('--tick-ms <ms>', 'protocol clock period: heartbeats and election timeouts are counted in ticks', intOption('--tick-ms', 1, 10_000), 50)
    .option(
      '--request-timeout-ms <ms>',
      'how long a client command may wait to be chosen before it fails with "no quorum"',
      intOption('--request-timeout-ms', 1, 600_000),
      3000,
    )
    .option(
      '--snapshot-every <slots>',
      'snapshot the key-value state and drop the log below it every this many applied slots (bounds memory and restart time)',
      intOption('--snapshot-every', 1, 1_000_000_000),
      DEFAULT_SNAPSHOT_EVERY,
    )
    .option('--parent-pid <pid>', 'exit when this process (the supervisor) is gone', intOption('--parent-pid', 1, 2 ** 31))
    .option('--key-file <file>', 'this node\'s CURVE key pair, JSON {"publicKey","secretKey"}, mode 0600 (default: keys/node-<id>.key beside the cluster file)')
    .option(
      '--event-file-bytes <bytes>',
      'rotate <data-dir>/events.ndjson to events.1.ndjson at this size; one old file is kept, so the log takes at most twice this',
      intOption('--event-file-bytes', 1024, 2 ** 40),
      DEFAULT_EVENT_FILE_BYTES,
    )
    .option('--bind <address>', "listen on this IP address instead of the cluster file's (0.0.0.0 or :: for every interface: only when asked, e.g. in a container); the port stays the cluster file's")
    .option('--paused', 'start in step mode: no clock, every peer message held until a `step` request delivers it')
    .option(
      '--trace',
      `write every protocol message sent, received, held or dropped to <data-dir>/${TRACE_FILE} from the start (bounded like the event log; ` +
        'off by default, as it costs about 5 % of write throughput; the admin action "trace" switches it while the node runs)',
    )
    // The default since tracing became opt-in; still taken, so old scripts run unchanged.
    .addOption(new Option('--no-trace', 'do not trace (the default)').hideHelp())
    .option('--insecure', 'no CURVE: accept any connection and believe it (for debugging only; every node and client must agree)'),
    'node',
  );
}

/** Parses `paxos-cli node` arguments (without the leading "node"). Returns options or an exit code. */
export function parseNodeArgs(args: readonly string[]): NodeCommandOptions | number {
  return parseSubcommand<NodeCommandOptions>(buildProgram(), args);
}

/** Runs `paxos-cli node`; resolves with the process exit code once the node has stopped. */
export async function runNodeCommand(args: readonly string[]): Promise<number> {
  const parsed = parseNodeArgs(args);
  if (typeof parsed === 'number') return parsed;
  const opts = parsed;
  // Every event goes to stdout (the supervisor) and to the node's log file; the file opens only
  // once the DB has (see EventFile.open).
  let events: EventWriter | null = null;
  const file = new EventFile(opts.dataDir, (msg) => events?.log('warn', msg), opts.eventFileBytes);
  events = new EventWriter(opts.id, (line) => {
    process.stdout.write(line);
    file.write(line);
  });
  // Made even when tracing starts off: the admin action `trace` may turn it on. It creates its
  // file only when it has a line to write.
  const traceFile = new EventFile(opts.dataDir, (msg) => events?.log('warn', msg), opts.eventFileBytes, { current: TRACE_FILE, old: OLD_TRACE_FILE }, TRACE_BATCH_MS);
  exitHook = (msg) => {
    file.writeSyncOnExit(msg === undefined ? '' : formatEvent(opts.id, { event: 'log', level: 'error', msg }) + '\n');
    traceFile.writeSyncOnExit();
  };
  const fail = (code: number, msg: string): number => {
    // One line, prefixed with the node's id: the supervisor shows it as why the node did not start.
    process.stderr.write(`paxos-cli node ${opts.id}: ${msg}\n`);
    exitHook?.(msg);
    exitHook = null;
    return code;
  };

  let cluster;
  try {
    cluster = loadClusterFile(opts.cluster);
  } catch (err) {
    if (err instanceof ClusterFileError) return fail(EXIT_USAGE, err.message);
    throw err;
  }
  const self = findNode(cluster, opts.id);
  if (self === undefined) {
    const ids = cluster.nodes.map((n) => n.id).join(', ');
    return fail(EXIT_USAGE, `--id ${opts.id} is not in the cluster file (its ids: ${ids})`);
  }
  if (self.member === 'removed') {
    return fail(EXIT_USAGE, `node ${opts.id} was removed from the cluster (the cluster file says so): a removed node does not start again; add a new node instead`);
  }

  let security: LinkSecurity;
  try {
    security = linkSecurity(opts, cluster);
  } catch (err) {
    if (err instanceof KeyFileError) return fail(EXIT_USAGE, err.message);
    throw err;
  }

  let bindAddress: string;
  try {
    bindAddress = await chooseBindAddress({ id: opts.id, host: self.host, port: self.port, bind: opts.bind, insecure: security.mode === 'insecure' });
  } catch (err) {
    if (err instanceof BindAddressError) return fail(EXIT_USAGE, err.message);
    throw err;
  }

  if (security.mode === 'insecure') events.log('warn', 'links are neither authenticated nor encrypted (--insecure): for debugging only');
  // Handlers first: a SIGTERM that lands right after `ready` (a script that ends at once) must
  // stop the node cleanly, with its last log lines written, not kill it by default action.
  let runtime: NodeRuntime | null = null;
  let stopRequested: string | null = null;
  const stop = (reason: string): void => {
    if (runtime === null) stopRequested ??= reason;
    else void runtime.stop(reason);
  };
  const onSigterm = (): void => stop('SIGTERM');
  const onSigint = (): void => stop('SIGINT');
  process.on('SIGTERM', onSigterm);
  process.on('SIGINT', onSigint);
  const offSignals = (): void => {
    process.off('SIGTERM', onSigterm);
    process.off('SIGINT', onSigint);
  };
  try {
    runtime = await NodeRuntime.start({
      id: opts.id,
      cluster,
      dataDir: opts.dataDir,
      tickMs: opts.tickMs,
      requestTimeoutMs: opts.requestTimeoutMs,
      snapshotEvery: opts.snapshotEvery,
      events,
      security,
      trace: new MessageTrace(opts.id, traceFile, opts.trace === true),
      startPaused: opts.paused === true,
      bindAddress,
    });
  } catch (err) {
    offSignals();
    if (err instanceof StorageError || err instanceof TransportError) return fail(EXIT_FAILURE, err.message);
    throw err;
  }
  file.open();
  traceFile.open();
  if (stopRequested !== null) stop(stopRequested);
  let parentWatch: NodeJS.Timeout | null = null;
  if (opts.parentPid !== undefined) {
    const ppid = opts.parentPid;
    parentWatch = setInterval(() => {
      if (!processExists(ppid)) stop(`parent process ${ppid} exited`);
    }, 1000);
    parentWatch.unref();
  }
  await runtime.done;
  if (parentWatch !== null) clearInterval(parentWatch);
  offSignals();
  events.flushChosen();
  await Promise.race([Promise.all([file.close(), traceFile.close()]), new Promise((r) => setTimeout(r, 2000).unref())]);
  exitHook = null;
  return EXIT_OK;
}


/** The node's key pair and the keys it admits; every refusal is a KeyFileError with one line. */
function linkSecurity(opts: NodeCommandOptions, cluster: Cluster): LinkSecurity {
  if (opts.insecure === true) return { mode: 'insecure' };
  // A removed node is no peer: its key is neither needed nor admitted (the log may still add it back by key).
  const members = cluster.nodes.filter((n) => n.member !== 'removed');
  const unkeyed = members.filter((n) => n.publicKey === undefined).map((n) => n.id);
  if (unkeyed.length > 0) {
    throw new KeyFileError(
      `cluster file ${opts.cluster} has no public key for node${unkeyed.length > 1 ? 's' : ''} ${unkeyed.join(',')}; ` +
        'let `paxos-cli up` make the keys (it adds them to a cluster it finds), or pass --insecure (debugging only)',
    );
  }
  const file = opts.keyFile ?? nodeKeyPath(path.dirname(opts.cluster), opts.id);
  const self = readKeyFile(file);
  const listed = findNode(cluster, opts.id)?.publicKey;
  if (self.publicKey !== listed) {
    throw new KeyFileError(`key file ${file} does not hold node ${opts.id}'s key (the cluster file lists ${listed ?? 'none'}); use the key file made with this cluster`);
  }
  const peerKeys = new Map(members.filter((n) => n.id !== opts.id).map((n) => [n.id, n.publicKey!] as const));
  return { mode: 'curve', self, peerKeys, operatorKeys: cluster.operatorKeys ?? [] };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Process entry used by the CLI's `node` dispatch: runs the node, then exits with its code. */
export async function main(args: string[]): Promise<void> {
  // Whatever escapes a callback ends the node with one line, as every other fatal error does;
  // the DB recovers on restart. PAXOS_DEBUG=1 adds the stack.
  const at = args.indexOf('--id');
  const id = at >= 0 ? (args[at + 1] ?? '?') : (args.find((a) => a.startsWith('--id='))?.slice(5) ?? '?');
  const escaped = (err: unknown): void => {
    process.stderr.write(`paxos-cli node ${id}: fatal: ${oneLine(err)}\n`);
    exitHook?.(`fatal: ${oneLine(err)}`);
    exitHook = null;
    if (process.env['PAXOS_DEBUG'] === '1' && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`);
    process.exit(EXIT_FAILURE);
  };
  process.on('uncaughtException', escaped);
  process.on('unhandledRejection', escaped);
  // Fatal paths inside the runtime exit at once: what is queued still reaches the file.
  process.on('exit', () => exitHook?.());
  let code: number;
  try {
    code = await runNodeCommand(args);
  } catch (err) {
    process.stderr.write(`paxos-cli node: fatal: ${oneLine(err)}\n`);
    code = EXIT_FAILURE;
  }
  // Sockets and the DB are closed by now; exit rather than wait on native handles to drain.
  process.exit(code);
}
