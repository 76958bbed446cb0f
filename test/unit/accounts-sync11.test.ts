import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, scryptSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AccountError, Sync11Accounts, verifyPassword, hashPassword } from '../../server/accounts/index.js';
import { CredentialCache } from '../../server/accounts/credential-cache.js';
import { SqliteDatabase } from '../../server/db/sqlite/sqlite-database.js';

const SALT = 'aB3dE5gH';

function legacy(prefix: string, digest: Buffer): string {
  return prefix + Buffer.concat([digest, Buffer.from(SALT, 'ascii')]).toString('base64');
}
const ssha = (pw: string) =>
  legacy(
    '{SSHA}',
    createHash('sha1')
      .update(pw + SALT, 'utf8')
      .digest(),
  );
const ssha256 = (pw: string) =>
  legacy(
    '{SSHA-256}',
    createHash('sha256')
      .update(pw + SALT, 'utf8')
      .digest(),
  );
const sscrypt = (pw: string) =>
  legacy('{SSCRYPT}', scryptSync(Buffer.from(pw, 'utf8'), Buffer.from(SALT), 64, { N: 16384, r: 8, p: 1 }));

async function withDb(fn: (db: SqliteDatabase, dir: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-accounts-'));
  const db = SqliteDatabase.open(path.join(dir, 'test.db'));
  try {
    await fn(db, dir);
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('§4.2 legacy hash formats verify, computed here from their definition', async () => {
  const pw = 'pässwörd:with colon';
  for (const hash of [ssha(pw), ssha256(pw), sscrypt(pw), ssha(pw).slice('{SSHA}'.length)]) {
    assert.equal(await verifyPassword(pw, hash), true, hash);
    assert.equal(await verifyPassword(pw + 'x', hash), false, hash);
  }
  assert.equal(Buffer.from(sscrypt(pw).slice(9), 'base64').length, 72);
  assert.equal(Buffer.from(ssha256(pw).slice(10), 'base64').length, 40);
  assert.equal(Buffer.from(ssha(pw).slice(6), 'base64').length, 28);
  assert.equal(await verifyPassword(pw, '{SSHA}not base64!!'), false);
  assert.equal(
    await verifyPassword(pw, '{SSHA-256}' + randomBytes(10).toString('base64')),
    false,
    'wrong length',
  );
});

test('new hashes are bcrypt cost 10; passwords beyond 72 bytes still count every byte', async () => {
  const hash = await hashPassword('hunter2hunter2');
  assert.match(hash, /^\$2[aby]\$10\$/);
  assert.equal(await verifyPassword('hunter2hunter2', hash), true);
  assert.equal(await verifyPassword('hunter2hunter3', hash), false);
  const long = 'x'.repeat(80);
  const longHash = await hashPassword(long, 4);
  assert.equal(await verifyPassword(long, longHash), true);
  assert.equal(await verifyPassword('x'.repeat(72) + 'y'.repeat(8), longHash), false);
});

test('Sync11Accounts: create, verify, list, change password and e-mail, delete', async () => {
  await withDb(async (db) => {
    const accounts = new Sync11Accounts(db, { bcryptCost: 4 });
    const created = await accounts.create('Alice', 'password one', 'alice@example.com');
    assert.equal(created.username, 'alice', 'stored lowercase');
    await assert.rejects(
      accounts.create('alice', 'password two'),
      (e: unknown) => e instanceof AccountError && e.reason === 'exists',
    );
    await assert.rejects(
      accounts.create('bob', 'short'),
      (e: unknown) => e instanceof AccountError && e.reason === 'weak-password',
    );
    await assert.rejects(
      accounts.create('b@d', 'password two'),
      (e: unknown) => e instanceof AccountError && e.reason === 'invalid-username',
    );
    await assert.rejects(
      accounts.create('bob', 'password two', 'nope'),
      (e: unknown) => e instanceof AccountError && e.reason === 'invalid-email',
    );

    assert.equal((await accounts.verify('alice', 'password one'))?.username, 'alice');
    assert.equal(await accounts.verify('alice', 'password two'), null);
    assert.deepEqual(await accounts.authenticate('nobody', 'password one'), {
      ok: false,
      reason: 'unknown-user',
    });

    const listed = await accounts.list();
    assert.deepEqual(
      listed.map((a) => [a.username, a.email, a.status]),
      [['alice', 'alice@example.com', 1]],
    );
    assert.equal('passwordHash' in (listed[0] as object), false, 'the hash never leaves the class');

    assert.equal(await accounts.changePassword('alice', 'password three'), true);
    assert.equal(await accounts.verify('alice', 'password one'), null, 'the old cached credential is gone');
    assert.ok(await accounts.verify('alice', 'password three'));
    assert.equal(await accounts.changePassword('nobody', 'password three'), false);

    assert.equal(await accounts.changeEmail('alice', 'new@example.com'), true);
    assert.equal((await accounts.find('alice'))?.email, 'new@example.com');
    await assert.rejects(accounts.changeEmail('alice', 'bad'), AccountError);

    // Storage goes with the account, in the same transaction.
    const { userId } = created;
    await db.transaction('write', async (tx) => {
      const cid = (await tx.collectionId('bookmarks', true)) as number;
      await tx.putBsos(userId, cid, [
        {
          id: 'x',
          modified: 10,
          payload: 'p',
          sortindex: null,
          parentid: null,
          predecessorid: null,
          expiry: null,
        },
      ]);
      await tx.setCollectionModified(userId, cid, 10);
    });
    assert.equal(await accounts.delete('alice'), true);
    assert.equal(await accounts.delete('alice'), false);
    assert.equal(await accounts.verify('alice', 'password three'), null);
    const left = await db.transaction('read', (tx) => tx.collectionStamps(userId));
    assert.deepEqual(left, []);
  });
});

test('legacy hashes log in and are upgraded to bcrypt', async () => {
  await withDb(async (db) => {
    const accounts = new Sync11Accounts(db, { bcryptCost: 4 });
    const rows = [
      ['olduser1', ssha('old password 1')],
      ['olduser2', ssha256('old password 2')],
      ['olduser3', sscrypt('old password 3')],
    ] as const;
    await db.transaction('write', async (tx) => {
      for (const [username, passwordHash] of rows) {
        const userId = await tx.createStorageUser('sync11', 1);
        await tx.insertSync11User({ userId, username, passwordHash, email: null, status: 1, created: 1 });
      }
    });
    for (const [i, [username]] of rows.entries()) {
      assert.equal(await accounts.verify(username, 'wrong password'), null);
      assert.ok(await accounts.verify(username, `old password ${i + 1}`), username);
      const stored = await db.transaction('read', (tx) => tx.findSync11User(username));
      assert.match(stored?.passwordHash ?? '', /^\$2[aby]\$/, 'upgraded');
      assert.ok(await accounts.verify(username, `old password ${i + 1}`), 'still logs in after the upgrade');
    }
  });
});

test('a disabled account cannot log in', async () => {
  await withDb(async (db) => {
    const accounts = new Sync11Accounts(db, { bcryptCost: 4 });
    await db.transaction('write', async (tx) => {
      const userId = await tx.createStorageUser('sync11', 1);
      await tx.insertSync11User({
        userId,
        username: 'off',
        passwordHash: ssha('password off'),
        email: null,
        status: 0,
        created: 1,
      });
    });
    assert.deepEqual(await accounts.authenticate('off', 'password off'), { ok: false, reason: 'disabled' });
  });
});

test('credential cache: HMAC keys, expiry, bound, per-user drop', () => {
  let now = 0;
  const cache = new CredentialCache({ ttlMs: 1000, maxEntries: 3, clock: () => now });
  const k1 = cache.keyFor('a', 'secret password', 'h');
  assert.ok(!k1.includes('secret'), 'the key does not contain the password');
  assert.notEqual(k1, cache.keyFor('a', 'secret password', 'h2'), 'the stored hash is part of the key');
  assert.notEqual(
    k1,
    new CredentialCache().keyFor('a', 'secret password', 'h'),
    'the HMAC key is per process',
  );
  cache.add(k1, 'a');
  assert.ok(cache.has(k1));
  now = 1000;
  assert.ok(!cache.has(k1), 'expired');
  for (const u of ['a', 'b', 'c', 'd']) cache.add(cache.keyFor(u, 'p', 'h'), u);
  assert.equal(cache.size, 3, 'bounded');
  assert.ok(!cache.has(cache.keyFor('a', 'p', 'h')), 'the oldest entry went first');
  cache.dropUser('c');
  assert.ok(!cache.has(cache.keyFor('c', 'p', 'h')));
  assert.ok(cache.has(cache.keyFor('d', 'p', 'h')));
});

test('verify checks the hash once, shares a check between concurrent requests, then uses the cache', async () => {
  await withDb(async (db) => {
    let checks = 0;
    const accounts = new Sync11Accounts(db, {
      bcryptCost: 4,
      checkPassword: (pw, hash) => {
        checks += 1;
        return verifyPassword(pw, hash);
      },
    });
    await accounts.create('carol', 'password carol');
    const first = await Promise.all([1, 2, 3].map(() => accounts.verify('carol', 'password carol')));
    assert.ok(first.every((a) => a?.username === 'carol'));
    assert.equal(checks, 1, 'three concurrent logins, one hash check');
    for (let i = 0; i < 5; i++) assert.ok(await accounts.verify('carol', 'password carol'));
    assert.equal(checks, 1, 'later logins come from the cache');
    assert.equal(await accounts.verify('carol', 'wrong password'), null);
    assert.equal(checks, 2, 'failures are never cached as successes');
    // A hash replaced behind the class's back (the CLI in another process) invalidates the entry.
    await db.transaction('write', async (tx) =>
      tx.updateSync11Password('carol', await hashPassword('other password', 4)),
    );
    assert.equal(await accounts.verify('carol', 'password carol'), null);
    assert.ok(await accounts.verify('carol', 'other password'));
  });
});
