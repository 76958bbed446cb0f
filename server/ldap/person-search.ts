import { EqualityFilter, type Filter, OrFilter, PresenceFilter, type Entry } from 'ldapts';
import { ACCOUNT_STATE_ATTRIBUTES, isDisabled } from './account-state.js';
import { first, looseDn, values } from './entry.js';
import type { DirectoryConnection } from './connection.js';
import { DirectoryConfigError } from './errors.js';
import { fillUserFilter } from './filter-escape.js';
import { parseFilter } from './filter.js';
import { directoryName } from './directory-name.js';
import { guidBytes, guidString } from './object-guid.js';
import type { DirectoryPerson } from './result.js';
import type { DirectorySettings } from './settings.js';

/** Finding the one entry a typed name means, and whether it is in `required_group`. */

/** Longer than any login name or address; a longer one is not searched at all. */
const MAX_NAME_LENGTH = 256;

export type Found =
  | { kind: 'none' }
  | { kind: 'many' }
  | { kind: 'one'; person: DirectoryPerson; entry: Entry };

function attributesFor(settings: DirectorySettings): string[] {
  const wanted = ['uid', 'mail', 'cn', 'displayName', 'memberOf', ...ACCOUNT_STATE_ATTRIBUTES];
  // entryUUID is operational: the server sends it only when asked by name.
  if (settings.idAttribute !== 'dn') wanted.push(settings.idAttribute);
  return wanted;
}

/** objectGUID is binary: asked for as bytes, kept as its GUID string (object-guid.ts). */
function binaryAttributes(settings: DirectorySettings): string[] {
  return settings.idAttribute === 'objectGUID' ? ['objectGUID'] : [];
}

function objectGuidOf(entry: Entry): string | null {
  for (const [key, value] of Object.entries(entry)) {
    if (key.toLowerCase() !== 'objectguid') continue;
    const bytes = Array.isArray(value) ? value[0] : value;
    return Buffer.isBuffer(bytes) ? guidString(bytes) : null;
  }
  return null;
}

function idOf(entry: Entry, settings: DirectorySettings): string {
  if (settings.idAttribute === 'dn') return entry.dn;
  if (settings.idAttribute === 'objectGUID') {
    const guid = objectGuidOf(entry);
    if (guid) return guid;
    throw new DirectoryConfigError(
      `LDAP entry ${entry.dn} has no 16-byte objectGUID: choose another id_attribute`,
      'search',
    );
  }
  const id = first(entry, settings.idAttribute);
  if (!id)
    throw new DirectoryConfigError(
      `LDAP entry ${entry.dn} has no ${settings.idAttribute}: choose another id_attribute`,
      'search',
    );
  return settings.idAttribute === 'entryUUID' ? id.toLowerCase() : id;
}

/**
 * The entries the user filter finds for `name` (the name escaped: it never widens the search).
 * Two or more is "many": Foxden does not guess which person was meant.
 */
export async function findPerson(
  connection: DirectoryConnection,
  settings: DirectorySettings,
  name: string,
): Promise<Found> {
  name = directoryName(name);
  if (name === '' || name.length > MAX_NAME_LENGTH) return { kind: 'none' };
  const { entries, more } = await connection.search('search', settings.searchBase, {
    scope: 'sub',
    filter: parseFilter(fillUserFilter(settings.userFilter, name)),
    attributes: attributesFor(settings),
    explicitBufferAttributes: binaryAttributes(settings),
    sizeLimit: 2,
  });
  if (more || entries.length > 1) return { kind: 'many' };
  const entry = entries[0];
  if (!entry) return { kind: 'none' };
  return { kind: 'one', person: await personOf(connection, settings, entry, name), entry };
}

/**
 * The entry of a stable directory id (`id_attribute`), whatever its name is now: a base
 * search on the DN, else an equality search for the id (sent as a value, never parsed as a
 * filter text). For the standing of someone signed in, so a rename (modrdn) keeps them.
 */
export async function findById(
  connection: DirectoryConnection,
  settings: DirectorySettings,
  id: string,
): Promise<Found> {
  const byDn = settings.idAttribute === 'dn';
  const value = settings.idAttribute === 'objectGUID' ? guidBytes(id) : id;
  if (value === null) return { kind: 'none' };
  const { entries, more } = await connection.search('search', byDn ? id : settings.searchBase, {
    scope: byDn ? 'base' : 'sub',
    filter: byDn
      ? new PresenceFilter({ attribute: 'objectClass' })
      : new EqualityFilter({ attribute: settings.idAttribute, value }),
    attributes: attributesFor(settings),
    explicitBufferAttributes: binaryAttributes(settings),
    sizeLimit: 2,
    missingIsEmpty: byDn,
  });
  if (more || entries.length > 1) return { kind: 'many' };
  const entry = entries[0];
  if (!entry) return { kind: 'none' };
  return { kind: 'one', person: await personOf(connection, settings, entry, id), entry };
}

async function personOf(
  connection: DirectoryConnection,
  settings: DirectorySettings,
  entry: Entry,
  typed: string,
): Promise<DirectoryPerson> {
  const uid = first(entry, 'uid');
  const person: DirectoryPerson = {
    id: idOf(entry, settings),
    dn: entry.dn,
    name: uid ?? typed,
    mail: first(entry, 'mail'),
    displayName: first(entry, 'displayName') ?? first(entry, 'cn') ?? uid ?? typed,
    disabled: isDisabled(entry),
    inRequiredGroup: true,
  };
  if (settings.requiredGroup) {
    person.inRequiredGroup = await isGroupMember(connection, settings.requiredGroup, entry);
  }
  return person;
}

/**
 * `memberOf` on the person's entry when the directory keeps it (Active Directory, lldap, OpenLDAP
 * with the memberof overlay); otherwise the group itself is asked whether it lists the person as
 * `member` or `uniqueMember` (groupOfNames, groupOfUniqueNames) or their uid as `memberUid`
 * (posixGroup, as Synology and many NAS directories keep groups).
 */
async function isGroupMember(connection: DirectoryConnection, group: string, entry: Entry): Promise<boolean> {
  const wanted = looseDn(group);
  if (values(entry, 'memberOf').some((dn) => looseDn(dn) === wanted)) return true;
  // Filter objects, not text: the DN and uid are sent as values and never parsed as a filter.
  const tests: Filter[] = [
    new EqualityFilter({ attribute: 'member', value: entry.dn }),
    new EqualityFilter({ attribute: 'uniqueMember', value: entry.dn }),
  ];
  const uid = first(entry, 'uid');
  if (uid) tests.push(new EqualityFilter({ attribute: 'memberUid', value: uid }));
  const { entries } = await connection.search('group', group, {
    scope: 'base',
    filter: new OrFilter({ filters: tests }),
    attributes: ['1.1'],
    sizeLimit: 1,
  });
  return entries.length > 0;
}

/** More people with an address than a household has: beyond it, no address is guessed. */
export const MAX_MAIL_SCAN = 1000;

/**
 * Every address (`mail`) under the search root, for finding the person behind a name Firefox
 * hashed from an address (Sync 1.1 sends `base32(sha1(address))` for an account typed as an
 * e-mail). Null when there are more than MAX_MAIL_SCAN entries with one. No typed text is in
 * the filter: it is a presence test.
 */
export async function listMails(
  connection: DirectoryConnection,
  settings: DirectorySettings,
): Promise<string[] | null> {
  const { entries, more } = await connection.search('search', settings.searchBase, {
    scope: 'sub',
    filter: new PresenceFilter({ attribute: 'mail' }),
    attributes: ['mail'],
    sizeLimit: MAX_MAIL_SCAN,
  });
  if (more) return null;
  return entries.flatMap((entry) => values(entry, 'mail'));
}
