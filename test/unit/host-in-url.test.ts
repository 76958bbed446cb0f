import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostInUrl } from '../../server/http/listen.js';

// `foxden serve --host ::` printed `http://:::8173/` (issue 11, item 10).
test('a listen address in a URL: IPv6 in brackets, IPv4 and names as they are', () => {
  assert.equal(`http://${hostInUrl('::')}:8173/`, 'http://[::]:8173/');
  assert.equal(hostInUrl('::1'), '[::1]');
  assert.equal(hostInUrl('fe80::1%eth0'), '[fe80::1%eth0]');
  assert.equal(hostInUrl('0.0.0.0'), '0.0.0.0');
  assert.equal(hostInUrl('localhost'), 'localhost');
  assert.doesNotThrow(() => new URL(`http://${hostInUrl('::')}:8173/`));
});
