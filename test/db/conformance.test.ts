/**
 * The backend conformance suite: every method of the Database interface, with the same
 * assertions on every backend. SQLite always; PostgreSQL or MariaDB when FOXDEN_TEST_DATABASE
 * names it (scripts/run-tests.js does, when the test servers answer). Each test gets a
 * brand-new database.
 */
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../server/db/open-database.js';
import type { Database, Tx } from '../../server/db/types.js';
import type { StoredBso } from '../../server/db/records.js';
import type { TokenserverUserRow } from '../../server/db/tokenserver-types.js';
import type {
  FxaAccountRow,
  FxaDeviceRow,
  FxaKeyFetchRow,
  FxaOAuthCodeRow,
  FxaRefreshTokenRow,
  FxaSessionRow,
} from '../../server/db/fxa-types.js';
import { bso, byName, conformanceKinds, eventually, NOW, sleep, TestBackend } from './conformance-setup.js';

const BOOKMARKS = 7;
const HISTORY = 4;
/** Every byte value, so a text-only or truncating BLOB column shows. */
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);
/** Three- and four-byte UTF-8 (a 3-byte-only "utf8" MySQL column fails on the emoji). */
const UNICODE = 'Zoë — 東京 🦊𝄞';

for (const { kind, skip } of await conformanceKinds()) {
  describe(`database conformance: ${kind}`, { skip: skip ?? false }, () => {
    let backend: TestBackend;
    let db: Database;
    let user: number;

    const write = <T>(fn: (tx: Tx) => T | Promise<T>) => db.transaction('write', fn);
    const read = <T>(fn: (tx: Tx) => T | Promise<T>) => db.transaction('read', fn);

    beforeEach(async () => {
      backend = await TestBackend.open(kind);
      db = backend.db;
      user = await write((tx) => tx.createStorageUser('sync15', NOW));
    });

    afterEach(async () => {
      await backend.close();
    });

    // --- owners ------------------------------------------------------------------------------

    test('storage users: distinct growing ids, their kind, deleted', async () => {
      const second = await write((tx) => tx.createStorageUser('sync11', NOW + 1));
      assert.equal(typeof user, 'number');
      assert.ok(second > user, `${second} > ${user}`);
      assert.equal(await read((tx) => tx.storageUserKind(user)), 'sync15');
      assert.equal(await read((tx) => tx.storageUserKind(second)), 'sync11');
      await write((tx) => tx.deleteStorageUser(second));
      assert.equal(await read((tx) => tx.storageUserKind(second)), null);
      assert.equal(await read((tx) => tx.storageUserKind(999_999)), null);
    });

    // --- collections and timestamps ---------------------------------------------------------

    test('collectionId: the standard ids, null for an unknown name, one new id per new name', async () => {
      assert.equal(await read((tx) => tx.collectionId('bookmarks', false)), BOOKMARKS);
      assert.equal(await read((tx) => tx.collectionId('history', false)), HISTORY);
      assert.equal(await read((tx) => tx.collectionId('my-things', false)), null);
      const a = await write((tx) => tx.collectionId('my-things', true));
      const b = await write((tx) => tx.collectionId('other_things', true));
      assert.ok(typeof a === 'number' && a > 100, `custom ids start above 100: ${a}`);
      assert.ok(typeof b === 'number' && b > 100 && b !== a, `${b}`);
      assert.equal(await write((tx) => tx.collectionId('my-things', true)), a);
      assert.equal(await read((tx) => tx.collectionId('my-things', false)), a);
      // Names are case-sensitive: a case-insensitive collation would hand back the other id.
      const upper = await write((tx) => tx.collectionId('MY-THINGS', true));
      assert.ok(upper !== a, 'MY-THINGS is not my-things');
    });

    test('collection timestamps, stamps, the storage tombstone and deleting a collection record', async () => {
      const other = await write((tx) => tx.createStorageUser('sync15', NOW));
      await write(async (tx) => {
        await tx.lockStorageUser(user);
        await tx.setCollectionModified(user, BOOKMARKS, NOW + 10);
        await tx.setCollectionModified(user, HISTORY, NOW + 20);
        await tx.setCollectionModified(user, BOOKMARKS, NOW + 30);
        await tx.setCollectionModified(other, HISTORY, NOW + 990);
      });
      assert.equal(await read((tx) => tx.collectionModified(user, BOOKMARKS)), NOW + 30);
      assert.equal(await read((tx) => tx.collectionModified(user, 3)), 0);
      assert.deepEqual(byName(await read((tx) => tx.collectionStamps(user))), [
        { name: 'bookmarks', modified: NOW + 30 },
        { name: 'history', modified: NOW + 20 },
      ]);
      assert.equal(await read((tx) => tx.storageModified(user)), NOW + 30);
      await write(async (tx) => {
        await tx.lockStorageUser(user);
        await tx.deleteCollectionRecord(user, BOOKMARKS);
        await tx.setStorageTombstone(user, NOW + 40);
      });
      // The tombstone keeps storage time from going back but is no collection.
      assert.deepEqual(await read((tx) => tx.collectionStamps(user)), [
        { name: 'history', modified: NOW + 20 },
      ]);
      assert.equal(await read((tx) => tx.storageModified(user)), NOW + 40);
      assert.equal(await read((tx) => tx.collectionModified(user, BOOKMARKS)), 0);
      assert.equal(await read((tx) => tx.storageModified(999_999)), 0);
      assert.deepEqual(await read((tx) => tx.collectionStamps(999_999)), []);
    });

    // --- records ----------------------------------------------------------------------------

    test('a record round-trips every field: unicode, nulls, extreme sortindex, 13-digit times', async () => {
      const rows: StoredBso[] = [
        bso('full', {
          modified: NOW + 12_340,
          payload: `{"text":"${UNICODE}"}`,
          sortindex: 999_999_999,
          parentid: 'parent-1',
          predecessorid: 'pred-1',
          expiry: NOW + 31_536_000_000,
        }),
        bso('nulls', { payload: null, sortindex: -999_999_999 }),
        bso('empty', { payload: '', sortindex: 0 }),
        bso(UNICODE.slice(0, 3), { payload: 'x' }),
      ];
      await write(async (tx) => {
        await tx.lockStorageUser(user);
        await tx.putBsos(user, BOOKMARKS, rows);
      });
      for (const row of rows) {
        assert.deepEqual(await read((tx) => tx.getBso(user, BOOKMARKS, row.id)), row);
      }
      assert.equal(await read((tx) => tx.getBso(user, BOOKMARKS, 'missing')), null);
      assert.equal(await read((tx) => tx.getBso(user, HISTORY, 'full')), null);
    });

    test('a payload holding a NUL character round-trips (a client may send \\u0000 in JSON)', async () => {
      const payload = '{"ciphertext":"a\u0000b"}';
      await write((tx) => tx.putBsos(user, BOOKMARKS, [bso('nul', { payload })]));
      assert.equal((await read((tx) => tx.getBso(user, BOOKMARKS, 'nul')))?.payload, payload);
    });

    test('record ids are case-sensitive', async () => {
      await write((tx) =>
        tx.putBsos(user, BOOKMARKS, [bso('abc', { payload: 'lower' }), bso('ABC', { payload: 'upper' })]),
      );
      assert.equal((await read((tx) => tx.getBso(user, BOOKMARKS, 'abc')))?.payload, 'lower');
      assert.equal((await read((tx) => tx.getBso(user, BOOKMARKS, 'ABC')))?.payload, 'upper');
      assert.equal((await read((tx) => tx.queryBsos(user, BOOKMARKS, {}, NOW))).items.length, 2);
    });

    test('a 2 MB payload round-trips byte for byte', async () => {
      const big = 'é'.repeat(512 * 1024) + 'x'.repeat(1024 * 1024); // 2 MB of UTF-8
      await write((tx) => tx.putBsos(user, BOOKMARKS, [bso('big', { payload: big })]));
      const row = await read((tx) => tx.getBso(user, BOOKMARKS, 'big'));
      assert.equal(row?.payload?.length, big.length);
      assert.ok(row?.payload === big, 'payload differs');
      assert.equal(await read((tx) => tx.totalBytes(user, NOW)), Buffer.byteLength(big));
    });

    test('putBsos/getBsos in bulk: 600 records, an upsert keeps insertion order and replaces fields', async () => {
      const ids = Array.from({ length: 600 }, (_, i) => `r${String(i).padStart(4, '0')}`);
      // Inserted out of id order, so insertion order and id order differ.
      const order = [...ids].reverse();
      await write(async (tx) => {
        await tx.lockStorageUser(user);
        await tx.putBsos(
          user,
          BOOKMARKS,
          order.map((id, i) => bso(id, { sortindex: i })),
        );
      });
      const found = await read((tx) => tx.getBsos(user, BOOKMARKS, [...ids, 'missing-1', 'missing-2']));
      assert.equal(found.length, 600);
      assert.deepEqual(found.map((b) => b.id).sort(), ids);
      assert.deepEqual(await read((tx) => tx.getBsos(user, BOOKMARKS, [])), []);
      assert.deepEqual(await read((tx) => tx.getBsos(user, HISTORY, ids)), []);

      await write((tx) =>
        tx.putBsos(user, BOOKMARKS, [
          bso('r0300', { payload: 'replaced', modified: NOW + 10, sortindex: 7, expiry: NOW + 99 }),
          bso('new-1', { modified: NOW + 10 }),
          bso('r0005', { payload: null, modified: NOW + 10 }),
          bso('new-2', { modified: NOW + 10 }),
        ]),
      );
      const all = await read((tx) => tx.queryBsos(user, BOOKMARKS, {}, NOW));
      assert.deepEqual(
        all.items.map((b) => b.id),
        [...order, 'new-1', 'new-2'],
      );
      assert.deepEqual(await read((tx) => tx.getBso(user, BOOKMARKS, 'r0300')), {
        ...bso('r0300', { payload: 'replaced', modified: NOW + 10, sortindex: 7, expiry: NOW + 99 }),
      });
      assert.equal((await read((tx) => tx.getBso(user, BOOKMARKS, 'r0005')))?.payload, null);
    });

    test('counts and bytes per collection count live records only, bytes in UTF-8', async () => {
      await write(async (tx) => {
        await tx.putBsos(user, BOOKMARKS, [
          bso('a', { payload: 'éé' }),
          bso('b', { payload: 'abc' }),
          bso('gone', { payload: 'xxxxxxxx', expiry: NOW }),
          bso('n', { payload: null }),
        ]);
        await tx.putBsos(user, HISTORY, [bso('h', { payload: '🦊' })]);
      });
      assert.deepEqual(byName(await read((tx) => tx.collectionCounts(user, NOW))), [
        { name: 'bookmarks', value: 3 },
        { name: 'history', value: 1 },
      ]);
      assert.deepEqual(byName(await read((tx) => tx.collectionBytes(user, NOW))), [
        { name: 'bookmarks', value: 7 },
        { name: 'history', value: 4 },
      ]);
      assert.equal(await read((tx) => tx.totalBytes(user, NOW)), 11);
      // Before the expiry the expired record still counts.
      assert.equal(await read((tx) => tx.totalBytes(user, NOW - 1)), 19);
      assert.deepEqual(await read((tx) => tx.collectionCounts(999_999, NOW)), []);
      assert.equal(await read((tx) => tx.totalBytes(999_999, NOW)), 0);
    });

    // --- queries ----------------------------------------------------------------------------

    describe('queryBsos', () => {
      const rows = [
        bso('a', { modified: NOW + 100, sortindex: 5, parentid: 'p1' }),
        bso('c', { modified: NOW + 200, sortindex: 5, predecessorid: 'q1' }),
        bso('b', { modified: NOW + 200, sortindex: 1, parentid: 'p1' }),
        bso('d', { modified: NOW + 300, sortindex: 9 }),
        bso('e', { modified: NOW + 400, sortindex: -3, parentid: 'p2' }),
        bso('expired', { modified: NOW + 500, sortindex: 100, expiry: NOW + 50 }),
      ];
      const ids = async (query: Parameters<Tx['queryBsos']>[2], now = NOW + 60) =>
        (await read((tx) => tx.queryBsos(user, BOOKMARKS, query, now))).items.map((b) => b.id);

      beforeEach(async () => {
        await write((tx) => tx.putBsos(user, BOOKMARKS, rows));
      });

      test('sorts: insertion order by default, oldest, newest, index; ties by id', async () => {
        assert.deepEqual(await ids({}), ['a', 'c', 'b', 'd', 'e']);
        assert.deepEqual(await ids({ sort: 'oldest' }), ['a', 'b', 'c', 'd', 'e']);
        assert.deepEqual(await ids({ sort: 'newest' }), ['e', 'd', 'b', 'c', 'a']);
        assert.deepEqual(await ids({ sort: 'index' }), ['d', 'a', 'c', 'b', 'e']);
        // An expired record is there again for a clock before its expiry.
        assert.deepEqual(await ids({ sort: 'newest' }, NOW + 49), ['expired', 'e', 'd', 'b', 'c', 'a']);
      });

      test('records without a sortindex come last in the index sort (as SQLite orders NULL)', async () => {
        await write((tx) =>
          tx.putBsos(user, BOOKMARKS, [bso('none', { modified: NOW + 1, sortindex: null })]),
        );
        assert.deepEqual(await ids({ sort: 'index' }), ['d', 'a', 'c', 'b', 'e', 'none']);
      });

      test('index bounds may be fractional or infinite (Sync 1.1 parses them as floats)', async () => {
        assert.deepEqual(await ids({ indexAbove: 1.5 }), ['a', 'c', 'd']);
        assert.deepEqual(await ids({ indexBelow: 1.5 }), ['b', 'e']);
        assert.deepEqual(await ids({ indexAbove: -Infinity }), ['a', 'c', 'b', 'd', 'e']);
        assert.deepEqual(await ids({ indexBelow: Infinity }), ['a', 'c', 'b', 'd', 'e']);
        assert.deepEqual(await ids({ indexAbove: Infinity }), []);
        assert.equal(await write((tx) => tx.deleteBsos(user, BOOKMARKS, { indexBelow: -2.5 })), 1);
        assert.deepEqual(await ids({}), ['a', 'c', 'b', 'd']);
      });

      test('filters are strict and ANDed: newer, older, index bounds, parentid, predecessorid, ids', async () => {
        assert.deepEqual(await ids({ newer: NOW + 200 }), ['d', 'e']);
        assert.deepEqual(await ids({ older: NOW + 200 }), ['a']);
        assert.deepEqual(await ids({ newer: NOW + 100, older: NOW + 400 }), ['c', 'b', 'd']);
        assert.deepEqual(await ids({ indexAbove: 1 }), ['a', 'c', 'd']);
        assert.deepEqual(await ids({ indexBelow: 5 }), ['b', 'e']);
        assert.deepEqual(await ids({ parentid: 'p1' }), ['a', 'b']);
        assert.deepEqual(await ids({ predecessorid: 'q1' }), ['c']);
        assert.deepEqual(await ids({ ids: ['e', 'a', 'zz', 'expired'] }), ['a', 'e']);
        assert.deepEqual(await ids({ ids: ['a', 'b', 'c'], parentid: 'p1', sort: 'newest' }), ['b', 'a']);
        assert.deepEqual(await ids({ ids: [] }), []);
      });

      test('limit, offset and "more"', async () => {
        const page = (query: Parameters<Tx['queryBsos']>[2]) =>
          read((tx) => tx.queryBsos(user, BOOKMARKS, query, NOW + 60));
        const first = await page({ sort: 'oldest', limit: 2 });
        assert.deepEqual(
          first.items.map((b) => b.id),
          ['a', 'b'],
        );
        assert.equal(first.more, true);
        const second = await page({ sort: 'oldest', limit: 2, offset: 2 });
        assert.deepEqual(
          second.items.map((b) => b.id),
          ['c', 'd'],
        );
        assert.equal(second.more, true);
        const last = await page({ sort: 'oldest', limit: 2, offset: 4 });
        assert.deepEqual(
          last.items.map((b) => b.id),
          ['e'],
        );
        assert.equal(last.more, false);
        const exact = await page({ limit: 5 });
        assert.equal(exact.items.length, 5);
        assert.equal(exact.more, false);
        assert.deepEqual(
          (await page({ offset: 3 })).items.map((b) => b.id),
          ['d', 'e'],
        );
        assert.deepEqual((await page({ limit: 0 })).items, []);
      });

      test('idsOnly leaves out payload, parentid and predecessorid', async () => {
        const { items } = await read((tx) =>
          tx.queryBsos(user, BOOKMARKS, { idsOnly: true, ids: ['a'] }, NOW),
        );
        assert.deepEqual(items, [{ ...rows[0], payload: null, parentid: null, predecessorid: null }]);
      });

      test('deleteBsos: by filter, by ids (expired too), with limit and sort', async () => {
        assert.equal(await write((tx) => tx.deleteBsos(user, BOOKMARKS, { ids: ['expired', 'zz'] })), 1);
        assert.equal(await write((tx) => tx.deleteBsos(user, BOOKMARKS, { sort: 'oldest', limit: 2 })), 2);
        assert.deepEqual(await ids({}), ['c', 'd', 'e']);
        assert.equal(await write((tx) => tx.deleteBsos(user, BOOKMARKS, { sort: 'index', limit: 1 })), 1);
        assert.deepEqual(await ids({}), ['c', 'e']);
        assert.equal(await write((tx) => tx.deleteBsos(user, BOOKMARKS, { newer: NOW + 300 })), 1);
        assert.deepEqual(await ids({}), ['c']);
        assert.equal(await write((tx) => tx.deleteBsos(user, BOOKMARKS, { ids: ['c'] })), 1);
        assert.equal(await write((tx) => tx.deleteBsos(user, BOOKMARKS, {})), 0);
      });

      test('deleteCollectionBsos and deleteUserStorage leave other collections and users alone', async () => {
        const other = await write((tx) => tx.createStorageUser('sync15', NOW));
        await write(async (tx) => {
          await tx.putBsos(user, HISTORY, [bso('h1'), bso('h2')]);
          await tx.putBsos(other, BOOKMARKS, [bso('o1')]);
          await tx.setCollectionModified(user, HISTORY, NOW);
          await tx.setCollectionModified(other, BOOKMARKS, NOW);
          await tx.createBatch({ id: 'b-user', userId: user, collection: 'history', created: NOW });
          await tx.stageBatchItems('b-user', [{ id: 'x', payload: 'p' }]);
          await tx.createBatch({ id: 'b-other', userId: other, collection: 'bookmarks', created: NOW });
        });
        assert.equal(await write((tx) => tx.deleteCollectionBsos(user, BOOKMARKS)), 6);
        assert.deepEqual(await ids({}, NOW), []);
        assert.equal((await read((tx) => tx.queryBsos(user, HISTORY, {}, NOW))).items.length, 2);
        await write((tx) => tx.deleteUserStorage(user));
        assert.equal((await read((tx) => tx.queryBsos(user, HISTORY, {}, NOW))).items.length, 0);
        assert.deepEqual(await read((tx) => tx.collectionStamps(user)), []);
        assert.equal(await read((tx) => tx.getBatch('b-user')), null);
        assert.deepEqual(await read((tx) => tx.batchItems('b-user')), []);
        assert.equal((await read((tx) => tx.queryBsos(other, BOOKMARKS, {}, NOW))).items.length, 1);
        assert.deepEqual(await read((tx) => tx.collectionStamps(other)), [
          { name: 'bookmarks', modified: NOW },
        ]);
        assert.notEqual(await read((tx) => tx.getBatch('b-other')), null);
      });
    });

    test('purgeExpired removes at most `max` records whose expiry has come, of every user', async () => {
      const other = await write((tx) => tx.createStorageUser('sync15', NOW));
      await write(async (tx) => {
        await tx.putBsos(
          user,
          BOOKMARKS,
          [1, 2, 3, 4].map((i) => bso(`x${i}`, { expiry: NOW - i })),
        );
        await tx.putBsos(user, BOOKMARKS, [
          bso('at-now', { expiry: NOW }),
          bso('later', { expiry: NOW + 1 }),
          bso('never'),
        ]);
        await tx.putBsos(other, HISTORY, [bso('o', { expiry: NOW - 5 })]);
      });
      assert.equal(await write((tx) => tx.purgeExpired(NOW, 4)), 4);
      assert.equal(await write((tx) => tx.purgeExpired(NOW, 4)), 2);
      assert.equal(await write((tx) => tx.purgeExpired(NOW, 4)), 0);
      const left = (await read((tx) => tx.queryBsos(user, BOOKMARKS, { sort: 'oldest' }, NOW - 10))).items;
      assert.deepEqual(left.map((b) => b.id).sort(), ['later', 'never']);
      assert.equal(await read((tx) => tx.getBso(other, HISTORY, 'o')), null);
    });

    // --- batches ----------------------------------------------------------------------------

    test('batches: staged items keep their order and absent fields; a restaged id moves to the end', async () => {
      const info = { id: 'batch-1', userId: user, collection: 'bookmarks', created: NOW };
      await write(async (tx) => {
        await tx.lockStorageUser(user);
        await tx.createBatch(info);
        await tx.stageBatchItems('batch-1', [
          { id: 'a', payload: UNICODE, sortindex: 3, ttl: 60 },
          { id: 'b' },
          { id: 'c', payload: null, sortindex: null, ttl: null },
        ]);
      });
      assert.deepEqual(await read((tx) => tx.getBatch('batch-1')), info);
      assert.equal(await read((tx) => tx.getBatch('nope')), null);
      await write(async (tx) => {
        await tx.lockStorageUser(user);
        await tx.stageBatchItems('batch-1', [
          { id: 'a', payload: 'second' },
          { id: 'd', sortindex: -1 },
        ]);
        await tx.stageBatchItems('batch-1', []);
      });
      assert.deepEqual(await read((tx) => tx.batchItems('batch-1')), [
        { id: 'b' },
        { id: 'c', payload: null, sortindex: null, ttl: null },
        { id: 'a', payload: 'second' },
        { id: 'd', sortindex: -1 },
      ]);
      assert.deepEqual(await read((tx) => tx.batchItems('nope')), []);
      await write((tx) => tx.deleteBatch('batch-1'));
      assert.equal(await read((tx) => tx.getBatch('batch-1')), null);
      assert.deepEqual(await read((tx) => tx.batchItems('batch-1')), []);
    });

    test('batches: 600 staged items in one call, and purgeBatches by age', async () => {
      const items = Array.from({ length: 600 }, (_, i) => ({ id: `i${599 - i}`, payload: `p${i}` }));
      await write(async (tx) => {
        await tx.createBatch({ id: 'old', userId: user, collection: 'history', created: NOW - 1000 });
        await tx.createBatch({ id: 'new', userId: user, collection: 'history', created: NOW });
        await tx.stageBatchItems('old', items);
        await tx.stageBatchItems('new', items.slice(0, 2));
      });
      assert.deepEqual(await read((tx) => tx.batchItems('old')), items);
      assert.equal(await write((tx) => tx.purgeBatches(NOW - 1000)), 0);
      assert.equal(await write((tx) => tx.purgeBatches(NOW)), 1);
      assert.equal(await read((tx) => tx.getBatch('old')), null);
      assert.deepEqual(await read((tx) => tx.batchItems('old')), []);
      assert.equal((await read((tx) => tx.batchItems('new'))).length, 2);
    });

    // --- Sync 1.1 accounts ------------------------------------------------------------------

    test('Sync 1.1 users: insert, find, list by name, password and e-mail changes, delete', async () => {
      const bob = await write((tx) => tx.createStorageUser('sync11', NOW));
      const alice = await write((tx) => tx.createStorageUser('sync11', NOW));
      const rows = [
        { userId: bob, username: 'bob', passwordHash: '$2b$12$abc', email: null, status: 1, created: NOW },
        {
          userId: alice,
          username: 'alice',
          passwordHash: '$2b$12$def',
          email: `a.${UNICODE}@example.org`,
          status: 0,
          created: NOW + 5,
        },
      ];
      await write(async (tx) => {
        for (const row of rows) await tx.insertSync11User(row);
      });
      assert.deepEqual(await read((tx) => tx.findSync11User('bob')), rows[0]);
      assert.deepEqual(await read((tx) => tx.findSync11User('alice')), rows[1]);
      assert.equal(await read((tx) => tx.findSync11User('BOB')), null);
      assert.deepEqual(await read((tx) => tx.listSync11Users()), [rows[1], rows[0]]);
      assert.equal(await write((tx) => tx.updateSync11Password('bob', '$2b$12$new')), true);
      assert.equal(await write((tx) => tx.updateSync11Password('nobody', 'x')), false);
      assert.equal(await write((tx) => tx.updateSync11Email('bob', 'bob@example.org')), true);
      assert.equal(await write((tx) => tx.updateSync11Email('nobody', 'x')), false);
      assert.deepEqual(await read((tx) => tx.findSync11User('bob')), {
        ...rows[0],
        passwordHash: '$2b$12$new',
        email: 'bob@example.org',
      });
      await assert.rejects(write((tx) => tx.insertSync11User({ ...rows[0], userId: user })));
      assert.equal(await write((tx) => tx.deleteSync11User('bob')), true);
      assert.equal(await write((tx) => tx.deleteSync11User('bob')), false);
      assert.deepEqual(await read((tx) => tx.listSync11Users()), [rows[1]]);
    });

    // --- tokenserver ------------------------------------------------------------------------

    test('tokenserver users: newest first by e-mail, by uid, live list, update never goes back, replace, delete', async () => {
      const uids = [];
      for (let i = 0; i < 4; i++) uids.push(await write((tx) => tx.createStorageUser('sync15', NOW)));
      const [u1, u2, u3, u4] = uids as [number, number, number, number];
      const row = (uid: number, fields: Partial<TokenserverUserRow>): TokenserverUserRow => ({
        uid,
        email: 'f00d@accounts.example',
        fxaUid: 'f00d',
        fxaEmail: null,
        generation: 0,
        clientState: '',
        keysChangedAt: null,
        createdAt: NOW,
        replacedAt: null,
        lastSeenAt: NOW,
        ...fields,
      });
      const first = row(u1, { createdAt: NOW, replacedAt: NOW + 10 });
      const second = row(u2, {
        createdAt: NOW + 10,
        clientState: 'aabb',
        keysChangedAt: 1_700_000_000,
        generation: 1_700_000_000_123,
        fxaEmail: `z${UNICODE}@example.org`,
      });
      const same = row(u3, { createdAt: NOW + 10 });
      const other = row(u4, { email: 'beef@accounts.example', fxaUid: 'beef', lastSeenAt: NOW + 99 });
      await write(async (tx) => {
        for (const r of [first, second, same, other]) await tx.insertTokenserverUser(r);
      });
      assert.deepEqual(await read((tx) => tx.tokenserverUsersByEmail('f00d@accounts.example', 10)), [
        same,
        second,
        first,
      ]);
      assert.deepEqual(await read((tx) => tx.tokenserverUsersByEmail('f00d@accounts.example', 1)), [same]);
      assert.deepEqual(await read((tx) => tx.tokenserverUsersByEmail('nobody@x', 10)), []);
      assert.deepEqual(await read((tx) => tx.tokenserverUserByUid(u2)), second);
      assert.equal(await read((tx) => tx.tokenserverUserByUid(999_999)), null);
      assert.deepEqual(await read((tx) => tx.listTokenserverUsers()), [other, second, same]);

      await write((tx) =>
        tx.updateTokenserverUser(u2, { generation: 5, keysChangedAt: 7, lastSeenAt: NOW + 50 }),
      );
      assert.deepEqual(await read((tx) => tx.tokenserverUserByUid(u2)), { ...second, lastSeenAt: NOW + 50 });
      await write((tx) =>
        tx.updateTokenserverUser(u3, { generation: 3, keysChangedAt: null, lastSeenAt: NOW + 60 }),
      );
      await write((tx) =>
        tx.updateTokenserverUser(u3, { generation: 9, keysChangedAt: 4, lastSeenAt: NOW + 70 }),
      );
      assert.deepEqual(await read((tx) => tx.tokenserverUserByUid(u3)), {
        ...same,
        generation: 9,
        keysChangedAt: 4,
        lastSeenAt: NOW + 70,
      });

      assert.deepEqual(
        (await write((tx) => tx.replaceOtherTokenserverUsers('f00d@accounts.example', u3, NOW + 80))).sort(),
        [u2],
      );
      assert.equal((await read((tx) => tx.tokenserverUserByUid(u2)))?.replacedAt, NOW + 80);
      assert.equal((await read((tx) => tx.tokenserverUserByUid(u1)))?.replacedAt, NOW + 10);
      assert.deepEqual(
        (await write((tx) => tx.deleteTokenserverUsers('f00d@accounts.example'))).sort((a, b) => a - b),
        [u1, u2, u3],
      );
      assert.deepEqual(await read((tx) => tx.listTokenserverUsers()), [other]);
      assert.deepEqual(await write((tx) => tx.deleteTokenserverUsers('f00d@accounts.example')), []);
    });

    // --- local accounts (FxA) ---------------------------------------------------------------

    describe('local accounts', () => {
      const uid = 'a'.repeat(32);
      const account: FxaAccountRow = {
        uid,
        email: `Zoë.Test@Example.org`,
        normalizedEmail: 'zoë.test@example.org',
        authSalt: ALL_BYTES,
        verifyHash: new Uint8Array(32).fill(0),
        kA: new Uint8Array(32).fill(0xff),
        wrapWrapKb: Uint8Array.from({ length: 32 }, (_, i) => (i * 37) & 0xff),
        verifierSetAt: NOW,
        keysChangedAt: NOW + 1,
        createdAt: NOW + 2,
      };
      const session = (id: string, createdAt = NOW): FxaSessionRow => ({
        id,
        uid,
        authKey: Uint8Array.from({ length: 32 }, (_, i) => 255 - i),
        createdAt,
        lastAccessAt: createdAt,
      });
      const device = (
        id: string,
        sessionId: string | null,
        fields: Partial<FxaDeviceRow> = {},
      ): FxaDeviceRow => ({
        id,
        uid,
        sessionId,
        name: `Firefox on ${UNICODE}`,
        type: 'desktop',
        pushCallback: null,
        pushPublicKey: null,
        pushAuthKey: null,
        availableCommands: '{}',
        createdAt: NOW,
        lastAccessAt: NOW,
        ...fields,
      });

      beforeEach(async () => {
        await write((tx) => tx.fxaInsertAccount(account));
      });

      test('accounts: BLOBs of every byte value, by uid, by e-mail, list, new credentials', async () => {
        assert.deepEqual(await read((tx) => tx.fxaAccountByUid(uid)), account);
        assert.deepEqual(await read((tx) => tx.fxaAccountByEmail('zoë.test@example.org')), account);
        assert.equal(await read((tx) => tx.fxaAccountByEmail('Zoë.Test@Example.org')), null);
        assert.equal(await read((tx) => tx.fxaAccountByUid('b'.repeat(32))), null);
        const second = { ...account, uid: 'b'.repeat(32), email: 'a@b.c', normalizedEmail: 'a@b.c' };
        await write((tx) => tx.fxaInsertAccount(second));
        assert.deepEqual(await read((tx) => tx.fxaListAccounts()), [second, account]);
        await assert.rejects(write((tx) => tx.fxaInsertAccount({ ...second, uid: 'c'.repeat(32) })));
        const update = {
          authSalt: new Uint8Array([0, 1, 0]),
          verifyHash: new Uint8Array(32).fill(7),
          kA: new Uint8Array(32).fill(8),
          wrapWrapKb: new Uint8Array(32).fill(9),
          verifierSetAt: NOW + 100,
          keysChangedAt: NOW + 101,
        };
        assert.equal(await write((tx) => tx.fxaUpdateCredentials(uid, update)), true);
        assert.equal(await write((tx) => tx.fxaUpdateCredentials('c'.repeat(32), update)), false);
        assert.deepEqual(await read((tx) => tx.fxaAccountByUid(uid)), { ...account, ...update });
      });

      test('sessions: insert, touch, list, delete one (and its device), delete all but one', async () => {
        await write(async (tx) => {
          await tx.fxaInsertSession(session('s1', NOW));
          await tx.fxaInsertSession(session('s2', NOW + 1));
          await tx.fxaInsertSession(session('s3', NOW + 2));
          await tx.fxaInsertDevice(device('d1', 's1'));
          await tx.fxaInsertDevice(device('d2', 's2'));
          await tx.fxaInsertDevice(device('d3', 's3'));
          await tx.fxaInsertDevice(device('d-none', null, { createdAt: NOW + 5 }));
        });
        assert.deepEqual(await read((tx) => tx.fxaSession('s1')), session('s1', NOW));
        assert.equal(await read((tx) => tx.fxaSession('nope')), null);
        await write((tx) => tx.fxaTouchSession('s1', NOW + 500));
        assert.equal((await read((tx) => tx.fxaSession('s1')))?.lastAccessAt, NOW + 500);
        assert.deepEqual(
          (await read((tx) => tx.fxaSessions(uid))).map((s) => s.id),
          ['s1', 's2', 's3'],
        );
        assert.equal(await write((tx) => tx.fxaDeleteSession('s1')), true);
        assert.equal(await write((tx) => tx.fxaDeleteSession('s1')), false);
        assert.equal(await read((tx) => tx.fxaDevice('d1')), null);
        assert.equal(await write((tx) => tx.fxaDeleteSessions(uid, 's3')), 1);
        assert.deepEqual(
          (await read((tx) => tx.fxaSessions(uid))).map((s) => s.id),
          ['s3'],
        );
        // A device without a session stays; the kept session's device stays.
        assert.deepEqual(
          (await read((tx) => tx.fxaDevices(uid))).map((d) => d.id),
          ['d3', 'd-none'],
        );
        assert.equal(await write((tx) => tx.fxaDeleteSessions(uid, null)), 1);
        assert.deepEqual(await read((tx) => tx.fxaSessions(uid)), []);
      });

      test('key-fetch tokens: insert, read, delete one, delete all', async () => {
        const token = (id: string, createdAt = NOW): FxaKeyFetchRow => ({
          id,
          uid,
          authKey: ALL_BYTES.slice(0, 32),
          keyBundle: 'ab'.repeat(80),
          createdAt,
        });
        await write(async (tx) => {
          await tx.fxaInsertKeyFetch(token('k1'));
          await tx.fxaInsertKeyFetch(token('k2'));
          await tx.fxaInsertKeyFetch(token('k3'));
        });
        assert.deepEqual(await read((tx) => tx.fxaKeyFetch('k1')), token('k1'));
        assert.equal(await write((tx) => tx.fxaDeleteKeyFetch('k1')), true);
        assert.equal(await write((tx) => tx.fxaDeleteKeyFetch('k1')), false);
        await write((tx) => tx.fxaDeleteKeyFetchTokens(uid));
        assert.equal(await read((tx) => tx.fxaKeyFetch('k2')), null);
      });

      test('OAuth codes: booleans both ways, nulls, single use, purge with key-fetch tokens', async () => {
        const code = (codeHash: string, fields: Partial<FxaOAuthCodeRow> = {}): FxaOAuthCodeRow => ({
          codeHash,
          uid,
          sessionId: null,
          clientId: '5882386c6d801776',
          scope: 'profile https://identity.mozilla.com/apps/oldsync',
          codeChallenge: 'x'.repeat(43),
          keysJwe: null,
          offline: false,
          authAt: 1_700_000_000,
          createdAt: NOW,
          expiresAt: NOW + 600_000,
          ...fields,
        });
        const online = code('c1');
        const offline = code('c2', { offline: true, sessionId: 's1', keysJwe: 'eyJ'.padEnd(500, 'x') });
        const expired = code('c3', { expiresAt: NOW });
        await write(async (tx) => {
          for (const c of [online, offline, expired]) await tx.fxaInsertCode(c);
          await tx.fxaInsertKeyFetch({
            id: 'k-old',
            uid,
            authKey: ALL_BYTES,
            keyBundle: 'b',
            createdAt: NOW - 1,
          });
          await tx.fxaInsertKeyFetch({
            id: 'k-new',
            uid,
            authKey: ALL_BYTES,
            keyBundle: 'b',
            createdAt: NOW + 1,
          });
        });
        assert.deepEqual(await write((tx) => tx.fxaTakeCode('c1')), online);
        assert.equal(await write((tx) => tx.fxaTakeCode('c1')), null);
        assert.deepEqual(await write((tx) => tx.fxaTakeCode('c2')), offline);
        assert.equal(await write((tx) => tx.fxaPurge(NOW, NOW)), 2);
        assert.equal(await write((tx) => tx.fxaTakeCode('c3')), null);
        assert.notEqual(await read((tx) => tx.fxaKeyFetch('k-new')), null);
        await write((tx) => tx.fxaInsertCode(code('c4')));
        await write((tx) => tx.fxaDeleteCodes(uid));
        assert.equal(await write((tx) => tx.fxaTakeCode('c4')), null);
      });

      test('refresh tokens: insert, read, touch, delete one, delete all', async () => {
        const token = (tokenHash: string): FxaRefreshTokenRow => ({
          tokenHash,
          uid,
          clientId: 'client',
          scope: 'https://identity.mozilla.com/apps/oldsync',
          createdAt: NOW,
          lastUsedAt: NOW,
        });
        await write(async (tx) => {
          await tx.fxaInsertRefreshToken(token('t1'));
          await tx.fxaInsertRefreshToken(token('t2'));
          await tx.fxaInsertRefreshToken(token('t3'));
        });
        assert.deepEqual(await read((tx) => tx.fxaRefreshToken('t1')), token('t1'));
        await write((tx) => tx.fxaTouchRefreshToken('t1', NOW + 9));
        assert.equal((await read((tx) => tx.fxaRefreshToken('t1')))?.lastUsedAt, NOW + 9);
        assert.equal(await write((tx) => tx.fxaDeleteRefreshToken('t1')), true);
        assert.equal(await write((tx) => tx.fxaDeleteRefreshToken('t1')), false);
        await write((tx) => tx.fxaDeleteRefreshTokens(uid));
        assert.equal(await read((tx) => tx.fxaRefreshToken('t2')), null);
      });

      test('devices: nulls and unicode round-trip, by session, list, update, one device per session', async () => {
        await write((tx) => tx.fxaInsertSession(session('s1')));
        const withPush = device('d1', 's1', {
          pushCallback: 'https://updates.push.services.mozilla.com/wpush/v2/abc',
          pushPublicKey: 'BNx'.padEnd(87, 'k'),
          pushAuthKey: 'auth',
          availableCommands: JSON.stringify({ 'https://identity.mozilla.com/cmd/open-uri': UNICODE }),
          createdAt: NOW + 1,
        });
        const bare = device('d2', null);
        await write(async (tx) => {
          await tx.fxaInsertDevice(withPush);
          await tx.fxaInsertDevice(bare);
        });
        assert.deepEqual(await read((tx) => tx.fxaDevice('d1')), withPush);
        assert.deepEqual(await read((tx) => tx.fxaDevice('d2')), bare);
        assert.deepEqual(await read((tx) => tx.fxaDeviceBySession('s1')), withPush);
        assert.equal(await read((tx) => tx.fxaDeviceBySession('none')), null);
        assert.deepEqual(await read((tx) => tx.fxaDevices(uid)), [bare, withPush]);
        await assert.rejects(write((tx) => tx.fxaInsertDevice(device('d3', 's1'))));
        const renamed = {
          ...withPush,
          name: 'renamed',
          pushCallback: null,
          sessionId: null,
          lastAccessAt: NOW + 7,
        };
        await write((tx) => tx.fxaUpdateDevice(renamed));
        assert.deepEqual(await read((tx) => tx.fxaDevice('d1')), renamed);
        assert.equal(await write((tx) => tx.fxaDeleteDevice('d1')), true);
        assert.equal(await write((tx) => tx.fxaDeleteDevice('d1')), false);
        assert.deepEqual(await read((tx) => tx.fxaDevices(uid)), [bare]);
      });

      test('deleting an account deletes its sessions, tokens, codes and devices', async () => {
        await write(async (tx) => {
          await tx.fxaInsertSession(session('s1'));
          await tx.fxaInsertDevice(device('d1', 's1'));
          await tx.fxaInsertKeyFetch({ id: 'k1', uid, authKey: ALL_BYTES, keyBundle: 'b', createdAt: NOW });
          await tx.fxaInsertRefreshToken({
            tokenHash: 't1',
            uid,
            clientId: 'c',
            scope: 's',
            createdAt: NOW,
            lastUsedAt: NOW,
          });
          await tx.fxaInsertCode({
            codeHash: 'c1',
            uid,
            sessionId: 's1',
            clientId: 'c',
            scope: 's',
            codeChallenge: 'x',
            keysJwe: null,
            offline: true,
            authAt: 1,
            createdAt: NOW,
            expiresAt: NOW + 1000,
          });
        });
        assert.equal(await write((tx) => tx.fxaDeleteAccount(uid)), true);
        assert.equal(await write((tx) => tx.fxaDeleteAccount(uid)), false);
        assert.equal(await read((tx) => tx.fxaAccountByUid(uid)), null);
        assert.equal(await read((tx) => tx.fxaSession('s1')), null);
        assert.equal(await read((tx) => tx.fxaDevice('d1')), null);
        assert.equal(await read((tx) => tx.fxaKeyFetch('k1')), null);
        assert.equal(await read((tx) => tx.fxaRefreshToken('t1')), null);
        assert.equal(await write((tx) => tx.fxaTakeCode('c1')), null);
      });

      test('device commands: account-wide indexes, from/limit/expiry, purge in slices, gone with the device', async () => {
        const command = (deviceId: string, expiresAt: number, sender: string | null = null) => ({
          deviceId,
          command: 'https://identity.mozilla.com/cmd/open-uri',
          payload: `{"encrypted":"${UNICODE}"}`,
          sender,
          createdAt: NOW,
          expiresAt,
        });
        await write(async (tx) => {
          await tx.fxaInsertDevice(device('d1', null));
          await tx.fxaInsertDevice(device('d2', null));
        });
        const indexes = [];
        indexes.push(await write((tx) => tx.fxaEnqueueCommand(uid, command('d1', NOW + 1000, 'd2'))));
        indexes.push(await write((tx) => tx.fxaEnqueueCommand(uid, command('d2', NOW + 1000))));
        indexes.push(await write((tx) => tx.fxaEnqueueCommand(uid, command('d1', NOW + 10))));
        indexes.push(await write((tx) => tx.fxaEnqueueCommand(uid, command('d1', NOW + 1000))));
        assert.deepEqual(indexes, [1, 2, 3, 4], 'one counter per account, so a device sees gaps');
        const all = await read((tx) => tx.fxaDeviceCommands('d1', 0, NOW, 100));
        assert.deepEqual(all[0], { ...command('d1', NOW + 1000, 'd2'), index: 1 });
        assert.deepEqual(
          all.map((c) => c.index),
          [1, 3, 4],
        );
        assert.deepEqual(
          (await read((tx) => tx.fxaDeviceCommands('d1', 3, NOW, 1))).map((c) => c.index),
          [3],
          'from is inclusive',
        );
        assert.deepEqual(
          (await read((tx) => tx.fxaDeviceCommands('d1', 0, NOW + 10, 100))).map((c) => c.index),
          [1, 4],
          'expired at its expiry',
        );
        assert.equal(await read((tx) => tx.fxaLastCommandIndex('d1')), 4);
        assert.equal(await read((tx) => tx.fxaLastCommandIndex('nope')), 0);
        assert.equal(await read((tx) => tx.fxaPendingCommands('d1', NOW + 10)), 2);
        assert.equal(await write((tx) => tx.fxaPurgeCommands(NOW + 1000, 2)), 2, 'at most max');
        assert.equal(await write((tx) => tx.fxaPurgeCommands(NOW + 1000, 2)), 2);
        assert.equal(await write((tx) => tx.fxaPurgeCommands(NOW + 1000, 2)), 0);
        await write((tx) => tx.fxaEnqueueCommand(uid, command('d1', NOW + 5000)));
        assert.equal(await read((tx) => tx.fxaLastCommandIndex('d1')), 5, 'never reused after a purge');
        assert.equal(await write((tx) => tx.fxaDeleteDevice('d1')), true);
        assert.deepEqual(await read((tx) => tx.fxaDeviceCommands('d1', 0, NOW, 100)), []);
        await write((tx) => tx.fxaEnqueueCommand(uid, command('d2', NOW + 5000)));
        assert.equal(await write((tx) => tx.fxaDeleteAccount(uid)), true);
        assert.deepEqual(await read((tx) => tx.fxaDeviceCommands('d2', 0, NOW, 100)), []);
      });

      test('device commands: index then insert, delivered index only rises, delivered ones deleted', async () => {
        const command = (deviceId: string, index: number) => ({
          deviceId,
          index,
          command: 'https://identity.mozilla.com/cmd/open-uri',
          payload: '{}',
          sender: null,
          createdAt: NOW,
          expiresAt: NOW + 1000,
        });
        await write(async (tx) => {
          await tx.fxaInsertDevice(device('d1', null));
          await tx.fxaInsertDevice(device('d2', null));
        });
        for (const id of ['d1', 'd1', 'd1', 'd2'])
          await write(async (tx) => tx.fxaInsertCommand(command(id, await tx.fxaNextCommandIndex(uid))));
        await assert.rejects(
          write(async (tx) => {
            await tx.fxaNextCommandIndex(uid);
            throw new Error('refused');
          }),
          /refused/,
        );
        assert.equal(await write((tx) => tx.fxaNextCommandIndex(uid)), 5, 'a rolled-back index is not taken');
        assert.equal(await write((tx) => tx.fxaDeleteDeliveredCommands('d1')), 0, 'nothing delivered yet');
        await write((tx) => tx.fxaMarkDelivered('d1', 2));
        await write((tx) => tx.fxaMarkDelivered('d1', 1));
        await write((tx) => tx.fxaMarkDelivered('d2', 4));
        assert.equal(
          await write((tx) => tx.fxaDeleteDeliveredCommands('d1')),
          2,
          'up to 2, not lowered to 1',
        );
        assert.deepEqual(
          (await read((tx) => tx.fxaDeviceCommands('d1', 0, NOW, 100))).map((c) => c.index),
          [3],
        );
        assert.deepEqual(
          (await read((tx) => tx.fxaDeviceCommands('d2', 0, NOW, 100))).map((c) => c.index),
          [4],
          'another device’s delivered index deletes nothing here',
        );
      });

      test('refresh tokens of a session end with it; tokens of no session stay', async () => {
        const token = (tokenHash: string): FxaRefreshTokenRow => ({
          tokenHash,
          uid,
          clientId: 'client',
          scope: 's',
          createdAt: NOW,
          lastUsedAt: NOW,
        });
        await write(async (tx) => {
          await tx.fxaInsertSession(session('s1'));
          await tx.fxaInsertSession(session('s2'));
          await tx.fxaInsertSession(session('s3'));
          await tx.fxaInsertRefreshToken(token('t1'), 's1');
          await tx.fxaInsertRefreshToken(token('t2'), 's2');
          await tx.fxaInsertRefreshToken(token('t3'), 's3');
          await tx.fxaInsertRefreshToken(token('t-none'));
        });
        assert.deepEqual(await read((tx) => tx.fxaRefreshToken('t1')), token('t1'));
        await write((tx) => tx.fxaDeleteSession('s1'));
        assert.equal(await read((tx) => tx.fxaRefreshToken('t1')), null);
        assert.notEqual(await read((tx) => tx.fxaRefreshToken('t2')), null);
        await write((tx) => tx.fxaDeleteSessions(uid, 's3'));
        assert.equal(await read((tx) => tx.fxaRefreshToken('t2')), null);
        assert.notEqual(await read((tx) => tx.fxaRefreshToken('t3')), null, 'the kept session’s stays');
        assert.notEqual(await read((tx) => tx.fxaRefreshToken('t-none')), null);
      });
    });

    // --- transactions -----------------------------------------------------------------------

    test('a write that throws rolls back every statement it ran, of every kind', async () => {
      const boom = new Error('boom');
      const failed = write(async (tx) => {
        await tx.lockStorageUser(user);
        const id = await tx.createStorageUser('sync11', NOW);
        await tx.insertSync11User({
          userId: id,
          username: 'rolled',
          passwordHash: 'h',
          email: null,
          status: 1,
          created: NOW,
        });
        await tx.putBsos(user, BOOKMARKS, [bso('rolled')]);
        await tx.setCollectionModified(user, BOOKMARKS, NOW);
        await tx.collectionId('rolled-collection', true);
        await tx.fxaInsertAccount({
          uid: 'f'.repeat(32),
          email: 'r@x',
          normalizedEmail: 'r@x',
          authSalt: ALL_BYTES,
          verifyHash: ALL_BYTES,
          kA: ALL_BYTES,
          wrapWrapKb: ALL_BYTES,
          verifierSetAt: NOW,
          keysChangedAt: NOW,
          createdAt: NOW,
        });
        await tx.createBatch({ id: 'rolled', userId: user, collection: 'bookmarks', created: NOW });
        throw boom;
      });
      await assert.rejects(failed, (err) => err === boom);
      assert.equal(await read((tx) => tx.findSync11User('rolled')), null);
      assert.equal(await read((tx) => tx.getBso(user, BOOKMARKS, 'rolled')), null);
      assert.equal(await read((tx) => tx.storageModified(user)), 0);
      assert.equal(await read((tx) => tx.collectionId('rolled-collection', false)), null);
      assert.equal(await read((tx) => tx.fxaAccountByUid('f'.repeat(32))), null);
      assert.equal(await read((tx) => tx.getBatch('rolled')), null);
      // The database still works, and a statement that fails in the database rolls back too.
      await assert.rejects(
        write(async (tx) => {
          await tx.putBsos(user, BOOKMARKS, [bso('kept-out')]);
          await tx.insertSync11User({
            userId: 424_242,
            username: 'x',
            passwordHash: 'h',
            email: null,
            status: 1,
            created: NOW,
          });
          await tx.insertSync11User({
            userId: 424_243,
            username: 'x',
            passwordHash: 'h',
            email: null,
            status: 1,
            created: NOW,
          });
        }),
      );
      assert.equal(await read((tx) => tx.getBso(user, BOOKMARKS, 'kept-out')), null);
      assert.equal((await write((tx) => tx.createStorageUser('sync15', NOW))) > user, true);
    });

    test('integrityCheck answers ok; after close, transactions are refused and close again is harmless', async () => {
      assert.equal(await db.integrityCheck(), 'ok');
      const other = await backend.node();
      await other.close();
      await other.close();
      await assert.rejects(other.transaction('read', (tx) => tx.storageUserKind(user)));
      // Closing one node leaves the others working.
      assert.equal(await read((tx) => tx.storageUserKind(user)), 'sync15');
    });

    test('backup makes one SQLite file that holds the same rows', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-conformance-backup-'));
      try {
        await write(async (tx) => {
          await tx.putBsos(user, BOOKMARKS, [bso('a', { payload: UNICODE }), bso('b', { sortindex: 3 })]);
          await tx.setCollectionModified(user, BOOKMARKS, NOW + 10);
        });
        const file = path.join(dir, 'backup.db');
        await db.backup(file);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        const copy = await openDatabase({ kind: 'sqlite', file });
        try {
          const query = (d: Database) =>
            d.transaction('read', async (tx) => ({
              kind: await tx.storageUserKind(user),
              stamps: await tx.collectionStamps(user),
              items: (await tx.queryBsos(user, BOOKMARKS, {}, NOW)).items,
            }));
          assert.deepEqual(await query(copy), await query(db));
        } finally {
          await copy.close();
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test('a transaction answers what its callback returns', async () => {
      assert.deepEqual(await write(() => ({ answer: 42 })), { answer: 42 });
      assert.equal(await read(async () => 'read'), 'read');
    });

    test('a read transaction sees one snapshot while another connection commits', async () => {
      const other = await backend.node();
      await write((tx) => tx.setCollectionModified(user, BOOKMARKS, NOW + 10));
      const seen = await read(async (tx) => {
        const before = await tx.collectionModified(user, BOOKMARKS);
        const rowsBefore = (await tx.queryBsos(user, BOOKMARKS, {}, NOW)).items.length;
        await other.transaction('write', async (tx2) => {
          await tx2.lockStorageUser(user);
          await tx2.putBsos(user, BOOKMARKS, [bso('meanwhile')]);
          await tx2.setCollectionModified(user, BOOKMARKS, NOW + 20);
        });
        const after = await tx.collectionModified(user, BOOKMARKS);
        const rowsAfter = (await tx.queryBsos(user, BOOKMARKS, {}, NOW)).items.length;
        return { before, after, rowsBefore, rowsAfter };
      });
      assert.deepEqual(seen, { before: NOW + 10, after: NOW + 10, rowsBefore: 0, rowsAfter: 0 });
      assert.equal(await read((tx) => tx.collectionModified(user, BOOKMARKS)), NOW + 20);
    });

    test('changeVersion moves after a commit here and after a commit through another connection', async () => {
      const before = db.changeVersion();
      await write((tx) => tx.setCollectionModified(user, BOOKMARKS, NOW));
      assert.notEqual(db.changeVersion(), before);
      await sleep(20);
      const settled = db.changeVersion();
      const other = await backend.node();
      await other.transaction('write', (tx) => tx.setCollectionModified(user, BOOKMARKS, NOW + 10));
      assert.ok(
        await eventually(() => db.changeVersion() !== settled),
        "another connection's commit never moved changeVersion",
      );
    });

    // --- concurrency ------------------------------------------------------------------------

    /**
     * A second node on the same database; on SQLite the same object, because a second
     * better-sqlite3 connection in this process would block the event loop waiting for the
     * first one's write lock (SQLite serialises writers in one process with its queue).
     */
    async function secondNode(): Promise<Database> {
      return kind === 'sqlite' ? db : backend.node();
    }

    test("lockStorageUser orders two nodes writing one user: the second sees the first one's write", async () => {
      const nodeB = await secondNode();
      let locked!: () => void;
      const firstHoldsLock = new Promise<void>((resolve) => (locked = resolve));
      const writer = (node: Database, onLocked?: () => void) =>
        node.transaction('write', async (tx) => {
          await tx.lockStorageUser(user);
          onLocked?.();
          const seen = await tx.storageModified(user);
          await sleep(150);
          await tx.setCollectionModified(user, BOOKMARKS, seen + 10);
          return seen;
        });
      const first = writer(db, locked);
      await firstHoldsLock;
      const second = writer(nodeB);
      assert.deepEqual(await Promise.all([first, second]), [0, 10]);
      assert.equal(await read((tx) => tx.storageModified(user)), 20);
    });

    test('2 nodes x 5 concurrent writers to one user lose no write', async () => {
      const nodes = [db, await secondNode()];
      const writers = Array.from({ length: 10 }, (_, i) =>
        (nodes[i % 2] as Database).transaction('write', async (tx) => {
          await tx.lockStorageUser(user);
          const seen = await tx.storageModified(user);
          await sleep(5);
          await tx.putBsos(user, HISTORY, [bso(`w${i}`, { modified: seen + 10 })]);
          await tx.setCollectionModified(user, HISTORY, seen + 10);
          return seen;
        }),
      );
      const seen = await Promise.all(writers);
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        Array.from({ length: 10 }, (_, i) => i * 10),
      );
      assert.equal(await read((tx) => tx.storageModified(user)), 100);
      assert.equal((await read((tx) => tx.queryBsos(user, HISTORY, {}, NOW))).items.length, 10);
    });

    test('device commands from two nodes at once get distinct indexes', async () => {
      const uid = 'e'.repeat(32);
      await write(async (tx) => {
        await tx.fxaInsertAccount({
          uid,
          email: 'race@example.org',
          normalizedEmail: 'race@example.org',
          authSalt: ALL_BYTES.slice(0, 32),
          verifyHash: ALL_BYTES.slice(0, 32),
          kA: ALL_BYTES.slice(0, 32),
          wrapWrapKb: ALL_BYTES.slice(0, 32),
          verifierSetAt: NOW,
          keysChangedAt: NOW,
          createdAt: NOW,
        });
        await tx.fxaInsertDevice({
          id: 'race-device',
          uid,
          sessionId: null,
          name: 'x',
          type: 'desktop',
          pushCallback: null,
          pushPublicKey: null,
          pushAuthKey: null,
          availableCommands: '{}',
          createdAt: NOW,
          lastAccessAt: NOW,
        });
      });
      const nodes = [db, await secondNode()];
      const indexes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (nodes[i % 2] as Database).transaction('write', (tx) =>
            tx.fxaEnqueueCommand(uid, {
              deviceId: 'race-device',
              command: 'c',
              payload: '{}',
              sender: null,
              createdAt: NOW,
              expiresAt: NOW + 1000,
            }),
          ),
        ),
      );
      assert.deepEqual(
        [...indexes].sort((a, b) => a - b),
        Array.from({ length: 10 }, (_, i) => i + 1),
      );
      assert.equal((await read((tx) => tx.fxaDeviceCommands('race-device', 0, NOW, 100))).length, 10);
    });

    test('collectionId(name, true) from two nodes at once gives one id per name', async () => {
      const nodes = [db, await secondNode()];
      const names = Array.from({ length: 8 }, (_, i) => `racing-${i}`);
      const ids = await Promise.all(
        names.flatMap((name) =>
          nodes.map((node) => node.transaction('write', (tx) => tx.collectionId(name, true))),
        ),
      );
      for (let i = 0; i < names.length; i++) {
        const [a, b] = [ids[2 * i], ids[2 * i + 1]];
        assert.ok(typeof a === 'number', `${names[i]}: ${a}`);
        assert.equal(a, b, `${names[i]} got two ids`);
      }
      assert.equal(new Set(ids).size, names.length);
    });
  });
}
