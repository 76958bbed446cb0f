import { gcm } from '@noble/ciphers/aes.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { concat, fromB64url, toB64url, utf8 } from './bytes.js';

/** The public half of Firefox's ephemeral `keys_jwk` (spec §3.1). */
export interface EcPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

/** Parses the `keys_jwk` query value: b64url of the JSON of a P-256 public JWK. */
export function parseKeysJwk(keysJwk: string): EcPublicJwk {
  const parsed: unknown = JSON.parse(new TextDecoder().decode(fromB64url(keysJwk)));
  const j = parsed as Partial<EcPublicJwk> | null;
  if (!j || j.kty !== 'EC' || j.crv !== 'P-256' || typeof j.x !== 'string' || typeof j.y !== 'string') {
    throw new Error('keys_jwk is not a P-256 EC public key');
  }
  return { kty: 'EC', crv: 'P-256', x: j.x, y: j.y };
}

function pointOf(jwk: { x: string; y: string }): Uint8Array {
  const x = fromB64url(jwk.x);
  const y = fromB64url(jwk.y);
  if (x.length !== 32 || y.length !== 32) throw new Error('EC coordinates must be 32 bytes');
  return concat(new Uint8Array([4]), x, y);
}

/** Concat KDF, one round, empty PartyU/V, keydatalen 256, alg "A256GCM" (spec §5.8 step 3). */
function contentKey(z: Uint8Array): Uint8Array {
  const be32 = (n: number) => new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const alg = utf8('A256GCM');
  return sha256(concat(be32(1), z, be32(alg.length), alg, be32(0), be32(0), be32(256)));
}

/** Z = the x-coordinate of the ECDH point (noble returns it compressed: drop the prefix byte). */
function sharedX(secretKey: Uint8Array, publicPoint: Uint8Array): Uint8Array {
  return p256.getSharedSecret(secretKey, publicPoint, true).slice(1);
}

/**
 * JWE compact, `alg: ECDH-ES` (direct), `enc: A256GCM`, no apu/apv, empty encrypted-key part
 * (spec §5.8): what Firefox decrypts with the private half of `keys_jwk`.
 */
export function encryptJwe(peer: EcPublicJwk, plaintext: Uint8Array, ephemeralSecret?: Uint8Array): string {
  const secretKey = ephemeralSecret ?? p256.utils.randomSecretKey();
  const epkPoint = p256.getPublicKey(secretKey, false);
  const header = {
    alg: 'ECDH-ES',
    enc: 'A256GCM',
    epk: { kty: 'EC', crv: 'P-256', x: toB64url(epkPoint.slice(1, 33)), y: toB64url(epkPoint.slice(33, 65)) },
  };
  const h = toB64url(utf8(JSON.stringify(header)));
  const cek = contentKey(sharedX(secretKey, pointOf(peer)));
  const iv = randomBytes(12);
  const sealed = gcm(cek, iv, utf8(h)).encrypt(plaintext);
  const ct = sealed.subarray(0, sealed.length - 16);
  const tag = sealed.subarray(sealed.length - 16);
  return `${h}..${toB64url(iv)}.${toB64url(ct)}.${toB64url(tag)}`;
}

/** Encrypts a scoped-key map (spec §5.8 step 6) to the `keys_jwk` string Firefox put in the URL. */
export function encryptScopedKeys(keysJwk: string, keyMap: unknown): string {
  return encryptJwe(parseKeysJwk(keysJwk), utf8(JSON.stringify(keyMap)));
}

/** The inverse, as Firefox does it (used by tests and tools): returns the plaintext bytes. */
export function decryptJwe(secretKey: Uint8Array, jwe: string): Uint8Array {
  const parts = jwe.split('.');
  if (parts.length !== 5 || parts[1] !== '') throw new Error('not a direct-key JWE compact serialization');
  const header = JSON.parse(new TextDecoder().decode(fromB64url(parts[0]!))) as {
    alg?: string;
    enc?: string;
    epk?: { x: string; y: string };
  };
  if (header.alg !== 'ECDH-ES' || header.enc !== 'A256GCM' || !header.epk)
    throw new Error('unsupported JWE header');
  const cek = contentKey(sharedX(secretKey, pointOf(header.epk)));
  return gcm(cek, fromB64url(parts[2]!), utf8(parts[0]!)).decrypt(
    concat(fromB64url(parts[3]!), fromB64url(parts[4]!)),
  );
}
