import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { scopesOf, scopeWords } from '../jwt/scopes.js';
import { AccessJwtRejected, verifyAccessJwt, type AccessJwtFault } from '../jwt/verify-access-jwt.js';
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

/** An RS256 `at+JWT` shaped like FxA's (spec §6). `issuer` is the public URL. */
export async function mintAccessToken(
  key: SigningKey,
  grant: AccessTokenGrant,
  issuer: string,
  nowMs: number,
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  const scopes = scopeWords(grant.scope);
  // Claims in FxA's order, set as one object so jose writes them as they stand.
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
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'at+JWT', kid: key.kid })
    .sign(key.privateKey);
}

export interface AccessTokenClaims {
  uid: string;
  clientId: string;
  scopes: string[];
  generation: number | null;
  exp: number;
}

export class AccessTokenRejected extends Error {}

function decoded<T>(decode: () => T): T | null {
  try {
    return decode();
  } catch {
    return null;
  }
}

/**
 * Whether a bearer token claims to be Foxden's own (kid with Foxden's prefix, or our issuer):
 * such a token is judged only against Foxden's key, never handed to Mozilla's verifier.
 */
export function looksLikeFoxdenToken(token: string, issuer: string): boolean {
  if (token.split('.').length !== 3) return false;
  const header = decoded(() => decodeProtectedHeader(token));
  if (typeof header?.kid === 'string' && header.kid.startsWith(FOXDEN_KID_PREFIX)) return true;
  const claims = decoded(() => decodeJwt(token));
  return typeof claims?.iss === 'string' && claims.iss === issuer.replace(/\/+$/, '');
}

const REFUSED: Record<AccessJwtFault, string> = {
  malformed: 'not a JWT',
  alg: 'the token is not signed with RS256',
  typ: 'the token is not an access token (typ is not at+JWT)',
  signature: 'the token signature does not verify',
  'no-key': 'the token was signed with another key than this server’s',
  expired: 'the token has expired',
  claims: 'the token has an invalid claim',
};

/**
 * Verifies a Foxden access token: RS256 with our key, `typ` at+jwt (case-insensitive), `exp`
 * in the future, `sub` 32 hex (spec §6). Scope checks are the caller's.
 */
export async function verifyAccessToken(
  key: SigningKey,
  token: string,
  nowMs: number,
): Promise<AccessTokenClaims> {
  let claims: Record<string, unknown>;
  try {
    ({ claims } = await verifyAccessJwt(
      token,
      (header) => {
        if (header.kid !== key.kid) throw new AccessTokenRejected(REFUSED['no-key']);
        return key.publicKey;
      },
      nowMs,
      { requireExp: true },
    ));
  } catch (err) {
    if (err instanceof AccessJwtRejected) throw new AccessTokenRejected(REFUSED[err.fault]);
    throw err;
  }
  if (typeof claims.sub !== 'string' || !/^[0-9a-f]{32}$/.test(claims.sub))
    throw new AccessTokenRejected('the token names no valid account');
  const generation = claims['fxa-generation'];
  return {
    uid: claims.sub,
    clientId: typeof claims.client_id === 'string' ? claims.client_id : '',
    scopes: scopesOf(claims.scope),
    generation:
      typeof generation === 'number' && Number.isSafeInteger(generation) && generation > 0
        ? generation
        : null,
    // requireExp made jose check it is a NumericDate.
    exp: claims.exp as number,
  };
}
