// The one JSON contract of every `--json` output (docs/json.md explains it field by field):
// one object per line, each with `cmd` and `ok` (a boolean), counts named as counts, times in ms
// rounded to 0.01, hashes whole. The schemas below are the contract; the contract test checks
// every line the CLI prints against them, so a producer cannot drift without a failing test.
import { z } from 'zod';

/** Times go out in ms with two decimals: 11.029330999 -> 11.03. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** An object of the contract: `cmd` and `ok` first, then the command's own fields. */
export function jsonLine(cmd: string, ok: boolean, fields: Readonly<Record<string, unknown>> = {}, error?: string): string {
  const { cmd: _c, ok: _o, error: _e, ...rest } = fields;
  return JSON.stringify({ cmd, ok, ...(error !== undefined ? { error } : {}), ...rest });
}

const isRounded = (v: number): boolean => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6;
export const msSchema = z.number().nonnegative().refine(isRounded, 'a time in ms rounded to 0.01');
const count = z.number().int().nonnegative();
const index = z.number().int().nonnegative();
const nodeId = z.number().int().min(1).max(1_000_000);
/** sha-256 in hex, whole: shortened hashes are for the screen only. */
export const hashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'a whole sha-256 hex digest (64 digits)');
const text = z.string().min(1);

const faultsSchema = z.strictObject({
  groups: z.array(z.array(nodeId)).nullable(),
  slow: z.array(z.strictObject({ node: nodeId, delayMs: msSchema })),
});
const nodeErrors = z.array(z.strictObject({ node: nodeId, error: z.string() }));
const linearizable = z.union([z.boolean(), z.literal('unknown')]);

type Shape = z.core.$ZodLooseShape;

/** A command's line: its fields on success; on failure `error` and the failure's own fields. */
function command(fields: Shape, failFields: Shape = {}): z.ZodType {
  return z.union([
    z.strictObject({ cmd: z.string(), ok: z.literal(true), note: z.string().optional(), ...fields }),
    z.strictObject({ cmd: z.string(), ok: z.literal(false), error: text, ...failFields }),
  ]);
}

const writeFields = { slot: index, leader: nodeId, latencyMs: msSchema };

/** A client command typed while the cluster is paused answers at once; its result comes later. */
function submittable(schema: z.ZodType): z.ZodType {
  const options = (schema as unknown as { options: z.ZodType[] }).options;
  return z.union([...options, z.strictObject({ cmd: z.string(), ok: z.literal(true), submitted: z.literal(true) })] as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}

const heldItem = z.strictObject({
  id: count,
  from: nodeId,
  to: nodeId,
  type: z.string(),
  label: z.string(),
  ballot: z.string().optional(),
  slots: z.tuple([index, index]).optional(),
  bytes: count,
});
const deliveryFields = { message: heldItem, dropped: z.boolean(), effects: z.array(z.string()) };

/** A configuration: the slot it was chosen in (-1: the first), the first slot it rules, its members. */
const configSchema = z.strictObject({ slot: z.number().int().min(-1), activeFromIndex: index, voterNodes: z.array(nodeId), learnerNodes: z.array(nodeId) });
const memberState = z.enum(['voter', 'learner', 'removed']);
/** A membership command that failed half-way: the node it was about, and what the cluster file now says of it. */
const membershipFailFields = { node: nodeId.optional(), fileMember: memberState.optional(), cancelled: z.literal(true).optional() };

/** `add`: done, failed, or (step mode) its configuration proposed and left for a person to deliver. */
function addSchema(): z.ZodType {
  const options = (command({ node: nodeId, host: text, port: z.number().int().min(1).max(65535), inForce: configSchema }, membershipFailFields) as unknown as { options: z.ZodType[] }).options;
  const proposed = z.strictObject({ voterNodes: z.array(nodeId), learnerNodes: z.array(nodeId) });
  const stepForm = z.strictObject({ cmd: z.string(), ok: z.literal(true), node: nodeId, port: z.number().int().min(1).max(65535), proposed, leader: nodeId, stepMode: z.literal(true) });
  return z.union([...options, stepForm] as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}

const statusNode = z.strictObject({
  id: nodeId,
  port: z.number().int().min(1).max(65535),
  alive: z.boolean(),
  role: z.string(),
  ballot: z.string(),
  promised: z.string(),
  commitIndex: index.nullable(),
  appliedIndex: index.nullable(),
  leader: nodeId.nullable(),
  lastSlot: z.number().int().nullable(),
  pid: z.number().int().positive().nullable(),
  secure: z.boolean().optional(),
  refusedHandshakeCount: count.optional(),
  tracing: z.boolean().optional(),
  paused: z.boolean().optional(),
  faults: faultsSchema.optional(),
  member: z.enum(['voter', 'learner', 'removed', 'joining']).optional(),
});

const diffFields = {
  identicalSlotCount: count,
  conflictCount: count,
  conflictSlots: z.array(index),
  lagging: z.array(z.strictObject({ node: nodeId, missingCount: count })),
  stateHashByNode: z.record(z.string().regex(/^\d+$/), hashSchema),
  appliedIndexByNode: z.record(z.string().regex(/^\d+$/), index),
  unreadable: nodeErrors,
};

const faultFields = { faults: faultsSchema, appliedNodes: z.array(nodeId), failed: nodeErrors };

const replCheckFields = { linearizable, opCount: count, keyCount: count, checkMs: msSchema, simplifiedKeyCount: count, undecidedKeyCount: count, history: z.string().nullable() };

export const chaosFields = {
  exitCode: z.number().int().min(0).max(3),
  /** Every reason the run did not pass (empty when it passed). */
  reasons: z.array(text),
  seed: z.number().int().nonnegative(),
  nodeCount: count,
  durationMs: msSchema,
  stopped: z.boolean(),
  clientCount: count,
  keyCount: count,
  opCount: count,
  okOps: count,
  failedOps: count,
  unknownOps: count,
  faultCount: count,
  faultCountByKind: z.record(z.string(), count),
  leaderChangeCount: count,
  noLeaderMs: msSchema,
  maxUnavailableMs: msSchema,
  converged: z.boolean(),
  convergeMs: msSchema,
  conflictCount: count,
  unreadable: nodeErrors,
  linearizable,
  checkMs: msSchema,
  /** Keys the simplified search passed, and keys the time limit left undecided (docs/json.md). */
  simplifiedKeyCount: count,
  undecidedKeyCount: count,
  history: z.string(),
  timeline: z.array(z.strictObject({ atMs: msSchema, text: z.string() })),
  /** The run folder and its page (docs/runs.md); absent with --no-record and in the REPL. */
  runDir: z.string().optional(),
  report: z.string().optional(),
  faultSpans: z.array(z.strictObject({ kind: z.string(), nodes: z.array(nodeId), startMs: msSchema, endMs: msSchema, text: z.string() })),
  /** Membership faults with their outcome; the members at the end (they change with those faults). */
  membershipChanges: z.array(z.strictObject({ atMs: msSchema, action: z.enum(['replace', 'transfer', 'add']), node: nodeId.nullable(), ok: z.boolean(), text: z.string() })),
  finalMemberNodes: z.array(nodeId),
};

const opStats = z.strictObject({ opCount: count, opsPerSec: z.number().nonnegative(), p50Ms: msSchema, p95Ms: msSchema, p99Ms: msSchema, maxMs: msSchema });

const benchFields = {
  target: z.enum(['paxos', 'etcd']),
  clientCount: count,
  valueBytes: count,
  readRatio: z.number().min(0).max(1),
  keyCount: count,
  durationMs: msSchema,
  interrupted: z.literal(true).optional(),
  set: opStats,
  get: opStats,
  errorCountByCode: z.record(z.string(), count),
  cpu: z.strictObject({
    clientCpuMs: msSchema,
    clientCpuUsPerOp: count,
    serverCpuMs: z.array(msSchema.nullable()).optional(),
    serverCpuTotalMs: msSchema.optional(),
    serverCpuUsPerOp: count.optional(),
  }),
  nodeCount: count.optional(),
  readMode: z.enum(['index', 'lease', 'log', 'local']).optional(),
  traced: z.boolean().optional(),
  nodeStats: z
    .array(
      z.strictObject({
        id: nodeId,
        role: z.string(),
        pid: z.number().int().positive().optional(),
        commitIndex: index.optional(),
        rssMiB: z.number().nonnegative().nullable().optional(),
      }),
    )
    .optional(),
  nodeDataDirBytes: z.array(count).optional(),
  dataDir: z.string().optional(),
  endpoints: z.array(z.string()).optional(),
  verify: z
    .strictObject({
      keyCount: count,
      mismatchCount: count,
      ambiguousCount: count,
      firstMismatch: z.strictObject({ key: z.string(), expected: z.string(), actual: z.string().nullable() }).optional(),
    })
    .optional(),
  restart: z
    .strictObject({ node: nodeId, chosenEntryCount: count, dataDirBytes: count, spawnToReadyMs: msSchema, spawnToServingMs: msSchema })
    .optional(),
  runDir: z.string().optional(),
  report: z.string().optional(),
};

const reportFields = {
  runDir: z.string(),
  report: z.string(),
  laneCount: count,
  arrowCount: count,
  deliveredCount: count,
  sampled: z.boolean(),
  lostCount: count,
  droppedCount: count,
  faultBandCount: count,
  opCount: count,
  linearizable: linearizable.nullable(),
  reportBytes: count,
};

/** Operations are echoed as the history file has them (its own clock, not rounded). */
const operation = z.strictObject({
  id: z.number().int(),
  process: z.string(),
  op: z.enum(['set', 'get', 'del']),
  key: z.string(),
  value: z.string().nullable(),
  invokeMs: z.number(),
  completeMs: z.number().nullable(),
  outcome: z.enum(['ok', 'failed', 'unknown']),
});

const checkFields = {
  exitCode: z.number().int().min(0).max(3),
  history: z.string(),
  linearizable,
  opCount: count,
  keyCount: count,
  checkMs: msSchema,
  simplifiedKeyCount: count,
  undecidedKeyCount: count,
  perKey: z.array(
    z.strictObject({
      key: z.string(), opCount: count, searchedCount: count, verdict: z.enum(['ok', 'violation', 'timeout']), stateCount: count, checkMs: msSchema,
      decidedBy: z.enum(['simplified', 'full']).nullable(),
    }),
  ),
  counterexample: z.strictObject({ key: z.string(), ops: z.array(operation), minimal: z.boolean(), failedWrites: z.array(operation) }).optional(),
};

const partial = (s: Shape): Shape => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, (v as z.ZodType).optional()]));

/**
 * Every command's schema, by name: the REPL's commands (in script mode `cmd` is the line as
 * typed, whose first word names it) and the standalone ones (`up`, `chaos`, `bench`, `check`,
 * `report`, `logs`, `init`).
 */
export const COMMAND_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  set: submittable(command(writeFields, { cancelled: z.literal(true).optional() })),
  get: submittable(command(
    {
      value: z.string().nullable(),
      readMode: z.enum(['index', 'lease', 'log']),
      leader: nodeId.nullable(),
      latencyMs: msSchema,
      /** log reads: the slot the get took; index and lease reads: the state's applied index and who answered. */
      slot: index.optional(),
      appliedIndex: index.optional(),
      node: nodeId.optional(),
    },
    { cancelled: z.literal(true).optional() },
  )),
  'get --prefix': submittable(command({
    prefix: z.string(),
    keyCount: count,
    more: z.boolean(),
    appliedIndex: index,
    latencyMs: msSchema,
    entries: z.array(z.strictObject({ key: z.string(), value: z.string() })),
  })),
  keys: submittable(command({ prefix: z.string(), keyCount: count, more: z.boolean(), appliedIndex: index, latencyMs: msSchema, keys: z.array(z.string()) })),
  'get --local': command({
    value: z.string().nullable(),
    node: nodeId,
    appliedIndex: index,
    leader: nodeId.nullable(),
    leaderCommitIndex: index.nullable(),
    stale: z.boolean().nullable(),
  }),
  del: submittable(command({ ...writeFields, existed: z.boolean() }, { cancelled: z.literal(true).optional() })),
  kill: command({ node: nodeId }, { node: nodeId.optional() }),
  stop: command({ node: nodeId }),
  logs: command({ node: nodeId, file: z.string(), lineCount: count }),
  flow: command({ traceFileCount: count, tracing: z.boolean() }),
  trace: command({ tracing: z.boolean(), appliedNodes: z.array(nodeId), failed: nodeErrors }, { tracing: z.boolean(), appliedNodes: z.array(nodeId), failed: nodeErrors }),
  restart: command({ node: nodeId }, { node: nodeId.optional(), exitCode: z.number().int().optional() }),
  leader: command({ leader: nodeId }, { leader: z.null() }),
  status: command({ nodeCount: count, nodes: z.array(statusNode), faults: faultsSchema }, { nodeCount: count, nodes: z.array(statusNode), faults: faultsSchema }),
  diff: command(diffFields, diffFields),
  partition: command(faultFields, partial(faultFields)),
  heal: command(faultFields, partial(faultFields)),
  isolate: command(faultFields, partial(faultFields)),
  slow: command(faultFields, partial(faultFields)),
  check: command(replCheckFields, replCheckFields),
  chaos: command(chaosFields, partial(chaosFields)),
  pause: command({ paused: z.literal(true), pausedNodes: z.array(nodeId) }),
  resume: command({ paused: z.literal(false), effectCount: count }),
  held: command({ held: z.array(heldItem) }),
  step: command({ delivered: z.array(z.strictObject(deliveryFields)) }),
  deliver: command(deliveryFields),
  drop: command(deliveryFields),
  tick: command({ tickCount: count, effects: z.array(z.strictObject({ node: nodeId, effects: z.array(z.string()) })) }),
  elect: command({ node: nodeId, effects: z.array(z.string()) }),
  add: addSchema(),
  remove: command({ node: nodeId, inForce: configSchema }, membershipFailFields),
  replace: command({ node: nodeId, added: z.strictObject({ node: nodeId, host: text, port: z.number().int().min(1).max(65535) }), inForce: configSchema }, membershipFailFields),
  transfer: command({ leader: nodeId, transferMs: msSchema }, { cancelled: z.literal(true).optional() }),
  members: command({
    leader: nodeId,
    inForce: configSchema,
    next: configSchema.nullable(),
    nodes: z.array(
      z.strictObject({
        node: nodeId,
        alive: z.boolean(),
        member: z.enum(['voter', 'learner', 'removed', 'joining']).nullable(),
        fileMember: memberState.nullable(),
        role: z.string(),
      }),
    ),
  }),
  help: command({ help: z.string() }),
  clear: command({}),
  quit: command({}),
  up: command({}, { exitCode: z.number().int() }),
  'paxos-cli logs': command({ node: nodeId, atMs: z.number().int().nonnegative(), event: text, text: z.string(), line: text }, { node: nodeId.optional(), exitCode: z.number().int().optional() }),
  'paxos-cli chaos': command(chaosFields, { ...partial(chaosFields), exitCode: z.number().int() }),
  'paxos-cli bench': command(benchFields, { ...partial(benchFields), exitCode: z.number().int().optional() }),
  'paxos-cli check': command(checkFields, { ...partial(checkFields), exitCode: z.number().int() }),
  'paxos-cli report': command(reportFields, { exitCode: z.number().int() }),
  init: command(
    {
      dir: text,
      clusterFile: text,
      nodeCount: count,
      nodes: z.array(z.strictObject({ node: nodeId, host: text, port: z.number().int().min(1).max(65535), folder: text })),
    },
    { exitCode: z.number().int() },
  ),
};

/** A line the parser refused, or a failure that carries no fields of its command. */
const errorOnly = z.strictObject({ cmd: z.string(), ok: z.literal(false), error: text });

/** Which schema a line answers to: standalone commands by `cmd`, REPL lines by their first word. */
export function schemaNameOf(obj: { cmd?: unknown }): string | null {
  if (typeof obj.cmd !== 'string') return null;
  if (obj.cmd === 'chaos' || obj.cmd === 'bench' || obj.cmd === 'check' || obj.cmd === 'report') {
    // The standalone ones say so by a cmd of just their name (the REPL's `chaos` and `check` too:
    // told apart by their fields, see validateLine).
    return obj.cmd;
  }
  const words = obj.cmd.trim().split(/\s+/);
  const name = (words[0] ?? '').toLowerCase();
  if (name === 'get' && words.some((w) => w === '--local' || w.startsWith('--local='))) return 'get --local';
  if (name === 'get' && words.some((w) => w === '--prefix' || w.startsWith('--prefix='))) return 'get --prefix';
  return name in COMMAND_SCHEMAS ? name : null;
}

export type Validation = { readonly ok: true; readonly schema: string } | { readonly ok: false; readonly problem: string };

/** Checks one printed line against the contract (schema and naming rules). */
export function validateLine(line: string): Validation {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return { ok: false, problem: `not JSON: ${line.slice(0, 200)}` };
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { ok: false, problem: 'not an object' };
  const o = obj as Record<string, unknown>;
  if (typeof o.cmd !== 'string' || typeof o.ok !== 'boolean') return { ok: false, problem: `cmd must be a string and ok a boolean: ${line.slice(0, 200)}` };
  const names = namingProblems(o);
  if (names.length > 0) return { ok: false, problem: `naming: ${names.join('; ')}` };
  const name = schemaNameOf(o);
  const candidates = name === null ? [] : name === 'chaos' || name === 'check' || name === 'logs' ? [name, `paxos-cli ${name}`] : name === 'bench' || name === 'report' ? [`paxos-cli ${name}`] : [name];
  if (o.ok === false && errorOnly.safeParse(o).success) return { ok: true, schema: 'error' };
  const problems: string[] = [];
  for (const c of candidates) {
    const r = (COMMAND_SCHEMAS[c] as z.ZodType).safeParse(o);
    if (r.success) return { ok: true, schema: c };
    problems.push(`${c}: ${describeIssues(r.error.issues)}`);
  }
  return { ok: false, problem: candidates.length === 0 ? `no schema for cmd "${o.cmd}"` : problems.join(' | ') };
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const flat: string[] = [];
  const walk = (list: readonly z.core.$ZodIssue[], prefix: string) => {
    for (const i of list) {
      const where = [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.');
      if (i.code === 'invalid_union') for (const e of i.errors) walk(e, where);
      else flat.push(`${where}: ${i.message}`);
    }
  };
  walk(issues, '');
  return [...new Set(flat)].slice(0, 6).join(', ');
}

/** Names a number may carry: ids and positions are named for what they are. */
const NUMBER_NAMES = new Set(['slot', 'lastSlot', 'leader', 'node', 'nodes', 'id', 'pid', 'port', 'seed', 'exitCode', 'groups', 'from', 'to', 'bytes', 'slots']);
/** Or it says what it is: a count, a time, a size, an index, a rate. */
const NUMBER_SUFFIXES = /(Count|Ops|Ms|Bytes|MiB|Index|PerSec|UsPerOp|Ratio|Slots|Nodes)$/;

/**
 * The naming rules docs/json.md states, checked on a whole object: every field holding a number
 * (or numbers) is named for it. Records keyed by data (`…ByNode`, `…ByKind`) are named by their
 * prefix, so their keys are not field names.
 */
export function namingProblems(value: unknown, path = ''): string[] {
  const out: string[] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...namingProblems(v, `${path}[${i}]`)));
    return out;
  }
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) {
    const where = path === '' ? k : `${path}.${k}`;
    if (holdsNumbers(v) && !NUMBER_NAMES.has(k) && !NUMBER_SUFFIXES.test(k)) out.push(`${where} holds a number but is not named as a count, time, size or id`);
    if (/By[A-Z]\w*$/.test(k)) continue;
    out.push(...namingProblems(v, where));
  }
  return out;
}

function holdsNumbers(v: unknown): boolean {
  if (typeof v === 'number') return true;
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' || x === null || holdsNumbers(x));
}
