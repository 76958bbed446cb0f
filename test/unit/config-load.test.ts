import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_PORT, defaultDataDir } from '../../server/config.js';
import { ConfigError, type ConfigFlags } from '../../server/config-load.js';
import { configFiles } from '../helpers/config-files.js';

const { tmp, iniFile, load, refuses } = configFiles();

test('defaults: loopback, port 8173, sign-ups closed, platform data dir, matching public URL', () => {
  const { config, publicUrlGiven } = load();
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, DEFAULT_PORT);
  assert.equal(config.publicUrl, `http://127.0.0.1:${DEFAULT_PORT}/`);
  assert.equal(config.allowNewUsers, false);
  assert.equal(config.strictUsernames, true);
  assert.equal(config.dataDir, defaultDataDir({}));
  assert.deepEqual(config.database, { kind: 'sqlite', file: path.join(defaultDataDir({}), 'foxden.db') });
  assert.equal(config.masterSecret, null);
  assert.equal(config.logFormat, 'text');
  assert.equal(publicUrlGiven, false);
});

test('precedence is defaults ← ini ← environment ← flags, key by key', () => {
  const file = iniFile(
    '[foxden]\nhost = 0.0.0.0\nport = 9001\ndata_dir = ini-data\nlog_format = json\ntrust_proxy = loopback\n' +
      '[nodes]\nfallback_node = http://ini.example/\n[auth]\nallow_new_users = true\n',
  );
  const iniOnly = load({ config: file }).config;
  assert.equal(iniOnly.host, '0.0.0.0');
  assert.equal(iniOnly.port, 9001);
  assert.equal(iniOnly.dataDir, path.join(tmp, 'ini-data'), 'ini paths are relative to the ini file');
  assert.equal(iniOnly.publicUrl, 'http://ini.example/');
  assert.equal(iniOnly.allowNewUsers, true);
  assert.equal(iniOnly.logFormat, 'json');
  assert.equal(iniOnly.trustProxy, 'loopback');

  const env = {
    FOXDEN_PORT: '9002',
    FOXDEN_DATA_DIR: '/env/data',
    FOXDEN_PUBLIC_URL: 'https://env.example',
    FOXDEN_ALLOW_NEW_USERS: 'false',
    FOXDEN_LOG_FORMAT: 'text',
  };
  const withEnv = load({ config: file }, env).config;
  assert.equal(withEnv.host, '0.0.0.0', 'the ini value stays where the environment says nothing');
  assert.equal(withEnv.port, 9002);
  assert.equal(withEnv.dataDir, '/env/data');
  assert.equal(withEnv.publicUrl, 'https://env.example/');
  assert.equal(withEnv.allowNewUsers, false);
  assert.equal(withEnv.logFormat, 'text');

  const withFlags = load(
    {
      config: file,
      port: '9003',
      host: '127.0.0.1',
      allowNewUsers: true,
      publicUrl: 'http://flag.example:9003',
    },
    { ...env, FOXDEN_HOST: '192.168.1.5' },
  ).config;
  assert.equal(withFlags.port, 9003);
  assert.equal(withFlags.host, '127.0.0.1');
  assert.equal(withFlags.allowNewUsers, true);
  assert.equal(withFlags.publicUrl, 'http://flag.example:9003/');
  assert.equal(withFlags.dataDir, '/env/data');
  assert.deepEqual(withFlags.database, { kind: 'sqlite', file: path.join('/env/data', 'foxden.db') });
});

test('FOXDEN_CONFIG names the ini file when --config does not', () => {
  const file = iniFile('[foxden]\nport = 9100\n');
  assert.equal(load({}, { FOXDEN_CONFIG: file }).config.port, 9100);
});

test('every seed setting keeps its meaning (spec 1.1 §8.2)', () => {
  const file = iniFile(
    [
      '[nodes]',
      'fallback_node = http://localhost:5000',
      '[storage]',
      'sqluri = sqlite:////var/lib/sync/sync.db',
      'use_quota = true',
      'quota_size = 5120',
      'batch_max_count = 50',
      'batch_max_bytes = 262144',
      'backend = syncstorage.storage.sql.SQLStorage',
      '[auth]',
      'allow_new_users = false',
      'strict_usernames = false',
      '[global]',
      'shared_secret = "let me in"',
      'retry_after = 600',
    ].join('\n'),
  );
  const { config } = load({ config: file });
  assert.equal(config.publicUrl, 'http://localhost:5000/');
  assert.deepEqual(config.database, { kind: 'sqlite', file: '/var/lib/sync/sync.db' });
  assert.equal(config.quotaKb, 5120);
  assert.equal(config.sync11.batchMaxCount, 50);
  assert.equal(config.sync11.batchMaxBytes, 262144);
  assert.equal(config.allowNewUsers, false);
  assert.equal(config.strictUsernames, false);
  assert.equal(config.sharedSecret, 'let me in');
  assert.equal(config.retryAfter, 600);
});

test('a relative sqlite:/// path is relative to the ini file, %(here)s works too', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'etc-'));
  assert.deepEqual(
    load({ config: iniFile('[storage]\nsqluri = sqlite:///db/sync.db\n', dir) }).config.database,
    {
      kind: 'sqlite',
      file: path.join(dir, 'db', 'sync.db'),
    },
  );
  assert.deepEqual(
    load({ config: iniFile('[storage]\nsqluri = sqlite:///%(here)s/s.db\n', dir) }).config.database,
    {
      kind: 'sqlite',
      file: path.join(dir, 's.db'),
    },
  );
});

test('use_quota = false turns quotas off whatever quota_size says; --quota-kb overrides, 0 = off', () => {
  const off = iniFile('[storage]\nuse_quota = false\nquota_size = 5120\n');
  assert.equal(load({ config: off }).config.quotaKb, null);
  assert.equal(load({ config: off, quotaKb: '100' }).config.quotaKb, 100);
  const on = iniFile('[storage]\nuse_quota = true\nquota_size = 5120\n');
  assert.equal(load({ config: on, quotaKb: '0' }).config.quotaKb, null);
});

test('[server:main] host/port from development.ini are read, [foxden] wins over them', () => {
  const file = iniFile('[server:main]\nhost = 0.0.0.0\nport = 5000\n[foxden]\nport = 5001\n');
  const { config } = load({ config: file });
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.port, 5001);
});

test('[storage] sqluri: sqlite, postgresql/postgres and mysql/pymysql URIs; other schemes say which are supported', () => {
  const database = (uri: string) => load({ config: iniFile(`[storage]\nsqluri = ${uri}\n`) }).config.database;
  assert.deepEqual(database('sqlite:////var/lib/sync/s.db'), { kind: 'sqlite', file: '/var/lib/sync/s.db' });
  for (const [uri, kind, display] of [
    ['postgresql://sync:pw@db.lan:5432/sync', 'postgres', 'postgresql://sync@db.lan:5432/sync'],
    ['postgres://sync@db.lan/sync', 'postgres', 'postgresql://sync@db.lan/sync'],
    ['mysql://sync:sync@localhost:3306/sync', 'mysql', 'mysql://sync@localhost:3306/sync'],
    ['pymysql://sync:sync@localhost/sync', 'mysql', 'mysql://sync@localhost/sync'],
  ] as const) {
    const location = database(uri);
    assert.equal(location.kind, kind, uri);
    assert.equal(
      'display' in location ? location.display : null,
      display,
      `${uri} shows without its password`,
    );
  }
  refuses(
    { config: iniFile('[storage]\nsqluri = oracle://u@h/db\n') },
    {},
    /use sqlite, postgresql or mysql/,
  );
  refuses({ config: iniFile('[storage]\nsqluri = sqlite:///:memory:\n') }, {}, /in-memory/);
  refuses({ config: iniFile('[storage]\nsqluri = /plain/path.db\n') }, {}, /not a database URI/);
});

test('the database URL: --database-url over FOXDEN_DATABASE_URL over [storage] sqluri over the data dir', () => {
  const ini = iniFile('[storage]\nsqluri = mysql://ini@db.lan/foxden\n');
  const env = { FOXDEN_DATABASE_URL: 'postgresql://env@db.lan/foxden' };
  const shown = (flags: ConfigFlags, e: NodeJS.ProcessEnv) => {
    const { config, origins } = load(flags, e);
    const where = config.database.kind === 'sqlite' ? config.database.file : config.database.display;
    return [where, origins.database?.from];
  };
  assert.deepEqual(shown({ dataDir: '/d' }, {}), ['/d/foxden.db', undefined]);
  assert.deepEqual(shown({ config: ini, dataDir: '/d' }, {}), [
    'mysql://ini@db.lan/foxden',
    `${path.basename(ini)} [storage] sqluri`,
  ]);
  assert.deepEqual(shown({ config: ini }, env), [
    'postgresql://env@db.lan/foxden',
    'environment variable FOXDEN_DATABASE_URL',
  ]);
  assert.deepEqual(shown({ config: ini, databaseUrl: 'sqlite:///rel.db' }, env), [
    path.join(tmp, 'rel.db'),
    '--database-url',
  ]);
  refuses(
    { databaseUrl: 'postgresql://u:hunter2@db.lan/' },
    {},
    /^--database-url: postgresql:\/\/u@db.lan\/ names no database/,
  );
  assert.throws(
    () => load({ databaseUrl: 'postgresql://u:hunter2@db.lan/' }),
    (err: unknown) => err instanceof ConfigError && !err.message.includes('hunter2'),
  );
});

test('FOXDEN_DATABASE_PASSWORD_FILE: its first line goes into the URL, never into display or errors', () => {
  const file = path.join(tmp, 'db-password');
  fs.writeFileSync(file, 's3cret p@ss\nsecond line\n');
  const { config } = load(
    { databaseUrl: 'postgresql://foxden@127.0.0.1:5432/foxden' },
    { FOXDEN_DATABASE_PASSWORD_FILE: file },
  );
  assert.ok(config.database.kind === 'postgres');
  assert.equal(new URL(config.database.url).username, 'foxden');
  assert.equal(decodeURIComponent(new URL(config.database.url).password), 's3cret p@ss');
  assert.equal(config.database.display, 'postgresql://foxden@127.0.0.1:5432/foxden');
  // The file wins over a password written in the URL.
  const over = load(
    { databaseUrl: 'mysql://foxden:old@db.lan/foxden' },
    { FOXDEN_DATABASE_PASSWORD_FILE: file },
  ).config;
  assert.ok(over.database.kind === 'mysql' && !over.database.url.includes('old'));

  refuses(
    {},
    { FOXDEN_DATABASE_PASSWORD_FILE: file },
    /FOXDEN_DATABASE_PASSWORD_FILE: .*SQLite file has none/,
  );
  refuses(
    { databaseUrl: 'postgresql://db.lan/foxden' },
    { FOXDEN_DATABASE_PASSWORD_FILE: file },
    /names no user/,
  );
  refuses(
    { databaseUrl: 'postgresql://foxden@db.lan/foxden' },
    { FOXDEN_DATABASE_PASSWORD_FILE: path.join(tmp, 'missing') },
    /FOXDEN_DATABASE_PASSWORD_FILE: cannot read .*missing \(ENOENT\)/,
  );
  const empty = path.join(tmp, 'empty-password');
  fs.writeFileSync(empty, '\n');
  refuses(
    { databaseUrl: 'postgresql://foxden@db.lan/foxden' },
    { FOXDEN_DATABASE_PASSWORD_FILE: empty },
    /is empty/,
  );
  for (const bad of [
    () => load({ databaseUrl: 'postgresql://foxden@db.lan/foxden' }, { FOXDEN_DATABASE_PASSWORD_FILE: file }),
  ]) {
    assert.ok(!JSON.stringify(bad().origins).includes('s3cret'));
  }
});

test('bad values are refused with one line naming where they came from', () => {
  refuses(
    { port: '70000' },
    {},
    /^--port must be a port number from 1 to 65535 \(or 0 for any free port\), not "70000"\.$/,
  );
  refuses({ port: '12.5' }, {}, /--port/);
  refuses({ port: '-1' }, {}, /--port/);
  refuses({ port: '' }, {}, /--port/);
  refuses({}, { FOXDEN_PORT: 'http' }, /environment variable FOXDEN_PORT/);
  refuses({ publicUrl: 'ftp://example.org/' }, {}, /--public-url.*http:\/\/ or https:\/\//);
  refuses({ publicUrl: 'example.org' }, {}, /--public-url/);
  refuses({ publicUrl: 'http://user:pw@example.org/' }, {}, /without a user name/);
  refuses({ logFormat: 'xml' }, {}, /--log-format must be text or json, not "xml"/);
  refuses({ trustProxy: 'not an address' }, {}, /--trust-proxy/);
  refuses({ quotaKb: 'lots' }, {}, /--quota-kb/);
  refuses({ host: 'bad host!' }, {}, /--host/);
  refuses({}, { FOXDEN_ALLOW_NEW_USERS: 'maybe' }, /FOXDEN_ALLOW_NEW_USERS: "maybe" is not true or false/);
  refuses({ fxaJwksFile: 'missing.json' }, {}, /--fxa-jwks-file.*existing file/);
  refuses({ fxaOauthServer: 'oauth' }, {}, /--fxa-oauth-server/);
  refuses({ config: path.join(tmp, 'nope.ini') }, {}, /Cannot read the config file/);
  const badIni = iniFile('[storage]\nuse_quota = true\n');
  refuses({ config: badIni }, {}, /quota_size/);
  const badPort = iniFile('[foxden]\nport = eighty\n');
  refuses({ config: badPort }, {}, /\[foxden\] port: "eighty"/);
  const badBatch = iniFile('[storage]\nbatch_max_count = 0\n');
  refuses({ config: badBatch }, {}, /batch_max_count/);
});

test('port 0 means "any free port"; --trust-proxy takes booleans, hop counts and address lists', () => {
  assert.equal(load({ port: '0' }).config.port, 0);
  assert.equal(load({ trustProxy: 'true' }).config.trustProxy, true);
  assert.equal(load({ trustProxy: 'false' }).config.trustProxy, false);
  assert.equal(load({ trustProxy: '2' }).config.trustProxy, 2);
  assert.equal(
    load({ trustProxy: 'loopback,10.0.0.0/8, ::1' }).config.trustProxy,
    'loopback, 10.0.0.0/8, ::1',
  );
});

test('a listen address other than loopback/wildcard becomes the default public URL host', () => {
  assert.equal(load({ host: '192.168.1.20', port: '8200' }).config.publicUrl, 'http://192.168.1.20:8200/');
  assert.equal(load({ host: '0.0.0.0', port: '8200' }).config.publicUrl, 'http://127.0.0.1:8200/');
  assert.equal(load({ host: '::1', port: '8200' }).config.publicUrl, 'http://[::1]:8200/');
});

test('the master secret comes from FOXDEN_MASTER_SECRET, else from a file, else stays null', () => {
  const secretFile = path.join(tmp, 'secret');
  fs.writeFileSync(secretFile, 'from-file\n', { mode: 0o600 });
  assert.equal(load({}, { FOXDEN_MASTER_SECRET: 'from-env' }).config.masterSecret, 'from-env');
  const viaFile = load({ masterSecretFile: secretFile }).config;
  assert.equal(viaFile.masterSecret, 'from-file');
  assert.equal(viaFile.masterSecretFile, secretFile);
  assert.equal(load({}, { FOXDEN_MASTER_SECRET_FILE: secretFile }).config.masterSecret, 'from-file');
  assert.equal(
    load({ masterSecretFile: secretFile }, { FOXDEN_MASTER_SECRET: 'env-wins' }).config.masterSecret,
    'env-wins',
  );
  const iniSecret = iniFile(`[foxden]\nmaster_secret_file = ${secretFile}\n`);
  assert.equal(load({ config: iniSecret }).config.masterSecret, 'from-file');
  refuses({}, { FOXDEN_MASTER_SECRET: '  ' }, /FOXDEN_MASTER_SECRET is set but empty/);
  const empty = path.join(tmp, 'empty-secret');
  fs.writeFileSync(empty, '\n');
  refuses({ masterSecretFile: empty }, {}, /is empty/);
});

test('unknown [foxden] keys and ignored seed settings are reported as notes, not errors', () => {
  const file = iniFile(
    '[foxden]\nprot = 1\n[storage]\nsqluri = sqlite:////a.db\n[auth]\nsqluri = sqlite:////b.db\n[captcha]\nuse = true\n',
  );
  const { notes } = load({ config: file });
  assert.equal(notes.length, 3);
  assert.match(notes[0]!, /\[foxden\] prot/);
  assert.ok(notes.some((n) => /\[auth\] sqluri is ignored/.test(n)));
  assert.ok(notes.some((n) => /captcha/.test(n)));
});
