import { randomBytes, sign, verify } from 'node:crypto';
import { OLDSYNC_SCOPE } from './crypto/scoped-keys.js';
import { FOXDEN_KID_PREFIX, type SigningKey } from './signing-key.js';

export interface AccessTokenGrant {
  uid: string;
  clientId: string;
  /** Space-separated, exactly as granted. */
  scope: string;
  /** verifierSetAt, ms (spec §5.6). */
  generation: number;
  ttlSeconds: number;
}

const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An RS256 `at+JWT` shaped like FxA's (spec §6). `issuer` is the public URL. */
export function mintAccessToken(
  key: SigningKey,
  grant: AccessTokenGrant,
  issuer: string,
  nowMs: number,
): string {
  const iat = Math.floor(nowMs / 1000);
  const scopes = grant.scope.split(/\s+/).filter(Boolean);
  const header = { alg: 'RS256', typ: 'at+JWT', kid: key.kid };
  const claims = {
    // FxA puts the tokenserver URL in aud for oldsync grants and the client id otherwise; nobody checks it.
    aud: scopes.includes(OLDSYNC_SCOPE) ? `${issuer.replace(/\/+$/, '')}/1.0/sync/1.5` : grant.clientId,
    client_id: grant.clientId,
    exp: iat + grant.ttlSeconds,
    iat,
    iss: issuer.replace(/\/+$/, ''),
    jti: randomBytes(32).toString('hex'),
    scope: grant.scope,
    sub: grant.uid,
    'fxa-generation': grant.generation,
  };
  const signed = `${enc(header)}.${enc(claims)}`;
  return `${signed}.${sign('RSA-SHA256', Buffer.from(signed), key.privateKey).toString('base64url')}`;
}

export interface AccessTokenClaims {
  uid: string;
  clientId: string;
  scopes: string[];
  generation: number | null;
  exp: number;
}

export class AccessTokenRejected extends Error {}

function json(segment: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Whether a bearer token claims to be Foxden's own (kid with Foxden's prefix, or our issuer):
 * such a token is judged only against Foxden's key, never handed to Mozilla's verifier.
 */
export function looksLikeFoxdenToken(token: string, issuer: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const header = json(parts[0]!);
  const claims = json(parts[1]!);
  if (typeof header?.kid === 'string' && header.kid.startsWith(FOXDEN_KID_PREFIX)) return true;
  return typeof claims?.iss === 'string' && claims.iss === issuer.replace(/\/+$/, '');
}

/** Splits FxA scope text on whitespace and commas (S15 §3.2). */
export function scopeList(value: unknown): string[] {
  return typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : [];
}

/**
 * Verifies a Foxden access token: RS256 with our key, `typ` at+jwt (case-insensitive), `exp`
 * in the future, `sub` 32 hex (spec §6). Scope checks are the caller's.
 */
export function verifyAccessToken(key: SigningKey, token: string, nowMs: number): AccessTokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p)))
    throw new AccessTokenRejected('not a JWT');
  const header = json(parts[0]!);
  const claims = json(parts[1]!);
  if (!header || !claims) throw new AccessTokenRejected('the JWT header or claims are not JSON objects');
  if (header.alg !== 'RS256') throw new AccessTokenRejected('the token is not signed with RS256');
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : '';
  if (typ !== 'at+jwt' && typ !== 'application/at+jwt')
    throw new AccessTokenRejected('the token is not an access token (typ is not at+JWT)');
  if (header.kid !== key.kid)
    throw new AccessTokenRejected('the token was signed with another key than this server’s');
  if (
    !verify(
      'RSA-SHA256',
      Buffer.from(`${parts[0]}.${parts[1]}`),
      key.publicKey,
      Buffer.from(parts[2]!, 'base64url'),
    )
  ) {
    throw new AccessTokenRejected('the token signature does not verify');
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs)
    throw new AccessTokenRejected('the token has expired');
  if (typeof claims.sub !== 'string' || !/^[0-9a-f]{32}$/.test(claims.sub))
    throw new AccessTokenRejected('the token names no valid account');
  const generation = claims['fxa-generation'];
  return {
    uid: claims.sub,
    clientId: typeof claims.client_id === 'string' ? claims.client_id : '',
    scopes: scopeList(claims.scope),
    generation:
      typeof generation === 'number' && Number.isSafeInteger(generation) && generation > 0
        ? generation
        : null,
    exp: claims.exp,
  };
}
