import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LARGE_DELETE_ROWS } from '../../server/db/sql/storage.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User } from '../helpers/sync15-client.js';
import { StorageClient, type Bso } from './sync15-storage-helpers.js';

/**
 * Issue 11 item 19 over HTTP (Sync 1.5): deleting a large collection or all of a user's storage
 * answers at once and hides every record at once, while the server removes the rows in the
 * background; writes right after the delete are visible and never bring a deleted field back.
 * The server's background reclaimer is paused while the "still being reclaimed" state is checked.
 */
const LARGE = LARGE_DELETE_ROWS + 200;
const PER_POST = 100;

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(() => server.close());

async function upload(
  client: StorageClient,
  collection: string,
  count: number,
  payload: string,
): Promise<void> {
  for (let i = 0; i < count; i += PER_POST) {
    const items = Array.from({ length: Math.min(PER_POST, count - i) }, (_, j) => ({
      id: `r${i + j}`,
      payload,
      sortindex: i + j,
    }));
    const reply = await client.post(`/storage/${collection}`, items);
    assert.equal(reply.status, 200, reply.text);
  }
}

async function storedRows(uid: number): Promise<number> {
  const { db } = server.server.context;
  assert.ok(db.raw);
  const rows = await db.raw('read', async (runner) =>
    runner.all('SELECT COUNT(*) AS n FROM bsos WHERE user_id = ?', [uid]),
  );
  return Number(rows[0]?.n);
}

describe('large deletes through Sync 1.5', () => {
  it('DELETE of a collection hides it at once, writes after it are visible, and the reclaimer then removes the rows', async () => {
    const client = new StorageClient(await createSync15User(server));
    await upload(client, 'history', LARGE, 'old-history-payload');
    await upload(client, 'bookmarks', 2, 'bm');
    const { engine } = server.server.context;
    await engine.stopBackgroundWork();
    try {
      const deleted = await client.del('/storage/history');
      assert.equal(deleted.status, 200, deleted.text);
      // Still stored, never visible.
      assert.equal(await storedRows(client.user.uid), LARGE + 2);
      assert.equal((await client.get('/storage/history?full=1&limit=10')).text, '[]');
      assert.equal((await client.get('/storage/history/r5')).status, 404);
      assert.deepEqual(Object.keys((await client.get('/info/collections')).json()), ['bookmarks']);
      assert.deepEqual((await client.get('/info/collection_counts')).json(), { bookmarks: 2 });
      assert.deepEqual(Object.keys((await client.get('/info/collection_usage')).json()), ['bookmarks']);

      // A sortindex-only PUT reusing a deleted id creates a record afresh: no old payload.
      const put = await client.put('/storage/history/r7', { sortindex: 5 });
      assert.equal(put.status, 200, put.text);
      const r7 = (await client.get('/storage/history/r7')).json<Bso>();
      assert.equal(r7.payload, '');
      assert.equal(r7.sortindex, 5);
      assert.equal((await client.post('/storage/history', [{ id: 'new', payload: 'p' }])).status, 200);
      const listed = (await client.get('/storage/history?full=1&sort=oldest')).json<Bso[]>();
      assert.deepEqual(
        listed.map((b) => b.id),
        ['r7', 'new'],
      );
      assert.deepEqual((await client.get('/info/collection_counts')).json(), { bookmarks: 2, history: 2 });
    } finally {
      engine.startBackgroundWork();
    }
    await engine.reclaimNow();
    assert.equal(await storedRows(client.user.uid), 4);
    assert.equal((await client.get('/storage/history?full=1&sort=oldest')).json<Bso[]>().length, 2);
  });

  it('DELETE of all storage hides everything at once', async () => {
    const client = new StorageClient(await createSync15User(server));
    await upload(client, 'history', LARGE, 'old');
    await upload(client, 'tabs', 3, 'tab');
    const { engine } = server.server.context;
    await engine.stopBackgroundWork();
    try {
      assert.equal((await client.del('/storage')).status, 200);
      assert.ok((await storedRows(client.user.uid)) > 0, 'rows wait for the reclaimer');
      assert.equal((await client.get('/info/collections')).text, '{}');
      assert.equal((await client.get('/info/collection_counts')).text, '{}');
      assert.equal((await client.get('/storage/history?limit=5')).text, '[]');
      assert.equal((await client.get('/storage/tabs')).text, '[]');
    } finally {
      engine.startBackgroundWork();
    }
    await engine.reclaimNow();
    assert.equal(await storedRows(client.user.uid), 0);
  });
});
