import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Sync15Authenticator } from '../hawk-auth.js';
import type { ServerContext } from '../../context.js';
import type { RequestLogLocals } from '../../http/request-log.js';
import { BatchNotFound, OverQuota, PreconditionFailed } from '../../storage/errors.js';
import { formatTimestamp, onGrid, type Millis } from '../../storage/timestamps.js';
import { deleteCollection, getCollection, postCollection } from './collection.js';
import { preconditionFailed, StorageHttpError, WeaveCode } from './errors.js';
import { checkContentLength, parseConditional } from './headers.js';
import { getInfo } from './info.js';
import { deleteItem, getItem, putItem } from './item.js';
import { ALLOWED_METHODS, matchStorageRoute, type StorageRoute, type StorageRouteKind } from './paths.js';
import { searchParams } from '../../http/url-parts.js';
import type { StorageReply, StorageRequest } from './reply.js';
import { deleteStorage } from './storage.js';
import type { Sync15Principal } from '../principal.js';

interface StorageLocals extends RequestLogLocals {
  storage15Now?: Millis;
  principal15?: Sync15Principal;
}

const locals = (res: Response): StorageLocals => res.locals as StorageLocals;

function pathOf(req: Request): string {
  const url = req.originalUrl;
  const at = url.indexOf('?');
  return at === -1 ? url : url.slice(0, at);
}

/** formatTimestamp remembering its last answer: the value repeats from one request to the next. */
function lastFormatted(): (ms: Millis) => string {
  let last = NaN;
  let text = '';
  return (ms) => {
    if (ms !== last) {
      text = formatTimestamp(ms);
      last = ms;
    }
    return text;
  };
}

/**
 * Requests within one 10 ms tick share X-Weave-Timestamp, and X-Last-Modified of info/* stays
 * the same until the user writes: each keeps its own last formatted value.
 */
const nowText = lastFormatted();
const modifiedText = lastFormatted();

/**
 * Writes a reply with the headers every storage response carries (spec 1.5 §2.5), in this
 * order: X-Weave-Timestamp, X-Last-Modified, the reply's own, Content-Type, Content-Length
 * (tests pin the order). X-Weave-Timestamp is the request's `now`, raised to X-Last-Modified.
 */
function send(res: Response, reply: StorageReply): void {
  const now = locals(res).storage15Now ?? 0;
  const modified = reply.lastModified;
  const stamp = modified !== undefined && modified > now ? modified : now;
  const extra = reply.headers;
  // 304 never has a body (spec 1.5 §2.6); Node drops a HEAD response's body by itself.
  if (reply.body === undefined || reply.status === 304) {
    // Rare (304, 412): Node's own end() adds Content-Length: 0 after Date, as tests pin.
    res.setHeader('X-Weave-Timestamp', nowText(stamp));
    if (modified !== undefined) res.setHeader('X-Last-Modified', modifiedText(modified));
    if (extra !== undefined) for (const name in extra) res.setHeader(name, extra[name] as string);
    res.statusCode = reply.status;
    res.end();
    return;
  }
  // Status and headers in one writeHead with a flat list, like a bare Node server: with no
  // header set before (the bypass of front-door.ts), Node writes the list as it is, without
  // the map setHeader keeps per response. Headers set before (CORS, through Express) are
  // merged by Node ahead of these, as setHeader would have ordered them.
  const headers: string[] = ['X-Weave-Timestamp', nowText(stamp)];
  if (modified !== undefined) headers.push('X-Last-Modified', modifiedText(modified));
  if (extra !== undefined) for (const name in extra) headers.push(name, extra[name] as string);
  const body = reply.body;
  headers.push(
    'Content-Type',
    reply.contentType ?? 'application/json',
    'Content-Length',
    String(Buffer.byteLength(body)),
  );
  res.writeHead(reply.status, headers);
  res.end(body);
}

interface BodyParserError {
  type?: unknown;
  status?: unknown;
  code?: unknown;
}

/**
 * A Content-Encoding body that does not decompress: body-parser passes zlib's own error on
 * (code Z_DATA_ERROR, Z_BUF_ERROR, …; "incorrect header check", "unexpected end of file")
 * with no `type`, so it is recognised by zlib's code.
 */
const isZlibError = (err: BodyParserError): boolean =>
  typeof err.code === 'string' && err.code.startsWith('Z_');

/**
 * Names anything thrown while serving a storage request as a StorageHttpError (spec 1.5
 * §2.12): the engine's precondition, quota and batch errors and body-parser failures have
 * their statuses; an error nobody expected is the database failing, which the client should
 * retry later rather than treat as its own fault.
 */
function asStorageError(context: ServerContext, req: Request, err: unknown): StorageHttpError {
  if (err instanceof StorageHttpError) return err;
  if (err instanceof PreconditionFailed) return preconditionFailed(err.lastModified);
  if (err instanceof OverQuota) return new StorageHttpError(403, WeaveCode.overQuota, 'over quota');
  if (err instanceof BatchNotFound) return new StorageHttpError(400, WeaveCode.unknown, 'no such batch');
  const parser = (typeof err === 'object' && err !== null ? err : {}) as BodyParserError;
  if (parser.type === 'entity.too.large')
    return new StorageHttpError(413, WeaveCode.sizeLimitExceeded, 'request body too large');
  if (parser.type === 'encoding.unsupported' || parser.type === 'charset.unsupported')
    return new StorageHttpError(415, WeaveCode.unknown, 'unsupported body encoding');
  if (typeof parser.type === 'string' && typeof parser.status === 'number' && parser.status < 500) {
    return new StorageHttpError(400, WeaveCode.unknown, 'unreadable request body');
  }
  if (isZlibError(parser))
    return new StorageHttpError(400, WeaveCode.unknown, 'request body does not decompress');
  context.logger.error('error', `Sync 1.5 storage failed: ${req.method} ${pathOf(req)}`, {
    detail: err instanceof Error ? err.message : String(err),
  });
  return new StorageHttpError(503, WeaveCode.unknown, 'storage unavailable', {
    headers: { 'Retry-After': String(context.config.retryAfter) },
  });
}

/** The one place a Sync 1.5 storage error becomes a response. */
function sendError(context: ServerContext, req: Request, res: Response, thrown: unknown): void {
  const err = asStorageError(context, req, thrown);
  const { headers, lastModified, logDetail, contentType } = err.extras;
  if (logDetail !== undefined) locals(res).logDetail = logDetail;
  // A 412 answers with X-Last-Modified and no body (§2.6).
  if (err.status === 412) return send(res, { status: 412, lastModified });
  send(res, { status: err.status, body: String(err.code), contentType, headers });
}

/**
 * No query string: one shared empty list rather than a URLSearchParams per request. Handlers
 * only read req.params (get/has), never change it.
 */
const NO_QUERY: URLSearchParams = new URLSearchParams();

const queryOf = (url: string): URLSearchParams => (url.includes('?') ? searchParams(url) : NO_QUERY);

export type Handler = (req: StorageRequest) => Promise<StorageReply>;

const INFO_HANDLERS = { GET: getInfo };

/**
 * The handler of each route (paths.ts STORAGE_ROUTES) and method; HEAD runs GET's, and Node
 * drops the body. A method the route table allows must be here (a unit test checks).
 */
export const STORAGE_HANDLERS: Record<StorageRouteKind, Readonly<Partial<Record<string, Handler>>>> = {
  'info/collections': INFO_HANDLERS,
  'info/collection_counts': INFO_HANDLERS,
  'info/collection_usage': INFO_HANDLERS,
  'info/configuration': INFO_HANDLERS,
  'info/quota': INFO_HANDLERS,
  storage: { DELETE: deleteStorage },
  collection: { GET: getCollection, POST: postCollection, DELETE: deleteCollection },
  item: { GET: getItem, PUT: putItem, DELETE: deleteItem },
};

/**
 * The Storage API 1.5 under /1.5/{uid} (spec 1.5 §2). Every request goes: read the clock,
 * match the path once (404/405, no auth needed to learn a path is wrong), refuse an oversize
 * body by its Content-Length, read the body raw, authenticate against the match, then run the
 * handler with it. One plain handler runs these steps in order (a nested Express Router cost
 * several µs a request in layers). Whatever fails is thrown as a StorageHttpError and written
 * by `sendError`. Paths outside /1.5/ pass through untouched, so it may be mounted at the root.
 */
export function createStorage15Handler(context: ServerContext, auth: Sync15Authenticator): RequestHandler {
  const readBody = express.raw({ type: () => true, limit: context.config.sync15.maxRequestBytes });

  const run = async (req: Request, res: Response, route: StorageRoute, path: string, clockMs: number) => {
    const state = locals(res);
    try {
      const principal = await auth(req, route, path, clockMs);
      state.principal15 = principal;
      state.user = String(principal.uid);
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const storageReq: StorageRequest = {
        context,
        route,
        userId: principal.userId,
        version: principal.version,
        method,
        headers: req.headers,
        params: queryOf(req.originalUrl),
        body: req.body as unknown,
        conditional: parseConditional(req.headers),
        now: state.storage15Now as Millis,
      };
      send(res, await (STORAGE_HANDLERS[route.kind][method] as Handler)(storageReq));
    } catch (err) {
      sendError(context, req, res, err);
    }
  };

  return (req: Request, res: Response, next: NextFunction) => {
    const path = pathOf(req);
    if (path !== '/1.5' && !path.startsWith('/1.5/')) return next();
    const state = locals(res);
    // The one clock reading of the request: X-Weave-Timestamp, the handler's `now` and
    // Hawk's timestamp window all come from it.
    const clockMs = context.clock();
    state.storage15Now = onGrid(clockMs);
    state.protocol ??= 'sync1.5';
    // Every answer, a refusal too, carries X-Weave-Timestamp (§2.5): `send` writes it from this.
    const route = matchStorageRoute(path);
    if (!route)
      return sendError(context, req, res, new StorageHttpError(404, WeaveCode.unknown, 'no such route'));
    if (route.collection) state.collection = route.collection;
    const allowed = ALLOWED_METHODS[route.kind];
    if (!allowed.includes(req.method)) {
      const refusal = new StorageHttpError(405, WeaveCode.unknown, 'method not allowed', {
        headers: { Allow: allowed.join(', ') },
      });
      return sendError(context, req, res, refusal);
    }
    try {
      checkContentLength(req.headers, context.config.sync15.maxRequestBytes);
    } catch (err) {
      return sendError(context, req, res, err);
    }
    // Most requests (every GET) have no body: skip the parser for them (as body-parser does
    // itself, via type-is hasBody: a Transfer-Encoding or a Content-Length header).
    if (req.headers['transfer-encoding'] === undefined && req.headers['content-length'] === undefined) {
      void run(req, res, route, path, clockMs);
    } else {
      // A body-parser failure (oversize, aborted, bad encoding) is answered like any other.
      readBody(req, res, (err?: unknown) => {
        if (err === undefined || err === null) return void run(req, res, route, path, clockMs);
        if (res.headersSent) return next(err);
        sendError(context, req, res, err);
      });
    }
  };
}
