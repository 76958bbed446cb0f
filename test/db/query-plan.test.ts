/**
 * The page queries and the ids= query walk an index in the order asked for, never the whole
 * collection plus a sort (issue 11 #19): checked with SQLite's EXPLAIN QUERY PLAN of the exact
 * statements SqlStorage runs, on a database opened the way the server opens it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BsoQuery, StoredBso } from '../../server/db/records.js';
import { openSqlite, type SqliteHandle } from '../../server/db/sqlite/open.js';
import { SqliteDatabase } from '../../server/db/sqlite/sqlite-database.js';
import BetterSqlite3 from 'better-sqlite3';
import { recordingSqliteStorage } from '../helpers/recording-sqlite.js';

const USER = 1;
const HISTORY = 4;
const ROWS = 3000;

let dir: string;
let db: SqliteHandle;
const recording = recordingSqliteStorage(() => db);
const { storage } = recording;

/** The plan of each SELECT on bsos that `query` ran, one line per plan step. */
async function plansOf(query: BsoQuery): Promise<string[]> {
  let found = 0;
  const statements = await recording.statementsOf(async () => {
    found = (await storage.queryBsos(USER, HISTORY, query, 1)).items.length;
  });
  assert.ok(found > 0, 'the query found rows');
  const selects = statements.filter((s) => /^SELECT .* FROM bsos WHERE/s.test(s.sql));
  assert.ok(selects.length > 0);
  return selects.map(recording.planOf);
}

function assertNoScanNoSort(plan: string, index: RegExp): void {
  assert.doesNotMatch(plan, /TEMP B-TREE/, `no sort:\n${plan}`);
  assert.doesNotMatch(plan, /^SCAN bsos\b(?! USING)/m, `no table scan:\n${plan}`);
  assert.match(plan, index, plan);
}

describe('SQLite query plans of record pages', () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-plan-'));
    db = openSqlite(path.join(dir, 'foxden.db'));
    const bsos: StoredBso[] = Array.from({ length: ROWS }, (_, i) => ({
      id: `r${String(i).padStart(6, '0')}`,
      modified: 1_000_000 + Math.floor(i / 100) * 10,
      payload: 'x'.repeat(100),
      sortindex: i % 7 === 0 ? null : (i * 7919) % 1000,
      parentid: null,
      predecessorid: null,
      expiry: null,
    }));
    db.transaction(() => {
      for (let i = 0; i < bsos.length; i += 500) void storage.putBsos(USER, HISTORY, bsos.slice(i, i + 500));
      void storage.putBsos(USER + 1, HISTORY, bsos);
    })();
  });

  after(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cursor = { value: 1_000_150, id: 'r001550' };

  test('sort=newest: the first page and a page after a cursor read bsos_newest in order', async () => {
    for (const query of [
      { sort: 'newest', limit: 1000 },
      { sort: 'newest', limit: 1000, after: cursor },
      { sort: 'newest', limit: 1000, after: cursor, newer: 1_000_010 },
    ] satisfies BsoQuery[]) {
      for (const plan of await plansOf(query)) assertNoScanNoSort(plan, /USING INDEX bsos_newest/);
    }
  });

  test('sort=oldest reads bsos_modified in order', async () => {
    for (const query of [
      { sort: 'oldest', limit: 1000 },
      { sort: 'oldest', limit: 1000, after: cursor },
    ] satisfies BsoQuery[]) {
      for (const plan of await plansOf(query)) assertNoScanNoSort(plan, /USING INDEX bsos_modified/);
    }
  });

  test('sort=index reads bsos_sortindex in order, past a cursor with or without a sortindex', async () => {
    for (const query of [
      { sort: 'index', limit: 1000 },
      { sort: 'index', limit: 1000, after: { value: 500, id: 'r000100' } },
      { sort: 'index', limit: 1000, after: { value: null, id: 'r000100' } },
    ] satisfies BsoQuery[]) {
      for (const plan of await plansOf(query)) assertNoScanNoSort(plan, /USING INDEX bsos_sortindex/);
    }
  });

  test('ids= with full=1 (sorted newest, capped) looks each id up by primary key', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `r${String(i * 29).padStart(6, '0')}`);
    const plans = await plansOf({ ids, sort: 'newest', limit: 10_000 });
    for (const plan of plans) {
      assert.match(
        plan,
        /USING INDEX sqlite_autoindex_bsos_1 \(user_id=\? AND collection_id=\? AND id=\?\)/,
        plan,
      );
      assert.doesNotMatch(plan, /TEMP B-TREE/, plan);
    }
  });
});

test('the server leaves planner statistics behind when it closes (PRAGMA optimize)', async () => {
  const where = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-optimize-'));
  try {
    const file = path.join(where, 'data', 'foxden.db');
    const database = SqliteDatabase.open(file);
    const rows: StoredBso[] = Array.from({ length: 2000 }, (_, i) => ({
      id: `s${i}`,
      modified: 1_000_000 + i * 10,
      payload: 'x',
      sortindex: i % 50,
      parentid: null,
      predecessorid: null,
      expiry: null,
    }));
    await database.transaction('write', (tx) => tx.putBsos(USER, HISTORY, rows));
    await database.transaction('read', (tx) => tx.queryBsos(USER, HISTORY, { sort: 'index', limit: 10 }, 1));
    await database.close();
    const after = new BetterSqlite3(file, { readonly: true });
    try {
      const stats = after.prepare("SELECT idx FROM sqlite_stat1 WHERE tbl = 'bsos'").all() as {
        idx: string;
      }[];
      assert.ok(
        stats.some((s) => s.idx === 'bsos_sortindex'),
        JSON.stringify(stats),
      );
    } finally {
      after.close();
    }
  } finally {
    fs.rmSync(where, { recursive: true, force: true });
  }
});
