// Sync 1.5 paging with X-Weave-Next-Offset (spec 1.5 §2.8, issue 11 #19): the token carries
// where the page ended, so records written between pages shift nothing, and a token that is
// not one of this query's is refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User } from '../helpers/sync15-client.js';
import { assertCode, StorageClient, type Bso } from './sync15-storage-helpers.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const SORTS = ['newest', 'oldest', 'index'] as const;
const RECORDS = 24;

/** 24 records in three POSTs (ties in modified), sortindex with ties and some without one. */
async function filledClient(collection: string): Promise<StorageClient> {
  const client = new StorageClient(await createSync15User(server));
  for (let post = 0; post < 3; post++) {
    const items = Array.from({ length: RECORDS / 3 }, (_, j) => {
      const i = post * (RECORDS / 3) + j;
      return {
        id: `r${String(i).padStart(2, '0')}`,
        payload: `p${i}`,
        sortindex: i % 5 === 0 ? null : i % 4,
      };
    });
    assert.equal((await client.post(`/storage/${collection}`, items)).status, 200);
  }
  return client;
}

/** Every page of `query`, following X-Weave-Next-Offset; `between` runs after each page. */
async function download(
  client: StorageClient,
  path: string,
  between: (page: number, seen: readonly Bso[]) => Promise<void> = async () => undefined,
): Promise<Bso[]> {
  const seen: Bso[] = [];
  let offset: string | null = null;
  for (let page = 0; page < 50; page++) {
    const reply = await client.get(offset === null ? path : `${path}&offset=${encodeURIComponent(offset)}`);
    assert.equal(reply.status, 200, reply.text);
    seen.push(...reply.json<Bso[]>());
    offset = reply.headers.get('x-weave-next-offset');
    if (offset === null) return seen;
    await between(page, seen);
  }
  throw new Error('the offset never ran out');
}

describe('X-Weave-Next-Offset pages (§2.8)', () => {
  for (const sort of SORTS) {
    it(`sort=${sort}: records added and changed between pages skip and repeat no untouched record`, async () => {
      const client = await filledClient('history');
      const touched = new Set<string>();
      const seen = await download(
        client,
        `/storage/history?full=1&sort=${sort}&limit=5`,
        async (page, seen) => {
          // A new record (it sorts first for newest and index, last for oldest) and a change
          // to one already served (it moves first for newest, last for oldest).
          const changed = (seen[0] as Bso).id;
          touched.add(changed).add(`new${page}`);
          const reply = await client.post('/storage/history', [
            { id: `new${page}`, payload: 'n', sortindex: 9 },
            { id: changed, payload: `changed${page}`, sortindex: 9 },
          ]);
          assert.equal(reply.status, 200);
        },
      );
      const counts = new Map<string, number>();
      for (const bso of seen) counts.set(bso.id, (counts.get(bso.id) ?? 0) + 1);
      for (let i = 0; i < RECORDS; i++) {
        const id = `r${String(i).padStart(2, '0')}`;
        if (touched.has(id)) continue;
        assert.equal(
          counts.get(id),
          1,
          `${id} (untouched) came ${counts.get(id) ?? 0} times with sort=${sort}`,
        );
      }
      for (const [id, count] of counts) {
        if (!touched.has(id)) continue;
        // A changed record comes again only as its new version (it moved past the cursor).
        const versions = new Set(seen.filter((b) => b.id === id).map((b) => b.payload));
        assert.equal(versions.size, count, `${id} was served twice in the same version`);
      }
    });
  }

  it('without writes, the pages are exactly one unpaged answer, with each sort, ids and no sort', async () => {
    const client = await filledClient('forms');
    const ids = ['r23', 'r01', 'r05', 'r10', 'r15', 'r02', 'r03', 'r20', 'zz', 'r07'].join(',');
    for (const query of [
      ...SORTS.map((sort) => `full=1&sort=${sort}`),
      ...SORTS.map((sort) => `full=1&sort=${sort}&ids=${ids}`),
      'full=1',
      'sort=index',
      '',
    ]) {
      const whole = (await client.get(`/storage/forms?${query}`)).json<(Bso | string)[]>();
      for (const limit of [1, 2, 7]) {
        const pages = await download(client, `/storage/forms?${query}&limit=${limit}`);
        assert.deepEqual(pages, whole, `${query}&limit=${limit}`);
      }
    }
  });

  it('pages within newer/older bounds, and a token those bounds rule out is refused', async () => {
    const client = await filledClient('prefs');
    const all = (await client.get('/storage/prefs?full=1&sort=oldest')).json<Bso[]>();
    const newer = (all[7] as Bso).modified.toFixed(2);
    const whole = (await client.get(`/storage/prefs?full=1&sort=newest&newer=${newer}`)).json<Bso[]>();
    assert.equal(whole.length, 16);
    assert.deepEqual(
      await download(client, `/storage/prefs?full=1&sort=newest&newer=${newer}&limit=3`),
      whole,
    );
    // A token from the unbounded download, past the `newer` bound of this one.
    const first = await client.get('/storage/prefs?full=1&sort=newest&limit=20');
    const deep = first.headers.get('x-weave-next-offset') as string;
    assertCode(
      await client.get(`/storage/prefs?full=1&sort=newest&newer=${newer}&offset=${encodeURIComponent(deep)}`),
      400,
      0,
    );
    // The `older` side (spec 1.5: a token whose bound contradicts newer/older is a 400): a token
    // past the tenth oldest record, with `older` at the fourth.
    const oldest = await client.get('/storage/prefs?full=1&sort=oldest&limit=10');
    const past = oldest.headers.get('x-weave-next-offset') as string;
    const older = (all[3] as Bso).modified.toFixed(2);
    assertCode(
      await client.get(`/storage/prefs?full=1&sort=oldest&older=${older}&offset=${encodeURIComponent(past)}`),
      400,
      0,
    );
  });

  it('an empty page (limit=0) hands on the token it was given', async () => {
    const client = await filledClient('addons');
    const first = await client.get('/storage/addons?full=1&sort=newest&limit=5');
    const token = first.headers.get('x-weave-next-offset') as string;
    const empty = await client.get(
      `/storage/addons?full=1&sort=newest&limit=0&offset=${encodeURIComponent(token)}`,
    );
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.json(), []);
    assert.equal(empty.headers.get('x-weave-next-offset'), token);
  });

  it('hands out tokens for any id: 64 quotes, backslashes, spaces, commas', async () => {
    const client = new StorageClient(await createSync15User(server));
    const ids = ['"'.repeat(64), '\\'.repeat(64), ' a, b ', '%2C&=?', '~'.repeat(64)];
    const reply = await client.post(
      '/storage/odd',
      ids.map((id, i) => ({ id, payload: 'x', sortindex: i % 2 })),
    );
    assert.deepEqual(reply.json<{ success: string[] }>().success, ids);
    for (const sort of SORTS) {
      const whole = (await client.get(`/storage/odd?full=1&sort=${sort}`)).json<Bso[]>();
      assert.deepEqual(await download(client, `/storage/odd?full=1&sort=${sort}&limit=1`), whole, sort);
    }
  });

  it('refuses garbled tokens and tokens of another sort with 400; plain row counts still work', async () => {
    const client = await filledClient('tabs');
    const newest = (await client.get('/storage/tabs?full=1&sort=newest&limit=3')).headers.get(
      'x-weave-next-offset',
    ) as string;
    const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const bad of [
      'abc!',
      newest.slice(0, -3),
      `${newest}x`,
      token([2, 'n', 1, 'r01']),
      token([1, 'x', 1, 'r01']),
      token([1, 'n', -10, 'r01']),
      token([1, 'n', 1.5, 'r01']),
      token([1, 'n', 1, 'bad\tid']),
      token([1, 'n', 1, '']),
      token([1, 'i', 'high', 'r01']),
      token({ sort: 'n' }),
      'x'.repeat(500),
    ]) {
      assertCode(
        await client.get(`/storage/tabs?full=1&sort=newest&offset=${encodeURIComponent(bad)}`),
        400,
        0,
      );
    }
    assertCode(
      await client.get(`/storage/tabs?full=1&sort=index&offset=${encodeURIComponent(newest)}`),
      400,
      0,
    );
    assertCode(
      await client.get(`/storage/tabs?full=1&offset=${encodeURIComponent(token([1, 'o', 1, 'r01']))}`),
      400,
      0,
    );
    // A token is URL-safe as it is.
    assert.match(newest, /^[A-Za-z0-9_-]+$/);
    const rows = await client.get('/storage/tabs?full=1&sort=newest&limit=3&offset=3');
    assert.equal(rows.status, 200);
    const whole = (await client.get('/storage/tabs?full=1&sort=newest')).json<Bso[]>();
    assert.deepEqual(rows.json<Bso[]>(), whole.slice(3, 6));
  });
});
