import { sha256 } from '@noble/hashes/sha2.js';
import { toB64url, utf8 } from './bytes.js';

/** `code_challenge = b64url_nopad(SHA-256(ASCII(code_verifier)))`, method S256 (spec §5.9). */
export function pkceChallenge(codeVerifier: string): string {
  return toB64url(sha256(utf8(codeVerifier)));
}

/** RFC 7636 §4.1: 43–128 characters of [A-Za-z0-9-._~]. */
export const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
/** An S256 challenge is always 43 b64url characters. */
export const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
