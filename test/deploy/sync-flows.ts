import { randomBytes } from 'node:crypto';
import {
  OLDSYNC_SCOPE,
  deriveOldsyncKey,
  deriveTokenCredentials,
  fromHex,
  openKeysBundle,
  stretchPassword,
  toHex,
  unwrapKb,
  type TokenKind,
} from '../../server/fxa/crypto/index.js';
import { buildHawkHeader, hawkPayloadHash } from '../../server/http/hawk/signing.js';
import { FIREFOX, hawkHeader } from '../protocol/fxa-client.js';
import { request, splitUrl, type Answer } from './tls-client.js';

/**
 * What Firefox does through a reverse proxy, over HTTPS to the proxy only: a local-account
 * sign-in (fxa-local spec §3.4), the Sync access token, the tokenserver and Hawk-signed Sync 1.5
 * storage requests signed for the public URL (host `localhost`, the proxy's port, its prefix).
 */
export interface Through {
  /** The public URL, ending in "/" (`https://localhost:PORT/` or `…/sync/`). */
  publicUrl: string;
  /** The throwaway certificate the proxy presents (PEM). */
  ca: string;
}

export interface SignedIn {
  uid: string;
  sessionToken: string;
  kB: Uint8Array;
}

function check(res: Answer, what: string, status = 200): Answer {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${res.text().slice(0, 500)}`);
  return res;
}

async function postJson(t: Through, path: string, body: unknown): Promise<Answer> {
  return request(t.publicUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ca: t.ca,
  });
}

/** A local-account request Hawk-signed with a session or key-fetch token, as Firefox signs it. */
export async function fxaHawk(
  t: Through,
  path: string,
  token: string,
  o: { kind?: TokenKind; body?: unknown } = {},
): Promise<Answer> {
  const url = t.publicUrl + path;
  const method = o.body === undefined ? 'GET' : 'POST';
  const bodyText = o.body === undefined ? undefined : JSON.stringify(o.body);
  const authorization = hawkHeader(new URL(url), {
    token,
    method,
    ...(o.kind ? { kind: o.kind } : {}),
    ...(bodyText !== undefined ? { bodyText } : {}),
  });
  return request(url, {
    method,
    headers: { authorization, ...(bodyText !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(bodyText !== undefined ? { body: bodyText } : {}),
    ca: t.ca,
  });
}

/** Creates a local account (sign-ups open), then signs in again as a second Firefox would. */
export async function localAccountSignIn(t: Through): Promise<SignedIn> {
  const email = `proxy-${randomBytes(4).toString('hex')}@example.org`;
  const password = 'correct horse battery';
  const stretched = stretchPassword(email, password);
  const authPW = toHex(stretched.authPW);
  check(await postJson(t, 'auth/v1/account/create?keys=true', { email, authPW }), 'account/create');
  const login = check(
    await postJson(t, 'auth/v1/account/login?keys=true', { email, authPW }),
    'account/login',
  );
  const { uid, sessionToken, keyFetchToken } = login.json<{
    uid: string;
    sessionToken: string;
    keyFetchToken: string;
  }>();

  const keys = check(
    await fxaHawk(t, 'auth/v1/account/keys', keyFetchToken, { kind: 'keyFetchToken' }),
    'account/keys',
  );
  const bundleKey = deriveTokenCredentials(fromHex(keyFetchToken), 'keyFetchToken').extra;
  const kB = unwrapKb(
    openKeysBundle(bundleKey, keys.json<{ bundle: string }>().bundle).wrapKb,
    stretched.unwrapBKey,
  );

  const status = check(await fxaHawk(t, 'auth/v1/session/status', sessionToken), 'session/status');
  if (status.json<{ uid?: string }>().uid !== uid) throw new Error(`session/status names another account`);
  return { uid, sessionToken, kB };
}

export interface Sync15Node {
  /** `<public URL>1.5/<uid>`, as the tokenserver advertises it. */
  endpoint: string;
  id: string;
  key: string;
}

/** Firefox's Sync start: scoped-key-data, an fxa-credentials access token, the tokenserver. */
export async function sync15Token(t: Through, s: SignedIn): Promise<Sync15Node> {
  const data = check(
    await fxaHawk(t, 'auth/v1/account/scoped-key-data', s.sessionToken, {
      body: { client_id: FIREFOX, scope: OLDSYNC_SCOPE },
    }),
    'scoped-key-data',
  );
  const keysChangedAt =
    data.json<Record<string, { keyRotationTimestamp: number }>>()[OLDSYNC_SCOPE]!.keyRotationTimestamp;
  const token = check(
    await fxaHawk(t, 'auth/v1/oauth/token', s.sessionToken, {
      body: { client_id: FIREFOX, grant_type: 'fxa-credentials', scope: OLDSYNC_SCOPE, ttl: 3600 },
    }),
    'oauth/token',
  );
  const res = check(
    await request(`${t.publicUrl}1.0/sync/1.5`, {
      headers: {
        authorization: `Bearer ${token.json<{ access_token: string }>().access_token}`,
        'x-keyid': deriveOldsyncKey(s.kB, keysChangedAt).kid,
        accept: 'application/json',
      },
      ca: t.ca,
    }),
    'tokenserver',
  );
  const body = res.json<{ id: string; key: string; api_endpoint: string }>();
  return { endpoint: body.api_endpoint, id: body.id, key: body.key };
}

/** The Hawk header Firefox sends for a Sync 1.5 storage request to `url` (spec 1.5 §4.2). */
export function storageHawk(node: Sync15Node, method: string, url: string, body?: string): string {
  const u = splitUrl(url);
  return buildHawkHeader({
    id: node.id,
    key: node.key,
    ts: Math.floor(Date.now() / 1000),
    nonce: randomBytes(8).toString('base64'),
    method,
    resource: u.target,
    host: 'localhost',
    port: u.port,
    ...(body !== undefined ? { hash: hawkPayloadHash('application/json', body) } : {}),
  });
}

/** A Hawk-signed storage request; `path` is appended to the endpoint exactly as written. */
export async function storage(
  t: Through,
  node: Sync15Node,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const url = `${node.endpoint}/${path}`;
  const text = body === undefined ? undefined : JSON.stringify(body);
  return request(url, {
    method,
    headers: {
      authorization: storageHawk(node, method, url, text),
      accept: 'application/json',
      ...(text !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(text !== undefined ? { body: text } : {}),
    ca: t.ca,
  });
}
