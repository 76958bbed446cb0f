import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { SqliteDatabase } from '../../server/db/sqlite/sqlite-database.js';
import type { Database, Tx } from '../../server/db/types.js';
import { StorageEngine } from '../../server/storage/engine.js';

/**
 * Issue 11 item 19: purging expired records never holds the database (and, on SQLite, the event
 * loop) for long: it runs in small transactions, each removing a few hundred records at most.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-purge-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('expired records are purged in transactions of at most a few hundred records', async () => {
  const real = SqliteDatabase.open(path.join(dir, 'foxden.db'));
  const slices: { max: number; removed: number }[] = [];
  // The real database, with each purgeExpired call's bound and result noted.
  const db: Database = Object.create(real, {
    transaction: {
      value: <T>(mode: 'read' | 'write', fn: (tx: Tx) => T | Promise<T>) =>
        real.transaction(mode, (tx) =>
          fn(
            Object.create(tx, {
              purgeExpired: {
                value: async (now: number, max: number) => {
                  const removed = await tx.purgeExpired(now, max);
                  slices.push({ max, removed });
                  return removed;
                },
              },
            }) as Tx,
          ),
        ),
    },
  }) as Database;
  try {
    let now = 1_700_000_000_000;
    const engine = new StorageEngine(db, { clock: () => now });
    const user = await real.transaction('write', (tx) => tx.createStorageUser('test', now));
    const items = Array.from({ length: 450 }, (_, i) => ({ id: `e${i}`, payload: 'x', ttl: 1 }));
    await engine.putItems(user, 'forms', items, { bumpOnSortindex: true, touchWhenEmpty: true });
    await engine.putItems(user, 'forms', [{ id: 'kept', payload: 'y' }], {
      bumpOnSortindex: true,
      touchWhenEmpty: true,
    });
    now += 5_000;
    assert.equal(await engine.purge(), 450);
    assert.ok(slices.length >= 3, `${slices.length} purge transactions`);
    for (const slice of slices)
      assert.ok(slice.max <= 500 && slice.removed <= slice.max, JSON.stringify(slice));
    assert.deepEqual(
      (await engine.query(user, 'forms', {})).items.map((b) => b.id),
      ['kept'],
    );
  } finally {
    await real.close();
  }
});
