// Fault bands: what was done to the cluster and when, as the run report draws it across the
// message lanes and the latency chart. Gathered where faults are carried out (the supervisor's
// kills and restarts, FaultControl's partition and slow rules), so chaos's nemesis, the REPL's
// fault commands and `bench --measure-restart` are all seen without each having to report.
import type { FaultRules } from '../protocol/fault-rules.js';

/** kill: SIGKILLed (or crashed) until it was spawned again. pause: SIGSTOP until SIGCONT. */
export const FAULT_BAND_KINDS = ['kill', 'partition', 'slow', 'pause'] as const;
export type FaultBandKind = (typeof FAULT_BAND_KINDS)[number];

export interface FaultBand {
  readonly kind: FaultBandKind;
  /** The nodes it hit: the dead or paused node, the slow node, every node of a partition. */
  readonly nodes: readonly number[];
  /** Wall clock, ms since the epoch (the traces' `t`). */
  readonly startMs: number;
  /** null while it is still in force. */
  readonly endMs: number | null;
  /** One line for people: `partition 1,2 | 3`, `kill n3`, `slow n2 200 ms`. */
  readonly text: string;
  /** Partitions only: the groups. */
  readonly groups?: readonly (readonly number[])[];
}

interface Open {
  kind: FaultBandKind;
  nodes: readonly number[];
  startMs: number;
  text: string;
  groups?: readonly (readonly number[])[];
}

/** The events a FaultRecorder listens to (a Supervisor and a FaultControl fit). */
export interface FaultSources {
  readonly sup?: { onEvent(fn: (e: { type: string; id: number; requested?: boolean; code?: number | null; signal?: string | null }) => void): () => void };
  readonly faults?: { onChange(fn: (rules: FaultRules) => void): () => void; readonly rules: FaultRules };
}

export class FaultRecorder {
  private readonly closed: FaultBand[] = [];
  private readonly open = new Map<string, Open>();
  private readonly offs: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly clock: () => number = Date.now) {}

  /** Starts listening to a supervisor and/or a FaultControl (either may come later than the other). */
  listen(sources: FaultSources): void {
    if (this.stopped) return;
    if (sources.sup !== undefined) {
      this.offs.push(
        sources.sup.onEvent((e) => {
          if (e.type === 'exited') {
            const how = e.requested === true ? 'SIGKILL' : `exited unexpectedly, code ${e.code ?? '-'}, signal ${e.signal ?? '-'}`;
            this.begin(`kill:${e.id}`, { kind: 'kill', nodes: [e.id], text: `kill n${e.id} (${how})` });
            // A dead node is not paused any more.
            this.end(`pause:${e.id}`);
          }
          if (e.type === 'spawned') this.end(`kill:${e.id}`);
          if (e.type === 'stopped') this.pause(e.id);
          if (e.type === 'continued') this.resume(e.id);
        }),
      );
    }
    if (sources.faults !== undefined) {
      this.rulesChanged(sources.faults.rules);
      this.offs.push(sources.faults.onChange((r) => this.rulesChanged(r)));
    }
  }

  /** A SIGSTOP (or anything else not seen by the sources): returns the function that ends it. */
  mark(kind: FaultBandKind, nodes: readonly number[], text: string): () => void {
    const key = `${kind}:${nodes.join(',')}:${this.clock()}:${this.open.size}`;
    this.begin(key, { kind, nodes: [...nodes], text });
    return () => this.end(key);
  }

  pause(node: number): void {
    this.begin(`pause:${node}`, { kind: 'pause', nodes: [node], text: `pause n${node} (SIGSTOP)` });
  }

  resume(node: number): void {
    this.end(`pause:${node}`);
  }

  /**
   * Stops listening (call it before stopping the cluster: its shutdown is not a fault). Bands
   * still open stay open (endMs null: in force to the end of the run).
   */
  stop(): void {
    this.stopped = true;
    for (const off of this.offs.splice(0)) off();
  }

  /** Every band, closed ones and those still in force, by start time. */
  bands(): FaultBand[] {
    const open: FaultBand[] = [...this.open.values()].map((o) => ({ ...o, endMs: null }));
    return [...this.closed, ...open].sort((a, b) => a.startMs - b.startMs);
  }

  private rulesChanged(r: FaultRules): void {
    const groups = r.groups;
    const text = groups === null ? '' : `partition ${groups.map((g) => g.join(',')).join(' | ')}`;
    const cur = this.open.get('partition');
    if (cur === undefined || cur.text !== text) {
      this.end('partition');
      if (groups !== null) this.begin('partition', { kind: 'partition', nodes: groups.flat().sort((a, b) => a - b), text, groups: groups.map((g) => [...g]) });
    }
    const slowNow = new Map(r.slow.filter((s) => s.ms > 0).map((s) => [s.node, s.ms]));
    for (const [key, o] of this.open) {
      if (o.kind !== 'slow') continue;
      const node = o.nodes[0]!;
      if (slowNow.get(node) === undefined || o.text !== slowText(node, slowNow.get(node)!)) this.end(key);
    }
    for (const [node, ms] of slowNow) {
      if (!this.open.has(`slow:${node}`)) this.begin(`slow:${node}`, { kind: 'slow', nodes: [node], text: slowText(node, ms) });
    }
  }

  private begin(key: string, o: Omit<Open, 'startMs'>): void {
    if (this.stopped || this.open.has(key)) return;
    this.open.set(key, { ...o, startMs: this.clock() });
  }

  private end(key: string): void {
    const o = this.open.get(key);
    if (o === undefined) return;
    this.open.delete(key);
    this.closed.push({ ...o, endMs: this.clock() });
  }
}

const slowText = (node: number, ms: number): string => `slow n${node} ${ms} ms`;

/** Checks a parsed faults.json, keeping only well-formed bands (the file may be hand-edited). */
export function parseFaultBands(input: unknown): FaultBand[] {
  const list = Array.isArray(input) ? input : typeof input === 'object' && input !== null && Array.isArray((input as { bands?: unknown }).bands) ? (input as { bands: unknown[] }).bands : [];
  const out: FaultBand[] = [];
  for (const b of list) {
    if (typeof b !== 'object' || b === null) continue;
    const r = b as Record<string, unknown>;
    if (typeof r.kind !== 'string' || !(FAULT_BAND_KINDS as readonly string[]).includes(r.kind)) continue;
    if (!Array.isArray(r.nodes) || !r.nodes.every((n) => Number.isSafeInteger(n) && (n as number) > 0)) continue;
    if (typeof r.startMs !== 'number' || !Number.isFinite(r.startMs)) continue;
    if (r.endMs !== null && (typeof r.endMs !== 'number' || !Number.isFinite(r.endMs))) continue;
    const groups = Array.isArray(r.groups) && r.groups.every((g) => Array.isArray(g) && g.every((n) => Number.isSafeInteger(n))) ? (r.groups as number[][]) : undefined;
    out.push({
      kind: r.kind as FaultBandKind,
      nodes: r.nodes as number[],
      startMs: r.startMs,
      endMs: r.endMs as number | null,
      text: typeof r.text === 'string' ? r.text.slice(0, 200) : r.kind,
      ...(groups !== undefined ? { groups } : {}),
    });
  }
  return out;
}
