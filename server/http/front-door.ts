import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';

/** The per-request steps every request goes through before any adapter, in this order. */
export interface FrontDoorSteps {
  /** Starts the request's log line (request-log.ts). */
  startLog: (req: Request, res: Response) => void;
  /** The forwarded-origin advice (forwarded-origin-watch.ts); never fails a request. */
  watchForwardedOrigin: (req: Request) => void;
  /** CORS (cors.ts), or null when it is off: true when it answered the request (a preflight). */
  cors: ((req: Request, res: Response) => boolean) | null;
  /**
   * The Sync 1.1 handler (sync11/index.ts), given every path Sync 1.5 cannot own (neither
   * under /1.5 nor under /1.0/, where the tokenserver's /1.0/sync/<version> lives): it answers
   * its own and passes anything else on with next().
   */
  sync11: (req: Request, res: Response, next: NextFunction) => void;
}

/**
 * One Express layer for what used to be four (request log, forwarded-origin watch, CORS, and
 * for Sync 1.1's /1.1/, /1/, /user/ and /misc/ paths the Sync 1.5 layer it walked through
 * before reaching its own): each layer costs the router a match, a params pass and a
 * closure per request, on the path of every sync request. The steps and their order are
 * those of the separate layers; Sync 1.1's /1.0/<user>/ paths still go after Sync 1.5.
 */
export function frontDoor(steps: FrontDoorSteps): RequestHandler {
  const { startLog, watchForwardedOrigin, cors, sync11 } = steps;
  return (req: Request, res: Response, next: NextFunction) => {
    startLog(req, res);
    watchForwardedOrigin(req);
    if (cors !== null && cors(req, res)) return;
    const path = req.path;
    if (path.startsWith('/1.5') || path.startsWith('/1.0/')) return next();
    sync11(req, res, next);
  };
}

/** Sync 1.1's /1.0/<user>/ paths, after the Sync 1.5 layer (whose tokenserver shares /1.0/). */
export function afterSync15(sync11: FrontDoorSteps['sync11']): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/1.0/')) return sync11(req, res, next);
    next();
  };
}

/** What Express would have given a request that `syncBeforeExpress` answers itself. */
type Decorated = IncomingMessage & {
  app: Express;
  originalUrl: string;
  path: string;
  protocol: string;
  res: ServerResponse;
};

/** First path segments that only Sync 1.1 owns (its /1.0/<user>/ paths go after Sync 1.5). */
const SYNC11_ONLY = ['/1.1/', '/1/', '/user/', '/misc/'];

/**
 * Headers whose meaning Express works out (`trust proxy`: req.ip, req.protocol) or that
 * CORS answers with Express's helpers: a request carrying one goes through Express.
 */
const NEEDS_EXPRESS = [
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'forwarded',
  'origin',
];

/**
 * A raw URL whose path Express's parseurl would rework (url.parse on `#` or whitespace): such a
 * request goes through Express, so the adapters see the path Express would give them.
 */
const REPARSED_URL = /[#\s]/;

/**
 * The `http.Server` request listener: sync requests (Sync 1.1, and Sync 1.5 storage when
 * given) go straight to the front door and the adapter, everything else to the Express app.
 * Express's per-request layer (app.handle swaps the prototypes of req and res, then the
 * router) cost about 100 us of CPU per request on the bench machine, twice all of Foxden's own
 * work on a GET (bench/README.md). A bypassed request gets what the adapters read from
 * Express (app, originalUrl, path, protocol, res.locals), not Express's helpers (res.send,
 * req.ip, req.get, …), which nothing on these paths calls. One from behind a proxy or from a
 * browser (Origin), whose address, scheme or CORS answer Express's helpers work out, goes
 * through Express.
 *
 * What Express 5's router does for a layer, this does for the front door and Sync 1.5
 * storage: a throw, a rejected promise a handler returns, or next(err) is given to `onError`
 * and answered as app.ts's error layer answers it (500 "application error"); next() is
 * Express's final 404. So a failing adapter can neither crash the process nor leave the
 * request without the answer Express would have given.
 */
export function syncBeforeExpress(
  app: Express,
  front: RequestHandler,
  sync15Storage: RequestHandler | null,
  onError: (err: unknown, req: IncomingMessage, path: string) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '';
    const sync15 =
      sync15Storage !== null && (url === '/1.5' || url.startsWith('/1.5/') || url.startsWith('/1.5?'));
    if (
      !(sync15 || SYNC11_ONLY.some((prefix) => url.startsWith(prefix))) ||
      needsExpress(req) ||
      REPARSED_URL.test(url)
    ) {
      app(req, res);
      return;
    }
    const r = req as Decorated;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    r.app = app;
    r.originalUrl = url;
    r.path = path;
    r.protocol = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
    r.res = res;
    (res as ServerResponse & { req: IncomingMessage; locals: Record<string, unknown> }).locals =
      Object.create(null) as Record<string, unknown>;
    const fail = (err: unknown): void => {
      onError(err, req, path);
      answerError(res);
    };
    // Express's next(): an error goes to the error layer, anything else on to the final 404.
    const onward = (after: () => void) => (err?: unknown) => {
      if (err !== undefined && err !== null && err !== 'route' && err !== 'router') fail(err);
      else after();
    };
    const notFound = onward(() => answerNotFound(res));
    const next =
      sync15 && sync15Storage !== null
        ? onward(() => guarded(sync15Storage, r, res, notFound, fail))
        : notFound;
    guarded(front, r, res, next, fail);
  };
}

/** Calls a handler as Express 5's router does: a throw or a rejected promise is an error. */
function guarded(
  handler: RequestHandler,
  req: Decorated,
  res: ServerResponse,
  next: (err?: unknown) => void,
  fail: (err: unknown) => void,
): void {
  try {
    const result: unknown = handler(asExpress(req), asExpress(res), next);
    if (result instanceof Promise) result.then(undefined, fail);
  } catch (err) {
    fail(err);
  }
}

function needsExpress(req: IncomingMessage): boolean {
  for (const name of NEEDS_EXPRESS) if (req.headers[name] !== undefined) return true;
  return false;
}

/** app.ts's error layer: a response already under way is left as it is. */
function answerError(res: ServerResponse): void {
  if (res.headersSent) return;
  res.statusCode = 500;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', '19');
  res.end('"application error"');
}

/** Express's final 404 (app.ts), the same bytes; after a handler began its answer, none. */
function answerNotFound(res: ServerResponse): void {
  if (res.headersSent) return;
  res.statusCode = 404;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', '9');
  res.end('Not Found');
}

// The adapters are typed against Express's Request and Response; a bypassed request carries
// every member they read (Decorated above), not Express's helpers, which they do not call.
function asExpress<T>(value: IncomingMessage | ServerResponse): T {
  return value as unknown as T;
}
