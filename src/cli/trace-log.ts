// The tail of every node's message trace (DIR/node-N/messages.ndjson, and messages.1.ndjson
// after a rotation), kept in a bounded window for the flow view: it starts from the last
// TRACE_TAIL_BYTES of each file, follows what is appended and forgets the oldest lines.
import path from 'node:path';
import { OLD_TRACE_FILE, parseTraceLine, TRACE_FILE } from '../trace/trace-record.js';
import { LogTail } from './event-log.js';
import { isHeartbeat, type KeptRecord, type NodeTrace } from './flow-messages.js';

/** Each file's start: about 7,000 lines, parsed in a few tens of milliseconds. */
export const TRACE_TAIL_BYTES = 1024 * 1024;
/** Lines kept per node: the other messages outlive the heartbeats, which come ten a second. */
export const KEEP_PER_NODE = 2000;
export const KEEP_HEARTBEATS_PER_NODE = 800;

export interface TraceLogOptions {
  readonly tailBytes?: number;
  readonly keep?: number;
  readonly keepHeartbeats?: number;
}

interface NodeState {
  readonly node: number;
  readonly tail: LogTail;
  records: KeptRecord[];
  heartbeats: KeptRecord[];
  lastLc: number;
  epoch: number;
}

/** Drops the oldest beyond `max`, in steps of a quarter, so pushing stays cheap. */
function trim(list: KeptRecord[], max: number): KeptRecord[] {
  return list.length > max + Math.ceil(max / 4) ? list.slice(list.length - max) : list;
}

export class TraceLog {
  private readonly nodes: NodeState[];
  private readonly keep: number;
  private readonly keepHeartbeats: number;
  /** Why a node's trace could not be read on the last poll (a FIFO in its place, no access). */
  readonly errors = new Map<number, string>();
  /** Lines that were not trace records (a torn last line, a damaged file). */
  skipped = 0;

  private readonly tailBytes: number;

  constructor(nodes: readonly { readonly node: number; readonly dir: string }[], options: TraceLogOptions = {}) {
    this.keep = options.keep ?? KEEP_PER_NODE;
    this.keepHeartbeats = options.keepHeartbeats ?? KEEP_HEARTBEATS_PER_NODE;
    this.tailBytes = options.tailBytes ?? TRACE_TAIL_BYTES;
    this.nodes = [];
    for (const n of nodes) this.addNode(n);
  }

  /** A member added while the log is open (membership change): its trace is read from now on. */
  addNode({ node, dir }: { readonly node: number; readonly dir: string }): void {
    if (this.nodes.some((s) => s.node === node)) return;
    const paths = { current: path.join(dir, TRACE_FILE), old: path.join(dir, OLD_TRACE_FILE) };
    this.nodes.push({ node, tail: new LogTail(dir, { paths, tailBytes: this.tailBytes }), records: [], heartbeats: [], lastLc: -1, epoch: 0 });
  }

  /** Reads what the nodes appended; says how many records came in, of each kind. Never throws. */
  async poll(): Promise<{ messages: number; heartbeats: number }> {
    const added = { messages: 0, heartbeats: 0 };
    for (const s of this.nodes) {
      let lines: string[];
      try {
        lines = await s.tail.poll();
        this.errors.delete(s.node);
      } catch (err) {
        this.errors.set(s.node, (err as Error).message);
        continue;
      }
      for (const line of lines) {
        const r = parseTraceLine(line);
        if (r === null) {
          this.skipped++;
          continue;
        }
        // Within one run of a node its clock never goes back: a step back is a restart.
        if (r.lc < s.lastLc) s.epoch++;
        s.lastLc = r.lc;
        const k: KeptRecord = { r, epoch: s.epoch };
        if (isHeartbeat(r)) {
          s.heartbeats.push(k);
          added.heartbeats++;
        } else {
          s.records.push(k);
          added.messages++;
        }
      }
      s.records = trim(s.records, this.keep);
      s.heartbeats = trim(s.heartbeats, this.keepHeartbeats);
    }
    return added;
  }

  traces(): NodeTrace[] {
    return this.nodes.map((s) => ({ node: s.node, records: s.records, heartbeats: s.heartbeats }));
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((s) => s.tail.close()));
  }
}
