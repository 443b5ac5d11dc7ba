import { createHash } from 'node:crypto';
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
}

interface Session {
  readonly seq: number;
  readonly value: string | null;
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

  /** The next slot to apply; equal to the number of slots applied. */
  get appliedIndex(): number {
    return this.appliedCount;
  }

  apply(entry: ChosenEntry): CommandResult[] {
    assert(entry.slot === this.appliedCount, `kv: slot ${entry.slot} applied out of order, expected ${this.appliedCount}`);
    this.appliedCount += 1;
    if (entry.value.kind === 'noop') return [];
    const results: CommandResult[] = [];
    for (const cmd of entry.value.cmds) results.push(this.applyCommand(cmd, entry.slot));
    return results;
  }

  private applyCommand(cmd: Command, slot: number): CommandResult {
    const session = this.sessions.get(cmd.clientId);
    if (session !== undefined && cmd.seq <= session.seq) {
      const value = cmd.seq === session.seq ? session.value : null;
      return { clientId: cmd.clientId, seq: cmd.seq, slot, op: cmd.op, value, duplicate: true };
    }
    let value: string | null = null;
    switch (cmd.op) {
      case 'set':
        this.data.set(cmd.key, cmd.value);
        break;
      case 'del':
        this.data.delete(cmd.key);
        break;
      case 'get':
        value = this.data.get(cmd.key) ?? null;
        break;
    }
    this.sessions.set(cmd.clientId, { seq: cmd.seq, value });
    return { clientId: cmd.clientId, seq: cmd.seq, slot, op: cmd.op, value, duplicate: false };
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
