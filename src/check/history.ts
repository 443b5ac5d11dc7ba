// The operation history: what clients asked, when, and what they were told. It is the only input
// of the linearizability checker, so it is written by the REPL, `chaos` and `bench`, saved as
// JSON, and validated again when loaded (files get edited by hand, e.g. to plant a stale read).

import assert from 'node:assert/strict';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';

export const OP_KINDS = ['set', 'get', 'del'] as const;
export type OpKind = (typeof OP_KINDS)[number];

/**
 * ok: took effect and the client was told so. failed: definitely did not take effect and never
 * will (never sent, or refused as malformed before any proposal: src/check/record-op.ts).
 * unknown: anything else (a timeout, a lost link, a refusal that may follow a proposal); it may
 * take effect at any time after its invocation, or never, so its completion is effectively +infinity.
 */
export const OUTCOMES = ['ok', 'failed', 'unknown'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface Operation {
  readonly id: number;
  /** Client or worker id: one process never has two operations in flight. */
  readonly process: string;
  readonly op: OpKind;
  readonly key: string;
  /** set: the value written. get with outcome ok: the value read (null = absent). Else null. */
  readonly value: string | null;
  /** Milliseconds on a monotonic clock shared by every process of one history. */
  readonly invokeMs: number;
  /** null when the client never learned (outcome unknown), or did not record it. */
  readonly completeMs: number | null;
  readonly outcome: Outcome;
}

export const HISTORY_VERSION = 1;

export interface History {
  readonly version: typeof HISTORY_VERSION;
  /** Wall-clock start of recording, for humans only; the checker uses the monotonic times. */
  readonly startedAt?: string;
  readonly ops: readonly Operation[];
}

const operationSchema = z
  .object({
    id: z.number().int().nonnegative(),
    process: z.union([z.string().min(1), z.number().int()]).transform(String),
    op: z.enum(OP_KINDS),
    key: z.string(),
    value: z.string().nullable().optional(),
    invokeMs: z.number().finite(),
    completeMs: z.number().finite().nullable().optional(),
    outcome: z.enum(OUTCOMES),
  })
  .superRefine((o, ctx) => {
    if (o.op === 'set' && typeof o.value !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'a set needs the written value (a string)' });
    }
    if (o.op === 'get' && o.outcome === 'ok' && o.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'an ok get needs the value read (string or null)' });
    }
    if (o.outcome === 'ok' && (o.completeMs === null || o.completeMs === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['completeMs'], message: 'an ok operation needs its completion time' });
    }
    if (typeof o.completeMs === 'number' && o.completeMs < o.invokeMs) {
      ctx.addIssue({ code: 'custom', path: ['completeMs'], message: 'completes before it was invoked' });
    }
  })
  .transform(
    (o): Operation => ({
      id: o.id,
      process: o.process,
      op: o.op,
      key: o.key,
      // Keep only what means something, so the checker never sees stray values.
      value: o.op === 'set' ? (o.value ?? null) : o.op === 'get' && o.outcome === 'ok' ? (o.value ?? null) : null,
      invokeMs: o.invokeMs,
      completeMs: o.completeMs ?? null,
      outcome: o.outcome,
    }),
  );

export const historySchema = z.preprocess(
  // A bare array of operations is accepted too: hand-written histories stay short.
  (input) => (Array.isArray(input) ? { version: HISTORY_VERSION, ops: input } : input),
  z
    .object({
      version: z.literal(HISTORY_VERSION),
      startedAt: z.string().optional(),
      ops: z.array(operationSchema),
    })
    .superRefine((h, ctx) => {
      const seen = new Set<number>();
      h.ops.forEach((o, i) => {
        if (seen.has(o.id)) ctx.addIssue({ code: 'custom', path: ['ops', i, 'id'], message: `duplicate id ${o.id}` });
        seen.add(o.id);
      });
    }),
);

export type HistoryErrorCode = 'HISTORY_UNREADABLE' | 'HISTORY_BAD_JSON' | 'HISTORY_INVALID';

/** Bad input, not a bug: carries a code and a message fit for one line. */
export class HistoryError extends Error {
  constructor(
    readonly code: HistoryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HistoryError';
  }
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}

/** Validates parsed JSON; throws HistoryError('HISTORY_INVALID') naming the first problem. */
export function parseHistory(input: unknown): History {
  const parsed = historySchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const first = issues[0];
    assert.ok(first !== undefined, 'zod failure without issues');
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    throw new HistoryError('HISTORY_INVALID', `${formatIssue(first)}${more}`);
  }
  const h = parsed.data;
  return h.startedAt === undefined
    ? { version: h.version, ops: h.ops }
    : { version: h.version, startedAt: h.startedAt, ops: h.ops };
}

export async function readHistoryFile(path: string): Promise<History> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(err));
    throw new HistoryError('HISTORY_UNREADABLE', `cannot read ${path}: ${why}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new HistoryError('HISTORY_BAD_JSON', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return parseHistory(json);
  } catch (err) {
    if (err instanceof HistoryError) throw new HistoryError(err.code, `${path}: ${err.message}`);
    throw err;
  }
}

/** Writes via a temporary file and a rename, so a crash never leaves half a history. */
export async function writeHistoryFile(path: string, history: History): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(history, null, 1) + '\n', 'utf8');
  await rename(tmp, path);
}

export interface OpHandle {
  readonly id: number;
  /** The client was told it worked. A get passes the value it read (null = absent). */
  ok(value?: string | null): void;
  /** Definitely did not take effect. */
  fail(): void;
  /** Timed out or the connection broke: it may or may not have taken effect. */
  unknown(): void;
}

export interface HistoryRecorderOptions {
  /** Monotonic milliseconds; performance.now by default. Injected by tests. */
  clock?: () => number;
  /** A bound on memory: invoke() throws a RangeError past it (the caller forgot to rotate). */
  maxOps?: number;
}

interface MutableOp {
  id: number;
  process: string;
  op: OpKind;
  key: string;
  value: string | null;
  invokeMs: number;
  completeMs: number | null;
  outcome: Outcome | null; // null while in flight
}

/** Rounded to microseconds: keeps files small, far below any ordering that matters. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export class HistoryRecorder {
  private readonly clock: () => number;
  private readonly originMs: number;
  private readonly startedAt = new Date().toISOString();
  private readonly maxOps: number;
  private readonly ops: MutableOp[] = [];
  private readonly inFlight = new Map<string, number>(); // process → op id

  constructor(opts: HistoryRecorderOptions = {}) {
    this.clock = opts.clock ?? (() => performance.now());
    this.maxOps = opts.maxOps ?? 2_000_000;
    this.originMs = this.clock();
  }

  get size(): number {
    return this.ops.length;
  }

  invoke(process: string, op: 'set', key: string, value: string): OpHandle;
  invoke(process: string, op: 'get' | 'del', key: string): OpHandle;
  invoke(process: string, op: OpKind, key: string, value?: string): OpHandle {
    assert.ok(process.length > 0, 'process id must not be empty');
    assert.ok(op !== 'set' || typeof value === 'string', 'a set records the value it writes');
    assert.ok(op === 'set' || value === undefined, 'only a set carries a value at invocation');
    assert.ok(!this.inFlight.has(process), `process ${process} already has an operation in flight`);
    if (this.ops.length >= this.maxOps) throw new RangeError(`history full (${this.maxOps} operations)`);
    const rec: MutableOp = {
      id: this.ops.length,
      process,
      op,
      key,
      value: op === 'set' ? (value ?? null) : null,
      invokeMs: this.now(),
      completeMs: null,
      outcome: null,
    };
    this.ops.push(rec);
    this.inFlight.set(process, rec.id);
    const complete = (outcome: Outcome, read: string | null): void => {
      assert.equal(rec.outcome, null, `operation ${rec.id} completed twice`);
      rec.outcome = outcome;
      rec.completeMs = outcome === 'unknown' ? null : this.now();
      if (op === 'get' && outcome === 'ok') rec.value = read;
      this.inFlight.delete(process);
    };
    return {
      id: rec.id,
      ok: (read?: string | null) => {
        assert.ok(op !== 'get' || read !== undefined, 'an ok get records the value it read');
        complete('ok', read ?? null);
      },
      fail: () => complete('failed', null),
      unknown: () => complete('unknown', null),
    };
  }

  /** Operations still in flight are saved as unknown: nobody knows whether they took effect. */
  toJSON(): History {
    return {
      version: HISTORY_VERSION,
      startedAt: this.startedAt,
      ops: this.ops.map((o) => ({ ...o, outcome: o.outcome ?? 'unknown' })),
    };
  }

  async save(path: string): Promise<void> {
    await writeHistoryFile(path, this.toJSON());
  }

  private now(): number {
    return roundMs(this.clock() - this.originMs);
  }
}
