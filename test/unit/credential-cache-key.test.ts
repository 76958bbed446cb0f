import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CredentialCache } from '../../server/accounts/credential-cache.js';

const HASH = '$2b$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0';

test('keyFor: the same credentials give the same key in one cache, another key in another process (cache)', () => {
  const cache = new CredentialCache();
  const key = cache.keyFor('alice', 'secret-password', HASH);
  assert.equal(cache.keyFor('alice', 'secret-password', HASH), key);
  assert.notEqual(new CredentialCache().keyFor('alice', 'secret-password', HASH), key);
  // A 32-byte HMAC-SHA256 in base64: nothing of the password is in the key.
  assert.match(key, /^[A-Za-z0-9+/]{43}=$/);
  assert.ok(!key.includes('secret'));
});

test('keyFor: each part changes the key (user, password, stored hash)', () => {
  const cache = new CredentialCache();
  const key = cache.keyFor('alice', 'secret-password', HASH);
  assert.notEqual(cache.keyFor('alicf', 'secret-password', HASH), key);
  assert.notEqual(cache.keyFor('alice', 'secret-passworc', HASH), key);
  assert.notEqual(cache.keyFor('alice', 'secret-password', HASH.replace(/0$/, '1')), key);
  // The separator keeps a shifted boundary from giving the same key.
  assert.notEqual(cache.keyFor('alic', 'esecret-password', HASH), key);
});
