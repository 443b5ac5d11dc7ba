// valueBytesBound must really bound what msgpack writes, or a batch cut by it could still make a
// frame over the limit: checked on random commands with multi-byte and astral characters, the
// longest keys, values and client ids, and the largest seq.
import { Encoder } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { seededRng, type Rng } from '../../src/paxos/rng.js';
import type { Command, Value } from '../../src/paxos/types.js';
import { ENTRY_OVERHEAD_BYTES, valueBytesBound } from '../../src/paxos/value.js';

const ALPHABET = ['a', 'Z', '~', 'é', 'ß', '€', '中', '😀', '\u{10FFFF}'];

function text(rng: Rng, maxUnits: number): string {
  let s = '';
  const target = rng.int(0, maxUnits);
  while (s.length < target) {
    const ch = ALPHABET[rng.int(0, ALPHABET.length - 1)]!;
    if (s.length + ch.length > maxUnits) break;
    s += ch;
  }
  return s;
}

function command(rng: Rng): Command {
  const key = text(rng, rng.int(0, 3) === 0 ? 340 : 20) || 'k';
  const clientId = text(rng, rng.int(0, 3) === 0 ? 128 : 24) || 'c';
  const seq = rng.int(0, 3) === 0 ? Number.MAX_SAFE_INTEGER : rng.int(0, 1_000_000);
  const op = (['set', 'del', 'get'] as const)[rng.int(0, 2)]!;
  if (op !== 'set') return { op, key, clientId, seq };
  return { op, key, value: text(rng, rng.int(0, 5) === 0 ? 65_536 : 300), clientId, seq };
}

describe('valueBytesBound', () => {
  it('is at least the encoded size of every value, and of an entry around it', () => {
    const enc = new Encoder();
    const rng = seededRng(20261123);
    for (let i = 0; i < 300; i++) {
      const cmds = Array.from({ length: rng.int(1, 40) }, () => command(rng));
      const value: Value = { kind: 'batch', cmds };
      const bound = valueBytesBound(value);
      expect(enc.encode(value).byteLength).toBeLessThanOrEqual(bound);
      const slot = rng.int(0, 3) === 0 ? Number.MAX_SAFE_INTEGER : rng.int(0, 100_000);
      const ballot = { round: Number.MAX_SAFE_INTEGER, node: 1_000_000 };
      expect(enc.encode({ slot, ballot, value }).byteLength).toBeLessThanOrEqual(bound + ENTRY_OVERHEAD_BYTES);
    }
    expect(enc.encode({ kind: 'noop' }).byteLength).toBeLessThanOrEqual(valueBytesBound({ kind: 'noop' }));
  });
});
