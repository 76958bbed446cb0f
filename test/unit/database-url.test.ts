import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DatabaseUrlError, parseDatabaseUrl, withPassword } from '../../server/db/database-url.js';

const base = '/etc/foxden';

function refuses(raw: string, pattern: RegExp, secret?: string): void {
  assert.throws(
    () => parseDatabaseUrl(raw, { from: 'foxden.ini [storage] sqluri', base }),
    (err: unknown) => {
      assert.ok(err instanceof DatabaseUrlError, String(err));
      assert.match(err.message, /^foxden\.ini \[storage\] sqluri: /);
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
      if (secret) assert.ok(!err.message.includes(secret), `password shown: ${err.message}`);
      return true;
    },
  );
}

test('sqlite:////abs is absolute, sqlite:///rel is relative to the ini directory, a query is ignored', () => {
  assert.deepEqual(parseDatabaseUrl('sqlite:////var/lib/sync/sync.db', { base }), {
    kind: 'sqlite',
    file: '/var/lib/sync/sync.db',
  });
  assert.deepEqual(parseDatabaseUrl('sqlite:///db/sync.db', { base }), {
    kind: 'sqlite',
    file: path.join(base, 'db', 'sync.db'),
  });
  assert.deepEqual(parseDatabaseUrl('SQLite:///s.db?timeout=5', { base }), {
    kind: 'sqlite',
    file: path.join(base, 's.db'),
  });
  // Without a base, relative to the working directory (a --database-url on the command line).
  assert.deepEqual(parseDatabaseUrl('sqlite:///x.db'), { kind: 'sqlite', file: path.resolve('x.db') });
});

test('an in-memory or file-less sqlite URL and a plain path are refused, as config-load refused them', () => {
  refuses('sqlite:///:memory:', /in-memory/);
  refuses('sqlite://', /names no database file/);
  refuses('sqlite:///', /names no database file/);
  refuses('sqlite://rel.db', /names no database file/);
  refuses('/plain/path.db', /"\/plain\/path\.db" is not a database URI/);
  refuses('oracle://u:pw@h/db', /"oracle" databases are not supported/, 'pw');
});

test('postgresql:// and postgres:// are PostgreSQL; display drops the password', () => {
  assert.deepEqual(parseDatabaseUrl('postgresql://foxden:s3cret@db.lan:5432/foxden'), {
    kind: 'postgres',
    url: 'postgresql://foxden:s3cret@db.lan:5432/foxden',
    display: 'postgresql://foxden@db.lan:5432/foxden',
  });
  assert.deepEqual(parseDatabaseUrl('postgres://foxden@db.lan/foxden?sslmode=require'), {
    kind: 'postgres',
    url: 'postgresql://foxden@db.lan/foxden?sslmode=require',
    display: 'postgresql://foxden@db.lan/foxden?sslmode=require',
  });
  assert.deepEqual(parseDatabaseUrl('postgresql+psycopg2://u:p@[::1]:6543/d'), {
    kind: 'postgres',
    url: 'postgresql://u:p@[::1]:6543/d',
    display: 'postgresql://u@[::1]:6543/d',
  });
});

test('mysql://, pymysql:// and mysql+pymysql:// are MySQL, normalised to mysql:// for mysql2', () => {
  for (const scheme of ['mysql', 'pymysql', 'mysql+pymysql', 'MySQL']) {
    assert.deepEqual(parseDatabaseUrl(`${scheme}://sync:sync@localhost:3306/sync`), {
      kind: 'mysql',
      url: 'mysql://sync:sync@localhost:3306/sync',
      display: 'mysql://sync@localhost:3306/sync',
    });
  }
  // TLS parameters pass through; a password given as a parameter is left out of display.
  assert.deepEqual(parseDatabaseUrl('mysql://u@h/d?ssl={"rejectUnauthorized":true}&password=pw'), {
    kind: 'mysql',
    url: 'mysql://u@h/d?ssl={%22rejectUnauthorized%22:true}&password=pw',
    display: 'mysql://u@h/d?ssl=%7B%22rejectUnauthorized%22%3Atrue%7D',
  });
});

test('bad network URLs are refused in one line that never holds the password', () => {
  refuses('postgresql:///foxden', /postgresql:\/\/\/foxden names no host/);
  refuses('postgresql://foxden:hunter2@/foxden', /no host|not valid/, 'hunter2');
  refuses('mysql://foxden:hunter2@db.lan', /mysql:\/\/foxden@db\.lan names no database/, 'hunter2');
  refuses('mysql://foxden:hunter2@db.lan/', /names no database/, 'hunter2');
  refuses('postgresql://foxden:hunter2@db.lan/a/b', /names no database/, 'hunter2');
  refuses('postgresql://foxden:hunter2@db.lan:99999/foxden', /URL is not valid; percent-encode/, 'hunter2');
  // An unencoded '#' in a password splits it into a fragment: refused without showing either half.
  refuses('postgresql://foxden:hun#ter2@db.lan/foxden', /not valid|#fragment/, 'ter2');
  refuses('postgresql://foxden:hun#ter2@db.lan/foxden', /./, 'hun');
  refuses('mysql://u:p@ss:w0rd@h:notaport/d', /not valid/, 'w0rd');
  refuses('pymysql:/u:hunter2@h/d', /the value is not a database URI/, 'hunter2');
});

test('withPassword puts a password from a file into the URL, encoded, and leaves display alone', () => {
  const location = parseDatabaseUrl('postgresql://foxden@db.lan:5432/foxden?sslmode=require');
  const withIt = withPassword(location, 'p@ss:w/rd%41#?\n');
  assert.ok(withIt.kind === 'postgres');
  assert.equal(withIt.display, 'postgresql://foxden@db.lan:5432/foxden?sslmode=require');
  const url = new URL(withIt.url);
  assert.equal(decodeURIComponent(url.password), 'p@ss:w/rd%41#?');
  assert.equal(url.hostname, 'db.lan');
  assert.equal(url.search, '?sslmode=require');
  // A password already in the URL is replaced by the file's.
  const replaced = withPassword(parseDatabaseUrl('mysql://u:old@h/d'), 'new');
  assert.ok(replaced.kind === 'mysql' && replaced.url === 'mysql://u:new@h/d');
});

test('withPassword refuses an sqlite location, an empty password and a URL without a user', () => {
  assert.throws(() => withPassword({ kind: 'sqlite', file: '/x.db' }, 'pw'), /only used with postgresql/);
  assert.throws(() => withPassword(parseDatabaseUrl('mysql://u@h/d'), '\n'), /password file is empty/);
  assert.throws(() => withPassword(parseDatabaseUrl('postgresql://db.lan/foxden'), 'pw'), {
    message: /^postgresql:\/\/db\.lan\/foxden names no user for the password/,
  });
});
