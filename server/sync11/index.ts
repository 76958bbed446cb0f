import type { NextFunction, Request, Response } from 'express';
import {
  directoryAccountsFor,
  sync11AccountsFor,
  type DirectoryAccounts,
  type Sync11Accounts,
} from '../accounts/index.js';
import type { ServerContext } from '../context.js';
import type { RequestLogLocals } from '../http/request-log.js';
import { authenticateCall } from './basic-auth.js';
import type { AuthedCall, Call, Endpoint } from './call.js';
import { loginRefused, methodNotAllowed, notFound, sendSync11Error } from './errors.js';
import { setServerTime } from './respond.js';
import { matchRoute, type RouteHandlers, type RouteMatch } from './routes.js';
import { storageEndpoints } from './storage-api.js';
import { userEndpoints } from './user-api.js';

const ENDPOINTS: RouteHandlers<Endpoint> = { ...userEndpoints, ...storageEndpoints };

/**
 * One request from its route match to its answer: 404/405 from the match, authentication of
 * the matched user, the endpoint. Everything that goes wrong is thrown and answered by the one
 * catch below (errors.ts says what each error looks like on the wire).
 */
async function dispatch(
  match: Exclude<RouteMatch, { kind: 'elsewhere' }>,
  req: Request,
  res: Response,
  context: ServerContext,
  accounts: Sync11Accounts,
  directory: DirectoryAccounts | null,
): Promise<void> {
  try {
    if (match.kind === 'not-found') throw notFound();
    if (match.kind === 'method-not-allowed') throw methodNotAllowed(match.allow);
    const verb = req.method === 'HEAD' ? 'GET' : req.method;
    // The match guarantees the table lists `verb` for this route, and RouteHandlers a handler for it.
    const endpoint = (ENDPOINTS[match.name] as Readonly<Record<string, Endpoint>>)[verb] as Endpoint;
    // No query parsed here: only the collection endpoints read one (storage-api.ts).
    const call: Call = { req, res, context, accounts, directory, params: match.params };
    if (endpoint.auth) {
      const auth = await authenticateCall(call);
      if (!auth.ok) throw loginRefused(auth, match.params.user);
      const authed = call as AuthedCall;
      authed.userId = auth.account.userId;
      authed.username = auth.account.username;
      (res.locals as RequestLogLocals).user = match.params.user;
    }
    await endpoint.run(call as AuthedCall);
  } catch (err) {
    sendSync11Error(res, err, context.logger, context.config.retryAfter);
  }
}

/**
 * The Sync 1.1 User API 1.0 and Storage API 1.1 (spec 1.1 §5, §6) as one handler that routes
 * by itself: Express gives neither 405s nor the /1.0/ sharing with the Sync 1.5 tokenserver,
 * and anything that is not a Sync 1.1 path goes on with next(). The path is matched here once
 * (routes.ts); authentication and the endpoint get the match's params. app.ts calls it from
 * its front layer for paths Sync 1.5 cannot own, and after Sync 1.5 for /1.0/ paths.
 */
export function sync11Handler(
  context: ServerContext,
): (req: Request, res: Response, next: NextFunction) => void {
  const accounts = sync11AccountsFor(context);
  const directory = directoryAccountsFor(context);
  return (req: Request, res: Response, next: NextFunction) => {
    const match = matchRoute(req.method, req.path);
    if (match.kind === 'elsewhere') return next();
    (res.locals as RequestLogLocals).protocol = 'sync1.1';
    // On every response, errors included: Firefox uses it to measure clock skew (spec 1.1 §1.2 item 7 [REC]).
    setServerTime(res, context.engine.now());
    void dispatch(match, req, res, context, accounts, directory);
  };
}
