import { createHmac, randomBytes } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import {
  OLDSYNC_SCOPE,
  decryptJwe,
  deriveOldsyncKey,
  deriveTokenCredentials,
  encryptScopedKeys,
  fromHex,
  oldsyncKeyMap,
  openKeysBundle,
  pkceChallenge,
  stretchPassword,
  toB64url,
  toHex,
  unwrapKb,
  type TokenKind,
} from '../../server/fxa/crypto/index.js';
import { hawkPayloadHash, normalizedRequestString } from '../../server/http/hawk/signing.js';

/**
 * A small FxA client for protocol tests: what the sign-in page and Firefox send (fxa-local
 * spec §3.4, §3.5), with Hawk signed from a session or key-fetch token as Firefox does.
 */
export const FIREFOX = '5882386c6d801776';

export interface HawkOptions {
  token: string;
  kind?: TokenKind;
  method?: string;
  body?: unknown;
  /** Seconds; default now. */
  ts?: number;
  nonce?: string;
  /** Tamper: sign with this key instead. */
  keyOverride?: Uint8Array;
  /** Tamper: hash this body but send another. */
  signedBody?: string;
}

export function hawkHeader(url: URL, o: HawkOptions & { bodyText?: string }): string {
  const cred = deriveTokenCredentials(fromHex(o.token), o.kind ?? 'sessionToken');
  const ts = String(o.ts ?? Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? randomBytes(8).toString('base64');
  const hashed = o.signedBody ?? o.bodyText;
  const hash = hashed !== undefined ? hawkPayloadHash('application/json', hashed) : undefined;
  const req = {
    ts,
    nonce,
    method: o.method ?? 'GET',
    resource: url.pathname + url.search,
    host: url.hostname,
    port: Number(url.port || 80),
    hash,
  };
  const mac = createHmac('sha256', o.keyOverride ?? cred.key)
    .update(normalizedRequestString(req))
    .digest('base64');
  return `Hawk id="${cred.id}", ts="${ts}", nonce="${nonce}", ${hash ? `hash="${hash}", ` : ''}mac="${mac}"`;
}

export async function hawk(
  base: string,
  path: string,
  o: HawkOptions,
): Promise<{ status: number; body: Record<string, unknown> & unknown[] }> {
  const url = new URL(path.replace(/^\//, ''), base);
  const method = o.method ?? (o.body !== undefined ? 'POST' : 'GET');
  const bodyText = o.body !== undefined ? JSON.stringify(o.body) : undefined;
  const headers: Record<string, string> = {
    authorization: hawkHeader(url, { ...o, method, ...(bodyText !== undefined ? { bodyText } : {}) }),
  };
  if (bodyText !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, ...(bodyText !== undefined ? { body: bodyText } : {}) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & unknown[] };
}

export async function post(
  base: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL(path.replace(/^\//, ''), base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface SignedIn {
  uid: string;
  sessionToken: string;
  keyFetchToken: string;
  unwrapBKey: Uint8Array;
}

/** `/account/create?keys=true` or `/account/login?keys=true` with the client-side stretch. */
export async function signIn(
  auth: string,
  action: 'create' | 'login',
  email: string,
  password: string,
): Promise<SignedIn> {
  const s = stretchPassword(email, password);
  const res = await post(auth, `account/${action}?keys=true`, { email, authPW: toHex(s.authPW) });
  if (res.status !== 200) throw new Error(`${action} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    uid: res.body.uid as string,
    sessionToken: res.body.sessionToken as string,
    keyFetchToken: res.body.keyFetchToken as string,
    unwrapBKey: s.unwrapBKey,
  };
}

/** `/account/keys` then kB = wrapKb ⊕ unwrapBKey (spec §5.5). */
export async function fetchKb(auth: string, s: SignedIn): Promise<Uint8Array> {
  const res = await hawk(auth, 'account/keys', { token: s.keyFetchToken, kind: 'keyFetchToken' });
  if (res.status !== 200) throw new Error(`keys failed: ${res.status} ${JSON.stringify(res.body)}`);
  const bundleKey = deriveTokenCredentials(fromHex(s.keyFetchToken), 'keyFetchToken').extra;
  return unwrapKb(openKeysBundle(bundleKey, res.body.bundle as string).wrapKb, s.unwrapBKey);
}

/** Firefox's side of the flow: an ephemeral P-256 key as `keys_jwk`, and a PKCE verifier. */
export function firefoxFlow(): {
  keysJwk: string;
  secretKey: Uint8Array;
  verifier: string;
  challenge: string;
  state: string;
} {
  const secretKey = p256.utils.randomSecretKey();
  const pub = p256.getPublicKey(secretKey, false);
  const jwk = {
    crv: 'P-256',
    ext: true,
    key_ops: [],
    kty: 'EC',
    x: toB64url(pub.slice(1, 33)),
    y: toB64url(pub.slice(33)),
  };
  const verifier = toB64url(randomBytes(32));
  return {
    keysJwk: toB64url(new TextEncoder().encode(JSON.stringify(jwk))),
    secretKey,
    verifier,
    challenge: pkceChallenge(verifier),
    state: toB64url(randomBytes(16)),
  };
}

export interface Authorized {
  code: string;
  flow: ReturnType<typeof firefoxFlow>;
  kid: string;
  keysChangedAt: number;
}

/** The page's steps 6–8 (spec §3.4): scoped-key-data, JWE to keys_jwk, /oauth/authorization. */
export async function authorize(
  auth: string,
  s: SignedIn,
  kB: Uint8Array,
  overrides: Record<string, unknown> = {},
): Promise<Authorized> {
  const flow = firefoxFlow();
  const data = await hawk(auth, 'account/scoped-key-data', {
    token: s.sessionToken,
    body: { client_id: FIREFOX, scope: `${OLDSYNC_SCOPE} profile` },
  });
  if (data.status !== 200) throw new Error(`scoped-key-data failed: ${data.status}`);
  const keysChangedAt = (data.body[OLDSYNC_SCOPE as never] as unknown as { keyRotationTimestamp: number })
    .keyRotationTimestamp;
  const res = await hawk(auth, 'oauth/authorization', {
    token: s.sessionToken,
    body: {
      client_id: FIREFOX,
      state: flow.state,
      scope: `${OLDSYNC_SCOPE} profile`,
      access_type: 'offline',
      response_type: 'code',
      code_challenge: flow.challenge,
      code_challenge_method: 'S256',
      keys_jwe: encryptScopedKeys(flow.keysJwk, oldsyncKeyMap(kB, keysChangedAt)),
      ...overrides,
    },
  });
  if (res.status !== 200) throw new Error(`authorization failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { code: res.body.code as string, flow, kid: deriveOldsyncKey(kB, keysChangedAt).kid, keysChangedAt };
}

export function decryptKeysJwe(
  secretKey: Uint8Array,
  jwe: string,
): Record<string, { kid: string; k: string; kty: string; scope: string }> {
  return JSON.parse(new TextDecoder().decode(decryptJwe(secretKey, jwe))) as Record<
    string,
    { kid: string; k: string; kty: string; scope: string }
  >;
}

/** Firefox's `fxa-credentials` grant for Sync (spec §3.5). */
export async function syncAccessToken(
  auth: string,
  sessionToken: string,
  scope = OLDSYNC_SCOPE,
): Promise<string> {
  const res = await hawk(auth, 'oauth/token', {
    token: sessionToken,
    body: { client_id: FIREFOX, grant_type: 'fxa-credentials', scope, ttl: 21600 },
  });
  if (res.status !== 200) throw new Error(`token failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}
