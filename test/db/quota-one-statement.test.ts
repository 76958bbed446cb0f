import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LARGE_DELETE_ROWS, SqlStorage } from '../../server/db/sql/storage.js';
import type { SqlRunner } from '../../server/db/sql/runner.js';
import { StorageEngine } from '../../server/storage/engine.js';
import type { WritePolicy } from '../../server/storage/types.js';
import { conformanceKinds, TestBackend } from './conformance-setup.js';

/**
 * Issue 11 #19 review: the quota check every write makes (totalBytes) is one statement, one
 * round trip on PostgreSQL and MariaDB, with or without floors of large deletes, and still
 * leaves the rows below a floor out.
 */
const SYNC15: WritePolicy = { bumpOnSortindex: true, touchWhenEmpty: true };

for (const { kind, skip } of await conformanceKinds()) {
  describe(`totalBytes on ${kind}`, { skip: skip ?? false }, () => {
    let backend: TestBackend;
    let engine: StorageEngine;
    before(async () => {
      backend = await TestBackend.open(kind);
      engine = new StorageEngine(backend.db);
    });
    after(async () => {
      await engine.stopBackgroundWork();
      await backend.close();
    });

    /** totalBytes through a runner that counts the statements it is given. */
    let lastSql = '';
    async function measured(user: number): Promise<{ total: number; statements: number }> {
      assert.ok(backend.db.raw, 'every backend offers raw access');
      return backend.db.raw('read', async (runner, dialect) => {
        let statements = 0;
        const counting: SqlRunner = {
          all: (sql, params) => (statements++, (lastSql = sql), runner.all(sql, params)),
          run: (sql, params) => (statements++, runner.run(sql, params)),
          insertReturningId: (sql, params) => (statements++, runner.insertReturningId(sql, params)),
        };
        const total = await new SqlStorage(counting, dialect).totalBytes(user, engine.now());
        return { total, statements };
      });
    }

    test('one statement without floors and with one; deleted rows left out', async () => {
      const user = await backend.db.transaction('write', (tx) => tx.createStorageUser('test', Date.now()));
      await engine.putItems(user, 'tabs', [{ id: 't', payload: 'x'.repeat(10) }], SYNC15);
      assert.deepEqual(await measured(user), { total: 10, statements: 1 });
      for (let i = 0; i <= LARGE_DELETE_ROWS; i += 500) {
        const items = Array.from({ length: 500 }, (_, j) => ({ id: `h${i + j}`, payload: 'yyy' }));
        await engine.putItems(user, 'history', items, SYNC15);
      }
      await engine.deleteCollection(user, 'history'); // through a floor
      await engine.putItems(user, 'history', [{ id: 'h1', payload: 'zzzz' }], SYNC15);
      const floors = await backend.db.raw!('read', async (runner) =>
        runner.all('SELECT COUNT(*) AS n FROM bso_floors WHERE user_id = ?', [user]),
      );
      assert.equal(Number(floors[0]?.n), 1, 'the rows wait below a floor');
      assert.deepEqual(await measured(user), { total: 14, statements: 1 });
      // Expired records count neither above nor below a floor.
      await engine.putItems(user, 'tabs', [{ id: 'gone', payload: 'x'.repeat(100), ttl: 0 }], SYNC15);
      assert.equal((await measured(user)).total, 14);
    });

    test(
      'SQLite: the floors subquery starts from bso_floors, not from every row of the user',
      {
        skip: kind === 'sqlite' ? false : 'SQLite plan',
      },
      async () => {
        await measured(1);
        const plan = await backend.db.raw!('read', async (runner) =>
          runner.all(`EXPLAIN QUERY PLAN ${lastSql}`, [1, 1, 1, 1]),
        );
        const details = plan.map((row) => String(row.detail));
        const sub = details.indexOf('SCALAR SUBQUERY 1');
        assert.match(details[sub + 1] ?? '', /^SEARCH f USING PRIMARY KEY/, details.join('\n'));
        assert.match(
          details[sub + 2] ?? '',
          /^SEARCH d USING INDEX \w+ \(user_id=\? AND collection_id=\? AND modified_ms<\?\)/,
        );
      },
    );
  });
}
