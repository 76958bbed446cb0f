// A row-count offset where this server's previous page ended runs as a seek, not as OFFSET
// (issue 11 #19: Sync 1.1's offset= and Sync 1.5's plain tokens), and only while the
// collection is unchanged.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteDatabase } from '../../server/db/sqlite/sqlite-database.js';
import type { Database, Tx } from '../../server/db/types.js';
import { StorageEngine } from '../../server/storage/engine.js';
import type { BsoQuery, WritePolicy } from '../../server/storage/types.js';

const V11: WritePolicy = { bumpOnSortindex: false, touchWhenEmpty: false };

let dir: string;
let db: SqliteDatabase;
let engine: StorageEngine;
let user: number;
/** The queries the engine handed to the database. */
let asked: BsoQuery[];
let now: number;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-page-ends-'));
  db = SqliteDatabase.open(path.join(dir, 'data', 'test.db'));
  now = 1_700_000_000_000;
  asked = [];
  // The real database, with each transaction's queryBsos recording what it was asked.
  const spying = new Proxy(db, {
    get(target, key, receiver) {
      if (key !== 'transaction') return Reflect.get(target, key, receiver) as unknown;
      return (mode: 'read' | 'write', fn: (tx: Tx) => unknown) =>
        target.transaction(mode, (tx) =>
          fn(
            new Proxy(tx, {
              get(inner, name, r) {
                if (name !== 'queryBsos') return Reflect.get(inner, name, r) as unknown;
                return (u: number, c: number, q: BsoQuery, n: number) => {
                  asked.push(q);
                  return inner.queryBsos(u, c, q, n);
                };
              },
            }),
          ),
        );
    },
  }) as Database;
  engine = new StorageEngine(spying, { clock: () => now });
  user = await db.transaction('write', (tx) => tx.createStorageUser('test', now));
  for (let i = 0; i < 10; i++) {
    now += 10;
    await engine.putItems(user, 'h', [{ id: `r${i}`, payload: 'x', sortindex: i % 3 }], V11);
  }
});

afterEach(async () => {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the next page of a download seeks after the last row instead of skipping offset rows', async () => {
  for (const sort of ['newest', 'oldest', 'index'] as const) {
    const whole = (await engine.query(user, 'h', { sort })).items.map((b) => b.id);
    asked = [];
    const first = await engine.query(user, 'h', { sort, limit: 4 });
    const second = await engine.query(user, 'h', { sort, limit: 4, offset: 4 });
    const third = await engine.query(user, 'h', { sort, limit: 4, offset: 8 });
    assert.deepEqual(
      [...first.items, ...second.items, ...third.items].map((b) => b.id),
      whole,
      sort,
    );
    assert.equal(third.more, false);
    assert.equal(asked[1]?.offset, undefined, `${sort}: page 2 ran without OFFSET`);
    assert.deepEqual(asked[1]?.after, {
      value: sort === 'index' ? first.items[3]?.sortindex : first.items[3]?.modified,
      id: first.items[3]?.id,
    });
    assert.equal(asked[2]?.after?.id, second.items[3]?.id, `${sort}: page 3 seeks too`);
  }
});

test('an offset no page ended at, or after a write, runs as OFFSET', async () => {
  await engine.query(user, 'h', { sort: 'newest', limit: 4 });
  asked = [];
  await engine.query(user, 'h', { sort: 'newest', limit: 4, offset: 3 });
  assert.equal(asked[0]?.offset, 3);
  assert.equal(asked[0]?.after, undefined);
  await engine.query(user, 'h', { sort: 'newest', limit: 4, offset: 0 });
  now += 10;
  await engine.putItems(user, 'h', [{ id: 'late', payload: 'y' }], V11);
  asked = [];
  const page = await engine.query(user, 'h', { sort: 'newest', limit: 4, offset: 4 });
  assert.equal(asked[0]?.offset, 4);
  assert.equal(asked[0]?.after, undefined);
  // OFFSET over the collection as it is now: the new record moved everything down one.
  assert.deepEqual(
    page.items.map((b) => b.id),
    ['r6', 'r5', 'r4', 'r3'],
  );
});

test('a page whose next page comes with a cursor (Sync 1.5) leaves no page end behind', async () => {
  const first = await engine.query(user, 'h', { sort: 'newest', limit: 4 }, { rowOffsetsFollow: false });
  assert.equal(first.more, true);
  asked = [];
  await engine.query(user, 'h', { sort: 'newest', limit: 4, offset: 4 });
  assert.equal(asked[0]?.offset, 4, 'nothing was remembered to seek from');
  assert.equal(asked[0]?.after, undefined);
});
