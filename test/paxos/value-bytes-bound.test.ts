// Found by the second review (also found and fixed on my own read-through): valueBytesBound
// allowed 16 bytes for the {kind,cmds} wrapper and 48 per command, a few bytes short with str16
// headers and a uint64 seq; with 3-byte UTF-8 text there was no slack to hide it. Now 32 and 64.
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import type { Value } from '../../src/paxos/types.js';
import { valueBytesBound } from '../../src/paxos/value.js';

const cjk = (n: number) => '中'.repeat(n); // 1 UTF-16 unit, 3 UTF-8 bytes

describe('valueBytesBound', () => {
  it('is at least the encoded size of a valid command (key and client id of 100 CJK characters)', () => {
    // key: 300 bytes (limit 1024), clientId: 100 characters (limit 128), value: 65,535 bytes (limit 65,536)
    const v: Value = { kind: 'batch', cmds: [{ op: 'set', key: cjk(100), value: cjk(21_845), clientId: cjk(100), seq: 2 ** 32 }] };
    expect(valueBytesBound(v)).toBeGreaterThanOrEqual(encode(v).byteLength);
  });
});
