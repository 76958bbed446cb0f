import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LARGE_DELETE_ROWS, SqlStorage } from '../../server/db/sql/storage.js';
import type { SqlRunner } from '../../server/db/sql/runner.js';
import { StorageEngine } from '../../server/storage/engine.js';
import type { BsoQuery, WritePolicy } from '../../server/storage/types.js';
import { conformanceKinds, TestBackend } from './conformance-setup.js';

/**
 * Issue 11 #19 review: a listing of a collection whose deleted rows wait for the reclaimer goes
 * by the ids written since the floor (up to 2,000) and is paged in memory; only the page's
 * records may be read whole, not every one of those ids with its payload.
 */
const SYNC15: WritePolicy = { bumpOnSortindex: true, touchWhenEmpty: true };
const WRITTEN_SINCE = 300;

for (const { kind, skip } of await conformanceKinds()) {
  describe(`an ids= page reads whole rows for the page only, on ${kind}`, { skip: skip ?? false }, () => {
    let backend: TestBackend;
    let engine: StorageEngine;
    let user = 0;
    const ids = Array.from({ length: WRITTEN_SINCE }, (_, i) => `n${String(i).padStart(3, '0')}`);

    before(async () => {
      backend = await TestBackend.open(kind);
      engine = new StorageEngine(backend.db);
      user = await backend.db.transaction('write', (tx) => tx.createStorageUser('test', Date.now()));
      for (let i = 0; i <= LARGE_DELETE_ROWS; i += 500) {
        const items = Array.from({ length: 500 }, (_, j) => ({ id: `old${i + j}`, payload: 'old' }));
        await engine.putItems(user, 'history', items, SYNC15);
      }
      await engine.deleteCollection(user, 'history'); // through a floor
      for (let i = 0; i < ids.length; i += 100) {
        const items = ids
          .slice(i, i + 100)
          .map((id, j) => ({ id, payload: `p-${id}`, sortindex: (i + j) % 7 }));
        await engine.putItems(user, 'history', items, SYNC15);
      }
    });
    after(async () => {
      await engine.stopBackgroundWork();
      await backend.close();
    });

    /** queryBsos through a runner that counts the payloads it hands back. */
    async function measured(
      query: BsoQuery,
    ): Promise<{ ids: string[]; payloads: string[]; more: boolean; read: number }> {
      assert.ok(backend.db.raw, 'every backend offers raw access');
      return backend.db.raw('read', async (runner, dialect) => {
        let read = 0;
        const counting: SqlRunner = {
          all: async (sql, params) => {
            const rows = await runner.all(sql, params);
            read += rows.filter((row) => row.payload !== null && row.payload !== undefined).length;
            return rows;
          },
          run: (sql, params) => runner.run(sql, params),
          insertReturningId: (sql, params) => runner.insertReturningId(sql, params),
        };
        const storage = new SqlStorage(counting, dialect);
        const cid = (await storage.collectionId('history', false)) as number;
        const result = await storage.queryBsos(user, cid, query, engine.now());
        return {
          ids: result.items.map((bso) => bso.id),
          payloads: result.items.map((bso) => bso.payload ?? ''),
          more: result.more,
          read,
        };
      });
    }

    test('pages in every order hold the right records, with payloads read for them alone', async () => {
      for (const sort of ['newest', 'oldest', 'index', undefined] as const) {
        const whole = (await engine.query(user, 'history', { ...(sort ? { sort } : {}) })).items;
        assert.equal(whole.length, WRITTEN_SINCE);
        const first = await measured({ ids, limit: 10, ...(sort ? { sort } : {}) });
        assert.deepEqual(
          first.ids,
          whole.slice(0, 10).map((bso) => bso.id),
          String(sort),
        );
        assert.deepEqual(
          first.payloads,
          first.ids.map((id) => `p-${id}`),
        );
        assert.equal(first.more, true);
        assert.equal(first.read, 10, `${String(sort)}: payloads read for the page only`);
        if (sort) {
          const last = whole[9]!;
          const next = await measured({
            ids,
            sort,
            limit: 10,
            after: { value: sort === 'index' ? last.sortindex : last.modified, id: last.id },
          });
          assert.deepEqual(
            next.ids,
            whole.slice(10, 20).map((bso) => bso.id),
            `${sort} page 2`,
          );
          assert.equal(next.read, 10);
        }
      }
      // Through the engine too (it reads by these ids while the floor exists).
      const listing = await engine.query(user, 'history', { sort: 'newest', limit: 5 });
      assert.equal(listing.items.length, 5);
      assert.ok(listing.items.every((bso) => bso.payload === `p-${bso.id}`));
    });

    test('no more ids than the page holds, or ids only: one read, as before', async () => {
      const few = await measured({ ids: ids.slice(0, 5), sort: 'newest', limit: 10 });
      assert.equal(few.ids.length, 5);
      assert.equal(few.read, 5);
      const idsOnly = await measured({ ids, sort: 'newest', limit: 10, idsOnly: true });
      assert.equal(idsOnly.ids.length, 10);
      assert.equal(idsOnly.read, 0);
    });
  });
}
