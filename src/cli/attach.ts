// `paxos-cli attach [FILE]`: the UI and REPL (or a script) over a cluster this terminal did not
// start: nodes on other hosts (`paxos-cli node`), or an `up` in another terminal. Everything goes
// through the nodes' API with the operator key beside the cluster file: commands, status and
// log polls, and the nodes' own event logs and message traces, mirrored into a temp dir that the
// panes, `logs N` and the flow view read as they read a local data dir. Quitting leaves the
// nodes running; a node this session paused (chaos) is resumed first.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import type { ClusterClient } from '../cluster/cluster-client.js';
import { openSwitchableClient } from '../cluster/switchable-client.js';
import { activeNodes } from '../cluster/membership-plan.js';
import { openClusterFile } from '../cluster/data-dir.js';
import { NodeLogMirror } from '../cluster/node-log-mirror.js';
import { RemoteNodes } from '../cluster/remote-nodes.js';
import { asSubcommand, EXIT_USAGE, parseSubcommand } from '../command/subcommand.js';
import { jsonLine } from '../json/contract.js';
import { replCommandList } from './commands.js';
import { isFaultFree } from '../protocol/fault-rules.js';
import { Executor } from './execute-command.js';
import { DEFAULT_CLUSTER_FILE } from './oneshot-command.js';
import { runScript } from './script-mode.js';

interface AttachOptions {
  readonly cluster?: string;
  readonly script?: string;
  readonly json: boolean;
  readonly readMode: 'index' | 'lease' | 'log';
}

/** How long undoing this session's pauses, faults and trace switch may take on the way out. */
const DETACH_MS = 8000;

/**
 * What this session did to the cluster, undone: it must not leave it paused, cut or slowed with
 * nobody to see it (status in another terminal would not know why writes time out). A chaos run
 * is stopped; a pause (step mode, or chaos's per-node pauses) resumed; faults healed; the message
 * trace switched back to what it was. Says what it did, one line each.
 */
async function detach(executor: Executor, remote: RemoteNodes, tracedBefore: boolean): Promise<string[]> {
  const said: string[] = [];
  executor.stopChaos();
  if (executor.steps.paused) {
    const r = await executor.run({ kind: 'resume' });
    said.push(r.ok ? 'resumed the nodes this session paused' : `could not resume every node: ${r.error ?? r.text}`);
  }
  remote.resumeAll();
  await remote.settled();
  if (!isFaultFree(executor.faults.rules)) {
    const r = await executor.run({ kind: 'heal' });
    said.push(r.ok ? 'healed the faults this session set' : `could not heal every node: ${r.error ?? r.text}`);
  }
  // Only what this session switched is switched back: it never turns a trace on at exit.
  if (!tracedBefore && executor.tracing.on) {
    const sw = await executor.tracing.set(false);
    said.push(sw.failed.length === 0 ? 'switched the message trace off again' : `could not switch the trace off on ${sw.failed.map((f) => `n${f.node}`).join(',')}`);
  }
  return said;
}

function within<T>(ms: number, p: Promise<T>): Promise<T | undefined> {
  return Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
}

function buildProgram(): Command {
  return asSubcommand(
    new Command('paxos-cli attach')
      .description(
        'The terminal UI and REPL over a running cluster this terminal did not start (nodes on other hosts, or an `up` ' +
          'in another terminal), through the nodes\' API with the operator key beside the cluster file. quit leaves the nodes running.',
      )
      .argument('[file]', `the cluster file (written by paxos-cli init or up; keys/operator.key beside it) (default: ${DEFAULT_CLUSTER_FILE})`)
      .option('--cluster <file>', 'the same as FILE')
      .option('--script <file>', 'run the commands in FILE without the UI, then detach')
      .option('--json', 'in script mode, print one JSON object per command', false)
      .addOption(new Option('--read-mode <mode>', 'how get reads unless it says (get --mode)').choices(['index', 'lease', 'log']).default('index'))
      .addHelpText(
        'after',
        '\nWithout a terminal, or with --script, commands are read one per line and each prints one result line.\n' +
          'Over the network: kill and restart are refused (stop N asks a node to exit; start it on its host);\n' +
          'chaos cuts links and pauses nodes (step mode: a frozen clock, peer messages held) but kills nothing.\n' +
          'REPL commands:\n' +
          replCommandList().join('\n'),
      ),
    'attach',
  );
}

export async function runAttachCommand(args: readonly string[]): Promise<number> {
  const program = buildProgram();
  const parsed = parseSubcommand<AttachOptions>(program, args);
  if (typeof parsed === 'number') return parsed;
  const positional = program.args[0];
  const scriptMode = parsed.script !== undefined || !process.stdin.isTTY || !process.stdout.isTTY;
  const refuse = (message: string, code: number): number => {
    process.stderr.write(`paxos-cli attach: ${message}\n`);
    if (scriptMode && parsed.json) process.stdout.write(jsonLine('attach', false, { exitCode: code }, message) + '\n');
    return code;
  };
  if (positional !== undefined && parsed.cluster !== undefined && path.resolve(positional) !== path.resolve(parsed.cluster)) {
    return refuse('give the cluster file once: as FILE or as --cluster FILE', EXIT_USAGE);
  }
  const clusterFile = path.resolve(positional ?? parsed.cluster ?? DEFAULT_CLUSTER_FILE);
  if (parsed.script !== undefined) {
    try {
      fs.accessSync(parsed.script, fs.constants.R_OK);
    } catch {
      return refuse(`cannot read script ${parsed.script}; check the path`, EXIT_USAGE);
    }
  }
  const opened = openClusterFile(clusterFile);
  if ('error' in opened) return refuse(opened.error, opened.code);
  const { cluster, auth } = opened;

  const mirrorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-attach-'));
  let client: ClusterClient | null = null;
  let remote: RemoteNodes | null = null;
  let mirror: NodeLogMirror | null = null;
  let executor: Executor | null = null;
  let tracedBefore = false;
  let detached: Promise<string[]> | null = null;
  const leave = (): Promise<string[]> => {
    if (detached === null) detached = executor === null || remote === null ? Promise.resolve([]) : within(DETACH_MS, detach(executor, remote, tracedBefore)).then((s) => s ?? ['gave up undoing this session\'s faults after 8 s; run status to see them']);
    return detached;
  };
  // A signal (a closed terminal is SIGHUP), or a reader that closed our output, ends the session
  // too: what it did to the cluster is undone and the temp copy removed before the process goes.
  const onSignal = (code: number) => (): void => {
    void (async () => {
      for (const line of await leave()) process.stderr.write(`paxos-cli attach: ${line}\n`);
      fs.rmSync(mirrorDir, { recursive: true, force: true });
      process.exit(code);
    })();
  };
  const signals = [
    ['SIGINT', onSignal(130)],
    ['SIGTERM', onSignal(143)],
    ['SIGHUP', onSignal(129)],
  ] as const;
  for (const [name, fn] of signals) process.on(name, fn);
  // `attach --json | head`: the bin's EPIPE handler would exit at once, skipping all of that.
  const epipe = process.stdout.listeners('error');
  process.stdout.removeAllListeners('error');
  const onOutputError = (err: NodeJS.ErrnoException): void => (err.code === 'EPIPE' ? onSignal(0)() : onSignal(1)());
  process.stdout.on('error', onOutputError);
  try {
    const c = await openSwitchableClient(cluster, { clientId: `attach-${randomUUID()}`, auth });
    client = c;
    // Removed nodes stay listed in a grown cluster's file; only members are polled and shown.
    const ids = activeNodes(cluster).map((n) => n.id);
    remote = new RemoteNodes([...ids], clusterFile, (id, action) => c.step(id, action));
    const r = remote;
    mirror = new NodeLogMirror({ readFile: (id, file, offset, max) => c.readFile(id, file, offset, max) }, [...ids], mirrorDir, (id, event) =>
      r.emit({ type: 'node-event', id, event }),
    );
    mirror.start();
    const m = mirror;
    executor = new Executor({
      sup: remote,
      remote,
      client,
      dataDir: mirrorDir,
      historyDir: path.dirname(clusterFile),
      clusterFile,
      nodes: cluster.nodes,
      readMode: parsed.readMode,
    });
    // A member added from here (or seen joining) gets its files mirrored like the first ones.
    executor.onClusterChange((changed) => {
      for (const n of activeNodes(changed)) m.addNode(n.id);
    });
    // Whether the nodes trace already (another terminal's flow view, say): quitting restores it.
    tracedBefore = (await executor.statusAll()).some((s) => s.tracing === true);
    executor.tracing.assume(tracedBefore);
    if (scriptMode) {
      const input = parsed.script !== undefined ? fs.createReadStream(parsed.script, 'utf8') : process.stdin;
      const lines = readline.createInterface({ input, crlfDelay: Infinity });
      const ex = executor;
      const result = await runScript({ lines, write: (t) => process.stdout.write(t) }, executor, () => ex.nodeIds, parsed.json);
      lines.close();
      return result.failed === 0 ? 0 : 1;
    }
    // Ink reads CI when first imported: a person at a terminal inside a CI job must see the screen.
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
    const { runUi } = await import('./ui/run-ui.js');
    await runUi({ sup: remote, attached: true, client, executor, cluster, dataDir: mirrorDir });
    process.stdout.write(`detached from ${clusterFile}; the nodes keep running\n`);
    return 0;
  } finally {
    for (const line of await leave()) process.stderr.write(`paxos-cli attach: ${line}\n`);
    await mirror?.stop();
    await client?.close().catch(() => undefined);
    fs.rmSync(mirrorDir, { recursive: true, force: true });
    for (const [name, fn] of signals) process.off(name, fn);
    process.stdout.off('error', onOutputError);
    for (const fn of epipe) process.stdout.on('error', fn as (err: Error) => void);
    setTimeout(() => process.exit(), 3000).unref();
  }
}
