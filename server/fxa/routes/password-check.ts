import type { Request, Response } from 'express';
import type { FxaAccountRow } from '../../db/fxa-types.js';
import { requestAddress } from '../../http/request-log.js';
import { isRefusal } from '../../security/failure-throttle.js';
import type { FxaApi } from '../api-context.js';
import { ERRNO, FxaError } from '../errors.js';
import { incorrectPassword } from '../local-accounts.js';

/** errno 114 (spec §4.0): the client waits `retryAfter` seconds; Retry-After is set by route(). */
export function throttled(retryAfter: number, logDetail: string): FxaError {
  return new FxaError(
    429,
    ERRNO.THROTTLED,
    'Client has sent too many requests',
    { retryAfter, retryAfterLocalized: `${Math.ceil(retryAfter / 60)} minutes` },
    logDetail,
  );
}

/**
 * A password check under the guessing defence (spec §4.0), shared by sign-in and the checks
 * after it: reserves the check (concurrent guesses count; an account under attack makes
 * addresses that already failed on it wait their turn), runs `check`, and records the outcome.
 * `check` gives null for a wrong password: 400/103. Refused: 429/114.
 */
export async function throttledPasswordCheck<T>(
  api: FxaApi,
  accountKey: string,
  address: string,
  why: string,
  check: () => Promise<T | null>,
): Promise<T> {
  const attempt = await api.throttle.begin(accountKey, address);
  if (isRefusal(attempt)) throw throttled(attempt.retryAfter, why);
  let result: T | null;
  try {
    result = await check();
  } catch (err) {
    attempt.cancelled();
    throw err;
  }
  if (!result) {
    attempt.failed();
    throw incorrectPassword();
  }
  attempt.succeeded();
  return result;
}

/**
 * Checks the account's password again (a password change, an account deletion) under the
 * same guessing defence as sign-in: a stolen session must not become an unthrottled oracle.
 * Returns wrapKb; 400/103 when wrong, 429/114 when throttled.
 */
export async function checkPasswordThrottled(
  api: FxaApi,
  req: Request,
  res: Response,
  account: FxaAccountRow,
  authPW: Uint8Array,
): Promise<Uint8Array> {
  const address = requestAddress(req, res);
  const why = `password check for ${account.email} throttled after repeated wrong passwords`;
  // Over a limit, throttle.begin refuses before anything is checked, so the right password is not told apart.
  return throttledPasswordCheck(api, account.normalizedEmail, address, why, () =>
    api.accounts.checkPassword(account, authPW),
  );
}
