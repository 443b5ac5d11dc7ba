// Every value this node writes to LevelDB is sealed with a CRC-32 over its key and bytes, so
// a flipped bit in a table file, or a key bent into another slot's, is refused on load rather
// than voted with. LevelDB checks its own block checksums only when asked (paranoid_checks,
// verify_checksums), and classic-level exposes neither.
import zlib from 'node:zlib';

/** 0xc1 is never used by msgpack: a sealed value cannot be mistaken for an unsealed one. */
const SEAL = 0xc1;
const HEADER = 5;

type Crc32 = (data: string | Uint8Array, value?: number) => number;

// zlib.crc32 arrived in Node 20.15; the table is for the older 20.x releases.
const crc32: Crc32 = (zlib as { crc32?: Crc32 }).crc32 ?? tableCrc32;

let table: Uint32Array | null = null;
function tableCrc32(data: string | Uint8Array, value = 0): number {
  if (table === null) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let c = ~value >>> 0;
  for (let i = 0; i < bytes.length; i++) c = (table[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** The stored value for `payload` under `key` (the full key, sublevel prefix included). */
export function seal(key: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length);
  out[0] = SEAL;
  out.set(payload, HEADER);
  const crc = crc32(payload, crc32(key));
  out[1] = crc >>> 24;
  out[2] = (crc >>> 16) & 0xff;
  out[3] = (crc >>> 8) & 0xff;
  out[4] = crc & 0xff;
  return out;
}

export type Unsealed = { readonly ok: true; readonly payload: Uint8Array; readonly sealed: boolean } | { readonly ok: false };

/**
 * The payload of a stored value, if its checksum holds. An unsealed value (written before
 * records were sealed) is passed through as such: the caller decides whether it may exist.
 */
export function unseal(key: string, stored: Uint8Array): Unsealed {
  if (stored[0] !== SEAL) return { ok: true, payload: stored, sealed: false };
  if (stored.length < HEADER) return { ok: false };
  const payload = stored.subarray(HEADER);
  const want = (((stored[1] as number) << 24) | ((stored[2] as number) << 16) | ((stored[3] as number) << 8) | (stored[4] as number)) >>> 0;
  return crc32(payload, crc32(key)) === want ? { ok: true, payload, sealed: true } : { ok: false };
}

export const testing = { tableCrc32 };
