import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { StoredBso } from '../../server/db/records.js';
import { openSqlite, type SqliteHandle } from '../../server/db/sqlite/open.js';
import { recordingSqliteStorage } from '../helpers/recording-sqlite.js';

/**
 * Issue 11 item 19: the statements of deletes and of the background reclaimer look rows up by
 * their key or walk only the rows they remove, never the whole collection. The floor condition
 * (bso_floors) once turned a DELETE by ids into a walk of bsos_newest on SQLite.
 */
const USER = 1;
const HISTORY = 4;
const ROWS = 3000;

let dir: string;
let db: SqliteHandle;
const recording = recordingSqliteStorage(() => db);
const { storage } = recording;

/** The plan of every statement on bsos `fn` ran. */
async function plansOf(fn: () => Promise<unknown>): Promise<string[]> {
  return (await recording.statementsOf(fn)).filter((s) => /\bFROM bsos\b/.test(s.sql)).map(recording.planOf);
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-delete-plan-'));
  db = openSqlite(path.join(dir, 'foxden.db'));
  const bsos: StoredBso[] = Array.from({ length: ROWS }, (_, i) => ({
    id: `r${String(i).padStart(6, '0')}`,
    modified: 1_000_000 + Math.floor(i / 100) * 10,
    payload: 'x'.repeat(100),
    sortindex: (i * 7919) % 1000,
    parentid: null,
    predecessorid: null,
    expiry: null,
  }));
  await storage.putBsos(USER, HISTORY, bsos);
});

after(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a delete by ids, and dropping deleted rows before a write, look each id up by primary key', async () => {
  const ids = ['r000001', 'r000002', 'r000003'];
  const plans = [
    ...(await plansOf(() => storage.deleteBsos(USER, HISTORY, { ids }))),
    ...(await plansOf(() => storage.dropDeleted(USER, HISTORY, ['r000004', 'r000005']))),
  ];
  assert.ok(plans.length > 0);
  for (const plan of plans)
    assert.match(
      plan,
      /USING (COVERING )?INDEX sqlite_autoindex_bsos_1 \(user_id=\? AND collection_id=\? AND id=\?\)/,
      plan,
    );
});

test('the rows written since a floor are found by a range of the modified index', async () => {
  const plans = await plansOf(() => storage.idsAbove(USER, HISTORY, 1_000_100, 2000));
  assert.equal(plans.length, 1);
  assert.match(
    plans[0] ?? '',
    /bsos_(newest|modified) \(user_id=\? AND collection_id=\? AND modified_ms>\?\)/,
    plans[0],
  );
});

test("the reclaimer walks the floor's rows in modified order and deletes each by primary key", async () => {
  assert.ok((await storage.deleteCollectionBsos(USER, HISTORY, 2_000_000)) > 0);
  const plans = await plansOf(() => storage.reclaimDeleted(500));
  const [select, ...deletes] = plans;
  assert.match(
    select ?? '',
    /bsos_(newest|modified) \(user_id=\? AND collection_id=\? AND modified_ms<\?\)/,
    select,
  );
  assert.ok(deletes.length > 0);
  for (const plan of deletes)
    assert.match(plan, /sqlite_autoindex_bsos_1 \(user_id=\? AND collection_id=\? AND id=\?\)/, plan);
});
