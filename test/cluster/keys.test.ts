// Key files: made private, read back only when private and whole, and a link id that only the
// two nodes of a link can compute.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyFileError, newKeyPair, readKeyFile, writeKeyFile } from '../../src/cluster/keys.js';
import { isKeyPair, sharedSecret } from '../../src/cluster/x25519.js';
import { z85Decode, z85Encode } from '../../src/cluster/z85.js';
import { linkRoutingId } from '../../src/node/transport.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tempFile = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-keys-'));
  dirs.push(d);
  return path.join(d, 'keys', 'k.key');
};

describe('key files', () => {
  it('are written with mode 0600 in a 0700 directory and read back', () => {
    const file = tempFile();
    const pair = newKeyPair();
    writeKeyFile(file, pair);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readKeyFile(file)).toEqual(pair);
  });

  it('are refused when others may read them, when not JSON, and when the halves do not match', () => {
    const file = tempFile();
    writeKeyFile(file, newKeyPair());
    fs.chmodSync(file, 0o640);
    expect(() => readKeyFile(file)).toThrow(/chmod 600/);
    fs.writeFileSync(file, 'not json', { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    expect(() => readKeyFile(file)).toThrow(KeyFileError);
    const a = newKeyPair();
    const b = newKeyPair();
    fs.writeFileSync(file, JSON.stringify({ publicKey: a.publicKey, secretKey: b.secretKey }));
    expect(() => readKeyFile(file)).toThrow(/not the one of its secret key/);
    expect(() => readKeyFile(path.join(path.dirname(file), 'missing.key'))).toThrow(/ENOENT/);
  });
});

describe('X25519 and Z85', () => {
  it('round-trips Z85 and recognises a key pair', () => {
    const pair = newKeyPair();
    expect(z85Encode(z85Decode(pair.publicKey))).toBe(pair.publicKey);
    expect(isKeyPair(pair.publicKey, pair.secretKey)).toBe(true);
    expect(isKeyPair(newKeyPair().publicKey, pair.secretKey)).toBe(false);
  });

  it('gives both ends of a link the same routing id, and anyone else another', () => {
    const n1 = newKeyPair();
    const n2 = newKeyPair();
    const operator = newKeyPair();
    const at2 = linkRoutingId(1, 2, sharedSecret(n2.secretKey, n1.publicKey));
    expect(linkRoutingId(1, 2, sharedSecret(n1.secretKey, n2.publicKey))).toBe(at2);
    expect(linkRoutingId(1, 2, sharedSecret(operator.secretKey, n2.publicKey))).not.toBe(at2);
    expect(linkRoutingId(2, 1, sharedSecret(n1.secretKey, n2.publicKey))).not.toBe(at2);
    expect(at2.startsWith('node-1.')).toBe(true);
  });
});
