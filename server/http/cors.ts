import type { Request, Response } from 'express';

/**
 * CORS for Sync 1.5 (storage and tokenserver) and the heartbeats, answered as syncstorage-rs
 * answers it (actix-cors built by `build_cors` with the defaults of syncserver-settings): any
 * origin by default, echoed back, a preflight answered before routing, 20 days of max-age.
 *
 * Not Sync 1.1 (server-full had no CORS and its clients are browsers' own code, not web pages)
 * and not the local-account API: Foxden's sign-in page is served from Foxden itself, and the
 * household has no reason to let another site's page drive password checks against it from a
 * visitor's browser (the preflight is what keeps a page's JSON POSTs from being sent at all).
 * A Sync 1.5 request is useless to a page without a token it cannot get, so `*` costs nothing.
 */

/** `*` (any origin, echoed back) or the origins allowed, as browsers send them. */
export type CorsOrigins = '*' | readonly string[];

/** syncstorage-rs's `cors_allowed_methods`; HEAD and GET are never preflighted anyway. */
const CORS_ALLOWED_METHODS = ['DELETE', 'GET', 'POST', 'PUT'] as const;

/**
 * syncstorage-rs's `cors_allowed_headers` (without its `TEST_IDLES` test hook and the
 * `X-Verify-Code` Foxden never reads), plus the request headers a Sync 1.5 client sends that
 * its list forgets: the conditional headers of spec 1.5 §2.6, the tokenserver's `X-KeyID` and
 * `X-Client-State`, and `Content-Encoding` for compressed bodies.
 */
const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Content-Encoding',
  'User-Agent',
  'X-If-Modified-Since',
  'X-If-Unmodified-Since',
  'X-KeyID',
  'X-Client-State',
  'X-Last-Modified',
  'X-Weave-Timestamp',
  'X-Weave-Next-Offset',
  'X-Weave-Records',
  'X-Weave-Bytes',
  'X-Weave-Total-Records',
  'X-Weave-Total-Bytes',
] as const;

/**
 * The response headers a page's script may read. actix-cors exposes none by default, which
 * leaves a page unable to read the timestamps and paging tokens the protocol runs on.
 */
const CORS_EXPOSED_HEADERS = [
  'X-Weave-Timestamp',
  'X-Last-Modified',
  'X-Weave-Records',
  'X-Weave-Next-Offset',
  'X-Weave-Quota-Remaining',
  'X-Weave-Alert',
  'X-Weave-Backoff',
  'X-Backoff',
  'X-Timestamp',
  'Retry-After',
  'WWW-Authenticate',
] as const;

/** syncstorage-rs's `cors_max_age`: 20 days. */
export const CORS_MAX_AGE_SECONDS = 1_728_000;

/** actix-cors's own preflight refusals (status 400, these words). */
const ORIGIN_NOT_ALLOWED = 'Origin is not allowed to make this request';
const METHOD_NOT_ALLOWED = 'Requested method is not allowed';
const HEADERS_NOT_ALLOWED = 'Requested headers are not allowed';

const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

/**
 * `/1.0/sync/1.5`: the tokenserver. Not any `/1.0/sync/{x}`: `/1.0/sync/storage` is Sync 1.1's
 * storage of a user named `sync`, which gets no CORS.
 */
const TOKENSERVER_PATH = /^\/1\.0\/sync\/1\.5\/?$/;

/** Where CORS applies: Sync 1.5 storage, the tokenserver, and the heartbeats. */
function isCorsPath(path: string): boolean {
  return (
    path === '/1.5' ||
    path.startsWith('/1.5/') ||
    TOKENSERVER_PATH.test(path) ||
    path === '/__heartbeat__' ||
    path === '/__lbheartbeat__'
  );
}

/**
 * The check for `origins`, or null when CORS is off: true when it answered the request (a
 * preflight), false when the request goes on (with the CORS headers set on its response). A
 * request without `Origin` (every Firefox and Pale Moon request) costs one header lookup.
 */
export function corsCheck(origins: CorsOrigins | null): ((req: Request, res: Response) => boolean) | null {
  if (origins === null) return null;
  const allowed = origins === '*' ? null : new Set(origins);
  const methods = new Set<string>(CORS_ALLOWED_METHODS);
  const headers = new Set(CORS_ALLOWED_HEADERS.map((h) => h.toLowerCase()));
  const allowMethods = CORS_ALLOWED_METHODS.join(', ');
  const allowHeaders = CORS_ALLOWED_HEADERS.join(', ');
  const exposeHeaders = CORS_EXPOSED_HEADERS.join(', ');
  const maxAge = String(CORS_MAX_AGE_SECONDS);

  const refuse = (res: Response, message: string): true => {
    res.status(400).setHeader('Vary', PREFLIGHT_VARY);
    res.type('text/plain').send(message);
    return true;
  };

  return (req: Request, res: Response): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined || !isCorsPath(req.path)) return false;
    const originAllowed = allowed === null || allowed.has(origin);
    const requestedMethod = req.headers['access-control-request-method'];

    if (req.method === 'OPTIONS' && typeof requestedMethod === 'string' && requestedMethod !== '') {
      if (!originAllowed) return refuse(res, ORIGIN_NOT_ALLOWED);
      if (!methods.has(requestedMethod)) return refuse(res, METHOD_NOT_ALLOWED);
      const requestedHeaders = req.headers['access-control-request-headers'];
      if (requestedHeaders !== undefined) {
        const names = requestedHeaders.split(',').map((h) => h.trim().toLowerCase());
        if (names.some((name) => !headers.has(name))) return refuse(res, HEADERS_NOT_ALLOWED);
      }
      res.status(200);
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', allowMethods);
      res.setHeader('Access-Control-Allow-Headers', allowHeaders);
      res.setHeader('Access-Control-Max-Age', maxAge);
      res.setHeader('Vary', PREFLIGHT_VARY);
      res.setHeader('Content-Length', '0');
      res.end();
      return true;
    }

    // An actual request: a page from another origin may read the answer only when allowed.
    // The answer differs by Origin either way, so caches must key on it.
    res.setHeader('Vary', 'Origin');
    if (originAllowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', exposeHeaders);
    }
    return false;
  };
}
