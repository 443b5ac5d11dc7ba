// CURVE key pairs of a cluster: one per node and one for the operator (the CLI, chaos, bench).
// Secret keys live in DIR/keys/*.key (mode 0600, in a 0700 directory); public keys go in the
// cluster file, which every node and client reads.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { curveKeyPair } from 'zeromq';
import { z85Decode, z85Encode } from '../node/z85.js';

export interface KeyPair {
  readonly publicKey: string;
  readonly secretKey: string;
}

/** A CURVE key in Z85 text: 32 bytes as 40 printable characters. */
export const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

export class KeyFileError extends Error {
  readonly code = 'bad-key-file';
}

export function keysDir(clusterDir: string): string {
  return path.join(clusterDir, 'keys');
}

export function nodeKeyPath(clusterDir: string, id: number): string {
  return path.join(keysDir(clusterDir), `node-${id}.key`);
}

export function operatorKeyPath(clusterDir: string): string {
  return path.join(keysDir(clusterDir), 'operator.key');
}

export function newKeyPair(): KeyPair {
  const { publicKey, secretKey } = curveKeyPair();
  return { publicKey, secretKey };
}

/** Written to a temp file with mode 0600 and renamed, so a reader never sees half a key. */
export function writeKeyFile(file: string, pair: KeyPair): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(pair) + '\n', { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** Reads a key file; refuses one that others may read, as ssh does, since it authenticates its holder. */
export function readKeyFile(file: string): KeyPair {
  let text: string;
  let mode: number;
  try {
    mode = fs.statSync(file).mode;
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new KeyFileError(`cannot read key file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(`key file ${file} is readable by other users (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${file}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new KeyFileError(`key file ${file} is not valid JSON; expected {"publicKey": "...", "secretKey": "..."}`);
  }
  const o = raw as { publicKey?: unknown; secretKey?: unknown } | null;
  if (typeof o?.publicKey !== 'string' || typeof o.secretKey !== 'string' || !Z85_KEY.test(o.publicKey) || !Z85_KEY.test(o.secretKey)) {
    throw new KeyFileError(`key file ${file} holds no CURVE key pair; expected {"publicKey": "<40 Z85 chars>", "secretKey": "<40 Z85 chars>"}`);
  }
  if (publicKeyOf(o.secretKey) !== o.publicKey) {
    throw new KeyFileError(`key file ${file} holds a secret key that is not the one of its public key (or no valid key); restore the file, or make new keys`);
  }
  return { publicKey: o.publicKey, secretKey: o.secretKey };
}

/** PKCS#8 DER header of a raw X25519 private key (RFC 8410): CURVE keys are X25519 keys. */
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The Z85 public key of a Z85 secret key, or null when it is not one. */
export function publicKeyOf(secretKey: string): string | null {
  try {
    const secret = createPrivateKey({ key: Buffer.concat([X25519_PKCS8, z85Decode(secretKey)]), format: 'der', type: 'pkcs8' });
    const x = createPublicKey(secret).export({ format: 'jwk' }).x;
    return x === undefined ? null : z85Encode(Buffer.from(x, 'base64url'));
  } catch {
    return null;
  }
}

/** The key pair in `file`, made (and written) when the file does not exist yet. */
export function ensureKeyFile(file: string): KeyPair {
  if (!fs.existsSync(file)) writeKeyFile(file, newKeyPair());
  return readKeyFile(file);
}
