import type { Command, Value } from './types.js';

export const NOOP: Value = Object.freeze({ kind: 'noop' });

function commandKey(c: Command): string {
  return JSON.stringify([c.op, c.key, c.op === 'set' ? c.value : null, c.clientId, c.seq]);
}

/** A canonical string for a value, independent of property order: used to compare values. */
export function valueKey(v: Value): string {
  return v.kind === 'noop' ? 'noop' : `batch:${v.cmds.map(commandKey).join(',')}`;
}

export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  return valueKey(a) === valueKey(b);
}

/** A short human label: "noop", "set a=1", "set a=1 +3". */
export function describeValue(v: Value): string {
  if (v.kind === 'noop') return 'noop';
  const first = v.cmds[0];
  if (!first) return 'empty';
  const head = first.op === 'set' ? `set ${first.key}=${first.value}` : `${first.op} ${first.key}`;
  return v.cmds.length > 1 ? `${head} +${v.cmds.length - 1}` : head;
}

/**
 * An upper bound of a command's encoded size: msgpack spends at most 3 bytes of UTF-8 per UTF-16
 * unit, plus field names and headers. Bounds batches and messages without encoding them.
 */
export function commandBytesBound(c: Command): number {
  return 48 + 3 * (c.key.length + c.clientId.length + (c.op === 'set' ? c.value.length : 0));
}

export function valueBytesBound(v: Value): number {
  if (v.kind === 'noop') return 16;
  let n = 16;
  for (const c of v.cmds) n += commandBytesBound(c);
  return n;
}
