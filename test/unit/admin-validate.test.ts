import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdminError } from '../../server/admin/api.js';
import { isAdminMethod, validateArgs } from '../../server/admin/validate.js';

/** Asserts the call is refused with invalid-argument on `field`, and returns the message. */
function refused(method: Parameters<typeof validateArgs>[0], args: unknown, field?: string): string {
  try {
    validateArgs(method, args);
  } catch (err) {
    assert.ok(err instanceof AdminError, `not an AdminError: ${String(err)}`);
    assert.equal(err.code, 'invalid-argument');
    if (field !== undefined) assert.equal(err.field, field);
    assert.ok(err.message.length > 5 && /[.]$/.test(err.message), `plain sentence: ${err.message}`);
    return err.message;
  }
  assert.fail(`${method} ${JSON.stringify(args)} was accepted`);
}

test('methods without arguments accept [] and refuse extra arguments', () => {
  for (const m of [
    'status',
    'start',
    'stop',
    'restart',
    'getSettings',
    'listAccounts',
    'warnings',
    'setupHelp',
  ] as const) {
    assert.deepEqual(validateArgs(m, []), []);
    refused(m, [1]);
  }
});

test('arguments must be a list; unknown methods are not-found', () => {
  refused('status', {});
  refused('updateSettings', 'port=1');
  assert.equal(isAdminMethod('constructor'), false);
  assert.equal(isAdminMethod('toString'), false);
  assert.throws(
    () => validateArgs('__proto__' as 'status', []),
    (e: unknown) => e instanceof AdminError && e.code === 'not-found',
  );
});

test('port: an integer from 1 to 65535; a string from a form is refused in plain words', () => {
  assert.deepEqual(validateArgs('updateSettings', [{ port: 8080 }]), [{ port: 8080 }]);
  assert.deepEqual(validateArgs('updateSettings', [{ port: 1 }]), [{ port: 1 }]);
  assert.deepEqual(validateArgs('updateSettings', [{ port: 65535 }]), [{ port: 65535 }]);
  const message = refused('updateSettings', [{ port: '8080' }], 'port');
  assert.match(message, /whole number between 1 and 65535/);
  for (const bad of [0, 65536, -1, 80.5, NaN, null, true]) refused('updateSettings', [{ port: bad }], 'port');
});

test('public URL: parses, http(s) only, no spaces, no credentials or query', () => {
  assert.deepEqual(validateArgs('updateSettings', [{ publicUrl: 'https://sync.example.org/' }]), [
    { publicUrl: 'https://sync.example.org/' },
  ]);
  assert.match(
    refused('updateSettings', [{ publicUrl: '192.168.1.20:8173' }], 'publicUrl'),
    /http:\/\/ or https:\/\//,
  );
  assert.match(refused('updateSettings', [{ publicUrl: 'ftp://example.org/' }], 'publicUrl'), /http/);
  assert.match(refused('updateSettings', [{ publicUrl: 'http://my host/' }], 'publicUrl'), /spaces/);
  refused('updateSettings', [{ publicUrl: 'http://[::1/' }], 'publicUrl');
  refused('updateSettings', [{ publicUrl: 'http://user:pw@example.org/' }], 'publicUrl');
  refused('updateSettings', [{ publicUrl: 'http://example.org/?a=1' }], 'publicUrl');
  refused('updateSettings', [{ publicUrl: '' }], 'publicUrl');
  refused('updateSettings', [{ publicUrl: 42 }], 'publicUrl');
});

test('settings: bind scope, booleans, unknown keys', () => {
  assert.deepEqual(validateArgs('updateSettings', [{ bindScope: 'lan', allowNewUsers: true }]), [
    { bindScope: 'lan', allowNewUsers: true },
  ]);
  refused('updateSettings', [{ bindScope: 'all' }], 'bindScope');
  for (const key of ['allowNewUsers', 'autoCloseSignups', 'openAtLogin', 'behindProxy']) {
    refused('updateSettings', [{ [key]: 'true' }], key);
  }
  refused('updateSettings', [{ dataDir: '/tmp' }], 'dataDir');
  refused('updateSettings', [null]);
  refused('updateSettings', [[]]);
  refused('updateSettings', []);
});

test('create account: e-mail needs @ and a dot after it; usernames follow the route rule; password ≥ 8', () => {
  assert.deepEqual(
    validateArgs('createAccount', [{ kind: 'sync11', name: 'alice@example.org', password: 'correct horse' }]),
    [{ kind: 'sync11', name: 'alice@example.org', password: 'correct horse' }],
  );
  assert.deepEqual(
    validateArgs('createAccount', [{ kind: 'sync11', name: 'alice', password: '12345678' }])[0].name,
    'alice',
  );
  refused('createAccount', [{ kind: 'sync11', name: 'alice@example', password: '12345678' }], 'name');
  refused('createAccount', [{ kind: 'sync11', name: '@example.org', password: '12345678' }], 'name');
  refused('createAccount', [{ kind: 'local', name: 'alice', password: '12345678' }], 'name');
  refused('createAccount', [{ kind: 'sync11', name: 'bad name!', password: '12345678' }], 'name');
  refused('createAccount', [{ kind: 'sync11', name: 'a'.repeat(33), password: '12345678' }], 'name');
  assert.match(
    refused('createAccount', [{ kind: 'sync11', name: 'alice', password: '1234567' }], 'password'),
    /at least 8/,
  );
  refused('createAccount', [{ kind: 'sync11', name: 'alice', password: 12345678 }], 'password');
  refused('createAccount', [{ kind: 'sync15', name: 'alice', password: '12345678' }], 'kind');
  refused('createAccount', [{ kind: 'sync11', name: 'alice', password: '12345678', admin: true }], 'admin');
});

test('account refs and password resets', () => {
  assert.deepEqual(validateArgs('deleteAccount', [{ kind: 'sync15', id: '42' }]), [
    { kind: 'sync15', id: '42' },
  ]);
  assert.deepEqual(validateArgs('deleteAccount', [{ kind: 'sync11', id: 'alice' }]), [
    { kind: 'sync11', id: 'alice' },
  ]);
  refused('deleteAccount', [{ kind: 'sync15', id: 'abc' }], 'id');
  refused('deleteAccount', [{ kind: 'sync11', id: '../x' }], 'id');
  refused('deleteAccount', [{ kind: 'nobody', id: 'x' }], 'kind');
  refused('deleteAccount', [{ kind: 'sync11', id: '' }], 'id');
  assert.deepEqual(validateArgs('resetPassword', [{ kind: 'sync11', id: 'alice', password: 'new secret' }]), [
    { kind: 'sync11', id: 'alice', password: 'new secret' },
  ]);
  refused('resetPassword', [{ kind: 'sync11', id: 'alice', password: 'short' }], 'password');
});

test('local accounts: created by e-mail (with a dot after the @), named by their 32-hex uid', () => {
  assert.deepEqual(
    validateArgs('createAccount', [{ kind: 'local', name: 'Carol@Example.org', password: 'temporary' }]),
    [{ kind: 'local', name: 'Carol@Example.org', password: 'temporary' }],
  );
  refused('createAccount', [{ kind: 'local', name: 'carol@localhost', password: 'temporary' }], 'name');
  refused('createAccount', [{ kind: 'local', name: 'carol@example.', password: 'temporary' }], 'name');
  refused('createAccount', [{ kind: 'local', name: 'carol @example.org', password: 'temporary' }], 'name');
  refused('createAccount', [{ kind: 'local', name: 'carol@example.org', password: 'seven77' }], 'password');
  const uid = '0123456789abcdef0123456789abcdef';
  assert.deepEqual(validateArgs('deleteAccount', [{ kind: 'local', id: uid }]), [{ kind: 'local', id: uid }]);
  assert.deepEqual(validateArgs('resetPassword', [{ kind: 'local', id: uid, password: 'new secret' }]), [
    { kind: 'local', id: uid, password: 'new secret' },
  ]);
  refused('deleteAccount', [{ kind: 'local', id: uid.toUpperCase() }], 'id');
  refused('deleteAccount', [{ kind: 'local', id: 'carol@example.org' }], 'id');
  refused('deleteAccount', [{ kind: 'local', id: `${uid}0` }], 'id');
  refused('resetPassword', [{ kind: 'local', id: uid, password: 'short' }], 'password');
});

test('log queries', () => {
  assert.deepEqual(validateArgs('logs', []), [{}]);
  assert.deepEqual(
    validateArgs('logs', [
      { afterSeq: 3, level: 'warn', status: 401, statusClass: true, user: 'bob', limit: 10 },
    ]),
    [{ afterSeq: 3, level: 'warn', status: 401, statusClass: true, user: 'bob', limit: 10 }],
  );
  refused('logs', [{ level: 'loud' }], 'level');
  refused('logs', [{ status: 99 }], 'status');
  refused('logs', [{ status: '404' }], 'status');
  refused('logs', [{ limit: 0 }], 'limit');
  refused('logs', [{ limit: 100000 }], 'limit');
  refused('logs', [{ afterSeq: -1 }], 'afterSeq');
  refused('logs', [{ statusClass: 1 }], 'statusClass');
});

test('backup and restore paths must be absolute', () => {
  assert.deepEqual(validateArgs('backup', ['/tmp/foxden.db']), ['/tmp/foxden.db']);
  assert.match(refused('backup', ['foxden.db'], 'path'), /full path/);
  refused('restore', ['./backup.db'], 'path');
  refused('restore', ['/tmp/a\0b'], 'path');
  refused('backup', [''], 'path');
  refused('backup', [7], 'path');
});
