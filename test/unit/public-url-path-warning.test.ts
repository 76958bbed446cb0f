import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { computeWarnings } from '../../server/admin/warnings.js';
import { defaultConfig } from '../../server/config.js';
import { configWarnings } from '../../server/config-warnings.js';

// Issue 11 item 10: a public URL with a path (https://host/sync/) only works when a reverse
// proxy removes that prefix; with no proxy trusted, Foxden answers those paths 404.

const base = { dataDir: '/tmp/foxden-unused', port: 8173 };

test('start: a public URL with a path and no proxy trusted is flagged, naming the path', () => {
  const config = defaultConfig({ ...base, publicUrl: 'http://192.168.1.20:8173/sync/' });
  const warnings = configWarnings(config, 'linux');
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /ends in the path \/sync\/.*404 unless a reverse proxy removes \/sync/);
  assert.match(warnings[0]!, /set trust_proxy/);
});

test('start: no such warning with a proxy trusted, or at the root', () => {
  const proxied = defaultConfig({
    ...base,
    publicUrl: 'https://sync.example.org/sync/',
    trustProxy: 'loopback',
  });
  assert.deepEqual(configWarnings(proxied, 'linux'), []);
  for (const publicUrl of ['http://192.168.1.20:8173/', 'http://192.168.1.20:8173']) {
    assert.deepEqual(configWarnings(defaultConfig({ ...base, publicUrl }), 'linux'), [], publicUrl);
  }
});

test('dashboard: the same warning, until "Behind a reverse proxy" is on', () => {
  const codes = (settings: Partial<typeof DEFAULT_SETTINGS>) =>
    computeWarnings({ ...DEFAULT_SETTINGS, ...settings }, 'linux', { accountCount: 0 }).map((w) => w.code);
  const publicUrl = `http://127.0.0.1:${DEFAULT_SETTINGS.port}/foxden/`;
  assert.deepEqual(codes({ publicUrl }), ['public-url-path-without-proxy']);
  assert.deepEqual(codes({ publicUrl, behindProxy: true }), []);
  const [warning] = computeWarnings({ ...DEFAULT_SETTINGS, publicUrl }, 'linux', { accountCount: 0 });
  assert.match(warning!.message, /\/foxden\/.*404/);
});
