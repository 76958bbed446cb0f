import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LARGE_DELETE_ROWS } from '../../server/db/sql/storage.js';
import { dropStorageUser } from '../../server/db/storage-users.js';
import type { Database } from '../../server/db/types.js';
import { StorageEngine } from '../../server/storage/engine.js';
import type { BsoWrite, WritePolicy } from '../../server/storage/types.js';
import { conformanceKinds, TestBackend } from './conformance-setup.js';

/**
 * Issue 11 item 19: a large delete is one short transaction that hides the rows at once (a
 * floor), and a background reclaimer removes them in small slices, also after a restart. On
 * SQLite and on the backend FOXDEN_TEST_DATABASE names.
 */
const SYNC11: WritePolicy = { bumpOnSortindex: false, touchWhenEmpty: false };
const SYNC15: WritePolicy = { bumpOnSortindex: true, touchWhenEmpty: true };
const LARGE = LARGE_DELETE_ROWS + 300;

function records(prefix: string, count: number, payload = 'secret-old-payload'): BsoWrite[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, payload, sortindex: i }));
}

async function fill(
  engine: StorageEngine,
  user: number,
  collection: string,
  items: BsoWrite[],
): Promise<void> {
  for (let i = 0; i < items.length; i += 500)
    await engine.putItems(user, collection, items.slice(i, i + 500), SYNC15);
}

async function rawCount(db: Database, sql: string, params: unknown[]): Promise<number> {
  assert.ok(db.raw, 'every backend offers raw access');
  const rows = await db.raw('read', async (runner) => runner.all(sql, params));
  return Number(rows[0]?.n ?? 0);
}

const storedRows = (db: Database, user: number) =>
  rawCount(db, 'SELECT COUNT(*) AS n FROM bsos WHERE user_id = ?', [user]);
const floors = (db: Database) => rawCount(db, 'SELECT COUNT(*) AS n FROM bso_floors', []);

for (const { kind, skip } of await conformanceKinds()) {
  describe(`large deletes on ${kind}`, { skip: skip ?? false }, () => {
    let backend: TestBackend;
    let engine: StorageEngine;
    let user = 0;
    let other = 0;

    before(async () => {
      backend = await TestBackend.open(kind);
      engine = new StorageEngine(backend.db);
    });
    after(async () => {
      await engine.stopBackgroundWork();
      await backend.close();
    });

    async function newUser(): Promise<number> {
      return backend.db.transaction('write', (tx) => tx.createStorageUser('test', Date.now()));
    }

    test('a whole-collection delete (Sync 1.5) is invisible at once while its rows wait to be reclaimed', async () => {
      user = await newUser();
      await fill(engine, user, 'history', records('h', LARGE));
      await engine.putItems(user, 'bookmarks', records('b', 3, 'bm'), SYNC15);
      const bookmarkBytes = 3 * Buffer.byteLength('bm');

      const result = await engine.deleteCollection(user, 'history');
      assert.ok(result.removed > 0);
      // Nothing reclaimed yet (no background work in this engine): the rows are all still stored.
      assert.equal(await storedRows(backend.db, user), LARGE + 3);
      assert.equal(await floors(backend.db), 1);

      const listed = await engine.query(user, 'history', { limit: 10 });
      assert.deepEqual(listed.items, []);
      assert.equal(listed.collectionModified, 0);
      assert.equal(await engine.getItem(user, 'history', 'h5'), null);
      assert.deepEqual(
        (await engine.collectionStamps(user)).map((s) => s.name),
        ['bookmarks'],
      );
      assert.deepEqual(await engine.collectionCounts(user), [{ name: 'bookmarks', value: 3 }]);
      assert.deepEqual(
        (await engine.collectionBytes(user)).map((f) => [f.name, Number(f.value)]),
        [['bookmarks', bookmarkBytes]],
      );
      assert.equal(Number(await engine.totalBytes(user)), bookmarkBytes);
      // A filtered delete finds nothing left to delete (Sync 1.5 DELETE ?ids=).
      assert.equal((await engine.deleteItems(user, 'history', { ids: ['h1', 'h2'] }, SYNC15)).removed, 0);
    });

    test('writes right after the delete are visible; a reused id never brings back a dead field', async () => {
      // A Sync 1.1 sortindex-only write keeps a live record's payload and timestamp: over a
      // deleted one it must start afresh, with the new timestamp.
      const written = await engine.putItems(user, 'history', [{ id: 'h7', sortindex: 99 }], SYNC11);
      await engine.putItems(user, 'history', [{ id: 'fresh', payload: 'new' }], SYNC15);
      const h7 = await engine.getItem(user, 'history', 'h7');
      assert.ok(h7, 'the rewritten record is visible');
      assert.equal(h7.payload, null, 'the deleted payload does not come back');
      assert.equal(h7.sortindex, 99);
      assert.equal(h7.modified, written.modified);
      const listed = await engine.query(user, 'history', { sort: 'oldest' });
      assert.deepEqual(
        listed.items.map((b) => b.id),
        ['h7', 'fresh'],
      );
      assert.deepEqual(
        (await engine.collectionCounts(user)).sort((a, b) => a.name.localeCompare(b.name)),
        [
          { name: 'bookmarks', value: 3 },
          { name: 'history', value: 2 },
        ],
      );
      // An item-scope precondition compares with the new record, not the deleted one.
      await engine.putItems(user, 'history', [{ id: 'h8', payload: 'again' }], SYNC15, {
        precondition: { unmodifiedSince: 1, scope: 'item' },
      });
    });

    test('listings of the collection while its rows wait keep every order, page and filter', async () => {
      const ids = async (query: Parameters<StorageEngine['query']>[2]) => {
        const result = await engine.query(user, 'history', query);
        return [result.items.map((b) => b.id), result.more];
      };
      assert.deepEqual(await ids({}), [['h7', 'fresh', 'h8'], false]);
      assert.deepEqual(await ids({ sort: 'index', limit: 2 }), [['h7', 'fresh'], true]);
      assert.deepEqual(await ids({ sort: 'newest', limit: 2, offset: 2 }), [['h7'], false]);
      assert.deepEqual(await ids({ sort: 'oldest', limit: 1, offset: 1 }), [['fresh'], true]);
      assert.deepEqual(await ids({ ids: ['h1', 'h8', 'fresh'], sort: 'oldest' }), [['fresh', 'h8'], false]);
      assert.deepEqual(await ids({ parentid: 'none' }), [[], false]);
      assert.deepEqual(
        (await engine.query(user, 'history', { idsOnly: true, sort: 'newest' })).items.length,
        3,
      );
    });

    test('the reclaimer removes the deleted rows and then the floor, and keeps the new ones', async () => {
      const removed = await engine.reclaimNow();
      assert.ok(removed >= LARGE - 3, `reclaimed ${removed}`);
      assert.equal(await floors(backend.db), 0);
      assert.equal(await storedRows(backend.db, user), 3 + 3);
      assert.deepEqual(
        (await engine.query(user, 'history', { sort: 'oldest' })).items.map((b) => [b.id, b.payload]),
        [
          ['h7', null],
          ['fresh', 'new'],
          ['h8', 'again'],
        ],
      );
    });

    test('a Sync 1.1 DELETE of a whole collection takes the same bounded path', async () => {
      other = await newUser();
      await fill(engine, other, 'forms', records('f', LARGE));
      const result = await engine.deleteItems(other, 'forms', { sort: 'index' }, SYNC11);
      assert.ok(result.removed > 0);
      assert.equal(await floors(backend.db), 1);
      assert.deepEqual((await engine.query(other, 'forms', {})).items, []);
      assert.equal(await engine.collectionModified(other, 'forms'), result.modified);
      assert.deepEqual(await engine.collectionCounts(other), []);
    });

    test('a restart mid-reclaim carries on where it stopped', async () => {
      // One slice by hand, then a "restart": a new engine on a new connection.
      const first = await backend.db.transaction('write', (tx) => tx.reclaimDeleted(100));
      assert.equal(first, 100);
      const node = await backend.node();
      const restarted = new StorageEngine(node);
      let finished = 0;
      const done = new Promise<void>((resolve) =>
        restarted.startBackgroundWork({ onReclaimed: (rows) => ((finished = rows), resolve()) }),
      );
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the reclaimer did not finish within 60 s')), 60_000).unref(),
      );
      await Promise.race([done, timeout]);
      await restarted.stopBackgroundWork();
      assert.equal(finished, LARGE - 100);
      assert.equal(await floors(node), 0);
      assert.equal(await storedRows(node, other), 0);
    });

    test("deleting a user's whole storage, and dropping a storage user, hide everything at once", async () => {
      const third = await newUser();
      await fill(engine, third, 'history', records('h', LARGE));
      await engine.putItems(third, 'tabs', records('t', 5), SYNC15);
      const modified = await engine.deleteStorage(third);
      assert.equal(await engine.storageModified(third), modified);
      assert.deepEqual(await engine.collectionStamps(third), []);
      assert.deepEqual(await engine.collectionCounts(third), []);
      assert.equal(Number(await engine.totalBytes(third)), 0);
      assert.deepEqual((await engine.query(third, 'history', {})).items, []);
      // The user carries on: a new write is visible, none of the old records are.
      await engine.putItems(third, 'history', [{ id: 'h1', sortindex: 1 }], SYNC11);
      assert.deepEqual(
        (await engine.query(third, 'history', {})).items.map((b) => [b.id, b.payload]),
        [['h1', null]],
      );

      const fourth = await newUser();
      await fill(engine, fourth, 'history', records('h', LARGE));
      await backend.db.transaction('write', (tx) => dropStorageUser(tx, fourth));
      assert.deepEqual((await engine.query(fourth, 'history', {})).items, []);
      assert.deepEqual(await engine.collectionCounts(fourth), []);

      await engine.reclaimNow();
      assert.equal(await floors(backend.db), 0);
      assert.equal(await storedRows(backend.db, third), 1);
      assert.equal(await storedRows(backend.db, fourth), 0);
    });

    test('a small delete is a plain DELETE in the request and leaves no floor', async () => {
      const fifth = await newUser();
      await fill(engine, fifth, 'history', records('h', 50));
      await engine.deleteCollection(fifth, 'history');
      assert.equal(await storedRows(backend.db, fifth), 0);
      assert.equal(await floors(backend.db), 0);
    });
  });
}
