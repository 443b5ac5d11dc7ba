import { createHash } from 'node:crypto';
import { decode, encode } from '@msgpack/msgpack';
import { assert } from './assert.js';
import type { ChosenEntry, Command } from './types.js';

export interface CommandResult {
  readonly clientId: string;
  readonly seq: number;
  readonly slot: number;
  readonly op: Command['op'];
  /** get: the value read; set/del: null. A duplicate gets the first execution's result. */
  readonly value: string | null;
  /** True when this (clientId, seq) had been applied before: it did nothing this time. */
  readonly duplicate: boolean;
  /** del: whether the key was there (a duplicate gets the first execution's answer). */
  readonly existed?: boolean;
}

export class KvSnapshotError extends Error {
  readonly code = 'corrupt-snapshot';
}

interface Session {
  readonly seq: number;
  readonly value: string | null;
  /** A del's answer, kept so a retry gets it too. */
  readonly existed?: boolean;
}

/**
 * The replicated key-value state machine. Entries are applied strictly in slot order;
 * commands carry (clientId, seq) and a client's retry of an applied command is not applied
 * again (exactly-once), because a command can land in two slots when a leader changes.
 */
export class KvStore {
  private readonly data = new Map<string, string>();
  private readonly sessions = new Map<string, Session>();
  private appliedCount = 0;

  /** The whole state (map, client sessions for exactly-once, applied index) as msgpack. */
  snapshot(): Uint8Array {
    // A 4th element only for a del's answer: snapshots without one read as before.
    const sessions: ([string, number, string | null] | [string, number, string | null, boolean])[] = [];
    for (const [id, s] of this.sessions) sessions.push(s.existed === undefined ? [id, s.seq, s.value] : [id, s.seq, s.value, s.existed]);
    return encode({ v: 1, appliedIndex: this.appliedCount, data: [...this.data], sessions });
  }

  /** The inverse of snapshot(). Throws KvSnapshotError on bytes it did not produce. */
  static fromSnapshot(bytes: Uint8Array): KvStore {
    let raw: unknown;
    try {
      raw = decode(bytes);
    } catch (err) {
      throw new KvSnapshotError(`undecodable snapshot: ${err instanceof Error ? err.message : String(err)}`);
    }
    const r = raw as { v?: unknown; appliedIndex?: unknown; data?: unknown; sessions?: unknown };
    if (typeof r !== 'object' || r === null || r.v !== 1 || !Number.isSafeInteger(r.appliedIndex) || (r.appliedIndex as number) < 0) {
      throw new KvSnapshotError('snapshot header is not version 1 with an applied index');
    }
    if (!Array.isArray(r.data) || !Array.isArray(r.sessions)) throw new KvSnapshotError('snapshot lacks data or sessions');
    const kv = new KvStore();
    kv.appliedCount = r.appliedIndex as number;
    for (const e of r.data as unknown[]) {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'string') throw new KvSnapshotError('bad snapshot entry');
      kv.data.set(e[0], e[1]);
    }
    for (const e of r.sessions as unknown[]) {
      if (
        !Array.isArray(e) ||
        (e.length !== 3 && e.length !== 4) ||
        typeof e[0] !== 'string' ||
        !Number.isSafeInteger(e[1]) ||
        (typeof e[2] !== 'string' && e[2] !== null) ||
        (e.length === 4 && typeof e[3] !== 'boolean')
      ) {
        throw new KvSnapshotError('bad snapshot session');
      }
      const existed = e.length === 4 ? { existed: e[3] as boolean } : {};
      kv.sessions.set(e[0], { seq: e[1] as number, value: e[2] as string | null, ...existed });
    }
    return kv;
  }

  /** The last seq applied for a client (exactly-once bookkeeping), or null if none. */
  lastSeq(clientId: string): number | null {
    return this.sessions.get(clientId)?.seq ?? null;
  }

  /** The next slot to apply; equal to the number of slots applied. */
  get appliedIndex(): number {
    return this.appliedCount;
  }

  apply(entry: ChosenEntry): CommandResult[] {
    assert(entry.slot === this.appliedCount, `kv: slot ${entry.slot} applied out of order, expected ${this.appliedCount}`);
    this.appliedCount += 1;
    // A configuration is the core's business: the key-value state does not change.
    if (entry.value.kind !== 'batch') return [];
    const results: CommandResult[] = [];
    for (const cmd of entry.value.cmds) results.push(this.applyCommand(cmd, entry.slot));
    return results;
  }

  private applyCommand(cmd: Command, slot: number): CommandResult {
    const session = this.sessions.get(cmd.clientId);
    if (session !== undefined && cmd.seq <= session.seq) {
      const same = cmd.seq === session.seq;
      const value = same ? session.value : null;
      const existed = same && session.existed !== undefined ? { existed: session.existed } : {};
      return { clientId: cmd.clientId, seq: cmd.seq, slot, op: cmd.op, value, duplicate: true, ...existed };
    }
    let value: string | null = null;
    let existed: { existed: boolean } | Record<string, never> = {};
    switch (cmd.op) {
      case 'set':
        this.data.set(cmd.key, cmd.value);
        break;
      case 'del':
        existed = { existed: this.data.delete(cmd.key) };
        break;
      case 'get':
        value = this.data.get(cmd.key) ?? null;
        break;
    }
    this.sessions.set(cmd.clientId, { seq: cmd.seq, value, ...existed });
    return { clientId: cmd.clientId, seq: cmd.seq, slot, op: cmd.op, value, duplicate: false, ...existed };
  }

  /**
   * Keys starting with `prefix`, in order, after `after` (exclusive), at most `limit` entries
   * and about `maxBytes` of keys and values (at least one entry); `more` when some were left.
   */
  range(prefix: string, after: string | undefined, limit: number, maxBytes: number): { entries: [string, string][]; more: boolean } {
    const keys: string[] = [];
    for (const k of this.data.keys()) if (k.startsWith(prefix) && (after === undefined || k > after)) keys.push(k);
    keys.sort();
    const entries: [string, string][] = [];
    let bytes = 0;
    for (const k of keys) {
      const v = this.data.get(k)!;
      const b = Buffer.byteLength(k) + Buffer.byteLength(v);
      if (entries.length >= limit || (entries.length > 0 && bytes + b > maxBytes)) return { entries, more: true };
      entries.push([k, v]);
      bytes += b;
    }
    return { entries, more: false };
  }

  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  get size(): number {
    return this.data.size;
  }

  entries(): [string, string][] {
    return [...this.data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** A digest of the applied state, equal on two nodes exactly when their maps are equal. */
  hash(): string {
    const h = createHash('sha256');
    for (const [k, v] of this.entries()) h.update(JSON.stringify([k, v])).update('\n');
    return h.digest('hex');
  }
}
