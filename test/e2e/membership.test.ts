// Membership change end to end, as a person drives it: `paxos-cli up --json` fed commands on its
// stdin (script mode) and one-shot `paxos-cli add|remove|transfer --cluster FILE` from a second
// process, real node processes (ZeroMQ, LevelDB) on loopback, and a write load from concurrent
// clients of the typed client library that follow the cluster file as it changes. Afterwards:
// every acknowledged write reads back, the history (writes and concurrent reads) is
// linearizable, and `diff` finds no conflict between the members' logs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HistoryRecorder } from '../../src/check/history.js';
import { checkHistory } from '../../src/check/linearizability.js';
import { outcomeOfError, recordOp } from '../../src/check/record-op.js';
import { clusterFilePath, openClusterFile } from '../../src/cluster/data-dir.js';
import { openSwitchableClient, type SwitchableClient } from '../../src/cluster/switchable-client.js';
import { processesUnder } from '../processes.js';

const BIN = path.resolve('bin/paxos-cli.js');
type Json = Record<string, unknown>;

beforeAll(() => {
  if (!fs.existsSync(path.resolve('dist/cli/main.js'))) throw new Error('run `npm run build` first: the CLI runs from dist/');
});

// ---- the terminal that runs the cluster --------------------------------------------------------

/** `paxos-cli up --json` on a pipe: one command line in, one JSON line out. */
class UpSession {
  readonly proc: ResultPromise;
  private readonly lines: AsyncIterator<string>;
  private stderr = '';
  /** How long each command took, for the test's log ("add 2.1s"). */
  readonly took: string[] = [];

  constructor(readonly dataDir: string, args: readonly string[]) {
    this.proc = execa(process.execPath, [BIN, 'up', ...args, '--json', '--data-dir', dataDir], { stdin: 'pipe', reject: false, buffer: { stdout: false, stderr: false } });
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.lines = readline.createInterface({ input: this.proc.stdout! })[Symbol.asyncIterator]();
  }

  /** What up and its nodes said on stderr, for a failing test to explain itself. */
  get log(): string {
    return this.stderr.split('\n').slice(-40).join('\n');
  }

  async send(cmd: string, timeoutMs = 60_000): Promise<Json> {
    const t0 = Date.now();
    this.proc.stdin!.write(cmd + '\n');
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      this.lines.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer to "${cmd}" within ${timeoutMs} ms; stderr:\n${this.log}`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    if (next.done === true) throw new Error(`up exited before answering "${cmd}"; stderr:\n${this.log}`);
    if (!/^(leader|diff|status|members|get|set)\b/.test(cmd)) this.took.push(`${cmd} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    const obj = JSON.parse(next.value) as Json;
    expect(obj.cmd).toBe(cmd);
    return obj;
  }

  /** Sends cmd and expects ok: true (the error and up's stderr otherwise). */
  async ok(cmd: string, timeoutMs?: number): Promise<Json> {
    const r = await this.send(cmd, timeoutMs);
    expect(r.ok, `${cmd}: ${String(r.error)}\n${this.log}`).toBe(true);
    return r;
  }

  /** End of input: up stops every node and exits. */
  async quit(): Promise<number | undefined> {
    this.proc.stdin!.end();
    const r = await this.proc;
    return r.exitCode;
  }
}

/** A one-shot command from a second process, as another terminal would run it. */
async function oneshot(clusterFile: string, words: readonly string[]): Promise<{ code: number | undefined; json: Json; stderr: string }> {
  const r = await execa(process.execPath, [BIN, ...words, '--cluster', clusterFile, '-w', 'json'], { reject: false, timeout: 90_000 });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  return { code: r.exitCode, json: last === '' ? {} : (JSON.parse(last) as Json), stderr: r.stderr };
}

// ---- temp dirs and processes, every one cleaned up ------------------------------------------------

const sessions: UpSession[] = [];
const roots: string[] = [];

afterEach(async () => {
  for (const s of sessions.splice(0)) {
    s.proc.kill('SIGTERM');
    await s.proc.catch(() => undefined);
  }
  for (const root of roots.splice(0)) {
    // Nodes whose supervisor died before them (never expected): nothing outlives the test.
    for (const pid of processesUnder(root)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
});

function dataDir(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-cli-membership-'));
  roots.push(root);
  return path.join(root, 'data');
}

function up(dir: string, ...args: string[]): UpSession {
  const s = new UpSession(dir, args);
  sessions.push(s);
  return s;
}

/** Node processes of this data dir: `--data-dir DIR/node-N` in their command lines. */
function runningNodes(dir: string): number[] {
  const out: number[] = [];
  for (const pid of processesUnder(path.join(dir, 'node-'))) {
    try {
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const i = args.indexOf('--id');
      if (i >= 0) out.push(Number(args[i + 1]));
    } catch {
      // exited meanwhile
    }
  }
  return out.sort((a, b) => a - b);
}

/** Waits (bounded) until exactly these nodes run: a removed node exits by itself, a moment later. */
async function expectRunning(dir: string, ids: readonly number[]): Promise<void> {
  for (let i = 0; i < 50 && runningNodes(dir).join(' ') !== ids.join(' '); i++) await sleep(200);
  expect(runningNodes(dir)).toEqual(ids);
}

const voters = (r: Json): number[] => ((r.inForce as { voterNodes: number[] }).voterNodes);

// ---- the write load ---------------------------------------------------------------------------

interface LoadReport {
  readonly acked: number;
  /** Writes that threw (the client gave up after its own retries): outcome unknown or failed. */
  readonly writeErrors: number;
  readonly reads: number;
  readonly readErrors: number;
  readonly errors: readonly string[];
}

/**
 * Writers (each its own client, its own keys, one write at a time) and readers (read-index reads of
 * any key), all recorded in one history. The clients reach the nodes the cluster file lists, and
 * reopen over the new list each time the file changes, as an application following it would.
 */
class WriteLoad {
  readonly history = new HistoryRecorder();
  /** The last value each key was acknowledged with, and values written with an unknown outcome. */
  readonly acked = new Map<string, string>();
  readonly maybe = new Map<string, Set<string>>();
  /** What each key read at the end (stopAndCheck). */
  readonly finals = new Map<string, string | null>();
  private clients: SwitchableClient[] = [];
  private running: Promise<void>[] = [];
  private stopped = false;
  private watch: NodeJS.Timeout | undefined;
  private fileText = '';
  private acks = 0;
  private writeErrors = 0;
  private reads = 0;
  private readErrors = 0;
  private readonly errors: string[] = [];

  constructor(
    private readonly clusterFile: string,
    private readonly writers = 4,
    private readonly readers = 2,
    private readonly keysPerWriter = 3,
    private readonly pauseMs = 5,
  ) {}

  private opened() {
    const o = openClusterFile(this.clusterFile);
    if ('error' in o) throw new Error(o.error);
    return o;
  }

  async start(): Promise<void> {
    this.fileText = fs.readFileSync(this.clusterFile, 'utf8');
    const { cluster, auth } = this.opened();
    for (let i = 0; i < this.writers + this.readers; i++) {
      this.clients.push(await openSwitchableClient(cluster, { clientId: `load-${i}-${process.pid}`, auth, timeoutMs: 10_000 }));
    }
    this.watch = setInterval(() => void this.follow(), 200);
    for (let w = 0; w < this.writers; w++) this.running.push(this.writer(w));
    for (let r = 0; r < this.readers; r++) this.running.push(this.reader(r));
  }

  private following = false;
  private async follow(): Promise<void> {
    if (this.following) return;
    this.following = true;
    try {
      const text = fs.readFileSync(this.clusterFile, 'utf8');
      if (text === this.fileText) return;
      this.fileText = text;
      const { cluster } = this.opened();
      await Promise.all(this.clients.map((c) => c.reopen(cluster)));
    } catch {
      // Mid-rewrite (renamed into place, so rare): the next tick reads it again.
    } finally {
      this.following = false;
    }
  }

  get ackCount(): number {
    return this.acks;
  }

  /** Resolves once `n` more writes have been acknowledged (bounded: fails after ms). */
  async waitAcks(n: number, ms = 20_000): Promise<void> {
    const want = this.acks + n;
    const deadline = Date.now() + ms;
    while (this.acks < want) {
      if (Date.now() > deadline) throw new Error(`only ${this.acks - want + n} of ${n} writes acknowledged within ${ms} ms: ${this.errors.slice(-3).join('; ')}`);
      await sleep(20);
    }
  }

  private async writer(w: number): Promise<void> {
    const client = this.clients[w]!;
    for (let i = 0; !this.stopped; i++) {
      const key = `w${w}-k${i % this.keysPerWriter}`;
      const value = `w${w}-${i}`;
      try {
        await recordOp(this.history, `w${w}`, { op: 'set', key, value }, () => client.set(key, value, { timeoutMs: 10_000 }));
        this.acked.set(key, value);
        this.acks++;
      } catch (err) {
        this.writeErrors++;
        this.errors.push(`set ${key}: ${(err as Error).message}`);
        if (outcomeOfError(err) === 'unknown') {
          const s = this.maybe.get(key) ?? new Set<string>();
          s.add(value);
          this.maybe.set(key, s);
        }
      }
      await sleep(this.pauseMs);
    }
  }

  private async reader(r: number): Promise<void> {
    const client = this.clients[this.writers + r]!;
    for (let i = 0; !this.stopped; i++) {
      const key = `w${(i + r) % this.writers}-k${i % this.keysPerWriter}`;
      try {
        await recordOp(this.history, `r${r}`, { op: 'get', key }, () => client.read(key, { timeoutMs: 10_000 }));
        this.reads++;
      } catch (err) {
        this.readErrors++;
        this.errors.push(`read ${key}: ${(err as Error).message}`);
      }
      await sleep(this.pauseMs * 2);
    }
  }

  /**
   * Stops the load, reads every key back (recorded too), and checks: each key holds its last
   * acknowledged value (or one written later whose outcome is unknown), and the whole history
   * is linearizable.
   */
  async stopAndCheck(): Promise<LoadReport> {
    this.stopped = true;
    await Promise.all(this.running);
    clearInterval(this.watch);
    await this.follow();
    const client = this.clients[0]!;
    for (const [key, value] of this.acked) {
      const got = await recordOp(this.history, 'final', { op: 'get', key }, () => client.read(key, { timeoutMs: 10_000 }));
      const allowed = [value, ...(this.maybe.get(key) ?? [])];
      expect(allowed, `key ${key}`).toContain(got.value);
      this.finals.set(key, got.value);
    }
    const check = checkHistory(this.history.toJSON().ops, { timeLimitMs: 20_000 });
    expect(check.counterexample, JSON.stringify(check.counterexample)).toBeUndefined();
    expect(check.linearizable).toBe(true);
    await Promise.all(this.clients.map((c) => c.close()));
    return { acked: this.acks, writeErrors: this.writeErrors, reads: this.reads, readErrors: this.readErrors, errors: this.errors.slice(0, 5) };
  }

  /** Stops without checking (a test that failed): clients closed. */
  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watch);
    await Promise.allSettled(this.running);
    await Promise.allSettled(this.clients.map((c) => c.close()));
  }
}

const loads: WriteLoad[] = [];
afterEach(async () => {
  for (const l of loads.splice(0)) await l.close();
});

async function startLoad(clusterFile: string): Promise<WriteLoad> {
  const l = new WriteLoad(clusterFile);
  loads.push(l);
  await l.start();
  await l.waitAcks(20);
  return l;
}

/** `diff` until no live member lags (bounded): 0 conflicts and one state hash. */
async function settledDiff(s: UpSession, members: number): Promise<Json> {
  let d: Json = {};
  for (let i = 0; i < 50; i++) {
    d = await s.send('diff');
    expect(d.conflictCount, JSON.stringify(d)).toBe(0);
    if ((d.lagging as unknown[]).length === 0 && new Set(Object.values(d.stateHashByNode as Json)).size === 1) break;
    await sleep(200);
  }
  expect(d).toMatchObject({ ok: true, conflictCount: 0, lagging: [], unreadable: [] });
  const hashes = d.stateHashByNode as Json;
  expect(Object.keys(hashes)).toHaveLength(members);
  expect(new Set(Object.values(hashes)).size).toBe(1);
  return d;
}

// ---- the tests ----------------------------------------------------------------------------------

describe('membership change end to end', () => {
  it('grows 3 → 5 and shrinks 5 → 3 (the leader among the removed) under a write load; nothing acknowledged is lost', async () => {
    const dir = dataDir();
    // Small snapshots: the new nodes catch up from one (the configuration travels in it).
    const s = up(dir, '3', '--snapshot-every', '40');
    const first = await s.ok('leader');
    const load = await startLoad(clusterFilePath(dir));

    const a4 = await s.ok('add');
    expect(a4).toMatchObject({ node: 4 });
    expect(voters(a4)).toEqual([1, 2, 3, 4]);
    await load.waitAcks(10);
    const a5 = await s.ok('add');
    expect(a5).toMatchObject({ node: 5 });
    expect(voters(a5)).toEqual([1, 2, 3, 4, 5]);
    await expectRunning(dir, [1, 2, 3, 4, 5]);
    await load.waitAcks(10);

    // Shrink: the leader goes first (it hands over), then another of the first three.
    const leader = (await s.ok('leader')).leader as number;
    expect(leader).toBeGreaterThanOrEqual(1);
    const r1 = await s.ok(`remove ${leader}`);
    expect(voters(r1)).not.toContain(leader);
    await load.waitAcks(10);
    const other = [1, 2, 3].find((n) => n !== leader)!;
    const r2 = await s.ok(`remove ${other}`);
    const left = [1, 2, 3, 4, 5].filter((n) => n !== leader && n !== other);
    expect(voters(r2)).toEqual(left);
    await load.waitAcks(20);

    const report = await load.stopAndCheck();
    console.log(`grow/shrink: first leader n${String(first.leader)}, removed n${leader} and n${other};`, s.took.join(', '), report);
    // The clients retry inside one call: a hand-over costs latency, seldom an error.
    expect(report.writeErrors).toBeLessThanOrEqual(5);

    const members = await s.ok('members');
    expect(voters(members)).toEqual(left);
    expect(members.next).toBeNull();
    await settledDiff(s, 3);
    // The removed nodes exited (by themselves) and were not restarted.
    await expectRunning(dir, left);
    expect(await s.quit()).toBe(0);
    expect(processesUnder(dir)).toEqual([]);
  });

  it('replace N of a node whose data dir was wiped: its successor catches up; the old id never runs again', async () => {
    const dir = dataDir();
    const clusterFile = clusterFilePath(dir);
    const s = up(dir, '3', '--snapshot-every', '40');
    const leader = (await s.ok('leader')).leader as number;
    const load = await startLoad(clusterFile);
    const lost = [1, 2, 3].find((n) => n !== leader)!;

    await s.ok(`kill ${lost}`);
    fs.rmSync(path.join(dir, `node-${lost}`), { recursive: true, force: true });
    // Under its old id it refuses to start (it forgot its promises), and says what to do instead.
    const early = await s.send(`restart ${lost}`);
    expect(early).toMatchObject({ ok: false, error: expect.stringContaining(`put a new node in its place with replace ${lost}`) });
    await load.waitAcks(20);
    const r = await s.ok(`replace ${lost}`);
    expect(r).toMatchObject({ node: lost, added: { node: 4 } });
    const left = [1, 2, 3, 4].filter((n) => n !== lost);
    expect(voters(r)).toEqual(left);
    await load.waitAcks(20);
    const report = await load.stopAndCheck();
    console.log(`replace: wiped n${lost};`, s.took.join(', '), report);
    expect(report.writeErrors).toBeLessThanOrEqual(5);

    // The new node holds everything: its state hash equals the others'.
    await settledDiff(s, 3);
    const key = [...load.acked.keys()][0]!;
    const local = await s.ok(`get ${key} --local 4`);
    expect([load.acked.get(key), ...(load.maybe.get(key) ?? [])]).toContain(local.value);
    // The old id is gone for good: no restart, not in the file as a member, no process, no data.
    expect(await s.send(`restart ${lost}`)).toMatchObject({ ok: false, error: expect.stringContaining(`node ${lost} does not exist`) });
    const file = JSON.parse(fs.readFileSync(clusterFile, 'utf8')) as { nodes: { id: number; member?: string; replaces?: number }[] };
    expect(file.nodes.find((n) => n.id === lost)?.member).toBe('removed');
    expect(file.nodes.find((n) => n.id === 4)).toMatchObject({ member: 'voter', replaces: lost });
    await expectRunning(dir, left);
    expect(fs.existsSync(path.join(dir, `node-${lost}`))).toBe(false);
    // A script with refused commands exits 1 once its input ends.
    expect(await s.quit()).toBe(1);

    // Nor after up starts the cluster again.
    const again = up(dir);
    const status = await again.ok('status');
    expect((status.nodes as { id: number }[]).map((n) => n.id)).toEqual(left);
    await expectRunning(dir, left);
    expect(voters(await again.ok('members'))).toEqual(left);
    expect(fs.existsSync(path.join(dir, `node-${lost}`))).toBe(false);
    expect(await again.quit()).toBe(0);
    expect(processesUnder(dir)).toEqual([]);
  });

  it('transfer N under a write load: N leads, writes go on, nothing acknowledged is lost', async () => {
    const dir = dataDir();
    const clusterFile = clusterFilePath(dir);
    const s = up(dir, '3');
    const first = (await s.ok('leader')).leader as number;
    const load = await startLoad(clusterFile);
    const [to1, to2] = [1, 2, 3].filter((n) => n !== first) as [number, number];

    // From the terminal running the cluster…
    const t1 = await s.ok(`transfer ${to1}`);
    expect(t1).toMatchObject({ leader: to1, transferMs: expect.any(Number) });
    expect((await s.ok('leader')).leader).toBe(to1);
    const before = load.ackCount;
    await load.waitAcks(20);
    // …and from a second one, as one-shot commands.
    const t2 = await oneshot(clusterFile, ['transfer', String(to2)]);
    expect(t2.code, t2.stderr).toBe(0);
    expect(t2.json).toMatchObject({ cmd: `transfer ${to2}`, ok: true, leader: to2 });
    expect((await s.ok('leader')).leader).toBe(to2);
    await load.waitAcks(20);
    const t3 = await oneshot(clusterFile, ['transfer', String(first)]);
    expect(t3.json).toMatchObject({ ok: true, leader: first });
    await load.waitAcks(20);
    expect(load.ackCount).toBeGreaterThan(before);

    const report = await load.stopAndCheck();
    console.log(`transfer: n${first} → n${to1} (${String(t1.transferMs)} ms) → n${to2} (${String(t2.json.transferMs)} ms) → n${first} (${String(t3.json.transferMs)} ms);`, report);
    expect(report.writeErrors).toBeLessThanOrEqual(3);
    await settledDiff(s, 3);
    expect(await s.quit()).toBe(0);
    expect(processesUnder(dir)).toEqual([]);
  });

  it('up resumes a changed cluster with its latest configuration (changes made from a second terminal under a write load)', async () => {
    const dir = dataDir();
    const clusterFile = clusterFilePath(dir);
    const s = up(dir, '3');
    await s.ok('set before change');
    const load = await startLoad(clusterFile);

    // Another terminal adds a node (the up running the cluster starts it) and removes node 1.
    const add = await oneshot(clusterFile, ['add']);
    expect(add.code, add.stderr).toBe(0);
    expect(add.json).toMatchObject({ cmd: 'add', ok: true, node: 4 });
    await expectRunning(dir, [1, 2, 3, 4]);
    const remove = await oneshot(clusterFile, ['remove', '1']);
    expect(remove.code, remove.stderr).toBe(0);
    expect(voters(remove.json)).toEqual([2, 3, 4]);
    await s.ok('set after change');
    await load.waitAcks(20);
    const report = await load.stopAndCheck();
    console.log('second terminal:', report);
    expect(report.writeErrors).toBeLessThanOrEqual(5);
    const members = await s.ok('members');
    expect(voters(members)).toEqual([2, 3, 4]);
    await expectRunning(dir, [2, 3, 4]);
    expect(await s.quit()).toBe(0);
    expect(processesUnder(dir)).toEqual([]);

    // The same data dir, no --fresh: the members start, the removed node does not.
    const again = up(dir);
    const status = await again.ok('status');
    expect((status.nodes as { id: number }[]).map((n) => n.id)).toEqual([2, 3, 4]);
    await expectRunning(dir, [2, 3, 4]);
    const resumed = await again.ok('members');
    expect(resumed.inForce).toEqual(members.inForce);
    expect((resumed.nodes as { node: number }[]).map((n) => n.node)).toEqual([2, 3, 4]);
    expect(await again.ok('get before')).toMatchObject({ value: 'change' });
    expect(await again.ok('get after')).toMatchObject({ value: 'change' });
    // Every key of the load reads what it read before the restart.
    for (const [key, value] of load.finals) expect(await again.ok(`get ${key}`), key).toMatchObject({ value });
    await again.ok('set again yes');
    await settledDiff(again, 3);
    expect(await again.quit()).toBe(0);
    expect(processesUnder(dir)).toEqual([]);
  });
});
