// Sync 1.1 `offset=` stays a row count (spec 1.1 §6.5) although the server seeks where its
// previous page ended (issue 11 #19): the pages are the rows OFFSET gives, with each sort and
// filter, in any order of requests, and after a write in between.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { newUser, type Sync11User } from '../helpers/sync11-client.js';

let s: TestServer;
let u: Sync11User;

before(async () => {
  s = await startTestServer();
  u = await newUser(s.url, 'paging');
  // Three POSTs: ties in modified; sortindex with ties and some without one.
  for (let post = 0; post < 3; post++) {
    const items = Array.from({ length: 7 }, (_, j) => {
      const i = post * 7 + j;
      return {
        id: `w${String(i).padStart(2, '0')}`,
        payload: `p${i}`,
        ...(i % 6 === 0 ? {} : { sortindex: i % 4 }),
      };
    });
    assert.equal((await u.req('POST', 'storage/hist', { json: items })).status, 200);
  }
});
after(() => s.close());

async function ids(query: string): Promise<string[]> {
  const reply = await u.req('GET', `storage/hist?${query}`);
  assert.equal(reply.status, 200, reply.text);
  return reply.json() as string[];
}

const QUERIES = [
  'sort=newest',
  'sort=oldest',
  'sort=index',
  '',
  'sort=index&index_above=0',
  'sort=newest&full=1',
];

test('limit/offset pages are the unpaged answer cut in rows, page after page', async () => {
  for (const query of QUERIES) {
    const whole = await ids(query);
    assert.equal(whole.length, query.includes('index_above') ? 13 : 21);
    for (const limit of [1, 4, 10]) {
      const pages: string[] = [];
      for (let offset = 0; offset < whole.length + limit; offset += limit) {
        pages.push(...(await ids(`${query}&limit=${limit}&offset=${offset}`)));
      }
      assert.deepEqual(pages, whole, `${query} limit=${limit}`);
    }
  }
});

test('any offset, asked twice, out of order or after a different limit, is the same rows', async () => {
  for (const query of ['sort=newest', 'sort=index']) {
    const whole = await ids(query);
    assert.deepEqual(await ids(`${query}&limit=5&offset=0`), whole.slice(0, 5));
    assert.deepEqual(await ids(`${query}&limit=5&offset=5`), whole.slice(5, 10));
    assert.deepEqual(await ids(`${query}&limit=5&offset=5`), whole.slice(5, 10));
    assert.deepEqual(await ids(`${query}&limit=3&offset=10`), whole.slice(10, 13));
    assert.deepEqual(await ids(`${query}&limit=5&offset=13`), whole.slice(13, 18));
    assert.deepEqual(await ids(`${query}&limit=5&offset=2`), whole.slice(2, 7));
    // The same offset under another filter is another query.
    const above = await ids(`${query}&index_above=1`);
    assert.deepEqual(await ids(`${query}&index_above=1&limit=5&offset=5`), above.slice(5, 10));
  }
});

test('after a write between pages, offset counts the rows as they are now, as OFFSET always did', async () => {
  const first = await ids('sort=newest&limit=4&offset=0');
  assert.equal(first.length, 4);
  // A new record sorts first: every later row moves one place down.
  assert.equal(
    (await u.req('PUT', 'storage/hist/fresh', { json: { payload: 'f', sortindex: 1 } })).status,
    200,
  );
  const now = await ids('sort=newest');
  assert.equal(now[0], 'fresh');
  assert.deepEqual(await ids('sort=newest&limit=4&offset=4'), now.slice(4, 8));
});
