/**
 * The session the account page acts with: Firefox's own (from `fxaccounts:fxa_status`, so a
 * change reaches Firefox over the WebChannel), or one the page signed in itself in any browser.
 * Kept in memory only: a reload asks again.
 */
import { deriveTokenCredentials, fromHex } from '../../../crypto/index.js';
import type { HawkCredentials } from '../hawk.js';

export interface PageSession {
  uid: string;
  /** As stored on the server: the salt of the password stretch. */
  email: string;
  sessionToken: string;
  credentials: HawkCredentials;
  /** Firefox's session: changes are told to Firefox (change_password, logout, delete). */
  fromFirefox: boolean;
}

export function pageSession(
  uid: string,
  email: string,
  sessionToken: string,
  fromFirefox: boolean,
): PageSession {
  const { id, key } = deriveTokenCredentials(fromHex(sessionToken), 'sessionToken');
  return { uid, email, sessionToken, credentials: { id, key }, fromFirefox };
}
