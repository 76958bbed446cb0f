/**
 * The OAuth parameters Firefox puts on the sign-in URL (fxa-local.md §3.1), or asks for with
 * `fxaccounts:oauth_flow_begin` when the page was opened without them.
 */
import { OLDSYNC_SCOPE } from '../../crypto/index.js';
import type { WebChannel } from './webchannel.js';

export interface OAuthParams {
  client_id: string;
  state: string;
  scope: string;
  access_type: string;
  response_type: string;
  code_challenge: string;
  code_challenge_method: string;
  keys_jwk: string;
}

const KEYS = [
  'client_id',
  'state',
  'scope',
  'access_type',
  'response_type',
  'code_challenge',
  'code_challenge_method',
  'keys_jwk',
] as const;

/** Returns the URL's parameters only when every one is present (a partial set is useless). */
export function oauthParamsFromUrl(search: string): OAuthParams | null {
  const query = new URLSearchParams(search);
  const out: Partial<OAuthParams> = {};
  for (const key of KEYS) {
    const value = query.get(key);
    if (!value) return null;
    out[key] = value;
  }
  return out as OAuthParams;
}

export async function beginOAuthFlow(channel: WebChannel): Promise<OAuthParams> {
  const reply = await channel.request<Partial<OAuthParams>>('fxaccounts:oauth_flow_begin', {
    scopes: [OLDSYNC_SCOPE, 'profile'],
  });
  const out: Partial<OAuthParams> = {};
  for (const key of KEYS) {
    const value = reply?.[key];
    if (typeof value !== 'string' || value === '') {
      throw new Error(`Firefox's oauth_flow_begin reply lacks ${key}.`);
    }
    out[key] = value;
  }
  return out as OAuthParams;
}
