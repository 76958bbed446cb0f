import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, plainFsError, tightenFile } from '../fs/private-path.js';
import { createFileExclusive } from '../fs/write-atomic.js';

/** Foxden's RS256 key for access tokens (fxa-local spec §6), one per data directory. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public JWK as `/oauth/v1/jwks` publishes it. */
  jwk: Record<string, unknown>;
}

export const SIGNING_KEY_FILE = 'fxa-signing-key.pem';
/** Prefix of every Foxden kid, so the tokenserver can tell Foxden's tokens from Mozilla's. */
export const FOXDEN_KID_PREFIX = 'foxden-';

const cache = new Map<string, SigningKey>();

function fromPrivate(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  // Derived from the modulus: stable across restarts, different for every generated key.
  const kid = FOXDEN_KID_PREFIX + createHash('sha256').update(String(jwk.n)).digest('hex').slice(0, 16);
  return {
    kid,
    privateKey,
    publicKey,
    jwk: { kty: 'RSA', n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' },
  };
}

/** Drops the cached key of a data directory, so the next use reads the file (after a restore). */
export function forgetSigningKey(dataDir: string): void {
  cache.delete(path.join(dataDir, SIGNING_KEY_FILE));
}

/**
 * Loads the key from `<dataDir>/fxa-signing-key.pem`, generating it (mode 0600, created
 * exclusively so two starts cannot race to different keys) on first use.
 */
export function signingKeyFor(dataDir: string): SigningKey {
  const file = path.join(dataDir, SIGNING_KEY_FILE);
  const cached = cache.get(file);
  if (cached) return cached;
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
    tightenFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw plainFsError(err, file);
    ensurePrivateDir(dataDir);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    // Another process may create it first: then its key is the one.
    if (!createFileExclusive(file, pem)) pem = fs.readFileSync(file, 'utf8');
  }
  const key = fromPrivate(createPrivateKey(pem));
  cache.set(file, key);
  return key;
}
