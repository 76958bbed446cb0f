import { createHmac } from 'node:crypto';
import type { Request } from 'express';
import type { ServerContext } from '../context.js';
import {
  hawkMac,
  hawkPayloadHash,
  macsEqual,
  missingHawkAttributes,
  parseHawkHeader,
  type HawkRequest,
} from '../http/hawk/signing.js';
import { LiveUidCache } from './live-uid-cache.js';
import { NonceCache } from '../http/hawk/nonce-cache.js';
import { explainMacMismatch } from '../http/hawk/mismatch.js';
import {
  publicOriginCache,
  resourceFor,
  signedOrigin,
  type SignedOrigin,
} from '../http/hawk/signed-origin.js';
import type { Sync15Principal } from './principal.js';
import { StorageHttpError, WeaveCode } from './storage/errors.js';
import type { StorageRoute } from './storage/paths.js';
import { VerifiedTokenCache, type VerifiedToken } from './token-cache.js';
import { InvalidToken, TokenManager } from './tokenlib.js';
import { SYNC15_KIND } from './tokenserver/users.js';

/**
 * Hawk authentication for `/1.5/{uid}/...` (spec 1.5 §4): checks the tokenlib token with the
 * master secret, its expiry, the MAC over the request as the client signed it (public host,
 * port and full path), the timestamp window and nonce reuse, and that the path uid is the
 * token's. Every failure is a StorageHttpError, 401 (400 for another user's path) with body
 * `0` and a plain-words `logDetail` for the owner; the storage router writes it like any other.
 */

export interface HawkAuthOptions {
  /**
   * Accepted clock difference, seconds. An hour: Firefox corrects its clock against Mozilla's
   * servers, not this one, so a personal server's clock may be far off (spec §4.5; hawkauthlib
   * uses 60 s, syncstorage-rs a year). The nonce cache covers the whole window.
   */
  skewSeconds?: number;
  nonceCacheSize?: number;
  /** How many verified tokens (signature checked, key derived) to remember. */
  tokenCacheSize?: number;
}

/** What a Hawk check needs that does not change between requests of one server. */
interface HawkState {
  /** Tokens verified with this server's master secret. */
  tokens: VerifiedTokenCache;
  nonces: NonceCache;
  liveUids: LiveUidCache;
  skewMs: number;
  /** The public URL's origin, parsed once per value (settings may change the URL while running). */
  publicOrigin: (publicUrl: string) => SignedOrigin;
}

const DEFAULT_SKEW_S = 3600;

/** The Hawk refusals' Content-Type, as Express's res.type('application/json') used to write it. */
const AUTH_CONTENT_TYPE = 'application/json; charset=utf-8';

function authFailure(status: 400 | 401, detail: string, wwwAuthenticate = 'Hawk'): StorageHttpError {
  return new StorageHttpError(status, WeaveCode.unknown, detail, {
    logDetail: detail,
    contentType: AUTH_CONTENT_TYPE,
    headers: status === 401 ? { 'WWW-Authenticate': wwwAuthenticate } : undefined,
  });
}

const EMPTY_BODY = Buffer.alloc(0);

/**
 * Checks a storage request's Hawk header against its matched route. `path` is the request
 * path without the query, `clockMs` the request's one clock reading. Resolves to the
 * principal, or rejects with a StorageHttpError.
 */
export type Sync15Authenticator = (
  req: Request,
  route: StorageRoute,
  path: string,
  clockMs: number,
) => Promise<Sync15Principal>;

export function hawkAuthenticator(
  context: ServerContext,
  options: HawkAuthOptions = {},
): Sync15Authenticator {
  const skewMs = (options.skewSeconds ?? DEFAULT_SKEW_S) * 1000;
  // A nonce must be remembered for as long as its ts can still pass the window check.
  const nonces = new NonceCache(2 * skewMs, options.nonceCacheSize);
  // The server resolved its master secret once at start: one cache for its life.
  const state: HawkState = {
    tokens: new VerifiedTokenCache(new TokenManager(context.masterSecret), options.tokenCacheSize),
    nonces,
    liveUids: new LiveUidCache(),
    skewMs,
    publicOrigin: publicOriginCache(),
  };
  return (req, route, path, clockMs) => authenticate(req, context, state, route, path, clockMs);
}

/**
 * Whether the path names the token's user with the same spelling (`/1.5/42/...` for 42; not
 * `042` or `%34%32`, which the route matcher decodes to the same number).
 */
function pathNamesUid(path: string, route: StorageRoute, uid: number): boolean {
  if (route.uid !== uid) return false;
  const text = String(uid);
  const end = 5 + text.length;
  return path.startsWith(text, 5) && (path.length === end || path.charCodeAt(end) === 47) /* / */;
}

/** The path's user segment as written, for the log (only read on a refusal). */
function pathUidText(path: string): string {
  const end = path.indexOf('/', 5);
  return path.slice(5, end === -1 ? undefined : end);
}

async function authenticate(
  req: Request,
  context: ServerContext,
  state: HawkState,
  route: StorageRoute,
  path: string,
  now: number,
): Promise<Sync15Principal> {
  const { nonces, skewMs } = state;
  const parsed = parseHawkHeader(req.headers.authorization);
  if (!parsed.ok) throw authFailure(401, `Hawk: ${parsed.reason}`);
  const a = parsed.attributes;
  const { id, ts, nonce, mac } = a;
  // The list of what is missing is only built for the refusal.
  if (!id || !ts || !nonce || !mac) {
    throw authFailure(401, `Hawk header lacks ${missingHawkAttributes(a).join(', ')}`);
  }

  let verified: VerifiedToken;
  try {
    verified = state.tokens.verify(id);
  } catch (err) {
    if (!(err instanceof InvalidToken)) throw err;
    throw authFailure(
      401,
      `Hawk token rejected: ${err.message} (a token from another server or an old master secret?)`,
    );
  }

  const token = verified.payload;
  const expired = Math.round(token.expires) * 1000 <= now;
  // Firefox checks info/collections with whatever token it has (spec §2.7, RS auth.rs).
  if (expired && route.kind !== 'info/collections') {
    throw authFailure(
      401,
      `Hawk token expired at ${new Date(token.expires * 1000).toISOString()}; Firefox fetches a new one`,
    );
  }

  // The origin the MAC must be computed for (spec §4.4): trusted proxy headers, else the public URL.
  const configured = state.publicOrigin(context.live().publicUrl);
  const origin = signedOrigin(req, configured);
  const signed: HawkRequest = {
    ts,
    nonce,
    method: req.method,
    resource: resourceFor(req, origin.prefix),
    host: origin.host,
    port: origin.port,
    hash: a.hash,
    ext: a.ext,
  };
  if (!macsEqual(hawkMac(verified.macKey, signed), mac)) {
    const explained = explainMacMismatch(req, origin, configured, (target) =>
      macsEqual(hawkMac(verified.macKey, { ...signed, ...target }), mac),
    );
    throw authFailure(401, explained);
  }

  // The MAC covers the hash; checking it against the body is optional in Hawk (spec §4.2). The
  // storage router reads the raw body before this runs; a request it read no body for has none.
  if (a.hash) {
    const contentType = String(req.headers['content-type'] ?? '');
    const body = Buffer.isBuffer(req.body) ? req.body : EMPTY_BODY;
    if (!macsEqual(hawkPayloadHash(contentType, body), a.hash)) {
      throw authFailure(401, 'Hawk payload hash does not match the request body (altered on the way?)');
    }
  }

  if (!/^\d{1,15}$/.test(ts))
    throw authFailure(401, `Hawk ts "${ts.slice(0, 20)}" is not a number of seconds`);
  const tsMs = Number(ts) * 1000;
  if (Math.abs(tsMs - now) > skewMs) {
    const serverTs = String(Math.floor(now / 1000));
    const tsm = createHmac('sha256', verified.macKey).update(`hawk.1.ts\n${serverTs}\n`).digest('base64');
    const minutes = Math.round((tsMs - now) / 60000);
    throw authFailure(
      401,
      `Hawk timestamp is ${Math.abs(minutes)} min ${minutes >= 0 ? 'ahead of' : 'behind'} this server's clock (more than ${skewMs / 1000} s); check the clock of this computer or of the device`,
      `Hawk ts="${serverTs}", tsm="${tsm}", error="Stale timestamp"`,
    );
  }
  // The signature part of the id is unique per token; with the nonce it names one request.
  if (!nonces.add(`${verified.nonceScope}:${nonce}`, now)) {
    throw authFailure(401, 'Hawk nonce was already used (a replayed or duplicated request)');
  }

  if (!pathNamesUid(path, route, token.uid)) {
    throw authFailure(
      400,
      `The URL is for user ${pathUidText(path).slice(0, 20)} but the token is for user ${token.uid}`,
    );
  }

  // SQLite answers the version at once: the common case (a uid seen live at this version) then
  // costs no promise of its own.
  const pending = context.db.userVersion(token.uid);
  const version = pending instanceof Promise ? await pending : pending;
  if (!state.liveUids.has(token.uid, version))
    await checkUidLive(context, state.liveUids, token.uid, version);

  return {
    userId: token.uid,
    uid: token.uid,
    fxaUid: token.fxa_uid ?? '',
    fxaKid: token.fxa_kid ?? null,
    hashedFxaUid: token.hashed_fxa_uid ?? null,
    expires: token.expires,
    version,
  };
}

/**
 * Refuses a uid that is not a Sync 1.5 user or whose tokenserver row was replaced. `version`
 * is the user's version taken before the rows are read, so a write racing with the read
 * outdates the entry.
 */
async function checkUidLive(
  context: ServerContext,
  liveUids: LiveUidCache,
  uid: number,
  version: number | null,
): Promise<void> {
  const [kind, row] = await context.db.transaction(
    'read',
    async (tx) => [await tx.storageUserKind(uid), await tx.tokenserverUserByUid(uid)] as const,
  );
  if (kind !== null && kind !== SYNC15_KIND) {
    throw authFailure(401, `Hawk token uid ${uid} is not a Sync 1.5 user`);
  }
  if (row?.replacedAt != null) {
    throw authFailure(
      401,
      `Hawk token is for uid ${uid}, which was replaced after the account's keys changed; Firefox fetches a new token`,
    );
  }
  // Only a uid with both rows present is remembered; anything else is read again next time.
  if (kind === SYNC15_KIND && row) liveUids.add(uid, version);
}
