import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { xor } from './crypto/bytes.js';
import { verifierFromStretched } from './crypto/onepw.js';

/** FxA hash version 1 (fxa-local spec §5.3): scrypt N=65536, r=8, p=1, 32 bytes. */
const SCRYPT = { N: 65536, r: 8, p: 1, maxmem: 128 * 1024 * 1024 } as const;
/** Each scrypt holds 64 MiB for ~200 ms; two at a time keeps memory and the 2 cores in check. */
const MAX_CONCURRENT = 2;

let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export function stretchAuthPW(authPW: Uint8Array, authSalt: Uint8Array): Promise<Uint8Array> {
  return limited(
    () =>
      new Promise<Uint8Array>((resolve, reject) => {
        scrypt(authPW, authSalt, 32, SCRYPT, (err, key) =>
          err ? reject(err) : resolve(new Uint8Array(key)),
        );
      }),
  );
}

export interface ServerVerifier {
  authSalt: Uint8Array;
  verifyHash: Uint8Array;
  wrapwrapKey: Uint8Array;
}

/** A new verifier with a fresh salt (create, change, reset). */
export async function newVerifier(authPW: Uint8Array): Promise<ServerVerifier> {
  const authSalt = new Uint8Array(randomBytes(32));
  return { authSalt, ...verifierFromStretched(await stretchAuthPW(authPW, authSalt)) };
}

/** Checks authPW against the stored verifyHash in constant time; returns wrapKb when it matches. */
export async function checkAuthPW(
  authPW: Uint8Array,
  stored: { authSalt: Uint8Array; verifyHash: Uint8Array; wrapWrapKb: Uint8Array },
): Promise<Uint8Array | null> {
  const { verifyHash, wrapwrapKey } = verifierFromStretched(await stretchAuthPW(authPW, stored.authSalt));
  if (verifyHash.length !== stored.verifyHash.length || !timingSafeEqual(verifyHash, stored.verifyHash))
    return null;
  return xor(stored.wrapWrapKb, wrapwrapKey);
}

export const randomKey = (): Uint8Array => new Uint8Array(randomBytes(32));
