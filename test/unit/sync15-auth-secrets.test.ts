import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveMasterSecret } from '../../server/sync15/master-secret.js';
import { NonceCache } from '../../server/http/hawk/nonce-cache.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-secret-'));
}

test('master secret: configured value wins', () => {
  const dataDir = tempDir();
  assert.equal(resolveMasterSecret({ masterSecret: 'abc', masterSecretFile: null, dataDir }), 'abc');
  assert.equal(fs.existsSync(path.join(dataDir, 'master-secret')), false);
  fs.rmSync(dataDir, { recursive: true });
});

test('master secret: read from a file (first line, trimmed); empty file is an error', () => {
  const dataDir = tempDir();
  const file = path.join(dataDir, 'secret.txt');
  fs.writeFileSync(file, '  s3cret  \nignored\n');
  assert.equal(resolveMasterSecret({ masterSecret: null, masterSecretFile: file, dataDir }), 's3cret');
  fs.writeFileSync(file, '\n');
  assert.throws(() => resolveMasterSecret({ masterSecret: null, masterSecretFile: file, dataDir }));
  fs.rmSync(dataDir, { recursive: true });
});

test('master secret: generated once in the data dir, mode 0600, then reused', () => {
  const dataDir = path.join(tempDir(), 'nested');
  const first = resolveMasterSecret({ masterSecret: null, masterSecretFile: null, dataDir });
  assert.match(first, /^[0-9a-f]{64}$/);
  const file = path.join(dataDir, 'master-secret');
  if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(resolveMasterSecret({ masterSecret: null, masterSecretFile: null, dataDir }), first);
  fs.rmSync(path.dirname(dataDir), { recursive: true });
});

test('nonce cache: replay refused within the lifetime, accepted after it', () => {
  const cache = new NonceCache(1000);
  assert.equal(cache.add('a', 0), true);
  assert.equal(cache.add('a', 500), false);
  assert.equal(cache.add('b', 500), true);
  assert.equal(cache.add('a', 1001), true);
});

test('nonce cache: bounded size, oldest go first', () => {
  const cache = new NonceCache(1_000_000, 3);
  for (let i = 0; i < 10; i++) assert.equal(cache.add(`n${i}`, i), true);
  assert.ok(cache.size <= 3);
  assert.equal(cache.add('n9', 20), false);
});

test('nonce cache: a nonce seen again after it expired is refused again, and expired ones go', () => {
  const cache = new NonceCache(1000);
  assert.equal(cache.add('a', 0), true);
  assert.equal(cache.add('b', 10), true);
  assert.equal(cache.add('a', 1500), true, 'expired: accepted again');
  assert.equal(cache.add('a', 1600), false, 'and remembered anew');
  assert.equal(cache.add('b', 1600), true);
  // Long after everything expired, one add clears the rest.
  assert.equal(cache.add('c', 10_000), true);
  assert.equal(cache.size, 1);
});

test('nonce cache: stays bounded and correct across many evictions', () => {
  const cache = new NonceCache(100, 50);
  for (let i = 0; i < 5000; i++) {
    assert.equal(cache.add(`n${i}`, i), true);
    assert.equal(cache.add(`n${i}`, i), false);
  }
  assert.ok(cache.size <= 50);
});
