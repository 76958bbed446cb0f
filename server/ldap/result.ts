/** What Foxden learns about a person from the directory, and how a sign-in attempt ended. */

export interface DirectoryPerson {
  /** The stable identifier storage belongs to (`id_attribute`: entryUUID, uidNumber, the DN or objectGUID as its GUID string). */
  id: string;
  dn: string;
  /** The login name as the directory spells it (`uid`), else the name that was typed. */
  name: string;
  mail: string | null;
  /** `displayName`, else `cn`, else `name`: for lists and greetings. */
  displayName: string;
  /** Marked disabled (account-state.ts), whether or not `check_account_state` is on. */
  disabled: boolean;
  /** A member of `required_group` (true when there is none). */
  inRequiredGroup: boolean;
}

/**
 * Why a sign-in was refused. All of them are the person's (a 401 later); the directory's own
 * failures are thrown as DirectoryUnavailableError or DirectoryConfigError instead.
 * `ambiguous`: the filter found more than one entry for the name, so none of them is chosen.
 */
export type AuthRefusal = 'no-such-user' | 'ambiguous' | 'wrong-password' | 'disabled' | 'not-in-group';

/**
 * `throttled`: the person's failed binds reached Foxden's budget (bind-budget.ts), so no bind
 * was sent; `retryAfter` seconds until one may be.
 */
export type AuthResult =
  | { ok: true; id: string; dn: string; name: string; mail: string | null; displayName: string }
  | { ok: false; reason: AuthRefusal }
  | { ok: false; reason: 'throttled'; retryAfter: number };

/** The step `foxden ldap test NAME` reports as failed. */
export type ConnectionCheckFailure =
  | 'settings'
  | 'unreachable'
  | 'tls'
  | 'service-bind'
  | 'search'
  | 'no-such-user'
  | 'ambiguous'
  | 'disabled'
  | 'not-in-group'
  | 'group';

export type ConnectionCheck =
  | { ok: true; person: DirectoryPerson | null; steps: string[] }
  | { ok: false; failed: ConnectionCheckFailure; message: string; steps: string[] };
