import fs from 'node:fs';
import path from 'node:path';
import type { IniDocument, IniValue } from './ini.js';
import { directoryLibrary } from './directory-library.js';
import { DirectoryConfigError } from './ldap/errors.js';
import type { DirectorySettings } from './ldap/settings.js';

/**
 * `[auth] backend = ldap` and its keys (issue 14), read from the ini file into
 * `Config.directory`. Only the ini file gives them: the password comes from the file's own
 * `${VAR}` (expanded by the ini parser from the environment) or from `bind_password_file`,
 * never from argv. Every refusal is one line naming the file and line to fix, thrown as a
 * DirectoryConfigError that config-load turns into its ConfigError.
 */

/** The seed's class names for its LDAP backends mean Foxden's directory accounts. */
const DIRECTORY_BACKENDS = new Set([
  'ldap',
  'services.user.mozilla_ldap.ldapuser',
  'services.user.ldap.ldapuser',
]);

/** `[auth]` keys of the directory backend (config-typos.ts lists them as read). */
export const DIRECTORY_KEYS = [
  'backend',
  'ldapuri',
  'ldaptimeout',
  'ldap_timeout',
  'use_tls',
  'bind_user',
  'bind_password',
  'bind_password_file',
  'users_root',
  'search_root',
  'check_account_state',
  'user_filter',
  'required_group',
  'ldap_ca_file',
  'id_attribute',
] as const;

/** Keys whose value is a path, relative to the ini file's folder. */
const PATH_KEYS = new Set(['ldap_ca_file', 'bind_password_file']);

function lineOf(doc: IniDocument, key: string): number {
  return doc.keyLines.auth?.[key] ?? doc.sectionLines.auth ?? 0;
}

/** The ini's value as the text the directory settings parser reads (ints and booleans back to text). */
function asText(value: IniValue, where: string, key: string): string {
  if (Array.isArray(value))
    throw new DirectoryConfigError(`${where}: [auth] ${key} must be one line`, 'settings');
  return String(value);
}

/** Whether `[auth] backend` chooses the directory; anything else that Foxden knows is its own accounts. */
function isDirectoryBackend(value: IniValue | undefined, where: string): boolean {
  if (value === undefined) return false;
  const text = asText(value, where, 'backend').trim();
  const lower = text.toLowerCase();
  if (DIRECTORY_BACKENDS.has(lower)) return true;
  // The seed's own SQL classes (services.user.sql.SQLUser, services.auth.sql.SQLAuth…) are
  // Foxden's own accounts, as before this key was read.
  if (lower === 'sql' || lower === '' || lower.startsWith('services.')) return false;
  throw new DirectoryConfigError(
    `${where}: [auth] backend must be sql (Foxden's own accounts) or ldap (a household directory), not "${text}"`,
    'settings',
  );
}

/** The first line of the password file, as it stands (a password may end in a space). */
function readPasswordFile(file: string, where: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DirectoryConfigError(
      `${where}: [auth] bind_password_file ${file} cannot be read (${code})`,
      'settings',
    );
  }
  const password = text.split(/\r?\n/u)[0] ?? '';
  if (password === '')
    throw new DirectoryConfigError(`${where}: [auth] bind_password_file ${file} is empty`, 'settings');
  return password;
}

/**
 * The directory settings when `[auth] backend` names LDAP, else null. `name` is the ini file's
 * name for messages, `base` its folder for relative paths.
 */
export function readDirectorySettings(
  doc: IniDocument,
  name: string,
  base: string,
): DirectorySettings | null {
  const auth = doc.sections.auth ?? {};
  const at = (key: string) => `${name}:${lineOf(doc, key)}`;
  if (!isDirectoryBackend(auth.backend, at('backend'))) return null;
  const raw: Record<string, string | undefined> = {};
  for (const key of DIRECTORY_KEYS) {
    const value = auth[key];
    if (value === undefined) continue;
    const text = asText(value, at(key), key);
    raw[key] = PATH_KEYS.has(key) && text.trim() !== '' ? path.resolve(base, text.trim()) : text;
  }
  if (raw.bind_password_file !== undefined) {
    if (raw.bind_password !== undefined)
      throw new DirectoryConfigError(
        `${at('bind_password_file')}: [auth] give bind_password or bind_password_file, not both`,
        'settings',
      );
    raw.bind_password = readPasswordFile(raw.bind_password_file, at('bind_password_file'));
  }
  // Loaded only for a directory (directory-library.ts); before the try: not a settings error.
  const { DirectoryClient, parseDirectorySettings } = directoryLibrary();
  try {
    const settings = parseDirectorySettings(raw);
    // Reads ldap_ca_file now, so a missing or empty CA file stops the start with its line.
    new DirectoryClient(settings);
    return settings;
  } catch (err) {
    if (!(err instanceof DirectoryConfigError)) throw err;
    // The parser's messages begin with the key they are about: that key's line is named.
    const key = /^\[auth\] (\w+)/u.exec(err.message)?.[1] ?? 'backend';
    const named =
      key === 'bind_password' && raw.bind_password_file !== undefined ? 'bind_password_file' : key;
    throw new DirectoryConfigError(
      `${at(doc.keyLines.auth?.[named] ? named : 'backend')}: ${err.message}`,
      'settings',
    );
  }
}
