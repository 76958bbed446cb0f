import { DirectoryConfigError } from './errors.js';
import { NAME_PLACEHOLDER, fillUserFilter } from './filter-escape.js';
import { parseFilter } from './filter.js';

/**
 * The `[auth]` keys of an LDAP accounts backend, the seed's (`ldapuri`, `use_tls`, `bind_user`,
 * `bind_password`, `users_root`, `search_root`, `ldap_timeout`, `check_account_state`) and
 * Foxden's (`user_filter`, `required_group`, `ldap_ca_file`, `id_attribute`), read from ini
 * strings into one checked value. Secrets (`${VAR}`, `bind_password_file`) are resolved by the
 * caller before this sees them.
 */

/** Which attribute of a person's entry their storage belongs to. */
export type IdAttribute = 'entryUUID' | 'uidNumber' | 'dn' | 'objectGUID';

export interface DirectorySettings {
  /** `ldap://host:port` or `ldaps://host:port`. */
  url: string;
  /** StartTLS on an `ldap://` URL. */
  startTls: boolean;
  /** The service account searches run as; null: searches are anonymous. */
  bindDn: string | null;
  bindPassword: string | null;
  /** Where people are searched (the seed's `search_root`, else `users_root`). */
  searchBase: string;
  /** Every operation (connect, TLS, bind, search) gives up after this. */
  timeoutMs: number;
  /** Refuse a person the directory marks disabled (see account-state.ts). */
  checkAccountState: boolean;
  /** With `{name}` where the typed name goes (escaped). */
  userFilter: string;
  /** Only members of this group (DN) may sign in; null: anyone the filter finds. */
  requiredGroup: string | null;
  /** PEM file of the CA(s) that sign the directory's certificate, instead of the system's. */
  caFile: string | null;
  idAttribute: IdAttribute;
}

export const DEFAULT_USER_FILTER = '(|(uid={name})(mail={name}))';
export const DEFAULT_TIMEOUT_SECONDS = 10;
/** A directory slower than this is broken; a larger value would only hold requests longer. */
const MAX_TIMEOUT_SECONDS = 120;
const ID_ATTRIBUTES: readonly IdAttribute[] = ['entryUUID', 'uidNumber', 'dn', 'objectGUID'];

/** The raw values, as the ini file (or the dashboard) gives them; absent keys are undefined. */
export type RawDirectorySettings = Readonly<Record<string, string | undefined>>;

function fail(message: string): never {
  throw new DirectoryConfigError(message, 'settings');
}

function text(raw: RawDirectorySettings, key: string): string | null {
  const value = raw[key]?.trim();
  return value ? value : null;
}

function flag(raw: RawDirectorySettings, key: string, fallback: boolean): boolean {
  const value = text(raw, key)?.toLowerCase();
  if (value === null || value === undefined) return fallback;
  if (['true', 'yes', 'on', '1'].includes(value)) return true;
  if (['false', 'no', 'off', '0'].includes(value)) return false;
  return fail(`[auth] ${key} must be true or false, not "${raw[key]}"`);
}

function checkUrl(value: string | null): string {
  if (!value) return fail('[auth] ldapuri is required for the LDAP backend (ldap://host or ldaps://host)');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`[auth] ldapuri "${value}" is not a URL (ldap://host:port or ldaps://host:port)`);
  }
  if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:')
    fail(`[auth] ldapuri must start with ldap:// or ldaps://, not "${url.protocol}//"`);
  if (!url.hostname) fail(`[auth] ldapuri "${value}" names no host`);
  if (url.username || url.password) fail('[auth] ldapuri must not hold a user or password: use bind_user');
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash)
    fail(`[auth] ldapuri "${value}" has a path or query: give the search base as search_root`);
  return `${url.protocol}//${url.host}`;
}

/**
 * The seed wrote `ldap_timeout = -1` for "no timeout"; Foxden always bounds the directory, so a
 * value of 0 or less means the default rather than an error an old ini file would stop on.
 */
function timeoutSeconds(raw: RawDirectorySettings): number {
  const key = raw.ldap_timeout !== undefined ? 'ldap_timeout' : 'ldaptimeout';
  const value = text(raw, key);
  if (value === null) return DEFAULT_TIMEOUT_SECONDS;
  const seconds = Number(value);
  if (!Number.isFinite(seconds)) return fail(`[auth] ${key} must be a number of seconds, not "${value}"`);
  if (seconds <= 0) return DEFAULT_TIMEOUT_SECONDS;
  if (seconds > MAX_TIMEOUT_SECONDS)
    return fail(`[auth] ${key} must be at most ${MAX_TIMEOUT_SECONDS} seconds`);
  return seconds;
}

function checkUserFilter(value: string | null): string {
  if (value === null) return DEFAULT_USER_FILTER;
  if (!value.includes(NAME_PLACEHOLDER))
    fail(`[auth] user_filter must contain ${NAME_PLACEHOLDER} where the typed name goes`);
  const filter = value.startsWith('(') ? value : `(${value})`;
  try {
    parseFilter(fillUserFilter(filter, 'x'));
  } catch (err) {
    fail(`[auth] user_filter "${value}" is not an LDAP filter: ${(err as Error).message.split('\n')[0]}`);
  }
  return filter;
}

function checkIdAttribute(value: string | null): IdAttribute {
  if (value === null) return 'entryUUID';
  const found = ID_ATTRIBUTES.find((name) => name.toLowerCase() === value.toLowerCase());
  return found ?? fail(`[auth] id_attribute must be one of ${ID_ATTRIBUTES.join(', ')}, not "${value}"`);
}

/** Throws DirectoryConfigError (one line naming the key) for a missing or malformed value. */
export function parseDirectorySettings(raw: RawDirectorySettings): DirectorySettings {
  const url = checkUrl(text(raw, 'ldapuri'));
  const startTls = flag(raw, 'use_tls', false);
  if (startTls && url.startsWith('ldaps:'))
    fail('[auth] use_tls (StartTLS) is for ldap:// URIs: an ldaps:// URI is encrypted already');
  const bindDn = text(raw, 'bind_user');
  // Not trimmed: a password may end in a space.
  const bindPassword = raw.bind_password ? raw.bind_password : null;
  // An empty password with a DN is an "unauthenticated bind", which many servers accept
  // without checking anything: refused here so the service account is what it claims.
  if (bindDn && !bindPassword) fail('[auth] bind_user is set but bind_password is empty');
  if (!bindDn && bindPassword) fail('[auth] bind_password is set but bind_user is empty');
  const searchBase = text(raw, 'search_root') ?? text(raw, 'users_root');
  if (!searchBase) fail('[auth] search_root (or users_root) is required: where people are searched');
  return {
    url,
    startTls,
    bindDn,
    bindPassword,
    searchBase,
    timeoutMs: timeoutSeconds(raw) * 1000,
    checkAccountState: flag(raw, 'check_account_state', true),
    userFilter: checkUserFilter(text(raw, 'user_filter')),
    requiredGroup: text(raw, 'required_group'),
    caFile: text(raw, 'ldap_ca_file'),
    idAttribute: checkIdAttribute(text(raw, 'id_attribute')),
  };
}
