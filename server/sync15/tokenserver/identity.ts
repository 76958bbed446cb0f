import { createHmac } from 'node:crypto';
import type { ServerConfig } from '../../config.js';

/**
 * The domain of the `<fxa uid>@<domain>` key users are stored under (spec 1.5 §3.2): FxA's
 * auth server host, derived from the OAuth server (oauth.accounts.firefox.com →
 * api.accounts.firefox.com) so no second setting is needed.
 */
export function fxaEmailDomain(oauthServerUrl: string): string {
  let host: string;
  try {
    host = new URL(oauthServerUrl).hostname;
  } catch {
    return 'api.accounts.firefox.com';
  }
  return host.startsWith('oauth.') ? `api.${host.slice('oauth.'.length)}` : host;
}

export function fxaEmailFor(config: Pick<ServerConfig, 'sync15'>, fxaUid: string): string {
  return `${fxaUid}@${fxaEmailDomain(config.sync15.fxaOauthServerUrl)}`;
}

/** Telemetry ids of spec §3.5; any stable values work, so the key is derived from the master secret. */
export function metricsHashes(
  masterSecret: string,
  fxaUid: string,
): { hashedFxaUid: string; hashedDeviceId: string } {
  const key = createHmac('sha256', masterSecret).update('foxden/fxa_metrics_hash_secret').digest();
  const hashedFxaUid = createHmac('sha256', key).update(fxaUid).digest('hex').slice(0, 32);
  const hashedDeviceId = createHmac('sha256', key)
    .update(hashedFxaUid + 'none')
    .digest('hex')
    .slice(0, 32);
  return { hashedFxaUid, hashedDeviceId };
}

/**
 * `allowedEmails` entries may be FxA uids or `<uid>@<domain>` keys: FxA's Sync tokens do not
 * carry the person's e-mail address, so a plain address can only match once something else
 * recorded it.
 */
export function isAllowed(
  allowed: readonly string[] | null,
  candidates: readonly (string | null)[],
): boolean {
  if (allowed === null) return true;
  const set = new Set(allowed.map((e) => e.trim().toLowerCase()));
  return candidates.some((c) => c !== null && set.has(c.toLowerCase()));
}
