import { decodeJwt as decodeClaims, decodeProtectedHeader, type JWTVerifyGetKey } from 'jose';
import { impossibleAccessJwt } from '../../jwt/access-jwt-shape.js';
import { scopesOf } from '../../jwt/scopes.js';
import { AccessJwtRejected, verifyAccessJwt } from '../../jwt/verify-access-jwt.js';
import { invalidCredentials, unavailable } from './errors.js';
import { JwksSource, KeySourceUnavailable } from './jwks.js';

/** The scope Firefox's Sync token carries (spec 1.5 §1, §3.2). */
export const OLDSYNC_SCOPE = 'https://identity.mozilla.com/apps/oldsync';

export interface VerifiedToken {
  fxaUid: string;
  /** Milliseconds; null when absent or 0 (spec §3.2). */
  generation: number | null;
  /** 'local': a Foxden account's token, verified in-process (fxa-local spec §6). */
  via: 'jwt' | 'remote' | 'local';
}

export interface OAuthSettings {
  jwksFile: string | null;
  oauthServerUrl: string;
}

const FXA_UID = /^[A-Za-z0-9_-]{1,64}$/;
/** RS's fxa_oauth_request_timeout (spec §3.2). */
const REQUEST_TIMEOUT_MS = 10_000;

interface JwtParts {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/** Null when the token is not a JWT at all (then FxA's /verify decides, spec §3.2 step 2). */
export function decodeJwt(token: string): JwtParts | null {
  try {
    return { header: decodeProtectedHeader(token), claims: decodeClaims(token) };
  } catch {
    return null;
  }
}

const REFUSED: Record<Exclude<AccessJwtRejected['fault'], 'no-key'>, string> = {
  malformed: 'the FxA token is not a well-formed JWT',
  alg: 'the FxA token is not signed with RS256',
  typ: 'the FxA token is not an access token (typ is not at+JWT)',
  signature: 'the FxA token signature does not verify with FxA’s keys',
  expired: 'the FxA token has expired',
  claims: 'the FxA token has an invalid claim',
};

/** FxA serializes scopes space-separated; the native RS verifier splits on commas: accept both. */
/**
 * FxA's scope implication (PyFxA `scope_matches`): a URL scope covers its sub-paths, and a
 * `:write` suffix covers read. The exact element is what Firefox sends.
 */
export function grantsOldsync(scopes: readonly string[]): boolean {
  return scopes.some((raw) => {
    const scope = raw.replace(/:write$/, '');
    return scope === OLDSYNC_SCOPE || (scope.startsWith('https://') && OLDSYNC_SCOPE.startsWith(scope + '/'));
  });
}

function generationOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
}

function identity(
  fxaUid: unknown,
  scopes: string[],
  generation: unknown,
  via: VerifiedToken['via'],
): VerifiedToken {
  if (typeof fxaUid !== 'string' || !FXA_UID.test(fxaUid))
    throw invalidCredentials(`the FxA token names no valid account (${via})`);
  if (!grantsOldsync(scopes))
    throw invalidCredentials(`the FxA token is not for Sync (scope ${OLDSYNC_SCOPE} missing)`);
  return { fxaUid, generation: generationOf(generation), via };
}

/**
 * Verifies a Bearer FxA OAuth token (spec 1.5 §3.2): RS256 JWT against FxA's keys, or FxA's
 * /verify for tokens that are not JWTs or when no key is usable. Expired or wrongly signed JWTs,
 * and tokens written as JWTs that no one could have signed, are refused without asking FxA.
 */
export class OAuthVerifier {
  private readonly jwks: JwksSource;

  constructor(private readonly clock: () => number) {
    this.jwks = new JwksSource(clock, REQUEST_TIMEOUT_MS);
  }

  async verify(token: string, settings: OAuthSettings): Promise<VerifiedToken> {
    // FxA's opaque tokens have no dot; only FxA's /verify knows them (spec §3.2 step 2).
    if (!token.includes('.')) return this.remoteVerify(token, settings.oauthServerUrl);
    const impossible = impossibleAccessJwt(token, this.clock());
    if (impossible) throw invalidCredentials(impossible);
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.jwks.keys(settings.jwksFile, settings.oauthServerUrl);
      return await this.verifyJwt(token, keys);
    } catch (err) {
      if (err instanceof KeySourceUnavailable)
        return this.remoteVerify(token, settings.oauthServerUrl, err.message);
      if (err instanceof AccessJwtRejected && err.fault === 'no-key')
        return this.remoteVerify(token, settings.oauthServerUrl, 'no usable FxA key');
      throw err;
    }
  }

  private async verifyJwt(token: string, keys: JWTVerifyGetKey): Promise<VerifiedToken> {
    let claims: Record<string, unknown>;
    try {
      ({ claims } = await verifyAccessJwt(token, keys, this.clock()));
    } catch (err) {
      if (!(err instanceof AccessJwtRejected) || err.fault === 'no-key') throw err;
      throw invalidCredentials(REFUSED[err.fault]);
    }
    return identity(claims.sub, scopesOf(claims.scope), claims['fxa-generation'], 'jwt');
  }

  private async remoteVerify(
    token: string,
    oauthServerUrl: string,
    why = 'not a JWT',
  ): Promise<VerifiedToken> {
    const url = `${oauthServerUrl.replace(/\/+$/, '')}/verify`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ token }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw unavailable(
        `FxA could not be reached to verify a token (${why}) at ${url}: ${(err as Error).message}`,
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw invalidCredentials(`FxA refused the token (HTTP ${res.status} from ${url})`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw invalidCredentials(`FxA's verify answer from ${url} is not JSON`);
    }
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    return identity(b.user, scopesOf(b.scope), b.generation, 'remote');
  }
}
