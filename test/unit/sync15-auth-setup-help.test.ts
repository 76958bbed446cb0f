import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setupHelp } from '../../server/sync15/setup-help.js';

test('desktop: the exact about:config pref and the full token URL', () => {
  const help = setupHelp('http://192.168.1.20:8173/');
  assert.equal(help.tokenServerUrl, 'http://192.168.1.20:8173/1.0/sync/1.5');
  assert.equal(help.desktop.pref, 'identity.sync.tokenserver.uri');
  assert.equal(help.desktop.value, 'http://192.168.1.20:8173/1.0/sync/1.5');
  assert.ok(help.desktop.steps.some((s) => s.includes('about:config')));
  assert.ok(help.desktop.steps.some((s) => s.includes(help.desktop.value)));
});

test('a public URL without a trailing slash or with a path prefix', () => {
  assert.equal(setupHelp('https://sync.example.com').tokenServerUrl, 'https://sync.example.com/1.0/sync/1.5');
  assert.equal(
    setupHelp('https://example.com/sync/').tokenServerUrl,
    'https://example.com/sync/1.0/sync/1.5',
  );
});

test('android: secret settings steps, in order, with the URL', () => {
  const help = setupHelp('http://10.0.0.2:8173/');
  const text = help.android.steps.join('\n');
  assert.equal(help.android.value, 'http://10.0.0.2:8173/1.0/sync/1.5');
  const logo = text.indexOf('tap the Firefox logo 5 times');
  const debug = text.indexOf('Sync Debug');
  const custom = text.indexOf('Custom Sync server');
  assert.ok(logo >= 0 && debug > logo && custom > debug, text);
  assert.ok(text.includes('About Firefox'));
  assert.ok(text.includes(help.android.value));
});
