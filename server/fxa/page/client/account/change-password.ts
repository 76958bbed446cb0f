/**
 * A password change that keeps the sync key (FxA's flow, research firefox-device-commands
 * §4.2): kB is unwrapped with the old password and re-wrapped with the new one here, so the
 * server sees only the two authPW values and `wrapKb' = kB ⊕ newUnwrapBKey`, never kB.
 */
import {
  deriveTokenCredentials,
  fromHex,
  openKeysBundle,
  stretchPassword,
  toHex,
  unwrapKb,
  xor,
} from '../../../crypto/index.js';
import type { AccountApi, SessionResponse } from './account-api.js';
import type { PageSession } from './page-session.js';

export type ChangeStep = 'stretch' | 'check' | 'rewrap' | 'save';

export async function changePassword(
  api: AccountApi,
  session: PageSession,
  oldPassword: string,
  newPassword: string,
  onStep: (step: ChangeStep) => void,
): Promise<SessionResponse> {
  onStep('stretch');
  const oldCreds = stretchPassword(session.email, oldPassword);
  onStep('check');
  const started = await api.passwordChangeStart(session.credentials, session.email, toHex(oldCreds.authPW));
  onStep('rewrap');
  const keyFetch = deriveTokenCredentials(fromHex(started.keyFetchToken), 'keyFetchToken');
  const { bundle } = await api.accountKeys(keyFetch);
  const kB = unwrapKb(openKeysBundle(keyFetch.extra, bundle).wrapKb, oldCreds.unwrapBKey);
  const newCreds = stretchPassword(session.email, newPassword);
  const wrapKb = xor(kB, newCreds.unwrapBKey);
  kB.fill(0);
  onStep('save');
  return api.passwordChangeFinish(
    deriveTokenCredentials(fromHex(started.passwordChangeToken), 'passwordChangeToken'),
    {
      authPW: toHex(newCreds.authPW),
      wrapKb: toHex(wrapKb),
      // FxA's finish takes the Hawk id of the session to replace, not the token.
      sessionToken: session.credentials.id,
    },
  );
}
