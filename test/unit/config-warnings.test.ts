import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig } from '../../server/config.js';
import { configWarnings } from '../../server/config-warnings.js';

const base = { dataDir: '/tmp/foxden-unused' };

test('a plain local setup has no warnings', () => {
  assert.deepEqual(configWarnings(defaultConfig(base), 'linux'), []);
});

test('a public URL on another port without trust_proxy is flagged; with a proxy it is not', () => {
  const config = defaultConfig({ ...base, port: 8173, publicUrl: 'https://sync.example.org/' });
  const warnings = configWarnings(config, 'linux');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /uses port 443 but Foxden listens on port 8173/);
  assert.deepEqual(configWarnings({ ...config, trustProxy: 'loopback' }, 'linux'), []);
});

test('a blocked listen port and a blocked public port are both flagged', () => {
  const config = defaultConfig({ ...base, port: 6000, publicUrl: 'http://127.0.0.1:6000/' });
  assert.match(configWarnings(config, 'linux').join('\n'), /blocked ports/);
  const proxied = defaultConfig({ ...base, publicUrl: 'http://sync.lan:6667/', trustProxy: true });
  assert.match(configWarnings(proxied, 'linux').join('\n'), /port 6667, which Firefox and Pale Moon refuse/);
});

test('serving the home network with a loopback public URL is flagged', () => {
  const config = defaultConfig({ ...base, host: '0.0.0.0', publicUrl: 'http://127.0.0.1:8173/' });
  assert.match(configWarnings(config, 'linux').join('\n'), /points at this computer only/);
  const good = defaultConfig({ ...base, host: '0.0.0.0', publicUrl: 'http://192.168.1.20:8173/' });
  assert.deepEqual(configWarnings(good, 'linux'), []);
});

test('port 0 skips the port comparison: the real port is not known yet', () => {
  assert.deepEqual(
    configWarnings(defaultConfig({ ...base, port: 0, publicUrl: 'http://127.0.0.1:0/' }), 'linux'),
    [],
  );
});
