// The closed loop: C workers, each with one operation in flight at a time, for a fixed time
// (or number of operations). Only acknowledged operations are counted and timed; failures are
// counted by error code and never enter the latency figures.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchTarget } from './bench-target.js';
import { LatencyRecorder, type OpSummary } from './latency-recorder.js';
import type { OpSampler } from '../runs/op-sampler.js';

export interface WorkloadOptions {
  readonly clients: number;
  readonly durationSec: number;
  /** Stop after this many operations (all workers together), if set. */
  readonly maxOps?: number;
  readonly valueSize: number;
  readonly readRatio: number;
  readonly keys: number;
  /** Keep the last acknowledged write of every key (for --verify). */
  readonly trackWrites: boolean;
  /** Key names are `${keyPrefix}-${i}` (default "bench"); the warm-up uses its own keys. */
  readonly keyPrefix?: string;
  /** Aborted (Ctrl-C): no new operations; the result covers what ran. */
  readonly signal?: AbortSignal;
  /** Offered every operation with its times, for the run folder's history (it keeps a sample). */
  readonly sample?: OpSampler;
}

export interface Progress {
  readonly elapsedSec: number;
  readonly durationSec: number;
  readonly ops: number;
  readonly maxOps: number | undefined;
  readonly errors: number;
}

export interface LastWrite {
  readonly order: number;
  /** Every acknowledged value written at that order (a paxos slot batches several commands). */
  readonly values: string[];
}

export interface WorkloadResult {
  readonly elapsedSec: number;
  readonly set: OpSummary;
  readonly get: OpSummary;
  readonly errors: Record<string, number>;
  readonly errorCount: number;
  /** key -> the acknowledged write latest in the target's order (only with trackWrites). */
  readonly lastWrites: ReadonlyMap<string, LastWrite>;
}

/** After a failure a worker pauses briefly, so a cluster between leaders is not spun on. */
const ERROR_PAUSE_MS = 20;
const PROGRESS_EVERY_MS = 250;

export function keyName(i: number, prefix = 'bench'): string {
  return `${prefix}-${i}`;
}

/**
 * A value of exactly `size` bytes (ASCII), unique per worker and operation when size allows, and
 * random after its tag: LevelDB compresses its blocks, and padding would flatter the disk figures.
 */
export function makeValue(worker: number, n: number, size: number): string {
  const tag = `w${worker}.${n}.`;
  if (tag.length >= size) return tag.slice(0, size);
  const rest = size - tag.length;
  return tag + randomBytes(Math.ceil((rest * 3) / 4) + 3).toString('base64url').slice(0, rest);
}

/** A small deterministic generator per worker: the workload mix must not depend on Math.random state. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

export async function runWorkload(
  target: BenchTarget,
  o: WorkloadOptions,
  onProgress: (p: Progress) => void = () => undefined,
): Promise<WorkloadResult> {
  const sets = new LatencyRecorder();
  const gets = new LatencyRecorder();
  const errors = new Map<string, number>();
  const lastWrites = new Map<string, LastWrite>();
  let started = 0;
  let errorCount = 0;
  const t0 = performance.now();
  const endAt = t0 + o.durationSec * 1000;
  const more = (): boolean => performance.now() < endAt && (o.maxOps === undefined || started < o.maxOps) && o.signal?.aborted !== true;

  const worker = async (w: number): Promise<void> => {
    const rand = xorshift(0x9e3779b9 ^ (w * 7919 + 1));
    let n = 0;
    while (more()) {
      started += 1;
      n += 1;
      const key = keyName(Math.floor(rand() * o.keys), o.keyPrefix);
      const isGet = o.readRatio > 0 && rand() < o.readRatio;
      const began = performance.now();
      let value: string | null = null;
      try {
        if (isGet) {
          value = await target.get(key);
          const end = performance.now();
          gets.record(end - began);
          o.sample?.add(`bench-w${w + 1}`, 'get', key, value, began, end, 'ok');
        } else {
          value = makeValue(w, n, o.valueSize);
          const ack = await target.set(key, value);
          const end = performance.now();
          sets.record(end - began);
          o.sample?.add(`bench-w${w + 1}`, 'set', key, value, began, end, 'ok');
          if (o.trackWrites) {
            const prev = lastWrites.get(key);
            if (prev === undefined || ack.order > prev.order) lastWrites.set(key, { order: ack.order, values: [value] });
            else if (ack.order === prev.order) prev.values.push(value);
          }
        }
      } catch (err) {
        // An error's outcome is not known (a timeout may still be chosen): unknown, at its time.
        o.sample?.add(`bench-w${w + 1}`, isGet ? 'get' : 'set', key, isGet ? null : value, began, performance.now(), 'unknown');
        const code = errorCode(err);
        errors.set(code, (errors.get(code) ?? 0) + 1);
        errorCount += 1;
        await sleep(ERROR_PAUSE_MS);
      }
    }
  };

  const report = (): void =>
    onProgress({
      elapsedSec: (performance.now() - t0) / 1000,
      durationSec: o.durationSec,
      ops: sets.count + gets.count,
      maxOps: o.maxOps,
      errors: errorCount,
    });
  const ticker = setInterval(report, PROGRESS_EVERY_MS);
  try {
    await Promise.all(Array.from({ length: o.clients }, (_, w) => worker(w)));
  } finally {
    clearInterval(ticker);
  }
  report();
  const elapsedSec = (performance.now() - t0) / 1000;
  return {
    elapsedSec,
    set: sets.summary(elapsedSec),
    get: gets.summary(elapsedSec),
    errors: Object.fromEntries(errors),
    errorCount,
    lastWrites,
  };
}

export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return code;
  if (typeof code === 'number') return `code-${code}`;
  return err instanceof Error ? err.name : 'error';
}

export interface VerifyResult {
  readonly keys: number;
  readonly mismatches: number;
  readonly firstMismatch?: { key: string; expected: string; actual: string | null };
  /** Keys whose last order held several of our writes and the target could not say which came last. */
  readonly ambiguous: number;
}

/** Reads every written key back (linearizably) and compares it with its last acknowledged write. */
export async function verifyWrites(target: BenchTarget, lastWrites: ReadonlyMap<string, LastWrite>): Promise<VerifyResult> {
  let mismatches = 0;
  let ambiguous = 0;
  let firstMismatch: VerifyResult['firstMismatch'];
  for (const [key, w] of lastWrites) {
    const actual = await target.get(key);
    let expected = w.values[0]!;
    if (w.values.length > 1) {
      // Several of our writes share the last position: ask the log which one it applied last.
      const last = await target.lastValueAt?.(key, w.order);
      if (typeof last === 'string' && w.values.includes(last)) expected = last;
      else {
        ambiguous += 1;
        if (actual !== null && w.values.includes(actual)) continue;
      }
    }
    if (actual !== expected) {
      mismatches += 1;
      firstMismatch ??= { key, expected, actual };
    }
  }
  const base = { keys: lastWrites.size, mismatches, ambiguous };
  return firstMismatch === undefined ? base : { ...base, firstMismatch };
}
