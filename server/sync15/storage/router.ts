import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { ServerContext } from '../../context.js';
import type { RequestLogLocals } from '../../http/request-log.js';
import { BatchNotFound, OverQuota, PreconditionFailed } from '../../storage/errors.js';
import { formatTimestamp, nowMillis, type Millis } from '../../storage/timestamps.js';
import { deleteCollection, getCollection, postCollection } from './collection.js';
import { StorageHttpError, WeaveCode } from './errors.js';
import { checkContentLength, parseConditional } from './headers.js';
import { getInfo } from './info.js';
import { deleteItem, getItem, putItem } from './item.js';
import { ALLOWED_METHODS, matchStorageRoute, type StorageRoute } from './paths.js';
import { searchParams } from './query.js';
import type { StorageReply, StorageRequest } from './reply.js';
import { deleteStorage } from './storage.js';
import type { Sync15Principal } from '../principal.js';

interface StorageLocals extends RequestLogLocals {
  storage15Route?: StorageRoute;
  storage15Now?: Millis;
  principal15?: Sync15Principal;
}

const locals = (res: Response): StorageLocals => res.locals as StorageLocals;

function pathOf(req: Request): string {
  const url = req.originalUrl;
  const at = url.indexOf('?');
  return at === -1 ? url : url.slice(0, at);
}

function codeReply(status: number, code: number, headers?: Record<string, string>): StorageReply {
  return { status, body: String(code), contentType: 'application/json', headers };
}

/** Writes a reply with the headers every storage response carries (spec 1.5 §2.5). */
function send(res: Response, reply: StorageReply): void {
  const now = locals(res).storage15Now ?? 0;
  res.setHeader('X-Weave-Timestamp', formatTimestamp(Math.max(now, reply.lastModified ?? 0)));
  if (reply.lastModified !== undefined) res.setHeader('X-Last-Modified', formatTimestamp(reply.lastModified));
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.statusCode = reply.status;
  // 304 never has a body (spec 1.5 §2.6); Node drops a HEAD response's body by itself.
  if (reply.body === undefined || reply.status === 304) {
    res.end();
    return;
  }
  // Written directly, like Sync 1.1's respond.ts: Express's res.send re-derives the headers and
  // checks freshness on every call, a fifth of this path's time. No ETag/Last-Modified is ever
  // set here, so res.send would never have answered 304 by itself either.
  res.setHeader('Content-Type', reply.contentType ?? 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(reply.body));
  res.end(reply.body);
}

interface BodyParserError {
  type?: unknown;
  status?: unknown;
}

/**
 * Maps anything thrown while serving a storage request to the wire (spec 1.5 §2.12). Bad
 * input has its own StorageHttpError; an error nobody expected is the database failing,
 * which the client should retry later rather than treat as its own fault.
 */
function errorReply(context: ServerContext, req: Request, err: unknown): StorageReply {
  if (err instanceof StorageHttpError) return codeReply(err.status, err.code);
  if (err instanceof PreconditionFailed) return { status: 412, lastModified: err.lastModified };
  if (err instanceof OverQuota) return codeReply(403, WeaveCode.overQuota);
  if (err instanceof BatchNotFound) return codeReply(400, WeaveCode.unknown);
  const parser = (typeof err === 'object' && err !== null ? err : {}) as BodyParserError;
  if (parser.type === 'entity.too.large') return codeReply(413, WeaveCode.sizeLimitExceeded);
  if (parser.type === 'encoding.unsupported' || parser.type === 'charset.unsupported')
    return codeReply(415, 0);
  if (typeof parser.type === 'string' && typeof parser.status === 'number' && parser.status < 500) {
    return codeReply(400, 0);
  }
  context.logger.error('error', `Sync 1.5 storage failed: ${req.method} ${pathOf(req)}`, {
    detail: err instanceof Error ? err.message : String(err),
  });
  return codeReply(503, 0, { 'Retry-After': String(context.config.retryAfter) });
}

type Handler = (req: StorageRequest) => Promise<StorageReply>;

function handlerFor(route: StorageRoute, method: string): Handler {
  switch (route.kind) {
    case 'storage':
      return deleteStorage;
    case 'collection':
      return method === 'GET' ? getCollection : method === 'POST' ? postCollection : deleteCollection;
    case 'item':
      return method === 'GET' ? getItem : method === 'PUT' ? putItem : deleteItem;
    default:
      return getInfo;
  }
}

/**
 * The Storage API 1.5 under /1.5/{uid} (spec 1.5 §2). Every request goes: match the path
 * (404/405, no auth needed to learn a path is wrong), refuse an oversize body by its
 * Content-Length, read the body raw, authenticate, then run the handler. One plain handler
 * runs these steps in order (a nested Express Router cost several µs a request in layers).
 * Paths outside /1.5/ pass through untouched, so it may be mounted at the app's root.
 */
export function createStorage15Handler(context: ServerContext, auth: RequestHandler): RequestHandler {
  const readBody = express.raw({ type: () => true, limit: context.config.sync15.maxRequestBytes });

  const run = async (req: Request, res: Response): Promise<void> => {
    const state = locals(res);
    const route = state.storage15Route as StorageRoute;
    const principal = state.principal15;
    if (!principal) return send(res, codeReply(401, 0));
    // The token names one storage user; the path must name the same one (RS: 400).
    if (principal.userId !== route.uid) return send(res, codeReply(400, 0));
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    try {
      const storageReq: StorageRequest = {
        context,
        route,
        userId: principal.userId,
        method,
        headers: req.headers,
        params: searchParams(req.originalUrl),
        body: req.body as unknown,
        conditional: parseConditional(req.headers),
        now: state.storage15Now ?? nowMillis(context.clock),
      };
      send(res, await handlerFor(route, method)(storageReq));
    } catch (err) {
      send(res, errorReply(context, req, err));
    }
  };

  return (req: Request, res: Response, next: NextFunction) => {
    const path = pathOf(req);
    if (path !== '/1.5' && !path.startsWith('/1.5/')) return next();
    const state = locals(res);
    state.storage15Now = nowMillis(context.clock);
    state.protocol ??= 'sync1.5';
    // Set now so that even a 401 from the auth middleware carries it (§2.5).
    res.setHeader('X-Weave-Timestamp', formatTimestamp(state.storage15Now));
    const route = matchStorageRoute(path);
    if (!route) return send(res, codeReply(404, 0));
    if (route.collection) state.collection = route.collection;
    const allowed = ALLOWED_METHODS[route.kind];
    if (!allowed.includes(req.method)) return send(res, codeReply(405, 0, { Allow: allowed.join(', ') }));
    try {
      checkContentLength(req.headers, context.config.sync15.maxRequestBytes);
    } catch (err) {
      return send(res, errorReply(context, req, err));
    }
    state.storage15Route = route;

    // A body-parser or auth failure (oversize, aborted, a thrown error) is answered here.
    const orFail =
      (then: () => void) =>
      (err?: unknown): void => {
        if (err === undefined || err === null) return then();
        if (res.headersSent) return next(err);
        send(res, errorReply(context, req, err));
      };
    const authenticate = orFail(() =>
      auth(
        req,
        res,
        orFail(() => void run(req, res)),
      ),
    );
    // Most requests (every GET) have no body: skip the parser for them (as body-parser does
    // itself, via type-is hasBody: a Transfer-Encoding or a Content-Length header).
    if (req.headers['transfer-encoding'] === undefined && req.headers['content-length'] === undefined) {
      authenticate();
    } else {
      readBody(req, res, authenticate);
    }
  };
}
