import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DirectoryAccounts, usernameFromEmail, type DirectoryLogin } from '../../server/accounts/index.js';
import { SqliteDatabase } from '../../server/db/sqlite/sqlite-database.js';
import { DirectoryUnavailableError, type AuthResult } from '../../server/ldap/index.js';

/**
 * DirectoryAccounts (issue 14) over a counting stand-in for the directory and a real SQLite
 * file: how often the directory is asked, what is cached, and where storage goes.
 */

interface Person {
  id: string;
  password: string;
  mail: string;
}

class FakeDirectory implements DirectoryLogin {
  binds = 0;
  mailReads = 0;
  down = false;
  /** Resolves binds only when released (for the concurrency test). */
  gate: Promise<void> | null = null;
  constructor(readonly people: Map<string, Person>) {}

  async authenticate(name: string, password: string): Promise<AuthResult> {
    this.binds++;
    if (this.gate) await this.gate;
    if (this.down)
      throw new DirectoryUnavailableError('LDAP directory at ldap://x is unreachable', 'connect');
    const person = this.people.get(name) ?? [...this.people.values()].find((p) => p.mail === name);
    if (!person) return { ok: false, reason: 'no-such-user' };
    if (person.password !== password) return { ok: false, reason: 'wrong-password' };
    return { ok: true, id: person.id, dn: `uid=${name}`, name, mail: person.mail, displayName: name };
  }

  async lookup(name: string): Promise<{ id: string } | null> {
    if (this.down) throw new DirectoryUnavailableError('down', 'connect');
    const person = this.people.get(name) ?? [...this.people.values()].find((p) => p.mail === name);
    return person ? { id: person.id } : null;
  }

  async mailsMatching(match: (mail: string) => boolean): Promise<string[] | null> {
    this.mailReads++;
    return [...this.people.values()].map((p) => p.mail).filter(match);
  }
}

async function withAccounts(
  fn: (
    accounts: DirectoryAccounts,
    directory: FakeDirectory,
    clock: { ms: number },
    db: SqliteDatabase,
  ) => Promise<void>,
): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-directory-'));
  const db = SqliteDatabase.open(path.join(dir, 'test.db'));
  const clock = { ms: 1_700_000_000_000 };
  const directory = new FakeDirectory(
    new Map([
      ['alice', { id: 'uuid-alice', password: 'alice-pw-1', mail: 'alice@home.test' }],
      ['bob', { id: 'uuid-bob', password: 'bob-pw-22', mail: 'bob@home.test' }],
    ]),
  );
  try {
    await fn(new DirectoryAccounts(db, directory, { clock: () => clock.ms }), directory, clock, db);
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('one bind per credentials while cached; a wrong password is never cached', async () => {
  await withAccounts(async (accounts, directory, clock) => {
    const first = await accounts.authenticate('alice', 'alice-pw-1');
    assert.equal(first.ok, true);
    for (let i = 0; i < 5; i++) assert.equal((await accounts.authenticate('alice', 'alice-pw-1')).ok, true);
    assert.equal(directory.binds, 1);
    assert.deepEqual(await accounts.authenticate('alice', 'wrong'), { ok: false, reason: 'wrong-password' });
    assert.deepEqual(await accounts.authenticate('alice', 'wrong'), { ok: false, reason: 'wrong-password' });
    assert.equal(directory.binds, 3);
    clock.ms += 5 * 60 * 1000 + 1;
    assert.equal((await accounts.authenticate('alice', 'alice-pw-1')).ok, true);
    assert.equal(directory.binds, 4, 'expired: the directory is asked again');
  });
});

test('concurrent first requests with the same credentials share one bind', async () => {
  await withAccounts(async (accounts, directory) => {
    let release!: () => void;
    directory.gate = new Promise((resolve) => (release = resolve));
    const all = Array.from({ length: 8 }, () => accounts.authenticate('bob', 'bob-pw-22'));
    release();
    const outcomes = await Promise.all(all);
    assert.ok(outcomes.every((o) => o.ok));
    assert.equal(directory.binds, 1);
  });
});

test('storage belongs to the directory id: a new name for the same id reaches the same storage user', async () => {
  await withAccounts(async (accounts, directory, _clock, db) => {
    const before = await accounts.authenticate('alice', 'alice-pw-1');
    const alice = directory.people.get('alice') as Person;
    directory.people.delete('alice');
    directory.people.set('alicia', alice);
    const after = await accounts.authenticate('alicia', 'alice-pw-1');
    assert.ok(before.ok && after.ok);
    assert.equal(after.account.userId, before.account.userId);
    assert.equal(after.account.username, 'alicia');
    const rows = await db.transaction('read', (tx) => tx.listDirectoryUsers());
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.name, 'alicia', 'the row follows the name last used');
    const bob = await accounts.authenticate('bob', 'bob-pw-22');
    assert.ok(bob.ok);
    assert.notEqual(bob.account.userId, before.account.userId);
  });
});

test('while the directory is down: cached logins work, others throw the directory error', async () => {
  await withAccounts(async (accounts, directory) => {
    assert.equal((await accounts.authenticate('alice', 'alice-pw-1')).ok, true);
    directory.down = true;
    assert.equal((await accounts.authenticate('alice', 'alice-pw-1')).ok, true);
    await assert.rejects(accounts.authenticate('bob', 'bob-pw-22'), DirectoryUnavailableError);
    await assert.rejects(accounts.exists('bob'), DirectoryUnavailableError);
  });
});

test('a name Firefox hashed from an address signs in as that address; the address list is read once a minute', async () => {
  await withAccounts(async (accounts, directory, clock) => {
    const hashed = usernameFromEmail('bob@home.test');
    const outcome = await accounts.authenticate(hashed, 'bob-pw-22');
    assert.ok(outcome.ok);
    assert.equal(await accounts.exists(hashed), true);
    assert.equal(await accounts.exists(usernameFromEmail('nobody@home.test')), false);
    assert.equal(await accounts.exists('a'.repeat(32)), false);
    assert.equal(directory.mailReads, 1);
    clock.ms += 61_000;
    assert.equal(await accounts.exists(usernameFromEmail('nobody@home.test')), false);
    assert.equal(directory.mailReads, 2);
    // A plain name is never looked up by address.
    assert.equal(await accounts.exists('nobody'), false);
    assert.equal(directory.mailReads, 2);
  });
});
