import type { Command, Member, Value } from './types.js';

export const NOOP: Value = Object.freeze({ kind: 'noop' });

function commandKey(c: Command): string {
  return JSON.stringify([c.op, c.key, c.op === 'set' ? c.value : null, c.clientId, c.seq]);
}

/** A canonical string for a value, independent of property order: used to compare values. */
export function valueKey(v: Value): string {
  if (v.kind === 'noop') return 'noop';
  if (v.kind === 'config') return `config:${JSON.stringify([...v.members].sort((a, b) => a.id - b.id).map((m) => [m.id, m.voter, m.host, m.port, m.publicKey ?? null]))}`;
  return `batch:${v.cmds.map(commandKey).join(',')}`;
}

/** "config 1 2 3 +4(learner)": who votes and who learns. */
export function describeConfig(members: readonly Member[]): string {
  const ids = [...members].sort((a, b) => a.id - b.id).map((m) => (m.voter ? `${m.id}` : `${m.id}(learner)`));
  return `config ${ids.join(' ')}`;
}

export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  return valueKey(a) === valueKey(b);
}

/** A short human label: "noop", "set a=1", "set a=1 +3". */
export function describeValue(v: Value): string {
  if (v.kind === 'noop') return 'noop';
  if (v.kind === 'config') return describeConfig(v.members);
  const first = v.cmds[0];
  if (!first) return 'empty';
  const head = first.op === 'set' ? `set ${first.key}=${first.value}` : `${first.op} ${first.key}`;
  return v.cmds.length > 1 ? `${head} +${v.cmds.length - 1}` : head;
}

/**
 * An upper bound of a command's msgpack size, to bound batches and messages without encoding
 * them: UTF-8 takes at most 3 bytes per UTF-16 unit, and the rest (map header, the five field
 * names, three string headers of up to 5 bytes, a 9-byte seq) is under 64 bytes.
 */
export function commandBytesBound(c: Command): number {
  return 64 + 3 * (c.key.length + c.clientId.length + (c.op === 'set' ? c.value.length : 0));
}

/** A batch adds a map, two field names and an array header to its commands: under 32 bytes. */
export const BATCH_OVERHEAD_BYTES = 32;

/** An upper bound of a value's msgpack size (see commandBytesBound). */
export function valueBytesBound(v: Value): number {
  if (v.kind === 'noop') return BATCH_OVERHEAD_BYTES;
  // A member: map header, five field names, id, flag, port, a host of up to 253 characters, a 40-character key.
  if (v.kind === 'config') return BATCH_OVERHEAD_BYTES + v.members.length * (64 + 3 * (253 + 40));
  let n = BATCH_OVERHEAD_BYTES;
  for (const c of v.cmds) n += commandBytesBound(c);
  return n;
}

/** What an entry adds around its value in a message: slot, ballot, field names (under 64 bytes). */
export const ENTRY_OVERHEAD_BYTES = 64;

/** An upper bound of a log entry's msgpack size (slot, maybe a ballot, and its value). */
export function entryBytesBound(e: { readonly value: Value }): number {
  return valueBytesBound(e.value) + ENTRY_OVERHEAD_BYTES;
}
