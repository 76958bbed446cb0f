import { decodeJwt, decodeProtectedHeader } from 'jose';

const B64URL_PART = /^[A-Za-z0-9_-]+$/;
/** An RS256 signature is as long as the key's modulus; the verifier accepts no key under 2048 bits. */
const MIN_SIGNATURE_CHARS = Math.ceil((2048 / 8) * (4 / 3));

/**
 * Why a token written as a JWT cannot be an RS256 access token signed by anyone (spec 1.5 §3.2;
 * FxA signs every access token RS256 with `typ: at+JWT` and a `kid`), read without verifying
 * it, or null when it might be one. Such a token is refused at once: asking FxA's verifier about
 * it could not succeed, and offline it would turn a client's mistake into a 503.
 */
export function impossibleAccessJwt(token: string, nowMs: number): string | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL_PART.test(p)))
    return 'the FxA token is not three base64url parts';
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return 'the FxA token header is not a JSON object';
  }
  if (header.alg !== 'RS256') return `the FxA token is not signed with RS256 (alg ${describe(header.alg)})`;
  if (typeof header.kid !== 'string' || header.kid === '') return 'the FxA token header names no key (kid)';
  if (typeof header.typ !== 'string' || !/^(application\/)?at\+jwt$/i.test(header.typ))
    return 'the FxA token is not an access token (typ is not at+JWT)';
  if ((parts[2] as string).length < MIN_SIGNATURE_CHARS)
    return 'the FxA token signature is too short for an RSA key';
  try {
    claims = decodeJwt(token);
  } catch {
    return 'the FxA token claims are not a JSON object';
  }
  if (claims.exp !== undefined && (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs))
    return 'the FxA token has expired';
  return null;
}

function describe(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value).slice(0, 20);
}
