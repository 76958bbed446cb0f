import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, type JWK, type JWTVerifyGetKey } from 'jose';

/** One usable RSA verification key from a JWKS. */
export interface VerificationKey {
  kid: string | null;
  key: KeyObject;
  /** Its public members only, as jose's key set takes them. */
  jwk: JWK;
}

/** Accepts `{"keys": [...]}`, a bare array, or one JWK; skips keys that are not RSA or not importable. */
export function parseJwks(document: unknown): VerificationKey[] {
  const list: unknown[] = Array.isArray(document)
    ? document
    : typeof document === 'object' &&
        document !== null &&
        Array.isArray((document as { keys?: unknown }).keys)
      ? (document as { keys: unknown[] }).keys
      : [document];
  const keys: VerificationKey[] = [];
  for (const jwk of list) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    const j = jwk as JsonWebKey & { kid?: unknown; use?: unknown; alg?: unknown };
    if (
      j.kty !== 'RSA' ||
      (j.use !== undefined && j.use !== 'sig') ||
      (j.alg !== undefined && j.alg !== 'RS256')
    )
      continue;
    try {
      // Only the public members: a JWKS file with a private key in it must not make us sign.
      const key = createPublicKey({ key: { kty: 'RSA', n: j.n, e: j.e }, format: 'jwk' });
      const kid = typeof j.kid === 'string' ? j.kid : null;
      keys.push({ kid, key, jwk: { kty: 'RSA', n: j.n, e: j.e, ...(kid !== null ? { kid } : {}) } });
    } catch {
      // An unusable key is skipped; if none is left the caller falls back to remote verification.
    }
  }
  return keys;
}

export class KeySourceUnavailable extends Error {}

const REMOTE_TTL_MS = 60 * 60 * 1000;
const REMOTE_RETRY_MS = 60 * 1000;

/** What jose's key set throws about the token itself (handled by the verifier), not about fetching. */
function aboutTheToken(err: unknown): boolean {
  return (
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JWKSMultipleMatchingKeys ||
    err instanceof errors.JOSENotSupported
  );
}

interface Remote {
  url: string;
  set: ReturnType<typeof createRemoteJWKSet>;
  /** The set, with fetch failures during verification turned into KeySourceUnavailable. */
  guarded: JWTVerifyGetKey;
  failedAt: number | null;
  /** The last good keys, while FxA is unreachable. */
  stale: JWTVerifyGetKey | null;
}

/**
 * Where FxA's public keys come from (spec 1.5 §3.2): a configured JWKS file (re-read when it
 * changes) or `<oauth server>/jwks`, cached for an hour so FxA is not asked per request. After a
 * failed fetch FxA is not asked again for a minute, and the last good keys keep serving.
 */
export class JwksSource {
  private file: { path: string; mtimeMs: number; lookup: JWTVerifyGetKey } | null = null;
  private remote: Remote | null = null;

  constructor(
    private readonly clock: () => number,
    private readonly timeoutMs: number,
  ) {}

  async keys(jwksFile: string | null, oauthServerUrl: string): Promise<JWTVerifyGetKey> {
    if (jwksFile) return this.fromFile(jwksFile);
    return this.fromRemote(`${oauthServerUrl.replace(/\/+$/, '')}/jwks`);
  }

  private fromFile(path: string): JWTVerifyGetKey {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(path);
    } catch (err) {
      throw new KeySourceUnavailable(`cannot read the FxA JWKS file ${path}: ${(err as Error).message}`);
    }
    if (this.file?.path === path && this.file.mtimeMs === stat.mtimeMs) return this.file.lookup;
    let document: unknown;
    try {
      document = JSON.parse(fs.readFileSync(path, 'utf8'));
    } catch (err) {
      throw new KeySourceUnavailable(
        `the FxA JWKS file ${path} is not valid JSON: ${(err as Error).message}`,
      );
    }
    const lookup = createLocalJWKSet({ keys: parseJwks(document).map((k) => k.jwk) });
    this.file = { path, mtimeMs: stat.mtimeMs, lookup };
    return lookup;
  }

  private remoteFor(url: string): Remote {
    if (this.remote?.url === url) return this.remote;
    const set = createRemoteJWKSet(new URL(url), {
      timeoutDuration: this.timeoutMs,
      cacheMaxAge: REMOTE_TTL_MS,
      // A token with a kid the cached set lacks refetches at most this often (key rotation).
      cooldownDuration: REMOTE_RETRY_MS,
      headers: { accept: 'application/json' },
    });
    const guarded: JWTVerifyGetKey = async (header, token) => {
      try {
        return await set(header, token);
      } catch (err) {
        if (aboutTheToken(err)) throw err;
        throw new KeySourceUnavailable(`cannot fetch FxA's JWKS from ${url}: ${(err as Error).message}`);
      }
    };
    this.remote = { url, set, guarded, failedAt: null, stale: null };
    return this.remote;
  }

  private async fromRemote(url: string): Promise<JWTVerifyGetKey> {
    const remote = this.remoteFor(url);
    if (remote.set.fresh) return remote.guarded;
    const now = this.clock();
    // After a failure, do not hammer FxA on every request; serve the stale copy if there is one.
    if (remote.failedAt === null || now - remote.failedAt >= REMOTE_RETRY_MS) {
      try {
        await remote.set.reload();
        remote.failedAt = null;
        remote.stale = null;
        return remote.guarded;
      } catch (err) {
        remote.failedAt = now;
        const last = remote.set.jwks();
        remote.stale = last ? createLocalJWKSet(last) : null;
        if (!remote.stale)
          throw new KeySourceUnavailable(`cannot fetch FxA's JWKS from ${url}: ${(err as Error).message}`);
      }
    }
    if (remote.stale) return remote.stale;
    throw new KeySourceUnavailable(`FxA's JWKS at ${url} was unreachable a moment ago`);
  }
}
