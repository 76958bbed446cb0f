import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toB64url, toHex, utf8 } from './bytes.js';
import { NS } from './onepw.js';

export const OLDSYNC_SCOPE = 'https://identity.mozilla.com/apps/oldsync';

export interface ScopedKeyJwk {
  kty: 'oct';
  scope: string;
  kid: string;
  k: string;
}

/** The 16-byte key fingerprint SHA-256(kB)[0,16): b64url in the kid, hex as `client_state`. */
export function syncKeyFingerprint(kB: Uint8Array): Uint8Array {
  return sha256(kB).slice(0, 16);
}

/**
 * The oldsync scoped key (spec §5.7): 64 bytes of HKDF(kB, info NS+"oldsync") (AES key then
 * HMAC key), kid = full-ms keyRotationTimestamp + "-" + b64url(fingerprint).
 */
export function deriveOldsyncKey(kB: Uint8Array, keyRotationTimestamp: number): ScopedKeyJwk {
  if (!Number.isSafeInteger(keyRotationTimestamp) || keyRotationTimestamp <= 0) {
    throw new Error('keyRotationTimestamp must be a positive integer of milliseconds');
  }
  const k = hkdf(sha256, kB, undefined, utf8(NS + 'oldsync'), 64);
  return {
    kty: 'oct',
    scope: OLDSYNC_SCOPE,
    kid: `${keyRotationTimestamp}-${toB64url(syncKeyFingerprint(kB))}`,
    k: toB64url(k),
  };
}

/** `client_state` the tokenserver derives from the kid (hex of the fingerprint, spec 1.5 §3.1). */
export function clientStateOf(kB: Uint8Array): string {
  return toHex(syncKeyFingerprint(kB));
}

/** The plaintext of `keys_jwe`: `{ "<oldsync>": <JWK> }` (spec §5.8 step 6). */
export function oldsyncKeyMap(kB: Uint8Array, keyRotationTimestamp: number): Record<string, ScopedKeyJwk> {
  return { [OLDSYNC_SCOPE]: deriveOldsyncKey(kB, keyRotationTimestamp) };
}
