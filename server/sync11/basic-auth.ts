import type { Sync11Account, Sync11Accounts } from '../accounts/index.js';

export type AuthResult =
  | { ok: true; account: Sync11Account }
  /** `challenge`: send WWW-Authenticate (only when no credentials came at all). */
  | { ok: false; challenge: boolean; reason: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Username and password from an Authorization header, or why there are none. */
export function parseBasic(header: string | undefined): { username: string; password: string } | string {
  if (header === undefined || header === '') return 'no credentials were sent';
  const m = /^Basic +(\S*)\s*$/i.exec(header);
  if (!m) return 'the Authorization header is not HTTP Basic';
  const encoded = m[1] as string;
  if (!BASE64.test(encoded)) return 'the Basic credentials are not valid base64';
  let decoded: string;
  try {
    decoded = STRICT_UTF8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    return 'the Basic credentials are not valid UTF-8';
  }
  // Split at the first colon: passwords may contain colons (spec 1.1 §4.1 step 3).
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'the Basic credentials have no ":" between user and password';
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const FAILURE_WORDS = {
  'unknown-user': 'there is no account with that username',
  disabled: 'the account is disabled',
  'wrong-password': 'wrong password',
} as const;

/**
 * HTTP Basic for the path's user (spec 1.1 §4.1). A different user in the header than in
 * the URL is a 401 — Firefox then re-discovers its node and reports "login rejected" — not
 * the 400 + 5 of FSyncMS.
 */
export async function authenticateBasic(
  header: string | undefined,
  pathUser: string,
  accounts: Sync11Accounts,
): Promise<AuthResult> {
  const parsed = parseBasic(header);
  if (typeof parsed === 'string')
    return { ok: false, challenge: header === undefined || header === '', reason: parsed };
  if (parsed.username !== pathUser) {
    return {
      ok: false,
      challenge: false,
      reason: 'the user in the Authorization header is not the user in the URL',
    };
  }
  const outcome = await accounts.authenticate(parsed.username, parsed.password);
  if (!outcome.ok) return { ok: false, challenge: false, reason: FAILURE_WORDS[outcome.reason] };
  return { ok: true, account: outcome.account };
}
