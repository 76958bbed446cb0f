import { Attribute, Change } from 'ldapts';
import { parseDirectorySettings, type DirectorySettings } from '../../server/ldap/index.js';
import { LDAP_BASE, LDAP_SERVICE, LDAP_SYNC_GROUP, type TestPerson, type TestSlapd } from './slapd.js';

/**
 * What the directory tests share on top of the test slapd: the `[auth] backend = ldap` settings
 * that point at it, and the directory administrator changing a person's password.
 */

/** Settings for the test slapd as the household sets them up; `extra` adds or overrides keys. */
export function testDirectorySettings(
  slapd: TestSlapd,
  extra: Record<string, string> = {},
): DirectorySettings {
  return parseDirectorySettings({
    ldapuri: slapd.url,
    bind_user: LDAP_SERVICE.dn,
    bind_password: LDAP_SERVICE.password,
    search_root: LDAP_BASE,
    required_group: LDAP_SYNC_GROUP,
    ldap_timeout: '5',
    ...extra,
  });
}

/** The directory's own password change, behind Foxden's back, as the household's admin makes it. */
export function setDirectoryPassword(slapd: TestSlapd, person: TestPerson, password: string): Promise<void> {
  return slapd.asAdmin((admin) =>
    admin.modify(person.dn, [
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'userPassword', values: [password] }),
      }),
    ]),
  );
}
