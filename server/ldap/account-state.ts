import type { Entry } from 'ldapts';
import { first, values } from './entry.js';

/**
 * Whether the directory marks an account disabled (`check_account_state`). The markers Foxden
 * honours, one for each kind of directory a household runs:
 * - OpenLDAP ppolicy: `pwdAccountLockedTime` = `000001010000Z`, the administrator's permanent
 *   lock. A lock by failed attempts carries a real time and may expire; the server enforces it
 *   at the bind itself, so Foxden leaves that one to the bind.
 * - 389 Directory Server and FreeIPA: `nsAccountLock` = TRUE.
 * - Active Directory and Samba: `userAccountControl` with the ACCOUNTDISABLE bit (2).
 * - shadowAccount (any directory with the NIS schema): `shadowExpire`, in days since 1970, that
 *   is today or earlier (-1 and absent mean never).
 */

/** Attributes the search has to ask for (operational ones are not sent unless named). */
export const ACCOUNT_STATE_ATTRIBUTES = [
  'pwdAccountLockedTime',
  'nsAccountLock',
  'userAccountControl',
  'shadowExpire',
] as const;

const PERMANENT_LOCK = '000001010000Z';
const ACCOUNTDISABLE = 0x2;
const DAY_MS = 86_400_000;

export function isDisabled(entry: Entry, now: number = Date.now()): boolean {
  if (values(entry, 'pwdAccountLockedTime').includes(PERMANENT_LOCK)) return true;
  if (first(entry, 'nsAccountLock')?.toLowerCase() === 'true') return true;
  const control = Number(first(entry, 'userAccountControl'));
  if (Number.isInteger(control) && (control & ACCOUNTDISABLE) !== 0) return true;
  const expire = first(entry, 'shadowExpire');
  if (expire !== null && /^\d+$/u.test(expire) && Number(expire) * DAY_MS <= now) return true;
  return false;
}
