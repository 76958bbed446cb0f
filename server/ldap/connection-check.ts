import type { DirectoryConnection } from './connection.js';
import { DirectoryError, type DirectoryStep } from './errors.js';
import { findPerson } from './person-search.js';
import type { ConnectionCheck, ConnectionCheckFailure } from './result.js';
import type { DirectorySettings } from './settings.js';

/**
 * Walks the steps a sign-in takes (connect, TLS, service bind, search, group) and says which
 * one failed, in one line, for `foxden ldap test NAME` and the dashboard's "Test connection".
 * No password is asked for: the person's own bind is the one step it cannot try.
 */

const FAILURE_OF_STEP: Record<DirectoryStep, ConnectionCheckFailure> = {
  settings: 'settings',
  connect: 'unreachable',
  tls: 'tls',
  'service-bind': 'service-bind',
  search: 'search',
  group: 'group',
  'user-bind': 'unreachable',
};

export async function checkConnection(
  settings: DirectorySettings,
  open: () => Promise<DirectoryConnection>,
  name?: string,
): Promise<ConnectionCheck> {
  const steps: string[] = [];
  let connection: DirectoryConnection | null = null;
  try {
    connection = await open();
    if (settings.startTls) steps.push(`StartTLS with ${settings.url}: certificate verified`);
    await connection.bindService();
    steps.push(
      settings.bindDn
        ? `Connected to ${settings.url}, bound as ${settings.bindDn}`
        : `Connected to ${settings.url} (anonymous searches)`,
    );
    if (name === undefined) return { ok: true, person: null, steps };
    const found = await findPerson(connection, settings, name);
    if (found.kind === 'none')
      return {
        ok: false,
        failed: 'no-such-user',
        message: `No entry under ${settings.searchBase} matches "${name}"`,
        steps,
      };
    if (found.kind === 'many')
      return {
        ok: false,
        failed: 'ambiguous',
        message: `More than one entry under ${settings.searchBase} matches "${name}": make user_filter narrower`,
        steps,
      };
    const { person } = found;
    steps.push(`Found ${person.dn} (${settings.idAttribute} ${person.id})`);
    if (settings.checkAccountState && person.disabled)
      return { ok: false, failed: 'disabled', message: `${person.dn} is disabled in the directory`, steps };
    if (!person.inRequiredGroup)
      return {
        ok: false,
        failed: 'not-in-group',
        message: `${person.dn} is not a member of ${settings.requiredGroup}`,
        steps,
      };
    if (settings.requiredGroup) steps.push(`Member of ${settings.requiredGroup}`);
    return { ok: true, person, steps };
  } catch (err) {
    if (!(err instanceof DirectoryError)) throw err;
    return { ok: false, failed: FAILURE_OF_STEP[err.step], message: err.message, steps };
  } finally {
    await connection?.close();
  }
}
