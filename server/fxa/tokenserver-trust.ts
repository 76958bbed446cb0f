import type { ServerContext } from '../context.js';
import { AccessTokenRejected, looksLikeFoxdenToken, verifyAccessToken } from './access-token.js';
import { OLDSYNC_SCOPE } from './crypto/scoped-keys.js';
import { signingKeyFor } from './signing-key.js';
import { directoryLinkFor } from './directory-link.js';

/**
 * Tokenserver users of Foxden's own accounts live under their own e-mail domain, apart from
 * Mozilla-account users (fxa-local spec §6: "a separate user namespace per issuer").
 */
export const LOCAL_FXA_EMAIL_DOMAIN = 'accounts.foxden.local';

export function localFxaEmail(uid: string): string {
  return `${uid}@${LOCAL_FXA_EMAIL_DOMAIN}`;
}

/** A Foxden account's token, verified in-process; the tokenserver's VerifiedToken accepts it. */
export interface LocalIdentity {
  fxaUid: string;
  generation: number;
  via: 'local';
}

/**
 * A token that claims to be Foxden's but fails a check; the message is the owner-facing detail.
 * The wiring (server/local-token-issuer.ts) answers it with the tokenserver's 401
 * `invalid-credentials`, so this module need not import the tokenserver.
 */
export class LocalTokenRefused extends Error {}

const invalidCredentials = (detail: string) => new LocalTokenRefused(detail);

/**
 * In-process trust of Foxden's own access tokens at the tokenserver (spec §6): null when the
 * token is not Foxden's (Mozilla's verifier decides), a verified identity when it is, and a
 * LocalTokenRefused (the tokenserver's 401 `invalid-credentials`) when it claims to be Foxden's
 * but fails any check.
 */
export async function verifyFoxdenBearer(
  token: string,
  context: ServerContext,
): Promise<LocalIdentity | null> {
  if (!looksLikeFoxdenToken(token, context.live().publicUrl)) return null;
  let claims;
  try {
    claims = await verifyAccessToken(signingKeyFor(context.config.dataDir), token, context.clock());
  } catch (err) {
    if (err instanceof AccessTokenRejected)
      throw invalidCredentials(`Foxden access token refused: ${err.message}`);
    throw err;
  }
  // Exact element, as the native RS verifier does: Foxden only ever grants this exact scope.
  if (!claims.scopes.includes(OLDSYNC_SCOPE))
    throw invalidCredentials(`Foxden access token refused: scope ${OLDSYNC_SCOPE} missing`);
  const account = await context.db.transaction('read', (tx) => tx.fxaAccountByUid(claims.uid));
  if (!account)
    throw invalidCredentials(`Foxden access token refused: account ${claims.uid} no longer exists`);
  // A token minted before a password change or reset is stale (spec §5.6).
  if (claims.generation === null || claims.generation < account.verifierSetAt) {
    throw invalidCredentials(
      `Foxden access token refused: issued before the password of ${account.email} changed`,
    );
  }
  // A directory person removed, disabled or out of the group gets no new Sync token (issue 14);
  // a directory that cannot answer throws its DirectoryError (503 with Retry-After, never 401).
  const standing = await directoryLinkFor(context)?.standing(claims.uid);
  if (standing && !standing.ok)
    throw invalidCredentials(
      `Foxden access token refused: the directory person of ${account.email} is ${standing.why}`,
    );
  return { fxaUid: claims.uid, generation: claims.generation, via: 'local' };
}
