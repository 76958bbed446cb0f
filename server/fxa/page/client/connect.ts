/**
 * Sign-up / sign-in, end to end, in exactly the order of fxa-local.md §3.4. kB and the
 * unwrap key live only in this function's scope: the server sees authPW and keys_jwe, never
 * anything that decrypts Sync data.
 */
import {
  OLDSYNC_SCOPE,
  deriveTokenCredentials,
  encryptScopedKeys,
  fromHex,
  oldsyncKeyMap,
  openKeysBundle,
  stretchPassword,
  toHex,
  unwrapKb,
  xor,
} from '../../crypto/index.js';
import { AuthApiError, type AuthApi, type LoginResponse } from './auth-api.js';
import { beginOAuthFlow, type OAuthParams } from './oauth-params.js';
import { FirefoxCommandError, type WebChannel } from './webchannel.js';

export type Mode = 'signin' | 'signup';

export interface ConnectRequest {
  mode: Mode;
  email: string;
  password: string;
  /** From the page URL; null means "ask Firefox" (oauth_flow_begin). */
  urlParams: OAuthParams | null;
  offeredEngines: string[];
  declinedEngines: string[];
  /**
   * `[auth] backend = ldap` (issue 14): `email` is the typed name or address, `password` the
   * directory password; after a directory password change, the previous password once (or a
   * reset the person confirmed).
   */
  directory?: { previousPassword: string | null; reset: boolean };
}

export class LinkDeclinedError extends Error {}

/** The steps in plain words, for the progress line. */
export type Step = 'oauth' | 'stretch' | 'account' | 'keys' | 'authorize' | 'firefox-login' | 'firefox-oauth';

async function signInToServer(
  api: AuthApi,
  mode: Mode,
  email: string,
  password: string,
  onStep: (s: Step) => void,
) {
  onStep('stretch');
  let stretched = stretchPassword(email, password);
  onStep('account');
  try {
    const account =
      mode === 'signup'
        ? await api.createAccount(email, toHex(stretched.authPW))
        : await api.login(email, toHex(stretched.authPW));
    return { account, email, unwrapBKey: stretched.unwrapBKey };
  } catch (err) {
    // errno 120: the account exists with another letter case. The e-mail is the PBKDF2 salt,
    // so stretch again with the stored spelling and retry once (§4.0).
    if (!(err instanceof AuthApiError) || err.errno !== 120 || !err.canonicalEmail || mode !== 'signin')
      throw err;
    const canonical = err.canonicalEmail;
    stretched = stretchPassword(canonical, password);
    const account: LoginResponse = await api.login(canonical, toHex(stretched.authPW));
    return { account, email: canonical, unwrapBKey: stretched.unwrapBKey };
  }
}

/**
 * The directory's sign-in: the stretch as for any sign-in, plus the directory password for the
 * server's bind. The address Firefox uses is the directory's; when the typed name is not it,
 * the server says which (errno 120) and the page stretches again with it. After a directory
 * password change, `keyDelta` = previous unwrapBKey ⊕ new unwrapBKey lets the server re-wrap
 * the same kB without seeing it.
 */
async function signInWithDirectory(
  api: AuthApi,
  name: string,
  password: string,
  directory: NonNullable<ConnectRequest['directory']>,
  onStep: (s: Step) => void,
) {
  const attempt = async (email: string) => {
    onStep('stretch');
    const stretched = stretchPassword(email, password);
    const body: Parameters<AuthApi['directoryLogin']>[0] = {
      name,
      email,
      authPW: toHex(stretched.authPW),
      directoryPassword: password,
    };
    if (directory.reset) body.reset = true;
    else if (directory.previousPassword !== null) {
      const previous = stretchPassword(email, directory.previousPassword);
      body.previousAuthPW = toHex(previous.authPW);
      body.keyDelta = toHex(xor(previous.unwrapBKey, stretched.unwrapBKey));
    }
    onStep('account');
    const account = await api.directoryLogin(body);
    return { account, email, unwrapBKey: stretched.unwrapBKey };
  };
  try {
    // Right at once when the typed name is the directory's address; else told which it is.
    return await attempt(name);
  } catch (err) {
    if (!(err instanceof AuthApiError) || err.errno !== 120 || !err.canonicalEmail) throw err;
    return attempt(err.canonicalEmail);
  }
}

/** Encrypts the oldsync key to Firefox's ephemeral key and gets an authorization code for it. */
async function authorize(
  api: AuthApi,
  session: { id: string; key: Uint8Array },
  params: OAuthParams,
  kB: Uint8Array,
  keyRotationTimestamp: number,
): Promise<string> {
  const keysJwe = encryptScopedKeys(params.keys_jwk, oldsyncKeyMap(kB, keyRotationTimestamp));
  const { code } = await api.authorize(session, {
    client_id: params.client_id,
    state: params.state,
    scope: params.scope,
    access_type: params.access_type,
    response_type: 'code',
    code_challenge: params.code_challenge,
    code_challenge_method: params.code_challenge_method,
    keys_jwe: keysJwe,
  });
  return code;
}

export async function connectFirefox(
  api: AuthApi,
  channel: WebChannel,
  request: ConnectRequest,
  onStep: (step: Step) => void,
): Promise<{ email: string; uid: string }> {
  // 1. OAuth parameters: the URL's, else a fresh flow from Firefox.
  onStep('oauth');
  let params = request.urlParams ?? (await beginOAuthFlow(channel));

  // 2–3. Stretch, then create or log in.
  const { account, email, unwrapBKey } = request.directory
    ? await signInWithDirectory(api, request.email, request.password, request.directory, onStep)
    : await signInToServer(api, request.mode, request.email, request.password, onStep);

  // 4. A profile last used with another account may refuse (or prompt) before we hand it over.
  const link = await channel.request<{ ok?: boolean }>(
    'fxaccounts:can_link_account',
    { email, uid: account.uid },
    120_000,
  );
  if (link && link.ok === false)
    throw new LinkDeclinedError('Firefox declined to switch this profile to the account.');

  // 5. kB = wrapKb ⊕ unwrapBKey.
  onStep('keys');
  const keyFetch = deriveTokenCredentials(fromHex(account.keyFetchToken), 'keyFetchToken');
  const { bundle } = await api.accountKeys(keyFetch);
  const kB = unwrapKb(openKeysBundle(keyFetch.extra, bundle).wrapKb, unwrapBKey);

  // 6. keyRotationTimestamp for the kid.
  const session = deriveTokenCredentials(fromHex(account.sessionToken), 'sessionToken');
  const keyData = await api.scopedKeyData(session, params.client_id, params.scope);
  const oldsync = keyData[OLDSYNC_SCOPE];
  if (!oldsync || typeof oldsync.keyRotationTimestamp !== 'number') {
    throw new Error('The server did not return key data for Sync.');
  }

  // 7–8. keys_jwe and the authorization code.
  onStep('authorize');
  let code = await authorize(api, session, params, kB, oldsync.keyRotationTimestamp);

  // 9. Sign Firefox in; `services.sync` is what makes it configure Sync (§3.3, §12.2).
  onStep('firefox-login');
  await channel.request(
    'fxaccounts:login',
    {
      email,
      uid: account.uid,
      sessionToken: account.sessionToken,
      verified: true,
      services: {
        sync: { offeredEngines: request.offeredEngines, declinedEngines: request.declinedEngines },
      },
    },
    120_000,
  );

  // 10. Hand over the code. A state from a previous browser session is unknown to Firefox
  // (INVALID_STATE, §3.3): start a fresh flow and retry once with a new code.
  onStep('firefox-oauth');
  try {
    await channel.request('fxaccounts:oauth_login', { code, state: params.state }, 120_000);
  } catch (err) {
    if (request.urlParams === null || !(err instanceof FirefoxCommandError)) throw err;
    params = await beginOAuthFlow(channel);
    code = await authorize(api, session, params, kB, oldsync.keyRotationTimestamp);
    await channel.request('fxaccounts:oauth_login', { code, state: params.state }, 120_000);
  }
  kB.fill(0);
  return { email, uid: account.uid };
}
