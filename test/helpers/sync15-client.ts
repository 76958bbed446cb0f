import { randomBytes } from 'node:crypto';
import { buildHawkHeader, hawkPayloadHash } from '../../server/http/hawk/signing.js';
import { TokenManager, type TokenFields } from '../../server/sync15/tokenlib.js';
import { insertSync15User } from '../../server/sync15/tokenserver/users.js';
import type { Database } from '../../server/db/types.js';
import type { TestServer } from './server.js';

export interface HawkCredentials {
  id: string;
  key: string;
}

export interface MintOptions {
  uid: number;
  node: string;
  /** Seconds since the epoch; default now + 1 hour. */
  expires?: number;
  fxaUid?: string;
  fxaKid?: string;
  hashedFxaUid?: string;
  salt?: string;
}

/** A tokenlib token as the tokenserver would mint it (spec 1.5 §3.5). */
export function mintToken(secret: string, o: MintOptions): HawkCredentials {
  const fields: TokenFields = {
    uid: o.uid,
    node: o.node,
    expires: o.expires ?? Math.floor(Date.now() / 1000) + 3600,
    fxa_uid: o.fxaUid ?? randomBytes(16).toString('hex'),
    ...(o.fxaKid !== undefined ? { fxa_kid: o.fxaKid } : {}),
    ...(o.hashedFxaUid !== undefined ? { hashed_fxa_uid: o.hashedFxaUid } : {}),
    ...(o.salt !== undefined ? { salt: o.salt } : {}),
  };
  const { id, key } = new TokenManager(secret).makeToken(fields);
  return { id, key };
}

export interface HawkFetchOptions {
  method?: string;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: unknown;
  contentType?: string;
  credentials: HawkCredentials;
  /** What to sign instead of the URL's own host/port (to test mismatches). */
  host?: string;
  port?: number;
  /** Seconds; default now. */
  ts?: number;
  nonce?: string;
  /** Sign a payload hash as well. */
  hash?: boolean;
  ext?: string;
  headers?: Record<string, string>;
}

/** A real fetch with a Hawk Authorization header signed the way Firefox signs it (spec §4.2). */
export async function hawkFetch(url: string | URL, o: HawkFetchOptions): Promise<Response> {
  const target = new URL(url);
  const method = (o.method ?? 'GET').toUpperCase();
  const body: string | Buffer | undefined =
    o.body === undefined
      ? undefined
      : typeof o.body === 'string'
        ? o.body
        : o.body instanceof Uint8Array
          ? Buffer.from(o.body)
          : JSON.stringify(o.body);
  const contentType = o.contentType ?? (body !== undefined ? 'application/json' : undefined);
  const port = o.port ?? (target.port ? Number(target.port) : target.protocol === 'https:' ? 443 : 80);
  const header = buildHawkHeader({
    id: o.credentials.id,
    key: o.credentials.key,
    ts: o.ts ?? Math.floor(Date.now() / 1000),
    nonce: o.nonce ?? randomBytes(8).toString('base64'),
    method,
    resource: target.pathname + target.search,
    host: o.host ?? target.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    ...(o.hash ? { hash: hawkPayloadHash(contentType ?? '', body ?? '') } : {}),
    ...(o.ext !== undefined ? { ext: o.ext } : {}),
  });
  const headers: Record<string, string> = { authorization: header, ...(o.headers ?? {}) };
  if (contentType) headers['content-type'] = contentType;
  return fetch(target, { method, headers, ...(body !== undefined ? { body } : {}) });
}

export interface Sync15TestUser {
  uid: number;
  /** `<base URL>1.5/<uid>` without a trailing slash, as the tokenserver advertises it. */
  endpoint: string;
  credentials: HawkCredentials;
  fxaUid: string;
}

/**
 * A tokenserver row written straight into `db`, as the tokenserver makes one for a new Firefox
 * account (bypassing FxA); answers the uid (also the storage user id).
 */
export async function insertSync15TestUser(
  db: Database,
  o: { fxaUid?: string; clientState?: string; now?: number } = {},
): Promise<{ uid: number; fxaUid: string }> {
  const fxaUid = o.fxaUid ?? randomBytes(16).toString('hex');
  const row = await db.transaction('write', (tx) =>
    insertSync15User(
      tx,
      {
        email: `${fxaUid}@api.accounts.firefox.com`,
        fxaUid,
        generation: 0,
        clientState: o.clientState ?? randomBytes(16).toString('hex'),
        keysChangedAt: null,
      },
      o.now ?? Date.now(),
    ),
  );
  return { uid: row.uid, fxaUid };
}

/** Creates a Sync 1.5 user directly in the database, with a valid token, bypassing FxA. */
export async function createSync15User(
  server: TestServer,
  o: { fxaUid?: string; clientState?: string; expires?: number } = {},
): Promise<Sync15TestUser> {
  const { context } = server.server;
  const secret = context.config.masterSecret;
  if (!secret) throw new Error('the test server has no master secret');
  const { uid, fxaUid } = await insertSync15TestUser(context.db, { ...o, now: context.clock() });
  const node = server.url.replace(/\/$/, '');
  const credentials = mintToken(secret, {
    uid,
    node,
    fxaUid,
    ...(o.expires !== undefined ? { expires: o.expires } : {}),
  });
  return { uid, endpoint: `${server.url}1.5/${uid}`, credentials, fxaUid };
}
