// Exact latency percentiles: every sample is kept (8 bytes each) and sorted once at the end.
// A bench of a few million operations fits easily; no approximation to explain in the report.

export interface OpSummary {
  readonly ops: number;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const INITIAL_CAPACITY = 4096;

export class LatencyRecorder {
  private samples = new Float64Array(INITIAL_CAPACITY);
  private n = 0;

  get count(): number {
    return this.n;
  }

  record(latencyMs: number): void {
    if (this.n === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.n++] = latencyMs;
  }

  summary(elapsedSec: number): OpSummary {
    const sorted = this.samples.slice(0, this.n).sort();
    return {
      ops: this.n,
      opsPerSec: elapsedSec > 0 ? round(this.n / elapsedSec, 1) : 0,
      p50Ms: round(nearestRank(sorted, 0.5), 3),
      p95Ms: round(nearestRank(sorted, 0.95), 3),
      p99Ms: round(nearestRank(sorted, 0.99), 3),
      maxMs: round(sorted.length === 0 ? 0 : sorted[sorted.length - 1]!, 3),
    };
  }
}

/** The smallest sample with at least fraction p of all samples at or below it (0 when empty). */
export function nearestRank(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1]!;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
