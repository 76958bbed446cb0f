import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../server/config-load.js';
import { DEFAULT_MAX_NEW_USERS, DEFAULT_QUOTA_KB } from '../../server/config.js';
import { editDistance, nearest } from '../../server/config-typos.js';

// Issue 8, finding 11: only unknown keys inside [foxden] warned; a typo anywhere else, an
// unknown section and a duplicate key passed silently.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-typos-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
function notesFor(text: string): {
  file: string;
  notes: string[];
  config: ReturnType<typeof loadConfig>['config'];
} {
  const file = path.join(tmp, `t${++counter}.conf`);
  fs.writeFileSync(file, text);
  const { notes, config } = loadConfig({ flags: { config: file }, env: {}, cwd: tmp });
  return { file, notes, config };
}

test('a misspelt key in a known section warns with file:line and the nearest key', () => {
  const { file, notes, config } = notesFor('[auth]\nallow_new_user = true\n');
  assert.deepEqual(notes, [
    `${file}:2: unknown setting [auth] allow_new_user is ignored; did you mean allow_new_users?`,
  ]);
  assert.equal(config.allowNewUsers, false, 'the typo does not open sign-ups');
});

test('an unknown section warns with its line and the nearest section', () => {
  const { file, notes } = notesFor('# household server\n\n[foxdne]\nport = 9000\n');
  assert.deepEqual(notes, [`${file}:3: unknown section [foxdne] is ignored; did you mean [foxden]?`]);
});

test('a duplicate key warns naming both lines; the later value is used', () => {
  const { file, notes, config } = notesFor('[foxden]\nport = 9000\nhost = 0.0.0.0\nport = 9001\n');
  assert.deepEqual(notes, [
    `${file}:4: [foxden] port is set again (first on line 2); the value on line 4 is used.`,
  ]);
  assert.equal(config.port, 9001);
});

test('several mistakes: one line each, in file order; a key in the wrong section says where it belongs', () => {
  const { file, notes } = notesFor(
    [
      '[foxden]', // 1
      'prot = 1', // 2
      'allow_new_users = true', // 3
      '[storage]', // 4
      'quota_sise = 100', // 5
      '[globl]', // 6
      'retry_after = 10', // 7
      '[zzzzzz]', // 8
    ].join('\n'),
  );
  assert.deepEqual(notes, [
    `${file}:2: unknown setting [foxden] prot is ignored; did you mean port?`,
    `${file}:3: unknown setting [foxden] allow_new_users is ignored; it belongs in [auth].`,
    `${file}:5: unknown setting [storage] quota_sise is ignored; did you mean quota_size?`,
    `${file}:6: unknown section [globl] is ignored; did you mean [global]?`,
    `${file}:8: unknown section [zzzzzz] is ignored.`,
  ]);
});

test("the original server's sync.conf and development.ini stay quiet (settings Foxden knowingly ignores)", () => {
  const { notes } = notesFor(
    [
      '[DEFAULT]',
      'debug = True',
      'translogger = False',
      '[server:main]',
      'use = egg:Paste#http',
      'host = 0.0.0.0',
      'port = 5000',
      'use_threadpool = True',
      'threadpool_workers = 60',
      '[app:main]',
      'use = egg:SyncServer',
      'configuration = file:%(here)s/etc/sync.conf',
      '[global]',
      'clean_shutdown = false',
      '[captcha]',
      'use = false',
      'public_key = 6Le8OLwSAAAAAK-wkjNPBtHD4Iv50moNFANIalJL',
      'use_ssl = false',
      '[storage]',
      'backend = syncstorage.storage.sql.SQLStorage',
      'sqluri = sqlite:////tmp/typos-test.db',
      'standard_collections = false',
      'use_quota = true',
      'quota_size = 5120',
      'pool_size = 100',
      'pool_recycle = 3600',
      'reset_on_return = true',
      'display_config = true',
      'create_tables = true',
      '[auth]',
      'backend = services.user.sql.SQLUser',
      'sqluri = sqlite:////tmp/typos-test.db',
      'pool_size = 100',
      'pool_recycle = 3600',
      'create_tables = true',
      '[nodes]',
      'fallback_node = http://localhost:5000/',
      '[smtp]',
      'host = localhost',
      'port = 25',
      'sender = weave@mozilla.com',
      '[cef]',
      'use = true',
      'file = syslog',
      '[loggers]',
      'keys = root',
      '[logger_root]',
      'level = WARNING',
    ].join('\n'),
  );
  assert.deepEqual(notes, []);
});

test('[auth] max_new_users and [storage] quota_size (quotas are on by default) are read', () => {
  const defaults = loadConfig({ env: {}, cwd: tmp }).config;
  assert.equal(defaults.maxNewUsers, DEFAULT_MAX_NEW_USERS);
  assert.equal(defaults.quotaKb, DEFAULT_QUOTA_KB);
  const { notes, config } = notesFor('[auth]\nmax_new_users = 3\n[storage]\nquota_size = 2048\n');
  assert.deepEqual(notes, []);
  assert.equal(config.maxNewUsers, 3);
  assert.equal(config.quotaKb, 2048);
  assert.equal(notesFor('[storage]\nuse_quota = false\nquota_size = 2048\n').config.quotaKb, null);
  const env = { FOXDEN_MAX_NEW_USERS: '0', FOXDEN_QUOTA_KB: '0' };
  const fromEnv = loadConfig({ env, cwd: tmp }).config;
  assert.equal(fromEnv.maxNewUsers, 0);
  assert.equal(fromEnv.quotaKb, null);
  const flags = loadConfig({ flags: { maxNewUsers: '25', quotaKb: '100' }, env, cwd: tmp }).config;
  assert.equal(flags.maxNewUsers, 25);
  assert.equal(flags.quotaKb, 100);
});

test('nearest key: edit distance, and no suggestion when nothing is close', () => {
  assert.equal(editDistance('foxdne', 'foxden'), 2);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(nearest('alow_new_users', ['allow_new_users', 'strict_usernames']), 'allow_new_users');
  assert.equal(nearest('colour', ['host', 'port']), null);
});
