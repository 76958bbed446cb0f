import type { Express } from 'express';
import type { ServerContext } from '../context.js';
import { FxaApi } from './api-context.js';
import { rawBody } from './http.js';
import { accountRoutes } from './routes/account.js';
import { deviceRoutes } from './routes/devices.js';
import { directoryLoginRoutes } from './routes/directory-login.js';
import { oauthRoutes, oauthServerRoutes } from './routes/oauth.js';
import { profileRoutes } from './routes/profile.js';

export { LocalAccounts, type LocalAccountSummary } from './local-accounts.js';

/**
 * Where the routes live (fxa-local spec §1 layout): the discovery document's bases
 * (page/client-configuration.ts) plus the `/v1` Firefox appends.
 */
const AUTH_PREFIX = '/auth/v1';
const PROFILE_PREFIX = '/profile/v1';
const OAUTH_PREFIX = '/oauth/v1';

/**
 * Mounts Foxden's local accounts service: the auth API under `/auth/v1`, the profile under
 * `/profile/v1` and the optional OAuth server under `/oauth/v1` (spec §4). The sign-in page
 * and `/.well-known/fxa-client-configuration` are mounted by server/fxa/page.
 */
export function mountFxa(app: Express, context: ServerContext): FxaApi {
  const api = new FxaApi(context);
  // Generated (or loaded) on first run, not on the first sign-in: a startup error shows at once.
  api.signingKey();
  app.use(
    AUTH_PREFIX,
    rawBody,
    accountRoutes(api),
    directoryLoginRoutes(api),
    oauthRoutes(api),
    deviceRoutes(api),
  );
  app.use(PROFILE_PREFIX, profileRoutes(api));
  app.use(OAUTH_PREFIX, rawBody, oauthServerRoutes(api));
  return api;
}
