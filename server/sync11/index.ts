import type { Express, NextFunction, Request, Response } from 'express';
import { sync11AccountsFor } from '../accounts/index.js';
import type { ServerContext } from '../context.js';
import type { RequestLogLocals } from '../http/request-log.js';
import { authenticateCall } from './basic-auth.js';
import type { AuthedCall, Call, Endpoint } from './call.js';
import { sendError, sendText, setServerTime } from './respond.js';
import { matchRoute, type RouteName } from './routes.js';
import { storageEndpoints } from './storage-api.js';
import { rejectUnauthorized } from './unauthorized.js';
import { userEndpoints } from './user-api.js';

const ENDPOINTS: Record<RouteName, Partial<Record<string, Endpoint>>> = {
  ...userEndpoints,
  ...storageEndpoints,
};

function queryOf(url: string): URLSearchParams {
  const q = url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
}

async function handle(endpoint: Endpoint, call: Call): Promise<void> {
  const authed = call as AuthedCall;
  if (endpoint.auth) {
    const auth = await authenticateCall(call);
    if (!auth.ok) return rejectUnauthorized(call, auth);
    authed.userId = auth.account.userId;
    authed.username = auth.account.username;
    (call.res.locals as RequestLogLocals).user = call.params.user;
  }
  await endpoint.run(authed);
}

/**
 * Mounts the Sync 1.1 User API 1.0 and Storage API 1.1 (spec 1.1 §5, §6). One middleware
 * routes by itself: Express gives neither 405s nor the /1.0/ sharing with the Sync 1.5
 * tokenserver, and anything that is not a Sync 1.1 path goes on with next().
 */
export function mountSync11(app: Express, context: ServerContext): void {
  const accounts = sync11AccountsFor(context);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const match = matchRoute(req.method, req.path);
    if (match.kind === 'elsewhere') return next();
    const locals = res.locals as RequestLogLocals;
    locals.protocol = 'sync1.1';
    // On every response, errors included: Firefox uses it to measure clock skew (spec 1.1 §1.2 item 7 [REC]).
    setServerTime(res, context.engine.now());
    if (match.kind === 'not-found') return sendText(res, 404, 'Not Found');
    if (match.kind === 'method-not-allowed') {
      res.setHeader('Allow', match.allow.join(', '));
      return sendText(res, 405, 'Method Not Allowed');
    }
    const verb = req.method === 'HEAD' ? 'GET' : req.method;
    const endpoint = ENDPOINTS[match.name][verb] as Endpoint;
    const call: Call = { req, res, context, accounts, params: match.params, query: queryOf(req.url) };
    handle(endpoint, call).catch((err: unknown) =>
      sendError(res, err, context.logger, context.config.retryAfter),
    );
  });
}
