// The server keeps account rows and collection timestamps in memory between requests; another
// connection to the same database (the CLI while the server runs, or another node) must be seen
// by the next request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sync11Accounts } from '../../server/accounts/index.js';
import { openDatabase } from '../../server/db/open-database.js';
import type { Database } from '../../server/db/types.js';
import { StorageEngine } from '../../server/storage/engine.js';
import { formatTimestamp } from '../../server/storage/timestamps.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basicAuth, newUser, type Sync11User } from '../helpers/sync11-client.js';

let s: TestServer;
let u: Sync11User;
let other: Database;

before(async () => {
  s = await startTestServer();
  u = await newUser(s.url, 'other-writer');
  other = await openDatabase(s.config.database);
});
after(async () => {
  await other.close();
  await s.close();
});

async function userId(): Promise<number> {
  const row = await other.transaction('read', (tx) => tx.findSync11User(u.username));
  assert.ok(row, 'the account exists');
  return row.userId;
}

test('a record written by another connection shows in info/collections at once', async () => {
  for (let i = 0; i < 3; i++) {
    const res = await u.req('GET', 'info/collections');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), {});
  }
  const written = await new StorageEngine(other).putItems(
    await userId(),
    'bookmarks',
    [{ id: 'menu', payload: 'from elsewhere' }],
    { bumpOnSortindex: false, touchWhenEmpty: false },
  );
  const res = await u.req('GET', 'info/collections');
  assert.equal(res.status, 200);
  assert.equal(res.text, `{"bookmarks":${formatTimestamp(written.modified)}}`);
  assert.equal(res.headers.get('x-weave-records'), '1');
});

test('a password changed by another connection stops working at the next request', async () => {
  assert.equal((await u.req('GET', 'info/collections')).status, 200);
  assert.equal((await u.req('GET', 'info/collections')).status, 200);
  assert.equal(
    await new Sync11Accounts(other, { bcryptCost: 4 }).changePassword(u.username, 'brand new pw'),
    true,
  );
  assert.equal((await u.req('GET', 'info/collections')).status, 401);
  const renewed = await u.req('GET', 'info/collections', {
    headers: { Authorization: basicAuth(u.username, 'brand new pw') },
  });
  assert.equal(renewed.status, 200);
  assert.match(renewed.text, /"bookmarks":/);
});
