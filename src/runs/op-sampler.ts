// bench's history for its run folder: a bounded, even sample of the operations it made, with
// invoke and completion times, so the report's timeline and latency chart show the whole run.
// Rule: the first `max` operations are all kept; each time the sample is full, every second one
// is dropped and from then on only every 2^k-th operation (in start order) is taken. The cost on
// the hot path is one counter and one modulo per operation, plus a push for those kept.
// A sample leaves out writes its gets read, so it is never checked for linearizability.
import { HISTORY_VERSION, type History, type Operation, type OpKind, type Outcome } from '../check/history.js';

export const DEFAULT_SAMPLE_OPS = 10_000;

type Sampled = { -readonly [K in keyof Operation]: Operation[K] };

export class OpSampler {
  private ops: Sampled[] = [];
  private seen = 0;
  private stride = 1;
  private readonly originPerfMs: number;
  private readonly startedAt: string;

  constructor(
    private readonly max = DEFAULT_SAMPLE_OPS,
    clock: () => number = () => performance.now(),
    wall: () => number = Date.now,
  ) {
    this.originPerfMs = clock();
    this.startedAt = new Date(wall()).toISOString();
  }

  /** Operations offered, kept or not. */
  get offered(): number {
    return this.seen;
  }

  /** Times are performance.now() values, as the workload takes them. */
  add(process: string, op: OpKind, key: string, value: string | null, invokeMs: number, completeMs: number | null, outcome: Outcome): void {
    const id = this.seen++;
    if (id % this.stride !== 0) return;
    const r3 = (x: number): number => Math.round((x - this.originPerfMs) * 1000) / 1000;
    this.ops.push({ id, process, op, key, value: op === 'del' || (op === 'get' && outcome !== 'ok') ? null : value, invokeMs: r3(invokeMs), completeMs: completeMs === null ? null : r3(completeMs), outcome });
    if (this.ops.length >= this.max) {
      this.stride *= 2;
      this.ops = this.ops.filter((o) => o.id % this.stride === 0);
    }
  }

  toHistory(): History {
    return { version: HISTORY_VERSION, startedAt: this.startedAt, ops: this.ops.map((o) => ({ ...o })) };
  }
}
