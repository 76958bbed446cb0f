import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteDatabase } from '../../server/db/sqlite/sqlite-database.js';
import { StorageEngine } from '../../server/storage/engine.js';
import { BatchNotFound, OverQuota, PreconditionFailed } from '../../server/storage/errors.js';
import type { WritePolicy } from '../../server/storage/types.js';

const V11: WritePolicy = { bumpOnSortindex: false, touchWhenEmpty: false };
const V15: WritePolicy = { bumpOnSortindex: true, touchWhenEmpty: true };

let dir: string;
let db: SqliteDatabase;
let engine: StorageEngine;
let now: number;
let user: number;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-engine-'));
  db = SqliteDatabase.open(path.join(dir, 'data', 'test.db'));
  now = 1_700_000_000_000;
  engine = new StorageEngine(db, { clock: () => now });
  user = await db.transaction('write', (tx) => tx.createStorageUser('test', now));
});

afterEach(async () => {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('data directory is 0700 and the database file 0600', () => {
  assert.equal(fs.statSync(path.join(dir, 'data')).mode & 0o777, 0o700);
  assert.equal(fs.statSync(path.join(dir, 'data', 'test.db')).mode & 0o777, 0o600);
});

test('a write stamps every record and the collection with one timestamp', async () => {
  const r = await engine.putItems(
    user,
    'bookmarks',
    [
      { id: 'a', payload: 'x' },
      { id: 'b', payload: 'y' },
    ],
    V11,
  );
  assert.equal(r.modified, now);
  assert.deepEqual(r.itemModified, [now, now]);
  assert.deepEqual(await engine.collectionStamps(user), [{ name: 'bookmarks', modified: now }]);
  const q = await engine.query(user, 'bookmarks', {});
  assert.deepEqual(
    q.items.map((b) => [b.id, b.payload, b.modified]),
    [
      ['a', 'x', now],
      ['b', 'y', now],
    ],
  );
});

test('two writes within one tick still get increasing timestamps', async () => {
  const a = await engine.putItems(user, 'tabs', [{ id: 'a', payload: '1' }], V15);
  const b = await engine.putItems(user, 'tabs', [{ id: 'a', payload: '2' }], V15);
  assert.ok(b.modified > a.modified);
  // Across collections too, so the storage timestamp is always the latest write's.
  const c = await engine.putItems(user, 'history', [{ id: 'h', payload: '3' }], V15);
  assert.ok(c.modified > b.modified);
  assert.equal(await engine.storageModified(user), c.modified);
});

test('metadata-only updates keep payload and modified under Sync 1.1 rules', async () => {
  await engine.putItems(user, 'c', [{ id: 'a', payload: 'p', sortindex: 1 }], V11);
  const first = now;
  now += 1000;
  const r = await engine.putItems(user, 'c', [{ id: 'a', sortindex: 5 }], V11);
  assert.equal(r.itemModified[0], first);
  const item = await engine.getItem(user, 'c', 'a');
  assert.equal(item?.payload, 'p');
  assert.equal(item?.sortindex, 5);
  assert.equal(item?.modified, first);
});

test('a sortindex change bumps modified under Sync 1.5 rules, a ttl-only change does not', async () => {
  await engine.putItems(user, 'c', [{ id: 'a', payload: 'p' }], V15);
  now += 1000;
  await engine.putItems(user, 'c', [{ id: 'a', sortindex: 3 }], V15);
  assert.equal((await engine.getItem(user, 'c', 'a'))?.modified, now);
  const before = now;
  now += 1000;
  await engine.putItems(user, 'c', [{ id: 'a', ttl: 100 }], V15);
  const item = await engine.getItem(user, 'c', 'a');
  assert.equal(item?.modified, before);
  assert.equal(item?.expiry, now + 100_000);
});

test('expired records are hidden from reads but a new write recreates them', async () => {
  await engine.putItems(user, 'c', [{ id: 'a', payload: 'old', sortindex: 9, ttl: 1 }], V11);
  now += 2000;
  assert.equal(await engine.getItem(user, 'c', 'a'), null);
  assert.deepEqual((await engine.query(user, 'c', {})).items, []);
  assert.deepEqual(await engine.collectionCounts(user), []);
  await engine.putItems(user, 'c', [{ id: 'a', payload: 'new' }], V11);
  const item = await engine.getItem(user, 'c', 'a');
  assert.equal(item?.payload, 'new');
  assert.equal(item?.sortindex, null, 'an expired record is replaced, not merged');
});

test('filters are ANDed and comparisons strict', async () => {
  for (let i = 1; i <= 5; i++) {
    now += 10;
    await engine.putItems(user, 'h', [{ id: String(i), payload: 'x', sortindex: i * 10 }], V11);
  }
  const t0 = 1_700_000_000_000;
  const r = await engine.query(user, 'h', { newer: t0 + 20, older: t0 + 50 });
  assert.deepEqual(
    r.items.map((b) => b.id),
    ['3', '4'],
  );
  const idx = await engine.query(user, 'h', { indexAbove: 10, indexBelow: 40, sort: 'index' });
  assert.deepEqual(
    idx.items.map((b) => b.id),
    ['3', '2'],
  );
  const page = await engine.query(user, 'h', { sort: 'newest', limit: 2, offset: 1 });
  assert.deepEqual(
    page.items.map((b) => b.id),
    ['4', '3'],
  );
  assert.equal(page.more, true);
  const last = await engine.query(user, 'h', { sort: 'newest', limit: 2, offset: 4 });
  assert.equal(last.more, false);
  const ids = await engine.query(user, 'h', { ids: ['2', '5', 'nope'] });
  assert.deepEqual(
    ids.items.map((b) => b.id),
    ['2', '5'],
  );
});

test('X-If-Unmodified-Since fails a write inside the transaction and writes nothing', async () => {
  await engine.putItems(user, 'c', [{ id: 'a', payload: '1' }], V11);
  await assert.rejects(
    engine.putItems(user, 'c', [{ id: 'b', payload: '2' }], V11, {
      precondition: { unmodifiedSince: now - 10, scope: 'collection' },
    }),
    (err: unknown) => err instanceof PreconditionFailed && err.lastModified === now,
  );
  assert.equal(await engine.getItem(user, 'c', 'b'), null);
});

test('quota refuses writes once the stored bytes reach it', async () => {
  await engine.putItems(user, 'c', [{ id: 'a', payload: 'x'.repeat(100) }], V11, { quotaBytes: 100 });
  await assert.rejects(
    engine.putItems(user, 'c', [{ id: 'b', payload: 'y' }], V11, { quotaBytes: 100 }),
    OverQuota,
  );
  assert.equal(await engine.totalBytes(user), 100);
});

test('deleting a collection (Sync 1.5) removes it but storage time keeps moving forward', async () => {
  await engine.putItems(user, 'c', [{ id: 'a', payload: '1' }], V15);
  now += 1000;
  const del = await engine.deleteCollection(user, 'c');
  assert.equal(del.modified, now);
  assert.equal(del.removed, 1);
  assert.deepEqual(await engine.collectionStamps(user), []);
  assert.equal(await engine.storageModified(user), now);
});

test('filtered deletes keep the collection and advance its timestamp only when rows went', async () => {
  await engine.putItems(
    user,
    'c',
    [
      { id: 'a', payload: '1' },
      { id: 'b', payload: '2' },
    ],
    V11,
  );
  const written = now;
  now += 1000;
  const none = await engine.deleteItems(user, 'c', { ids: ['zzz'] }, V11);
  assert.equal(none.removed, 0);
  assert.equal(await engine.collectionModified(user, 'c'), written);
  now += 1000;
  const one = await engine.deleteItems(user, 'c', { ids: ['a'] }, V11);
  assert.equal(one.removed, 1);
  assert.equal(await engine.collectionModified(user, 'c'), now);
});

test('delete with sort and limit picks which rows go', async () => {
  for (let i = 1; i <= 4; i++) {
    now += 10;
    await engine.putItems(user, 'c', [{ id: String(i), payload: 'x' }], V11);
  }
  await engine.deleteItems(user, 'c', { sort: 'oldest', limit: 2 }, V11);
  assert.deepEqual(
    (await engine.query(user, 'c', {})).items.map((b) => b.id),
    ['3', '4'],
  );
});

test('a batch stays invisible until commit, then lands with one timestamp', async () => {
  const { batch } = await engine.createBatch(user, 'bm', [{ id: 'a', payload: '1' }]);
  await engine.appendBatch(user, 'bm', batch, [
    { id: 'b', payload: '2' },
    { id: 'a', payload: '1b' },
  ]);
  assert.deepEqual((await engine.query(user, 'bm', {})).items, []);
  assert.deepEqual(await engine.collectionStamps(user), []);
  now += 1000;
  const r = await engine.commitBatch(user, 'bm', batch, [{ id: 'c', payload: '3' }], V15);
  const items = (await engine.query(user, 'bm', { sort: 'oldest' })).items;
  assert.deepEqual(
    items.map((b) => [b.id, b.payload, b.modified]),
    [
      ['a', '1b', r.modified],
      ['b', '2', r.modified],
      ['c', '3', r.modified],
    ],
  );
  await assert.rejects(
    engine.appendBatch(user, 'bm', batch, []),
    BatchNotFound,
    'committed batches are closed',
  );
});

test('batches are scoped to their user and collection and expire', async () => {
  const other = await db.transaction('write', (tx) => tx.createStorageUser('test', now));
  const { batch } = await engine.createBatch(user, 'bm', []);
  await assert.rejects(engine.appendBatch(other, 'bm', batch, []), BatchNotFound);
  await assert.rejects(engine.appendBatch(user, 'history', batch, []), BatchNotFound);
  now += 2 * 60 * 60 * 1000 + 10;
  await assert.rejects(engine.commitBatch(user, 'bm', batch, [], V15), BatchNotFound);
});

test('a failing write rolls back entirely', async () => {
  await engine.putItems(user, 'c', [{ id: 'keep', payload: 'k' }], V11);
  await assert.rejects(
    db.transaction('write', async (tx) => {
      const cid = (await tx.collectionId('c', true)) as number;
      await tx.deleteCollectionBsos(user, cid);
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal((await engine.getItem(user, 'c', 'keep'))?.payload, 'k');
});

test('transactions never interleave even when callbacks await', async () => {
  const order: string[] = [];
  const slow = db.transaction('write', async () => {
    order.push('a-start');
    await new Promise((r) => setTimeout(r, 20));
    order.push('a-end');
  });
  const fast = db.transaction('read', () => {
    order.push('b');
  });
  await Promise.all([slow, fast]);
  assert.deepEqual(order, ['a-start', 'a-end', 'b']);
});

test('purge removes expired records and stale batches', async () => {
  await engine.putItems(
    user,
    'c',
    [
      { id: 'a', payload: '1', ttl: 1 },
      { id: 'b', payload: '2' },
    ],
    V15,
  );
  await engine.createBatch(user, 'c', [{ id: 'z', payload: 'z' }]);
  now += 3 * 60 * 60 * 1000;
  assert.equal(await engine.purge(), 1);
  assert.equal((await engine.getItem(user, 'c', 'b'))?.payload, '2');
});
