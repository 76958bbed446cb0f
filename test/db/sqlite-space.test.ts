import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteDatabase } from '../../server/db/sqlite/sqlite-database.js';
import { StorageEngine } from '../../server/storage/engine.js';
import type { WritePolicy } from '../../server/storage/types.js';

/**
 * Issue 11 item 19: after a large delete has been reclaimed, a new SQLite database gives the
 * space back (auto_vacuum=INCREMENTAL, an incremental vacuum a step at a time) and its WAL is
 * cut back, where before the file kept its size for good and the WAL grew past the data.
 */
const SYNC15: WritePolicy = { bumpOnSortindex: true, touchWhenEmpty: true };
const RECORDS = 12_000;
const PAYLOAD = 'x'.repeat(1500);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-space-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const size = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

test('a new database is created with auto_vacuum=INCREMENTAL', async () => {
  const file = path.join(dir, 'fresh', 'foxden.db');
  const db = SqliteDatabase.open(file);
  await db.close();
  const check = new BetterSqlite3(file, { readonly: true });
  try {
    assert.equal(check.pragma('auto_vacuum', { simple: true }), 2);
  } finally {
    check.close();
  }
});

test('after a large delete is reclaimed the file shrinks, the WAL is truncated and backups still work', async () => {
  const file = path.join(dir, 'data', 'foxden.db');
  const db = SqliteDatabase.open(file);
  const engine = new StorageEngine(db);
  try {
    const user = await db.transaction('write', (tx) => tx.createStorageUser('test', Date.now()));
    for (let i = 0; i < RECORDS; i += 1000) {
      const items = Array.from({ length: 1000 }, (_, j) => ({ id: `r${i + j}`, payload: PAYLOAD }));
      await engine.putItems(user, 'history', items, SYNC15);
    }
    await engine.putItems(user, 'tabs', [{ id: 'kept', payload: 'still here' }], SYNC15);
    // Everything written so far in the file itself, so sizes compare like with like.
    await db.compactStep();
    const full = size(file);
    assert.ok(full > RECORDS * PAYLOAD.length, `file ${full} holds the records`);

    await engine.deleteCollection(user, 'history');
    await engine.reclaimNow();

    const shrunk = size(file);
    const wal = size(`${file}-wal`);
    assert.ok(shrunk < full / 4, `file went from ${full} to ${shrunk} bytes`);
    assert.ok(wal < 1024 * 1024, `WAL is ${wal} bytes after reclaiming`);
    assert.equal((await engine.getItem(user, 'tabs', 'kept'))?.payload, 'still here');
    assert.equal(await db.integrityCheck(), 'ok');

    const copy = path.join(dir, 'backup.db');
    await db.backup(copy);
    const backup = new BetterSqlite3(copy, { readonly: true });
    try {
      assert.equal(backup.pragma('integrity_check', { simple: true }), 'ok');
      assert.equal(backup.prepare('SELECT COUNT(*) FROM bsos').pluck().get(), 1);
    } finally {
      backup.close();
    }
  } finally {
    await db.close();
  }
});
