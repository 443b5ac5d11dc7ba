// `paxos-cli up`: prepare the data dir, spawn the nodes, then run the UI or a script.
import fs from 'node:fs';
import readline from 'node:readline';
import { CliError, prepareCluster } from '../cluster/data-dir.js';
import { openSwitchableClient } from '../cluster/switchable-client.js';
import { Executor } from './execute-command.js';
import { runScript } from './script-mode.js';
import { stripComment } from './parse-command.js';
import { acquireSupervisorLock } from '../cluster/supervisor-lock.js';
import { installShutdownHooks, Supervisor } from '../cluster/supervisor.js';
import { watchStart, type StartOutcome } from '../cluster/watch-start.js';
import { jsonLine } from '../json/contract.js';
import { StartProgress } from './start-progress.js';
import { RunRecorder, runFilesText } from '../runs/run-recorder.js';
import { membershipDelta, watchClusterFile } from './cluster-file-watch.js';

export interface UpOptions {
  readonly size: number | undefined;
  readonly dataDir: string;
  readonly fresh: boolean;
  readonly basePort: number | undefined;
  readonly script: string | undefined;
  readonly json: boolean;
  readonly tickMs: number | undefined;
  /** Passed to every node (`paxos-cli node --snapshot-every`); the node's default when undefined. */
  readonly snapshotEvery?: number | undefined;
  /** No CURVE keys (debugging only). */
  readonly insecure?: boolean | undefined;
  /** How `get` reads unless it says (default index). */
  readonly readMode?: 'index' | 'lease' | 'log' | undefined;
  /** --record: a run folder (paxos-runs/<time>-up/) when the session ends (implies trace). */
  readonly record?: boolean | undefined;
  /** --trace: every node writes its message trace from the start (otherwise from the flow view or pause on). */
  readonly trace?: boolean | undefined;
  readonly runsDir?: string | undefined;
}

const LEADER_WAIT_MS = 30_000;

export async function runUp(o: UpOptions): Promise<number> {
  const scriptMode = o.script !== undefined || !process.stdin.isTTY || !process.stdout.isTTY;
  // A script reading JSON lines gets one for a start that failed too (stderr keeps its line).
  const refuse = (message: string, code: number): number => {
    process.stderr.write(`paxos-cli: ${message}\n`);
    if (scriptMode && o.json) process.stdout.write(jsonLine('up', false, { exitCode: code }, message) + '\n');
    return code;
  };
  if (o.script !== undefined) {
    try {
      fs.accessSync(o.script, fs.constants.R_OK);
    } catch {
      return refuse(`cannot read script ${o.script}; check the path`, 2);
    }
  }
  // At a terminal, say what is happening from the first instant: keys, spawning and the UI's
  // first frame can take seconds on a busy machine.
  const progress = scriptMode ? null : new StartProgress(o.size ?? 3);
  let prepared;
  let releaseLock: () => void = () => undefined;
  try {
    releaseLock = acquireSupervisorLock(o.dataDir);
    prepared = await prepareCluster({ dataDir: o.dataDir, size: o.size, basePort: o.basePort, fresh: o.fresh, insecure: o.insecure === true });
  } catch (err) {
    releaseLock();
    progress?.done();
    if (err instanceof CliError) return refuse(err.message, 1);
    throw err;
  }
  if (prepared.note !== undefined) process.stderr.write(`paxos-cli: ${prepared.note}\n`);

  // A scenario that begins with `pause` starts the nodes paused: no election happens before
  // its first step, so its ballots and ids are the same on every run.
  const startPaused = o.script !== undefined && scriptStartsPaused(o.script);
  const sup = new Supervisor({
    cluster: prepared.cluster,
    clusterFile: prepared.clusterFile,
    dataDir: o.dataDir,
    nodeArgs: [
      ...(o.tickMs === undefined ? [] : ['--tick-ms', String(o.tickMs)]),
      ...(o.snapshotEvery === undefined ? [] : ['--snapshot-every', String(o.snapshotEvery)]),
      ...(o.insecure === true ? ['--insecure'] : []),
    ],
    // The message trace costs ~5 % of write throughput, so it is on only when asked for: --trace,
    // a report that draws it (--record), or step mode from the first instant (held messages are
    // what the flow view and the trace are for). The flow view and `pause` turn it on later.
    trace: o.trace === true || o.record === true || startPaused,
  });
  const removeHooks = installShutdownHooks(sup);
  let recorder: RunRecorder | null = null;
  let history: (() => ReturnType<Executor['history']['toJSON']>) | null = null;
  // Written once every node has stopped: on quit, at the end of a script, or on the way out of
  // a signal (the shutdown hooks stop the nodes before 'exit').
  const saveRun = (interrupted: boolean): void => {
    if (recorder === null || recorder.finished !== null) return;
    const files = recorder.finish({ dataDir: o.dataDir, history: history?.() ?? null, result: null, verdict: 'none', interrupted, traced: true, checkTimeLimitMs: interrupted ? 5000 : 20_000 });
    process.stderr.write(runFilesText(files).join('\n') + '\n');
  };
  const saveOnExit = (): void => saveRun(true);
  if (o.record === true) {
    try {
      recorder = RunRecorder.start('up', sup.ids, o.runsDir !== undefined ? { runsDir: o.runsDir } : {});
    } catch (err) {
      removeHooks();
      releaseLock();
      return refuse((err as Error).message, 1);
    }
    recorder.listen({ sup });
    process.on('exit', saveOnExit);
  }
  progress?.watch(sup);
  // Signal paths end in process.exit(): the lock goes with them.
  process.on('exit', releaseLock);
  // Nothing the nodes say on stderr may be lost in script mode: it is how a failing test explains itself.
  if (scriptMode) {
    sup.onEvent((e) => {
      if (e.type === 'stderr') process.stderr.write(`node ${e.id}: ${e.line}\n`);
      if (e.type === 'exited' && !e.requested) process.stderr.write(`node ${e.id} exited unexpectedly (code ${e.code ?? '-'}, signal ${e.signal ?? '-'})\n`);
    });
  }
  let client;
  let stopWatch: () => void = () => undefined;
  try {
    const starts: Promise<StartOutcome>[] = sup.ids.map((id) => watchStart(sup, id));
    await sup.start(startPaused ? ['--paused'] : []);
    // A node that could not start says why (its exit code and line); the others run on.
    const startFailures = Promise.all(starts).then((all) => all.flatMap((o) => (o.ok ? [] : [o.error])));
    client = await openSwitchableClient(prepared.cluster, { clientId: `cli-${process.pid}`, auth: prepared.auth });
    const executor = new Executor({ sup, client, dataDir: o.dataDir, clusterFile: prepared.clusterFile, nodes: prepared.cluster.nodes, startPaused, ...(o.readMode !== undefined ? { readMode: o.readMode } : {}) });
    recorder?.listen({ faults: executor.faults });
    // Another terminal's add or remove (paxos-cli add --cluster FILE): start the node it wrote,
    // never restart one it removed. This session's own commands do both themselves.
    const switchable = client;
    stopWatch = watchClusterFile(prepared.clusterFile, (c) => {
      if (executor.changingMembership) return;
      const { start, remove } = membershipDelta(c, sup.ids, sup.removedIds);
      if (start.length === 0 && remove.length === 0) return;
      // The client links to the new node list first, so the panes' polls reach the new node.
      void switchable.reopen(c).catch(() => undefined);
      for (const id of remove) sup.markRemoved(id);
      for (const id of start) {
        try {
          sup.addNode(id);
        } catch (err) {
          process.stderr.write(`paxos-cli: cannot start node ${id}: ${(err as Error).message}\n`);
        }
      }
      executor.clusterChanged(c);
    });
    history = () => executor.history.toJSON();
    
    if (scriptMode) {
      const failedStarts = await startFailures;
      for (const error of failedStarts) process.stderr.write(`paxos-cli: ${error}\n`);
      const leader = startPaused ? null : await executor.findLeader(LEADER_WAIT_MS);
      if (leader === null && !startPaused) process.stderr.write(`paxos-cli: no leader after ${LEADER_WAIT_MS / 1000} s; running the commands anyway\n`);
      const input = o.script !== undefined ? fs.createReadStream(o.script, 'utf8') : process.stdin;
      const lines = readline.createInterface({ input, crlfDelay: Infinity });
      const result = await runScript({ lines, write: (t) => process.stdout.write(t) }, executor, () => executor.nodeIds, o.json);
      lines.close();
      return result.failed === 0 && failedStarts.length === 0 ? 0 : 1;
    }
    // We only get here with a terminal on both ends. Ink reads CI when it is first imported and,
    // if set, draws nothing until exit: a person at a terminal inside a CI job (or our tmux test)
    // must still see the live screen.
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
    const { runUi } = await import('./ui/run-ui.js');
    progress?.done();
    await runUi({ sup, client, executor, cluster: prepared.cluster, dataDir: o.dataDir, startFailures });
    process.stdout.write(`stopping ${sup.aliveIds().length} node(s)… `);
    await sup.stopAll();
    process.stdout.write(`done; data kept in ${o.dataDir}\n`);
    return 0;
  } finally {
    stopWatch();
    progress?.done();
    await client?.close().catch(() => undefined);
    recorder?.faults.stop();
    await sup.stopAll();
    saveRun(false);
    process.off('exit', saveOnExit);
    removeHooks();
    process.off('exit', releaseLock);
    releaseLock();
    // If a stray handle would keep us alive after every node is gone, leave anyway.
    setTimeout(() => process.exit(), 3000).unref();
  }
}

/** Whether the script's first command is `pause` (read from its first 64 KiB). */
function scriptStartsPaused(file: string): boolean {
  let text: string;
  try {
    // Only a regular file is read ahead: a pipe's bytes belong to the script run.
    if (!fs.statSync(file).isFile()) return false;
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      text = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
  for (const raw of text.split('\n')) {
    const line = stripComment(raw.trim());
    if (line === '') continue;
    return line.split(/\s+/)[0]!.toLowerCase() === 'pause';
  }
  return false;
}
