// CURVE keys are X25519 keys. Two uses beyond ZeroMQ's own handshake: proving a key file's
// public key belongs to its secret key, and a secret that only two nodes share (their
// Diffie-Hellman value), from which the routing ids of the links between them are made.
import crypto from 'node:crypto';
import { z85Decode } from './z85.js';

// DER wrappings of a raw 32-byte X25519 key (RFC 8410), which node:crypto needs to import one.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

const privateKey = (secretZ85: string): crypto.KeyObject =>
  crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, z85Decode(secretZ85)]), format: 'der', type: 'pkcs8' });

const publicKey = (publicZ85: string): crypto.KeyObject =>
  crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, z85Decode(publicZ85)]), format: 'der', type: 'spki' });

/** Whether publicZ85 is the public half of secretZ85. */
export function isKeyPair(publicZ85: string, secretZ85: string): boolean {
  if (!isZ85Key(publicZ85) || !isZ85Key(secretZ85)) return false;
  const derived = crypto.createPublicKey(privateKey(secretZ85)).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  return derived.equals(z85Decode(publicZ85));
}

/** 40 characters that decode to 32 bytes (the alphabet alone admits groups past 2^32). */
export function isZ85Key(text: string): boolean {
  try {
    return text.length === 40 && z85Decode(text).length === 32;
  } catch {
    return false;
  }
}

/** The X25519 value two key holders share: each computes it from its secret and the other's public key. */
export function sharedSecret(ownSecretZ85: string, peerPublicZ85: string): Buffer {
  return crypto.diffieHellman({ privateKey: privateKey(ownSecretZ85), publicKey: publicKey(peerPublicZ85) });
}
