import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_USER_FILTER,
  DirectoryConfigError,
  parseDirectorySettings,
  type RawDirectorySettings,
} from '../../server/ldap/index.js';

const BASE: RawDirectorySettings = {
  ldapuri: 'ldap://directory.home.arpa',
  bind_user: 'uid=foxden,ou=services,dc=home',
  bind_password: 'secret ',
  users_root: 'ou=people,dc=home',
};

function refusal(raw: RawDirectorySettings): string {
  try {
    parseDirectorySettings(raw);
  } catch (err) {
    assert.ok(err instanceof DirectoryConfigError, String(err));
    assert.equal(err.step, 'settings');
    assert.doesNotMatch(err.message, /\n/);
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(raw)}`);
}

describe('LDAP settings from the [auth] section', () => {
  it('reads the seed keys with Foxden defaults', () => {
    const settings = parseDirectorySettings(BASE);
    assert.deepEqual(settings, {
      url: 'ldap://directory.home.arpa',
      startTls: false,
      bindDn: 'uid=foxden,ou=services,dc=home',
      bindPassword: 'secret ',
      searchBase: 'ou=people,dc=home',
      timeoutMs: 10_000,
      checkAccountState: true,
      userFilter: DEFAULT_USER_FILTER,
      requiredGroup: null,
      caFile: null,
      idAttribute: 'entryUUID',
    });
  });

  it('prefers search_root over users_root, and reads every option', () => {
    const settings = parseDirectorySettings({
      ...BASE,
      ldapuri: 'ldap://[::1]:3890/',
      search_root: 'dc=home',
      use_tls: 'yes',
      ldap_timeout: '2.5',
      check_account_state: 'off',
      user_filter: '&(objectClass=person)(uid={name})',
      required_group: 'cn=family,ou=groups,dc=home',
      ldap_ca_file: '/etc/ssl/household-ca.pem',
      id_attribute: 'uidnumber',
    });
    assert.equal(settings.url, 'ldap://[::1]:3890');
    assert.equal(settings.searchBase, 'dc=home');
    assert.equal(settings.startTls, true);
    assert.equal(settings.timeoutMs, 2500);
    assert.equal(settings.checkAccountState, false);
    assert.equal(settings.userFilter, '(&(objectClass=person)(uid={name}))');
    assert.equal(settings.requiredGroup, 'cn=family,ou=groups,dc=home');
    assert.equal(settings.caFile, '/etc/ssl/household-ca.pem');
    assert.equal(settings.idAttribute, 'uidNumber');
  });

  it('takes the seed’s "no timeout" (-1) and its ldaptimeout spelling as a bounded timeout', () => {
    assert.equal(parseDirectorySettings({ ...BASE, ldap_timeout: '-1' }).timeoutMs, 10_000);
    assert.equal(parseDirectorySettings({ ...BASE, ldaptimeout: '3' }).timeoutMs, 3_000);
  });

  it('allows anonymous searches when neither bind_user nor bind_password is set', () => {
    const settings = parseDirectorySettings({ ...BASE, bind_user: undefined, bind_password: undefined });
    assert.equal(settings.bindDn, null);
    assert.equal(settings.bindPassword, null);
  });

  it('refuses what cannot work, naming the key, in one line', () => {
    assert.match(refusal({ ...BASE, ldapuri: undefined }), /ldapuri is required/);
    assert.match(refusal({ ...BASE, ldapuri: 'http://directory' }), /ldap:\/\/ or ldaps:\/\//);
    assert.match(refusal({ ...BASE, ldapuri: 'not a url' }), /not a URL/);
    assert.match(refusal({ ...BASE, ldapuri: 'ldap://directory/dc=home' }), /search_root/);
    assert.match(refusal({ ...BASE, ldapuri: 'ldap://admin:pw@directory' }), /bind_user/);
    assert.match(refusal({ ...BASE, ldapuri: 'ldaps://directory', use_tls: 'true' }), /use_tls/);
    assert.match(refusal({ ...BASE, use_tls: 'maybe' }), /use_tls must be true or false/);
    // An unauthenticated bind (DN, empty password) would pass on many servers without a check.
    assert.match(refusal({ ...BASE, bind_password: '' }), /bind_password is empty/);
    assert.match(refusal({ ...BASE, bind_user: '' }), /bind_user is empty/);
    assert.match(refusal({ ...BASE, users_root: undefined }), /search_root \(or users_root\)/);
    assert.match(refusal({ ...BASE, ldap_timeout: 'ten' }), /ldap_timeout must be a number/);
    assert.match(refusal({ ...BASE, ldap_timeout: '600' }), /at most 120/);
    assert.match(refusal({ ...BASE, user_filter: '(uid=alice)' }), /\{name\}/);
    assert.match(refusal({ ...BASE, user_filter: '(|(uid={name})' }), /not an LDAP filter/);
    assert.match(refusal({ ...BASE, id_attribute: 'objectSid' }), /id_attribute must be one of/);
  });

  it('never puts the bind password in a refusal', () => {
    assert.doesNotMatch(refusal({ ...BASE, bind_password: 'hunter2', bind_user: '' }), /hunter2/);
  });
});
