import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const OLDSYNC = 'https://identity.mozilla.com/apps/oldsync';

/** A stand-in for FxA's OAuth signing key: mints RS256 access tokens like FxA's (spec 1.5 §3.2). */
export class FakeFxaKeys {
  readonly privateKey: KeyObject;
  readonly kid: string;
  readonly jwk: Record<string, unknown>;

  constructor(kid = `test-${randomBytes(4).toString('hex')}`) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.kid = kid;
    this.jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  }

  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [this.jwk] };
  }

  writeJwksFile(dir: string): string {
    const file = path.join(dir, `jwks-${this.kid}.json`);
    fs.writeFileSync(file, JSON.stringify(this.jwks()));
    return file;
  }

  /** An FxA-style access token; `claims` overrides or (with undefined) removes defaults. */
  accessToken(
    o: { sub: string; generation?: number; scope?: string; expiresIn?: number },
    header: Record<string, unknown> = {},
  ): string {
    const now = Math.floor(Date.now() / 1000);
    const h = { alg: 'RS256', typ: 'at+JWT', kid: this.kid, ...header };
    const claims: Record<string, unknown> = {
      aud: 'https://token.services.mozilla.com',
      client_id: '5882386c6d801776',
      exp: now + (o.expiresIn ?? 3600),
      iat: now,
      iss: 'https://accounts.firefox.com',
      jti: randomBytes(16).toString('hex'),
      scope: o.scope ?? `profile ${OLDSYNC}`,
      sub: o.sub,
      ...(o.generation !== undefined ? { 'fxa-generation': o.generation } : {}),
    };
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const signed = `${enc(h)}.${enc(claims)}`;
    return `${signed}.${sign('RSA-SHA256', Buffer.from(signed), this.privateKey).toString('base64url')}`;
  }
}

/** `X-KeyID: <keys_changed_at>-<b64url(16-byte fingerprint)>` and the hex client state it means. */
export function keyId(
  keysChangedAt: number,
  fingerprint = randomBytes(16),
): { header: string; clientState: string } {
  return {
    header: `${keysChangedAt}-${fingerprint.toString('base64url')}`,
    clientState: fingerprint.toString('hex'),
  };
}

export const newFxaUid = (): string => randomBytes(16).toString('hex');
