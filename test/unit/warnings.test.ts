import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeWarnings, type RuntimeFacts } from '../../server/admin/warnings.js';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import type { AdminSettings, Warning } from '../../server/admin/api.js';

const facts: RuntimeFacts = { accountCount: 0 };

function codes(
  settings: Partial<AdminSettings>,
  platform: NodeJS.Platform = 'linux',
  f: RuntimeFacts = facts,
): Warning['code'][] {
  return computeWarnings({ ...DEFAULT_SETTINGS, ...settings }, platform, f).map((w) => w.code);
}

test('the default settings raise no warning on any platform', () => {
  for (const platform of ['linux', 'darwin', 'win32'] as const) assert.deepEqual(codes({}, platform), []);
});

test('every port of both Firefox blocked lists is flagged (spec 1.1 §10.1)', () => {
  const classic = [
    1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 77, 79, 87, 95, 101, 102, 103, 104, 109,
    110, 111, 113, 115, 117, 119, 123, 135, 139, 143, 179, 389, 465, 512, 513, 514, 515, 526, 530, 531, 532,
    540, 556, 563, 587, 601, 636, 993, 995, 2049, 4045, 6000,
  ];
  const modern = [
    69, 137, 161, 427, 548, 554, 989, 990, 1719, 1720, 1723, 3659, 4190, 5060, 5061, 6566, 6665, 6666, 6667,
    6668, 6669, 6679, 6697, 10080,
  ];
  assert.equal(classic.length, 58);
  for (const port of [...classic, ...modern]) {
    const w = computeWarnings(
      { ...DEFAULT_SETTINGS, port, publicUrl: `http://127.0.0.1:${port}/` },
      'linux',
      facts,
    );
    assert.ok(
      w.some((x) => x.code === 'port-blocked-by-firefox' && x.severity === 'error'),
      `port ${port}`,
    );
  }
  assert.ok(!codes({ port: 6001, publicUrl: 'http://127.0.0.1:6001/' }).includes('port-blocked-by-firefox'));
  // Behind a proxy the public URL's own port matters too.
  assert.deepEqual(codes({ publicUrl: 'http://sync.example.org:6000/', behindProxy: true }), [
    'port-blocked-by-firefox',
  ]);
});

test('ports below 1024 are privileged; 1024 is not', () => {
  assert.ok(codes({ port: 80, publicUrl: 'http://127.0.0.1/' }).includes('port-privileged'));
  assert.ok(codes({ port: 1023, publicUrl: 'http://127.0.0.1:1023/' }).includes('port-privileged'));
  assert.ok(!codes({ port: 1024, publicUrl: 'http://127.0.0.1:1024/' }).includes('port-privileged'));
  const win = computeWarnings(
    { ...DEFAULT_SETTINGS, port: 443, publicUrl: 'https://127.0.0.1/' },
    'win32',
    facts,
  );
  assert.match(win.find((w) => w.code === 'port-privileged')?.message ?? '', /reserved/);
});

test('5000 and 7000 warn about AirPlay on macOS only', () => {
  for (const port of [5000, 7000]) {
    const url = `http://127.0.0.1:${port}/`;
    assert.deepEqual(codes({ port, publicUrl: url }, 'darwin'), ['port-macos-airplay']);
    assert.deepEqual(codes({ port, publicUrl: url }, 'linux'), []);
  }
});

test('a listen error becomes port-in-use (EADDRINUSE) or listen-failed, in the words given', () => {
  const inUse = computeWarnings(DEFAULT_SETTINGS, 'linux', {
    accountCount: 0,
    listenError: {
      code: 'EADDRINUSE',
      message: 'Port 8173 is already in use by another program on 127.0.0.1.',
    },
  });
  assert.equal(inUse.length, 1);
  assert.equal(inUse[0]?.code, 'port-in-use');
  assert.match(inUse[0]?.message ?? '', /already in use/);
  for (const code of ['EACCES', 'EADDRNOTAVAIL', null]) {
    const w = computeWarnings(DEFAULT_SETTINGS, 'linux', {
      accountCount: 0,
      listenError: { code, message: 'plain words' },
    });
    assert.deepEqual(
      w.map((x) => [x.code, x.message]),
      [['listen-failed', 'plain words']],
    );
  }
});

test('a public URL without http:// or https:// is flagged', () => {
  assert.deepEqual(codes({ publicUrl: '192.168.1.20:8173' }), ['public-url-scheme']);
  assert.deepEqual(codes({ publicUrl: 'ftp://192.168.1.20:8173/' }), ['public-url-scheme']);
  assert.deepEqual(codes({ publicUrl: 'HTTP://127.0.0.1:8173/' }), []);
});

test('spaces or an unparsable URL are flagged as invalid', () => {
  assert.deepEqual(codes({ publicUrl: 'http://my server:8173/' }), ['public-url-invalid']);
  assert.deepEqual(codes({ publicUrl: 'http://[::1:8173/' }), ['public-url-invalid']);
  assert.deepEqual(codes({ publicUrl: 'http://' }), ['public-url-invalid']);
});

test('a loopback public URL while serving the home network is flagged', () => {
  for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]']) {
    assert.deepEqual(
      codes({ bindScope: 'lan', publicUrl: `http://${host}:8173/` }),
      ['public-url-localhost-on-lan'],
      host,
    );
    assert.deepEqual(codes({ bindScope: 'local', publicUrl: `http://${host}:8173/` }), [], host);
  }
  assert.deepEqual(codes({ bindScope: 'lan', publicUrl: 'http://192.168.1.20:8173/' }), []);
});

test('a public URL port different from the listener warns unless behind a proxy', () => {
  assert.deepEqual(codes({ publicUrl: 'http://127.0.0.1:9000/' }), ['public-url-port-mismatch']);
  // HTTPS off and no proxy: the https:// URL is also said to be unreachable (https-warnings.test.ts).
  assert.deepEqual(codes({ publicUrl: 'https://sync.example.org/' }), [
    'public-url-port-mismatch',
    'public-url-https-without-tls',
  ]);
  assert.deepEqual(codes({ publicUrl: 'https://sync.example.org/', behindProxy: true }), []);
  assert.deepEqual(codes({ port: 443, https: 'auto', publicUrl: 'https://127.0.0.1/' }), ['port-privileged']);
});

test('open sign-ups warn once more than one account exists', () => {
  assert.deepEqual(codes({ allowNewUsers: true }, 'linux', { accountCount: 1 }), []);
  assert.deepEqual(codes({ allowNewUsers: true }, 'linux', { accountCount: 2 }), [
    'signups-open-with-accounts',
  ]);
  assert.deepEqual(codes({ allowNewUsers: false }, 'linux', { accountCount: 5 }), []);
});

test('every warning has a one-sentence message and a known severity', () => {
  const all = computeWarnings(
    {
      ...DEFAULT_SETTINGS,
      port: 5000,
      bindScope: 'lan',
      publicUrl: 'http://localhost:22/',
      allowNewUsers: true,
    },
    'darwin',
    { accountCount: 3, listenError: { code: 'EADDRINUSE', message: 'Port 5000 is already in use.' } },
  );
  assert.deepEqual(all.map((w) => w.code).sort(), [
    'port-blocked-by-firefox',
    'port-in-use',
    'port-macos-airplay',
    'public-url-localhost-on-lan',
    'public-url-port-mismatch',
    'signups-open-with-accounts',
  ]);
  for (const w of all) {
    assert.ok(w.message.length > 10 && !w.message.includes('\n'));
    assert.ok(w.severity === 'warning' || w.severity === 'error');
  }
});
