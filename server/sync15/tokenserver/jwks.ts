import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';

/** One usable RSA verification key from a JWKS. */
export interface VerificationKey {
  kid: string | null;
  key: KeyObject;
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
      keys.push({ kid: typeof j.kid === 'string' ? j.kid : null, key });
    } catch {
      // An unusable key is skipped; if none is left the caller falls back to remote verification.
    }
  }
  return keys;
}

export class KeySourceUnavailable extends Error {}

const REMOTE_TTL_MS = 60 * 60 * 1000;
const REMOTE_RETRY_MS = 60 * 1000;

/**
 * Where FxA's public keys come from (spec 1.5 §3.2): a configured JWKS file (re-read when it
 * changes) or `<oauth server>/jwks`, cached for an hour so FxA is not asked per request.
 */
export class JwksSource {
  private file: { path: string; mtimeMs: number; keys: VerificationKey[] } | null = null;
  private remote: { url: string; fetchedAt: number; keys: VerificationKey[] } | null = null;
  private lastFailure: { url: string; at: number } | null = null;

  constructor(
    private readonly clock: () => number,
    private readonly timeoutMs: number,
  ) {}

  async keys(jwksFile: string | null, oauthServerUrl: string): Promise<VerificationKey[]> {
    if (jwksFile) return this.fromFile(jwksFile);
    return this.fromRemote(`${oauthServerUrl.replace(/\/+$/, '')}/jwks`);
  }

  private fromFile(path: string): VerificationKey[] {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(path);
    } catch (err) {
      throw new KeySourceUnavailable(`cannot read the FxA JWKS file ${path}: ${(err as Error).message}`);
    }
    if (this.file?.path === path && this.file.mtimeMs === stat.mtimeMs) return this.file.keys;
    let document: unknown;
    try {
      document = JSON.parse(fs.readFileSync(path, 'utf8'));
    } catch (err) {
      throw new KeySourceUnavailable(
        `the FxA JWKS file ${path} is not valid JSON: ${(err as Error).message}`,
      );
    }
    const keys = parseJwks(document);
    this.file = { path, mtimeMs: stat.mtimeMs, keys };
    return keys;
  }

  private async fromRemote(url: string): Promise<VerificationKey[]> {
    const now = this.clock();
    if (this.remote?.url === url && now - this.remote.fetchedAt < REMOTE_TTL_MS) return this.remote.keys;
    // After a failure, do not hammer FxA on every request; serve the stale copy if there is one.
    if (this.lastFailure?.url === url && now - this.lastFailure.at < REMOTE_RETRY_MS) {
      if (this.remote?.url === url) return this.remote.keys;
      throw new KeySourceUnavailable(`FxA's JWKS at ${url} was unreachable a moment ago`);
    }
    try {
      const res = await fetch(url, {
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: { accept: 'application/json' },
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const keys = parseJwks(await res.json());
      this.remote = { url, fetchedAt: now, keys };
      this.lastFailure = null;
      return keys;
    } catch (err) {
      this.lastFailure = { url, at: now };
      if (this.remote?.url === url) return this.remote.keys;
      throw new KeySourceUnavailable(`cannot fetch FxA's JWKS from ${url}: ${(err as Error).message}`);
    }
  }
}
