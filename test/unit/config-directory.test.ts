import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError, loadConfig } from '../../server/config-load.js';
import { loadDirectoryLibrary } from '../../server/directory-library.js';

/** `[auth] backend = ldap` and its keys in the ini file (issue 14 item 1) → Config.directory. */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-config-ldap-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
// loadConfig checks a directory's settings with the LDAP client, which the CLI loads first.
before(() => loadDirectoryLibrary());

let counter = 0;
function iniFile(text: string): string {
  const file = path.join(tmp, `c${++counter}.ini`);
  fs.writeFileSync(file, text);
  return file;
}

function load(text: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfig({ flags: { config: iniFile(text) }, env, cwd: tmp });
}

/** One line, naming the file and line, matching `pattern`. */
function refuses(text: string, pattern: RegExp, env: NodeJS.ProcessEnv = {}): void {
  assert.throws(
    () => load(text, env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.message.includes('\n'), false, err.message);
      assert.match(err.message, /^c\d+\.ini:\d+: /u);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

const BASE = '[auth]\nbackend = ldap\nldapuri = ldap://127.0.0.1:3389\nsearch_root = dc=home,dc=lan\n';

test("without [auth] backend, or with the seed SQL classes, accounts are Foxden's own", () => {
  assert.equal(load('[auth]\nallow_new_users = true\n').config.directory, null);
  assert.equal(load('[auth]\nbackend = services.user.sql.SQLUser\n').config.directory, null);
  assert.equal(load('[auth]\nbackend = sql\n').config.directory, null);
});

test('backend = ldap and the seed class names read the directory settings', () => {
  for (const backend of [
    'ldap',
    'LDAP',
    'services.user.mozilla_ldap.LDAPUser',
    'services.user.ldap.LDAPUser',
  ]) {
    const { config, notes } = load(BASE.replace('backend = ldap', `backend = ${backend}`));
    assert.ok(config.directory, backend);
    assert.equal(config.directory.url, 'ldap://127.0.0.1:3389');
    assert.equal(config.directory.searchBase, 'dc=home,dc=lan');
    assert.equal(config.directory.idAttribute, 'entryUUID');
    assert.equal(config.directory.checkAccountState, true);
    assert.deepEqual(notes, [], 'no key of the directory backend is called unknown');
  }
});

test('every key: booleans and numbers as the ini parser converts them, ${VAR} from the environment', () => {
  const { config } = load(
    '[auth]\nbackend = ldap\nldapuri = ldap://dir.home.lan\nuse_tls = true\nbind_user = cn=reader,dc=home\n' +
      'bind_password = ${LDAP_PW}\nusers_root = ou=people,dc=home\nldap_timeout = 7\ncheck_account_state = false\n' +
      'user_filter = (&(objectClass=person)(uid={name}))\nrequired_group = cn=sync,dc=home\nid_attribute = uidNumber\n',
    { LDAP_PW: 'pw with ; and # inside' },
  );
  assert.deepEqual(config.directory, {
    url: 'ldap://dir.home.lan',
    startTls: true,
    bindDn: 'cn=reader,dc=home',
    bindPassword: 'pw with ; and # inside',
    searchBase: 'ou=people,dc=home',
    timeoutMs: 7000,
    checkAccountState: false,
    userFilter: '(&(objectClass=person)(uid={name}))',
    requiredGroup: 'cn=sync,dc=home',
    caFile: null,
    idAttribute: 'uidNumber',
  });
});

test('bind_password_file: the first line, relative to the ini file; not together with bind_password', () => {
  fs.writeFileSync(path.join(tmp, 'ldap.pw'), 'file secret \nsecond line\n');
  const { config } = load(`${BASE}bind_user = cn=reader\nbind_password_file = ldap.pw\n`);
  assert.equal(config.directory?.bindPassword, 'file secret ');
  refuses(
    `${BASE}bind_user = cn=reader\nbind_password_file = missing.pw\n`,
    /bind_password_file .*missing\.pw cannot be read/,
  );
  refuses(`${BASE}bind_user = cn=reader\nbind_password = x\nbind_password_file = ldap.pw\n`, /not both/);
});

test('ldap_ca_file is read at start: a missing file or one without a certificate stops it', () => {
  refuses(`${BASE}ldap_ca_file = nowhere.pem\n`, /:5: \[auth\] ldap_ca_file .*cannot be read/);
  fs.writeFileSync(path.join(tmp, 'empty.pem'), 'nothing\n');
  refuses(`${BASE}ldap_ca_file = empty.pem\n`, /holds no PEM certificate/);
});

test('bad values: one line naming the file and the line of the key', () => {
  refuses('[auth]\nbackend = ldpa\n', /:2: \[auth\] backend must be sql .* or ldap/);
  refuses('[auth]\nbackend = ldap\nsearch_root = dc=x\n', /:2: \[auth\] ldapuri is required/);
  refuses(
    '[auth]\nbackend = ldap\nsearch_root = dc=x\nldapuri = http://x\n',
    /:4: \[auth\] ldapuri must start with ldap/,
  );
  refuses(`${BASE}use_tls = maybe\n`, /:5: \[auth\] use_tls must be true or false/);
  refuses(`${BASE}ldap_timeout = soon\n`, /:5: \[auth\] ldap_timeout must be a number/);
  refuses(`${BASE}user_filter = (uid=alice)\n`, /:5: \[auth\] user_filter must contain \{name\}/);
  refuses(`${BASE}id_attribute = cn\n`, /:5: \[auth\] id_attribute must be one of/);
  refuses(`${BASE}bind_user = cn=reader\n`, /:5: \[auth\] bind_user is set but bind_password is empty/);
});

test('${VAR} in bind_password must be set: the ini parser names the line', () => {
  assert.throws(
    () => load(`${BASE}bind_user = cn=reader\nbind_password = \${NOT_SET}\n`),
    /line 6: environment variable NOT_SET is not set/,
  );
});

test('a typo of a directory key is reported with its line and the key meant', () => {
  const { notes } = load(`${BASE}requierd_group = cn=sync\n`);
  assert.equal(notes.length, 1);
  assert.match(
    notes[0] ?? '',
    /:5: unknown setting \[auth\] requierd_group is ignored; did you mean required_group\?/,
  );
});
