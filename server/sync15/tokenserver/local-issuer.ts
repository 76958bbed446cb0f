import type { VerifiedToken } from './oauth.js';

/**
 * An issuer whose access tokens the tokenserver checks in-process instead of asking Mozilla:
 * Foxden's own accounts (fxa-local spec §6). Declared here and implemented by local accounts,
 * wired together in server/app.ts, so that the tokenserver does not import server/fxa.
 */
export interface LocalTokenIssuer {
  /**
   * Null when the token is not this issuer's (Mozilla's verifier decides), the identity when it
   * is, and a TokenserverError (401 `invalid-credentials`) when it claims to be but fails a check.
   */
  verify(token: string): Promise<VerifiedToken | null>;
  /** The tokenserver e-mail of this issuer's user: a namespace apart from Mozilla's (spec §6). */
  emailFor(fxaUid: string): string;
}
