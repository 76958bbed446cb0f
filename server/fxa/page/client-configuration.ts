/**
 * The discovery document Firefox fetches from `<autoconfig.uri>/.well-known/fxa-client-configuration`
 * (fxa-local.md §2.2), and a model of how Firefox turns it into prefs. The model is what the
 * real-Firefox test launches with (§10.2), so the document and the prefs cannot drift apart.
 */

export interface FxaClientConfiguration {
  auth_server_base_url: string;
  oauth_server_base_url: string;
  profile_server_base_url: string;
  sync_tokenserver_base_url: string;
  pairing_server_base_uri: string;
}

/** The public URL without its trailing "/": Firefox drops exactly one before appending paths. */
export function publicRoot(publicUrl: string): string {
  return publicUrl.endsWith('/') ? publicUrl.slice(0, -1) : publicUrl;
}

/**
 * None of the bases may carry the suffix Firefox appends (`/v1`, `/1.0/sync/1.5`), §2.2.
 * Pairing points back at Foxden so a QR pairing attempt fails locally instead of reaching
 * Mozilla's channel server (§2.2, "or point it at PUB").
 */
export function buildClientConfiguration(publicUrl: string): FxaClientConfiguration {
  const root = publicRoot(publicUrl);
  return {
    auth_server_base_url: `${root}/auth`,
    oauth_server_base_url: `${root}/oauth`,
    profile_server_base_url: `${root}/profile`,
    sync_tokenserver_base_url: root,
    pairing_server_base_uri: root,
  };
}

/** The prefs Firefox 153 writes from a discovery document (FxAccountsConfig.sys.mjs, §2.2). */
export interface FirefoxAccountPrefs {
  'identity.fxaccounts.remote.root': string;
  'identity.fxaccounts.auth.uri': string;
  'identity.fxaccounts.remote.oauth.uri': string;
  'identity.fxaccounts.remote.profile.uri': string;
  'identity.sync.tokenserver.uri': string;
  'identity.fxaccounts.remote.pairing.uri'?: string;
}

/**
 * Mirrors Firefox's mapping: `/v1` is appended to the auth base only when missing, always to
 * oauth and profile; `/1.0/sync/1.5` always to the tokenserver base; the root is the
 * autoconfig URI minus one trailing "/". A missing required field throws, as in Firefox.
 */
export function prefsFromClientConfiguration(
  autoconfigUri: string,
  doc: Partial<FxaClientConfiguration>,
): FirefoxAccountPrefs {
  const need = (key: keyof FxaClientConfiguration): string => {
    const value = doc[key];
    if (typeof value !== 'string' || value === '') throw new Error(`fxa-client-configuration lacks ${key}`);
    return value;
  };
  const auth = need('auth_server_base_url');
  const prefs: FirefoxAccountPrefs = {
    'identity.fxaccounts.remote.root': publicRoot(autoconfigUri),
    'identity.fxaccounts.auth.uri': auth.endsWith('/v1') ? auth : `${auth}/v1`,
    'identity.fxaccounts.remote.oauth.uri': `${need('oauth_server_base_url')}/v1`,
    'identity.fxaccounts.remote.profile.uri': `${need('profile_server_base_url')}/v1`,
    'identity.sync.tokenserver.uri': `${need('sync_tokenserver_base_url')}/1.0/sync/1.5`,
  };
  if (typeof doc.pairing_server_base_uri === 'string') {
    prefs['identity.fxaccounts.remote.pairing.uri'] = doc.pairing_server_base_uri;
  }
  return prefs;
}
