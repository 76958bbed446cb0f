import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { IniError, parseIni } from '../../server/ini.js';

test('values convert like services/config.py: ints, booleans, quoted strings (spec 1.1 §8.1)', () => {
  const ini = parseIni(
    [
      '[storage]',
      'quota_size = 5120',
      'negative = -3',
      'version = 1.5',
      'mixed = 12abc',
      'use_quota = TRUE',
      'create_tables = false',
      'quoted = "  spaced 42 "',
      'empty =',
    ].join('\n'),
  );
  const s = ini.storage!;
  assert.equal(s.quota_size, 5120);
  assert.equal(s.negative, -3);
  assert.equal(s.version, '1.5');
  assert.equal(s.mixed, '12abc');
  assert.equal(s.use_quota, true);
  assert.equal(s.create_tables, false);
  assert.equal(s.quoted, '  spaced 42 ');
  assert.equal(s.empty, '');
});

test('comments: full-line # and ;, inline ones only after whitespace', () => {
  const ini = parseIni(
    [
      '# top',
      '[global]',
      '; a comment',
      'retry_after = 60 ; seconds',
      'url = http://x/#frag',
      'pw = a;b # note',
    ].join('\n'),
  );
  assert.deepEqual({ ...ini.global }, { retry_after: 60, url: 'http://x/#frag', pw: 'a;b' });
});

test('${VAR} reads the environment and a missing variable is an error naming the line', () => {
  const ini = parseIni('[global]\nshared_secret = ${SECRET}-x\n', { env: { SECRET: 's3' } });
  assert.equal(ini.global!.shared_secret, 's3-x');
  assert.throws(
    () => parseIni('[global]\n\nshared_secret = ${NOPE}\n', { env: {}, file: '/etc/sync.conf' }),
    (err: unknown) =>
      err instanceof IniError && /sync\.conf line 3/.test(err.message) && /NOPE/.test(err.message),
  );
});

test('%(here)s is the directory of the config file; %(key)s and %% interpolate', () => {
  const file = path.join('/srv', 'foxden', 'sync.conf');
  const ini = parseIni(
    '[DEFAULT]\nbase = %(here)s/db\n[storage]\nsqluri = sqlite:///%(here)s/sync.db\nother = %(base)s/x\npct = 100%%\n',
    { file },
  );
  assert.equal(ini.storage!.sqluri, 'sqlite:////srv/foxden/sync.db');
  assert.equal(ini.storage!.other, '/srv/foxden/db/x');
  assert.equal(ini.storage!.pct, '100%');
});

test('indented continuation lines make a list; keys are lower-cased; key: value works', () => {
  const ini = parseIni('[app]\nModules =\n    one\n    2\n    true\nname: value\n');
  assert.deepEqual(ini.app!.modules, ['one', 2, true]);
  assert.equal(ini.app!.name, 'value');
});

test('malformed files are refused with the line number', () => {
  const cases: Array<[string, RegExp]> = [
    ['key = before any section\n', /line 1.*before any \[section\]/],
    ['[a]\nthis is not an option\n', /line 2: expected "key = value"/],
    ['[DEFAULT]\nextends = other.ini\n', /extends/],
    ['[host:sync.example.org]\nstorage.sqluri = x\n', /per-host sections/],
    ['[a]\nx = %(missing)s\n', /does not exist/],
    ['[a]\nx = %(y)s\ny = %(x)s\n', /refers to itself/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(
      () => parseIni(text),
      (err: unknown) => err instanceof IniError && pattern.test(err.message),
      text,
    );
  }
});

test('a byte-order mark and CRLF line ends are accepted', () => {
  const ini = parseIni('\uFEFF[nodes]\r\nfallback_node = http://localhost:5000/\r\n');
  assert.equal(ini.nodes!.fallback_node, 'http://localhost:5000/');
});
