import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, concat, fromHex, toHex, utf8, xor } from './bytes.js';

/** `NS` of fxa-local spec §5.1: every onepw HKDF info starts with it. */
export const NS = 'identity.mozilla.com/picl/v1/';

/** HKDF-SHA256 with no salt (= 32 zero bytes, spec §5.1) and `info = NS + name`. */
export function hkdfNs(ikm: Uint8Array, name: string, length: number): Uint8Array {
  return hkdf(sha256, ikm, undefined, utf8(NS + name), length);
}

export interface StretchedPassword {
  quickStretchedPW: Uint8Array;
  /** Sent to the server (as 64 hex). */
  authPW: Uint8Array;
  /** Never leaves the client: kB = wrapKb ⊕ unwrapBKey. */
  unwrapBKey: Uint8Array;
}

/** The onepw "v1" client stretch (spec §5.2). `email` exactly as typed: it is the salt. */
export function stretchPassword(email: string, password: string): StretchedPassword {
  const quickStretchedPW = pbkdf2(sha256, utf8(password), utf8(NS + 'quickStretch:' + email), {
    c: 1000,
    dkLen: 32,
  });
  return {
    quickStretchedPW,
    authPW: hkdfNs(quickStretchedPW, 'authPW', 32),
    unwrapBKey: hkdfNs(quickStretchedPW, 'unwrapBkey', 32),
  };
}

export type TokenKind = 'sessionToken' | 'keyFetchToken' | 'passwordChangeToken' | 'accountResetToken';

export interface TokenCredentials {
  /** Hawk id: lowercase hex of bytes [0,32). */
  id: string;
  /** Hawk key ("reqHMACkey"): bytes [32,64), used raw as the HMAC key. */
  key: Uint8Array;
  /** bytes [64,96): the bundleKey of a keyFetchToken. */
  extra: Uint8Array;
}

/** Hawk credentials of a session or key-fetch token (spec §4.0, §5.4). */
export function deriveTokenCredentials(token: Uint8Array, kind: TokenKind): TokenCredentials {
  const out = hkdfNs(token, kind, 96);
  return { id: toHex(out.subarray(0, 32)), key: out.slice(32, 64), extra: out.slice(64, 96) };
}

function bundleKeys(bundleKey: Uint8Array): { hmacKey: Uint8Array; xorKey: Uint8Array } {
  const k = hkdfNs(bundleKey, 'account/keys', 96);
  return { hmacKey: k.slice(0, 32), xorKey: k.slice(32, 96) };
}

/** Server side of `/account/keys` (spec §5.5): hex(ct ‖ HMAC(respHMACkey, ct)), 192 hex chars. */
export function createKeysBundle(bundleKey: Uint8Array, kA: Uint8Array, wrapKb: Uint8Array): string {
  const { hmacKey, xorKey } = bundleKeys(bundleKey);
  const ct = xor(concat(kA, wrapKb), xorKey);
  return toHex(concat(ct, hmac(sha256, hmacKey, ct)));
}

/** Client side of `/account/keys`: checks the MAC in constant time, returns kA and wrapKb. */
export function openKeysBundle(
  bundleKey: Uint8Array,
  bundleHex: string,
): { kA: Uint8Array; wrapKb: Uint8Array } {
  const bundle = fromHex(bundleHex);
  if (bundle.length !== 96) throw new Error('the keys bundle is not 96 bytes');
  const { hmacKey, xorKey } = bundleKeys(bundleKey);
  const ct = bundle.subarray(0, 64);
  if (!bytesEqual(hmac(sha256, hmacKey, ct), bundle.subarray(64)))
    throw new Error('the keys bundle MAC does not verify');
  const plain = xor(ct, xorKey);
  return { kA: plain.slice(0, 32), wrapKb: plain.slice(32, 64) };
}

/** kB = wrapKb ⊕ unwrapBKey (spec §5.3, §5.5); also wrapKb = kB ⊕ unwrapBKey for a password change. */
export function unwrapKb(wrapKb: Uint8Array, unwrapBKey: Uint8Array): Uint8Array {
  return xor(wrapKb, unwrapBKey);
}

/** What the server derives from scrypt(authPW) (spec §5.3, FxA hash version 1). */
export function verifierFromStretched(stretched: Uint8Array): {
  verifyHash: Uint8Array;
  wrapwrapKey: Uint8Array;
} {
  return {
    verifyHash: hkdfNs(stretched, 'verifyHash', 32),
    wrapwrapKey: hkdfNs(stretched, 'wrapwrapKey', 32),
  };
}
