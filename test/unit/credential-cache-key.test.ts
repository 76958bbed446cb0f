import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CredentialCache } from '../../server/accounts/credential-cache.js';

const HASH = '$2b$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0';

test('keyFor: the same credentials give the same key in one cache, another key in another process (cache)', () => {
  const cache = new CredentialCache();
  const key = cache.keyFor('alice', 'secret-password', HASH);
  assert.equal(cache.keyFor('alice', 'secret-password', HASH), key);
  assert.notEqual(new CredentialCache().keyFor('alice', 'secret-password', HASH), key);
  // A 48-byte keyed SHA-384 in base64: nothing of the password is in the key.
  assert.match(key, /^[A-Za-z0-9+/]{64}$/);
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

test('keyFor: a password longer than the scratch space gives a stable key, and the next short one its own (cache)', () => {
  const cache = new CredentialCache();
  const short = cache.keyFor('alice', 'secret-password', HASH);
  const long = 'p'.repeat(5000) + 'é';
  const key = cache.keyFor('alice', long, HASH);
  assert.equal(cache.keyFor('alice', long, HASH), key);
  assert.notEqual(cache.keyFor('alice', long.slice(0, -1), HASH), key);
  // Growing the scratch space kept the process's key: earlier keys still match.
  assert.equal(cache.keyFor('alice', 'secret-password', HASH), short);
});
