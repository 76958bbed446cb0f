import { createHash, scrypt, timingSafeEqual } from 'node:crypto';
import { sharedHashPool } from './hash-pool.js';

/** bcrypt cost for new hashes: about 50–100 ms, paid once per credential thanks to the cache. */
export const BCRYPT_COST = 10;
/** bcrypt reads only the first 72 bytes; longer passwords are pre-hashed so every byte counts. */
const BCRYPT_MAX_BYTES = 72;

function bcryptInput(password: string): string {
  if (Buffer.byteLength(password, 'utf8') <= BCRYPT_MAX_BYTES) return password;
  return createHash('sha256').update(password, 'utf8').digest('base64');
}

/** bcrypt in the worker pool; rejects with HashPoolBusy when too many checks are waiting. */
export function hashPassword(password: string, cost = BCRYPT_COST): Promise<string> {
  return sharedHashPool().hash(bcryptInput(password), cost);
}

export function isBcryptHash(hash: string): boolean {
  return /^\$2[aby]\$\d\d\$/.test(hash);
}

function scryptDigest(password: Buffer, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 64, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Salt is the last 8 bytes after the digest (spec 1.1 §4.2). */
const SALT_BYTES = 8;

interface LegacyScheme {
  prefix: string;
  digestBytes: number;
  digest(password: Buffer, salt: Buffer): Promise<Buffer> | Buffer;
}

const SSCRYPT: LegacyScheme = { prefix: '{SSCRYPT}', digestBytes: 64, digest: scryptDigest };
const SSHA256: LegacyScheme = {
  prefix: '{SSHA-256}',
  digestBytes: 32,
  digest: (pw, salt) => createHash('sha256').update(pw).update(salt).digest(),
};
const SSHA: LegacyScheme = {
  prefix: '{SSHA}',
  digestBytes: 20,
  digest: (pw, salt) => createHash('sha1').update(pw).update(salt).digest(),
};

/**
 * server-core's hash formats: `{SCHEME}base64(digest ‖ salt)`; anything without a known
 * prefix is read as {SSHA} with the prefix optional (spec 1.1 §4.2).
 */
async function verifyLegacy(password: string, stored: string): Promise<boolean> {
  let scheme = SSHA;
  let encoded = stored;
  for (const candidate of [SSCRYPT, SSHA256, SSHA]) {
    if (stored.startsWith(candidate.prefix)) {
      scheme = candidate;
      encoded = stored.slice(candidate.prefix.length);
      break;
    }
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return false;
  const decoded = Buffer.from(encoded, 'base64');
  if (decoded.length !== scheme.digestBytes + SALT_BYTES) return false;
  const expected = decoded.subarray(0, scheme.digestBytes);
  const salt = decoded.subarray(scheme.digestBytes);
  const actual = await scheme.digest(Buffer.from(password, 'utf8'), salt);
  return timingSafeEqual(actual, expected);
}

/** Checks a password against a bcrypt hash (new accounts) or a server-core legacy hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (isBcryptHash(stored)) return sharedHashPool().verify(bcryptInput(password), stored);
  return verifyLegacy(password, stored);
}
