import { canonicalUsername, HashPoolBusy, type Sync11Account, type Sync11Login } from '../accounts/index.js';
import { requestAddress } from '../http/request-log.js';
import { isRefusal, type Attempt, type FailureThrottle, type Refusal } from '../security/failure-throttle.js';
import { loginThrottleFor } from '../security/login-throttle.js';
import type { Call } from './call.js';

export type AuthResult =
  | { ok: true; account: Sync11Account }
  /** `challenge`: send WWW-Authenticate (only when no credentials came at all). */
  | { ok: false; challenge: boolean; reason: string; retryAfter?: undefined }
  /**
   * Not checked at all: the address is throttled, or every password worker is busy. Answered
   * 503 + Retry-After, which old Weave and Pale Moon treat as back-off (a 401 would make them
   * report a wrong password and stop syncing; they do not know 429).
   */
  | { ok: false; challenge: false; reason: string; retryAfter: number };

/** Where a login comes from and the throttle that guards it. */
export interface LoginGuard {
  throttle: FailureThrottle;
  address: string;
}

class Throttled extends Error {
  constructor(readonly refusal: Refusal) {
    super('throttled');
  }
}

/** Seconds a client waits when every password worker is busy. */
const BUSY_RETRY_AFTER = 5;

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
  // Directory accounts only: said in the log, never to the client (a 401 like a wrong password).
  'not-in-group': 'the person is not in the required group of the directory',
  ambiguous: 'the directory has more than one person for that name',
} as const;

/** HTTP Basic for the path's user of a Sync 1.1 call, throttled by the client's address. */
export function authenticateCall(call: Call, pathUser: string = call.params.user): Promise<AuthResult> {
  return authenticateBasic(call.req.headers.authorization, pathUser, call.directory ?? call.accounts, {
    throttle: loginThrottleFor(call.context),
    address: requestAddress(call.req, call.res),
  });
}

/**
 * HTTP Basic for the path's user (spec 1.1 §4.1). A different user in the header than in
 * the URL is a 401 — Firefox then re-discovers its node and reports "login rejected" — not
 * the 400 + 5 of FSyncMS. With a guard, an address over its failure limit is refused before
 * anything is checked, a right password included (it is never told which it sent).
 */
export async function authenticateBasic(
  header: string | undefined,
  pathUser: string,
  accounts: Sync11Login,
  guard?: LoginGuard,
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
  if (!guard) {
    const outcome = await accounts.authenticate(parsed.username, parsed.password);
    if (!outcome.ok) return { ok: false, challenge: false, reason: FAILURE_WORDS[outcome.reason] };
    return { ok: true, account: outcome.account };
  }
  const { throttle, address } = guard;
  const account = canonicalUsername(parsed.username);
  const refused = throttle.check(account, address);
  if (refused) return throttledResult(refused);
  let attempt: Attempt | null = null;
  try {
    const outcome = await accounts.authenticate(parsed.username, parsed.password, async (check) => {
      const reserved = await throttle.begin(account, address);
      if (isRefusal(reserved)) throw new Throttled(reserved);
      attempt = reserved;
      return check();
    });
    const settled = attempt as Attempt | null;
    if (!outcome.ok) {
      if (settled) settled.failed();
      else throttle.fail(account, address);
      return { ok: false, challenge: false, reason: FAILURE_WORDS[outcome.reason] };
    }
    settled?.succeeded();
    return { ok: true, account: outcome.account };
  } catch (err) {
    (attempt as Attempt | null)?.cancelled();
    if (err instanceof Throttled) return throttledResult(err.refusal);
    if (err instanceof HashPoolBusy)
      return {
        ok: false,
        challenge: false,
        reason: 'every password check is busy',
        retryAfter: BUSY_RETRY_AFTER,
      };
    throw err;
  }
}

function throttledResult(refusal: Refusal): AuthResult {
  const reason =
    refusal.scope === 'address'
      ? 'throttled: too many wrong passwords from this address'
      : 'throttled: too many wrong passwords for this account from this address';
  return { ok: false, challenge: false, reason, retryAfter: refusal.retryAfter };
}
