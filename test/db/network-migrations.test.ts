import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { MYSQL_MIGRATIONS } from '../../server/db/mysql/migrations.js';
import { openDatabase } from '../../server/db/open-database.js';
import { LARGE_DELETE_ROWS } from '../../server/db/sql/storage.js';
import { StorageEngine } from '../../server/storage/engine.js';
import type { BsoQuery, StoredBso, WritePolicy } from '../../server/storage/types.js';
import { adminUrl, databaseProblem, freshDatabase, testDatabaseKind } from '../helpers/databases.js';

/**
 * Issue 11 #19 review: the networked backends' migrations. PostgreSQL compares ids byte by
 * byte whatever the cluster's locale (the keyset seek must agree with the pages bso-pages.ts
 * orders in memory); MariaDB's index migration can run again after a crash before the schema
 * version was written. Run with FOXDEN_TEST_DATABASE=postgres or =mysql.
 */
const SYNC15: WritePolicy = { bumpOnSortindex: true, touchWhenEmpty: true };
const kind = testDatabaseKind();
const skipFor = async (wanted: 'postgres' | 'mysql') =>
  kind !== wanted ? `FOXDEN_TEST_DATABASE is not ${wanted}` : ((await databaseProblem(wanted)) ?? false);

/** Ids whose linguistic order (en-US: punctuation ignored, case second) is not their byte order. */
const IDS = ['aa', 'AB', 'ac', 'Ad', 'a-e', 'a_f', 'ZZ', 'zz', 'b', 'B', '-x', '_y'];
const byteOrder = (ids: readonly string[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

async function pgAdmin(url: string, sql: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Every page of `query` from the first, following each page's last row as the next cursor. */
async function walk(engine: StorageEngine, user: number, query: BsoQuery): Promise<string[]> {
  const got: string[] = [];
  let after: BsoQuery['after'];
  for (let pages = 0; pages < 50; pages++) {
    const page = await engine.query(user, 'history', { ...query, ...(after ? { after } : {}) });
    got.push(...page.items.map((bso) => bso.id));
    const last = page.items.at(-1) as StoredBso | undefined;
    if (!page.more || !last) return got;
    after = { value: query.sort === 'index' ? last.sortindex : last.modified, id: last.id };
  }
  throw new Error('more than 50 pages');
}

/** A scratch PostgreSQL database whose default collation is linguistic (ICU en-US); dropped by the caller. */
async function icuDatabase(): Promise<{ admin: string; name: string; url: URL }> {
  const admin = adminUrl('postgres');
  const name = `foxden_test_icu_${Date.now().toString(36)}_${crypto.randomBytes(4).toString('hex')}`;
  await pgAdmin(
    admin,
    `CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`,
  );
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { admin, name, url };
}

describe('PostgreSQL: ids in byte order under a linguistic (ICU en-US) database collation', async () => {
  const skip = await skipFor('postgres');
  test('pages by key and by SQL agree: no row skipped or repeated', { skip, timeout: 120_000 }, async () => {
    const { admin, name, url } = await icuDatabase();
    const db = await openDatabase({ kind: 'postgres', url: url.href, display: name });
    try {
      let now = 1_700_000_000_000;
      const engine = new StorageEngine(db, { clock: () => now });
      const user = await db.transaction('write', (tx) => tx.createStorageUser('test', now));
      // A large collection deleted through a floor: listings then read rows by key (in memory).
      for (let i = 0; i <= LARGE_DELETE_ROWS; i += 500) {
        now += 1000;
        const batch = Array.from({ length: 500 }, (_, j) => ({ id: `old${i + j}`, payload: 'old' }));
        await engine.putItems(user, 'history', batch, SYNC15);
      }
      now += 1000;
      await engine.deleteCollection(user, 'history');
      // One POST: every record shares one timestamp, so the id alone orders them.
      now += 1000;
      await engine.putItems(
        user,
        'history',
        IDS.map((id, i) => ({ id, payload: 'new', sortindex: i % 2 })),
        SYNC15,
      );
      const expected = byteOrder(IDS);
      // Page 1 by key and in memory; the rest by SQL once the reclaimer is done.
      const first = await engine.query(user, 'history', { sort: 'newest', limit: 4 });
      assert.deepEqual(
        first.items.map((bso) => bso.id),
        expected.slice(0, 4),
      );
      await engine.reclaimNow();
      const last = first.items.at(-1) as StoredBso;
      const rest = await engine.query(user, 'history', {
        sort: 'newest',
        after: { value: last.modified, id: last.id },
      });
      assert.deepEqual(
        [...first.items, ...rest.items].map((bso) => bso.id),
        expected,
      );
      // By SQL alone, in every sorted order, a page at a time.
      assert.deepEqual(await walk(engine, user, { sort: 'newest', limit: 3 }), expected);
      assert.deepEqual(await walk(engine, user, { sort: 'oldest', limit: 5 }), expected);
      const bySortindex = [
        ...byteOrder(IDS.filter((_, i) => i % 2 === 1)),
        ...byteOrder(IDS.filter((_, i) => i % 2 === 0)),
      ];
      assert.deepEqual(await walk(engine, user, { sort: 'index', limit: 2 }), bySortindex);
      // ids= goes by primary key and is ordered in memory: the same order as the SQL.
      assert.deepEqual(
        await walk(engine, user, { sort: 'newest', limit: 5, ids: [...IDS].reverse() }),
        expected,
      );
    } finally {
      await db.close();
      await pgAdmin(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});

describe('PostgreSQL: migration 4 on a database of schema 3 that holds records', async () => {
  const skip = await skipFor('postgres');
  test('the stored ids come back in byte order, by SQL and by seek', { skip, timeout: 60_000 }, async () => {
    const { admin, name, url } = await icuDatabase();
    try {
      // Schema 3 as an earlier Foxden left it: ids in the database's (linguistic) collation.
      await (await openDatabase({ kind: 'postgres', url: url.href, display: name })).close();
      await pgAdmin(url.href, 'ALTER TABLE bsos ALTER COLUMN id TYPE TEXT COLLATE "default"');
      await pgAdmin(url.href, 'UPDATE foxden_schema SET version = 3');
      await pgAdmin(url.href, `INSERT INTO storage_users (id, kind, created_ms) VALUES (7, 'test', 1)`);
      await pgAdmin(
        url.href,
        `INSERT INTO bsos (user_id, collection_id, id, modified_ms, payload_bytes) VALUES ${IDS.map(
          (id) => `(7, 4, '${id}', 1000, 0)`,
        ).join(', ')}`,
      );
      const db = await openDatabase({ kind: 'postgres', url: url.href, display: name });
      try {
        const engine = new StorageEngine(db);
        await engine.reclaimNow(); // no floor: listings go by SQL alone
        assert.deepEqual(await walk(engine, 7, { sort: 'newest', limit: 3 }), byteOrder(IDS));
      } finally {
        await db.close();
      }
    } finally {
      await pgAdmin(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});

describe('MariaDB/MySQL: the index migration runs again after a crash before the version update', async () => {
  const skip = await skipFor('mysql');
  test('schema version set back to 1, the migration runs again and succeeds', { skip }, async () => {
    const fresh = await freshDatabase('mysql');
    try {
      await (await openDatabase(fresh.location)).close();
      const mysql = await import('mysql2/promise');
      const url = fresh.location.kind === 'mysql' ? fresh.location.url : '';
      const conn = await mysql.createConnection({ uri: url });
      try {
        // As if the server stopped after migration 2's DDL (which commits at once) and before
        // the version was written.
        await conn.query('UPDATE foxden_schema SET version = 1');
        const db = await openDatabase(fresh.location);
        await db.close();
        const [versions] = await conn.query('SELECT version FROM foxden_schema');
        assert.equal(Number((versions as { version: number }[])[0]?.version), MYSQL_MIGRATIONS.length);
        const [rows] = await conn.query(
          `SELECT index_name AS name, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS cols
           FROM information_schema.STATISTICS WHERE table_schema = DATABASE() AND table_name = 'bsos'
           AND index_name IN ('bsos_modified', 'bsos_newest', 'bsos_sortindex') GROUP BY index_name ORDER BY name`,
        );
        assert.deepEqual(
          (rows as { name: string; cols: string }[]).map((row) => [row.name, row.cols]),
          [
            ['bsos_modified', 'user_id,collection_id,modified_ms,id'],
            ['bsos_newest', 'user_id,collection_id,modified_ms,id'],
            ['bsos_sortindex', 'user_id,collection_id,sortindex,id'],
          ],
        );
      } finally {
        await conn.end();
      }
    } finally {
      await fresh.cleanup();
    }
  });
});
