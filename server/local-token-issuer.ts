import type { ServerContext } from './context.js';
import { LocalTokenRefused, localFxaEmail, verifyFoxdenBearer } from './fxa/tokenserver-trust.js';
import { invalidCredentials } from './sync15/tokenserver/errors.js';
import type { LocalTokenIssuer } from './sync15/tokenserver/local-issuer.js';

/**
 * Foxden's own accounts as the tokenserver's in-process issuer: the one place that knows both
 * adapters, so that server/fxa and server/sync15 need not import each other. A refusal becomes
 * the tokenserver's 401 `invalid-credentials` with the same owner-facing detail.
 */
export function localTokenIssuer(context: ServerContext): LocalTokenIssuer {
  return {
    async verify(token) {
      try {
        return await verifyFoxdenBearer(token, context);
      } catch (err) {
        if (err instanceof LocalTokenRefused) throw invalidCredentials(err.message);
        throw err;
      }
    },
    emailFor: localFxaEmail,
  };
}
