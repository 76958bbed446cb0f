import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { Sync11Accounts } from '../../server/accounts/index.js';
import { SqliteDatabase } from '../../server/db/sqlite/sqlite-database.js';
import type { Awaitable, Database, Tx, TxMode } from '../../server/db/types.js';
import { VersionedCache } from '../../server/db/versioned-cache.js';
import { StorageEngine } from '../../server/storage/engine.js';
import type { WritePolicy } from '../../server/storage/types.js';

const V11: WritePolicy = { bumpOnSortindex: false, touchWhenEmpty: false };

/** Counts the read transactions that reach the database, to tell a cache hit from a read. */
class CountingDatabase implements Database {
  reads = 0;
  constructor(private readonly inner: Database) {}
  get kind(): string {
    return this.inner.kind;
  }
  transaction<T>(mode: TxMode, fn: (tx: Tx) => Awaitable<T>): Promise<T> {
    if (mode === 'read') this.reads++;
    return this.inner.transaction(mode, fn);
  }
  changeVersion(): number {
    return this.inner.changeVersion();
  }
  userVersion(userId?: number): Awaitable<number | null> {
    return this.inner.userVersion(userId);
  }
  integrityCheck(): Promise<string> {
    return this.inner.integrityCheck();
  }
  backup(destination: string): Promise<void> {
    return this.inner.backup(destination);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

let dir: string;
let file: string;
let db: SqliteDatabase;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-version-'));
  file = path.join(dir, 'test.db');
  db = SqliteDatabase.open(file);
});
afterEach(async () => {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Other processes' commits are looked for once per event-loop turn (SqliteDatabase.changeVersion). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('SqliteDatabase.changeVersion', () => {
  test('reads leave it alone; every write through it moves it, failed ones too', async () => {
    const v0 = db.changeVersion();
    await db.transaction('read', (tx) => tx.findSync11User('nobody'));
    assert.equal(db.changeVersion(), v0);
    await db.transaction('write', (tx) => tx.createStorageUser('sync15', 0));
    const v1 = db.changeVersion();
    assert.ok(v1 > v0);
    await assert.rejects(
      db.transaction('write', async (tx) => {
        await tx.createStorageUser('sync15', 0);
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    assert.ok(db.changeVersion() > v1);
  });

  test('a write in progress already counts for a version read meanwhile', async () => {
    let inside = -1;
    const before = db.changeVersion();
    await db.transaction('write', () => {
      inside = db.changeVersion();
    });
    assert.ok(inside > before);
    assert.ok(db.changeVersion() > inside);
  });

  test('a commit by another connection to the same file moves it; its reads do not', async () => {
    const other = new BetterSqlite3(file);
    try {
      const v0 = db.changeVersion();
      other.prepare('SELECT COUNT(*) FROM sync11_users').get();
      await nextTurn();
      assert.equal(db.changeVersion(), v0, 'a read elsewhere changes nothing');
      other.prepare("INSERT INTO storage_users (kind, created_ms) VALUES ('sync11', 0)").run();
      assert.equal(db.changeVersion(), v0, 'noticed from the next event-loop turn on, not within this one');
      await nextTurn();
      const v1 = db.changeVersion();
      assert.ok(v1 > v0, 'the other connection committed');
      assert.equal(db.changeVersion(), v1, 'and only once');
    } finally {
      other.close();
    }
  });

  test('a second SqliteDatabase on the file (the CLI) is seen as well', async () => {
    const cli = SqliteDatabase.open(file);
    try {
      const v0 = db.changeVersion();
      await cli.transaction('write', (tx) => tx.createStorageUser('sync11', 0));
      await nextTurn();
      assert.ok(db.changeVersion() > v0);
    } finally {
      await cli.close();
    }
  });
});

describe('VersionedCache', () => {
  test('answers only at the version a value was stored at', () => {
    const cache = new VersionedCache<string, number | null>(10);
    cache.set('a', 1, 5);
    cache.set('none', null, 5);
    assert.equal(cache.get('a', 5), 1);
    assert.equal(cache.get('none', 5), null, 'a known absence is a value too');
    assert.equal(cache.get('b', 5), undefined);
    assert.equal(cache.get('a', 6), undefined, 'another version does not answer');
    assert.equal(cache.get('a', 5), undefined, 'and the outdated entry is gone');
    assert.equal(cache.get('none', null), undefined, 'a backend that cannot tell gets nothing');
  });

  test('a value read at an unknown version (null) is not stored', () => {
    const cache = new VersionedCache<string, number>(10);
    cache.set('a', 1, null);
    assert.equal(cache.size, 0);
  });

  test('is bounded: the least recently used entry goes first', () => {
    const cache = new VersionedCache<number, number>(2);
    cache.set(1, 10, 0);
    cache.set(2, 20, 0);
    assert.equal(cache.get(1, 0), 10); // 1 is now the most recently used
    cache.set(3, 30, 0); // evicts 2
    assert.equal(cache.size, 2);
    assert.equal(cache.get(2, 0), undefined);
    assert.equal(cache.get(1, 0), 10);
    assert.equal(cache.get(3, 0), 30);
  });
});

describe('caches over the change version refresh after any write', () => {
  test('Sync 1.1 user rows: a password change or deletion by another process counts at once', async () => {
    const counted = new CountingDatabase(db);
    const server = new Sync11Accounts(counted, { bcryptCost: 4 });
    await server.create('alice', 'first password');
    assert.equal((await server.authenticate('alice', 'first password')).ok, true);
    const reads = counted.reads;
    assert.equal((await server.authenticate('alice', 'first password')).ok, true);
    assert.equal(counted.reads, reads, 'the second login reads no row');

    const cli = SqliteDatabase.open(file);
    try {
      await new Sync11Accounts(cli, { bcryptCost: 4 }).changePassword('alice', 'second password');
      // Other connections' commits count from the next event-loop turn (changeVersion); the
      // password is hashed in a worker thread, so the write may land in the same turn as a read.
      await nextTurn();
      assert.deepEqual(await server.authenticate('alice', 'first password'), {
        ok: false,
        reason: 'wrong-password',
      });
      assert.equal(counted.reads, reads + 1, 'the row was read again');
      assert.equal((await server.authenticate('alice', 'second password')).ok, true);

      await new Sync11Accounts(cli, { bcryptCost: 4 }).delete('alice');
      await nextTurn();
      assert.deepEqual(await server.authenticate('alice', 'second password'), {
        ok: false,
        reason: 'unknown-user',
      });
    } finally {
      await cli.close();
    }
  });

  test('Sync 1.1 user rows: a status change written straight into the file counts at once', async () => {
    const server = new Sync11Accounts(db, { bcryptCost: 4 });
    await server.create('bob', 'bob password');
    assert.equal((await server.authenticate('bob', 'bob password')).ok, true);
    const other = new BetterSqlite3(file);
    try {
      other.prepare("UPDATE sync11_users SET status = 0 WHERE username = 'bob'").run();
    } finally {
      other.close();
    }
    await nextTurn();
    assert.deepEqual(await server.authenticate('bob', 'bob password'), { ok: false, reason: 'disabled' });
  });

  test('collection stamps: a record written by another connection shows at once', async () => {
    const counted = new CountingDatabase(db);
    let now = 1_700_000_000_000;
    const engine = new StorageEngine(counted, { clock: () => now });
    const user = await db.transaction('write', (tx) => tx.createStorageUser('sync11', now));
    assert.deepEqual(await engine.collectionStamps(user), []);
    assert.equal(await engine.storageModified(user), 0);
    const reads = counted.reads;
    assert.deepEqual(await engine.collectionStamps(user), []);
    assert.equal(await engine.storageModified(user), 0);
    assert.equal(counted.reads, reads, 'answered from memory');

    const cli = SqliteDatabase.open(file);
    try {
      const written = await new StorageEngine(cli, { clock: () => now }).putItems(
        user,
        'bookmarks',
        [{ id: 'a', payload: 'x' }],
        V11,
      );
      await nextTurn();
      assert.deepEqual(await engine.collectionStamps(user), [
        { name: 'bookmarks', modified: written.modified },
      ]);
      assert.equal(await engine.storageModified(user), written.modified);
    } finally {
      await cli.close();
    }

    now += 1000;
    const local = await engine.putItems(user, 'history', [{ id: 'b', payload: 'y' }], V11);
    const names = (await engine.collectionStamps(user)).map((s) => s.name).sort();
    assert.deepEqual(names, ['bookmarks', 'history'], 'a write in this process counts too');
    assert.equal(await engine.storageModified(user), local.modified);
    await engine.deleteStorage(user);
    assert.deepEqual(await engine.collectionStamps(user), []);
  });

  test('cached stamps cannot be changed by a caller', async () => {
    const engine = new StorageEngine(db);
    const user = await db.transaction('write', (tx) => tx.createStorageUser('sync11', 0));
    await engine.putItems(user, 'tabs', [{ id: 'a', payload: 'x' }], V11);
    const stamps = await engine.collectionStamps(user);
    assert.throws(() => {
      (stamps[0] as { modified: number }).modified = 0;
    }, TypeError);
    assert.throws(() => (stamps as unknown[]).push({}), TypeError);
    assert.notEqual((await engine.collectionStamps(user))[0]?.modified, 0);
  });
});
