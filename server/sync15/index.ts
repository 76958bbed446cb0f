import type { Express, RequestHandler } from 'express';
import type { ServerContext } from '../context.js';
import { hawkAuthenticator } from './hawk-auth.js';
import { createStorage15Handler } from './storage/router.js';
import { tokenserverHandler } from './tokenserver/handler.js';
import type { LocalTokenIssuer } from './tokenserver/local-issuer.js';

/**
 * Mounts the Sync 1.5 tokenserver (`/1.0/sync/1.5`, spec 1.5 §3) and Storage API 1.5
 * (`/1.5/{uid}/...`, spec §2) behind Hawk. Called before Sync 1.1, whose `/1.0/<user>/...`
 * routes would otherwise take `/1.0/sync/...`. `localIssuer` is Foxden's own accounts, whose
 * tokens the tokenserver checks in-process. Returns the storage handler, which app.ts also
 * gives Sync 1.5 storage requests to before Express (http/front-door.ts syncBeforeExpress).
 */
export function mountSync15(
  app: Express,
  context: ServerContext,
  localIssuer: LocalTokenIssuer,
): RequestHandler {
  const tokenserver = tokenserverHandler(context, localIssuer);
  const storage = createStorage15Handler(context, hawkAuthenticator(context));
  // One plain layer picks by prefix, so that other traffic (Sync 1.1 above all) goes through
  // neither an async handler nor a nested router: each Express layer allocates per request.
  // Both handlers check the path again themselves.
  app.use((req, res, next) => {
    if (req.url.startsWith('/1.5')) return storage(req, res, next);
    if (req.path.startsWith('/1.0/')) return tokenserver(req, res, next);
    next();
  });
  return storage;
}
