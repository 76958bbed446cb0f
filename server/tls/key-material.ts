import crypto from 'node:crypto';
import { ECDSA_P256 } from './x509-library.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A random positive 16-byte serial (hex), as CA/Browser rules ask: the top bit clear keeps the
 * DER integer positive, the next one set keeps it at exactly 16 bytes.
 */
export function randomSerial(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** A WebCrypto key pair for a new certificate (ECDSA P-256: fast to make, small, everywhere). */
export async function generateKeyPair(): Promise<crypto.webcrypto.CryptoKeyPair> {
  return (await crypto.webcrypto.subtle.generateKey(ECDSA_P256, true, [
    'sign',
    'verify',
  ])) as crypto.webcrypto.CryptoKeyPair;
}

/** PKCS#8 PEM of a WebCrypto private key, as Node's TLS and OpenSSL read it. */
export function privateKeyPem(key: crypto.webcrypto.CryptoKey): string {
  return crypto.KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** A Node private key as the WebCrypto signing key the X.509 library needs. */
export async function importSigningKey(key: crypto.KeyObject): Promise<crypto.webcrypto.CryptoKey> {
  return crypto.webcrypto.subtle.importKey(
    'pkcs8',
    key.export({ type: 'pkcs8', format: 'der' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
}
