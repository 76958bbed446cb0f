import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteDatabase } from '../../server/db/sqlite/sqlite-database.js';
import { StorageEngine } from '../../server/storage/engine.js';

// BsoQuery.idsOnly: id listings must not read payloads (bench/run.ts found an id listing of
// 100,000 x 1 KB records costing ~170 MB of RSS), yet list the same ids in the same order.

let dir: string;
let db: SqliteDatabase;
let engine: StorageEngine;
let user: number;
const now = 1_700_000_000_000;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-idsonly-'));
  db = SqliteDatabase.open(path.join(dir, 'test.db'));
  engine = new StorageEngine(db, { clock: () => now });
  user = await db.transaction('write', (tx) => tx.createStorageUser('test', now));
  await engine.putItems(
    user,
    'history',
    [
      { id: 'c', payload: 'third', sortindex: 1, parentid: 'p' },
      { id: 'a', payload: 'first', sortindex: 3 },
      { id: 'b', payload: 'second', sortindex: 2, predecessorid: 'a' },
    ],
    { bumpOnSortindex: false, touchWhenEmpty: false },
  );
});

afterEach(async () => {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('idsOnly lists the same ids in the same order, without payloads', async () => {
  for (const query of [
    {},
    { sort: 'index' as const },
    { sort: 'newest' as const, limit: 2 },
    { ids: ['b', 'c'] },
  ]) {
    const full = await engine.query(user, 'history', query);
    const ids = await engine.query(user, 'history', { ...query, idsOnly: true });
    assert.deepEqual(
      ids.items.map((b) => b.id),
      full.items.map((b) => b.id),
    );
    assert.equal(ids.more, full.more);
    assert.equal(ids.collectionModified, full.collectionModified);
    for (const item of ids.items) {
      assert.equal(item.payload, null);
      assert.equal(item.parentid, null);
      assert.equal(item.predecessorid, null);
    }
  }
});

test('without idsOnly the payloads and links are read as before', async () => {
  const full = await engine.query(user, 'history', { sort: 'index' });
  assert.deepEqual(
    full.items.map((b) => [b.id, b.payload, b.sortindex, b.parentid, b.predecessorid]),
    [
      ['a', 'first', 3, null, null],
      ['b', 'second', 2, null, 'a'],
      ['c', 'third', 1, 'p', null],
    ],
  );
});
