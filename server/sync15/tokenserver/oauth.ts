import { verify as verifySignature } from 'node:crypto';
import { invalidCredentials, unavailable } from './errors.js';
import { JwksSource, KeySourceUnavailable, type VerificationKey } from './jwks.js';

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
const B64URL = /^[A-Za-z0-9_-]*$/;
/** RS's fxa_oauth_request_timeout (spec §3.2). */
const REQUEST_TIMEOUT_MS = 10_000;

interface JwtParts {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signed: Buffer;
  signature: Buffer;
}

function decodeJson(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Null when the token is not a JWT at all (then FxA's /verify decides, spec §3.2 step 2). */
export function decodeJwt(token: string): JwtParts | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) return null;
  const header = decodeJson(parts[0]!);
  const claims = decodeJson(parts[1]!);
  if (!header || !claims) return null;
  return {
    header,
    claims,
    signed: Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii'),
    signature: Buffer.from(parts[2]!, 'base64url'),
  };
}

/** FxA serializes scopes space-separated; the native RS verifier splits on commas: accept both. */
function scopesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

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
 * /verify for tokens that are not JWTs or when no key is usable. Expired or wrongly signed JWTs
 * are refused without asking FxA.
 */
export class OAuthVerifier {
  private readonly jwks: JwksSource;

  constructor(private readonly clock: () => number) {
    this.jwks = new JwksSource(clock, REQUEST_TIMEOUT_MS);
  }

  async verify(token: string, settings: OAuthSettings): Promise<VerifiedToken> {
    const jwt = decodeJwt(token);
    if (!jwt) return this.remoteVerify(token, settings.oauthServerUrl);
    let keys: VerificationKey[];
    try {
      keys = await this.jwks.keys(settings.jwksFile, settings.oauthServerUrl);
    } catch (err) {
      if (!(err instanceof KeySourceUnavailable)) throw err;
      return this.remoteVerify(token, settings.oauthServerUrl, err.message);
    }
    if (keys.length === 0) return this.remoteVerify(token, settings.oauthServerUrl, 'no usable FxA key');
    return this.verifyJwt(jwt, keys);
  }

  private verifyJwt(jwt: JwtParts, keys: VerificationKey[]): VerifiedToken {
    const { header, claims } = jwt;
    if (header.alg !== 'RS256')
      throw invalidCredentials(`the FxA token is signed with ${String(header.alg)}, not RS256`);
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : '';
    if ((typ.startsWith('application/') ? typ : `application/${typ}`) !== 'application/at+jwt') {
      throw invalidCredentials('the FxA token is not an access token (typ is not at+JWT)');
    }
    const kid = typeof header.kid === 'string' ? header.kid : null;
    const candidates = kid && keys.some((k) => k.kid === kid) ? keys.filter((k) => k.kid === kid) : keys;
    const valid = candidates.some((k) => verifySignature('RSA-SHA256', jwt.signed, k.key, jwt.signature));
    if (!valid) throw invalidCredentials('the FxA token signature does not verify with FxA’s keys');
    if (claims.exp !== undefined) {
      if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.clock()) {
        throw invalidCredentials('the FxA token has expired');
      }
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
