import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User, hawkFetch } from '../helpers/sync15-client.js';
import { buildHawkHeader, hawkPayloadHash } from '../../server/http/hawk/signing.js';
import {
  assertCode,
  headerMillis,
  StorageClient,
  TIMESTAMP,
  type Bso,
  type PostResult,
} from './sync15-storage-helpers.js';

/** Spec 1.5 §2: the Storage API over real HTTP with Hawk-signed requests. */

let server: TestServer;
let client: StorageClient;

async function newClient(): Promise<StorageClient> {
  return new StorageClient(await createSync15User(server));
}

before(async () => {
  server = await startTestServer();
  client = await newClient();
});
after(() => server.close());

describe('info documents (§2.7)', () => {
  it('answers an empty account', async () => {
    const fresh = await newClient();
    const collections = await fresh.get('/info/collections');
    assert.equal(collections.status, 200);
    assert.equal(collections.text, '{}');
    assert.equal(collections.headers.get('x-weave-records'), '0');
    assert.equal(collections.headers.get('x-last-modified'), '0.00');
    assert.match(collections.headers.get('x-weave-timestamp') ?? '', TIMESTAMP);
    assert.equal((await fresh.get('/info/collection_counts')).text, '{}');
    assert.equal((await fresh.get('/info/collection_usage')).text, '{}');
    assert.equal((await fresh.get('/info/quota')).text, '[0,null]');
  });

  it('lists every limit the server enforces in info/configuration', async () => {
    const reply = await client.get('/info/configuration');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('x-last-modified'), '0.00');
    const limits = server.config.sync15;
    assert.deepEqual(reply.json(), {
      max_post_records: limits.maxPostRecords,
      max_post_bytes: limits.maxPostBytes,
      max_record_payload_bytes: limits.maxRecordPayloadBytes,
      max_request_bytes: limits.maxRequestBytes,
      max_total_records: limits.maxTotalRecords,
      max_total_bytes: limits.maxTotalBytes,
    });
  });

  it('reports timestamps, counts, usage and quota after writes', async () => {
    const c = await newClient();
    await c.put('/storage/bookmarks/a', { payload: 'x'.repeat(1000) });
    await c.put('/storage/bookmarks/b', { payload: 'y'.repeat(24) });
    const put = await c.put('/storage/history/h', { payload: '€' });
    const collections = await c.get('/info/collections');
    assert.match(
      collections.text,
      /^\{"bookmarks":\d+\.\d{2},"history":\d+\.\d{2}\}$|^\{"history":\d+\.\d{2},"bookmarks":\d+\.\d{2}\}$/,
    );
    assert.equal(collections.headers.get('x-weave-records'), '2');
    assert.equal(collections.headers.get('x-last-modified'), put.text);
    assert.equal(collections.json<Record<string, number>>().history, Number(put.text));
    const counts = await c.get('/info/collection_counts');
    assert.deepEqual(counts.json(), { bookmarks: 2, history: 1 });
    assert.equal(counts.headers.get('x-weave-records'), '2');
    const usage = await c.get('/info/collection_usage');
    assert.deepEqual(usage.json(), { bookmarks: 1024 / 1024, history: 3 / 1024 });
    assert.equal(usage.headers.get('x-last-modified'), put.text);
    assert.deepEqual((await c.get('/info/quota')).json(), [1027 / 1024, null]);
  });

  it('answers 304 to X-If-Modified-Since and 412 to X-If-Unmodified-Since', async () => {
    const c = await newClient();
    const put = await c.put('/storage/tabs/t', { payload: 'x' });
    const notModified = await c.get('/info/collections', { headers: { 'X-If-Modified-Since': put.text } });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.text, '');
    assert.equal(notModified.headers.get('x-last-modified'), put.text);
    const modified = await c.get('/info/collections', { headers: { 'X-If-Modified-Since': '1.00' } });
    assert.equal(modified.status, 200);
    const refused = await c.get('/info/collection_counts', { headers: { 'X-If-Unmodified-Since': '1.00' } });
    assert.equal(refused.status, 412);
    assert.equal(refused.headers.get('x-last-modified'), put.text);
  });

  it('puts X-Weave-Timestamp, no earlier than X-Last-Modified, on bodyless 304 and 412 replies', async () => {
    const c = await newClient();
    const put = await c.put('/storage/tabs/t', { payload: 'x' });
    const notModified = await c.get('/info/collections', { headers: { 'X-If-Modified-Since': put.text } });
    const refused = await c.get('/info/collection_counts', { headers: { 'X-If-Unmodified-Since': '1.00' } });
    for (const reply of [notModified, refused]) {
      assert.match(reply.headers.get('x-weave-timestamp') ?? '', TIMESTAMP, `${reply.status}`);
      assert.ok(
        headerMillis(reply.headers, 'x-weave-timestamp') >= headerMillis(reply.headers, 'x-last-modified'),
        `${reply.status}`,
      );
    }
  });
});

describe('items (§2.7, §2.3)', () => {
  it('PUT answers the new timestamp in body, X-Last-Modified and X-Weave-Timestamp', async () => {
    const put = await client.put('/storage/meta/global', {
      payload: '{"syncID":"x"}',
      sortindex: 3,
      ttl: 1000,
    });
    assert.equal(put.status, 200);
    assert.match(put.text, TIMESTAMP);
    assert.equal(put.headers.get('x-last-modified'), put.text);
    assert.equal(put.headers.get('x-weave-timestamp'), put.text);
    const get = await client.get('/storage/meta/global');
    assert.equal(get.status, 200);
    assert.match(get.text, /"modified":\d+\.\d{2}[,}]/);
    assert.deepEqual(get.json(), {
      id: 'global',
      modified: Number(put.text),
      payload: '{"syncID":"x"}',
      sortindex: 3,
    });
    assert.equal(get.headers.get('x-last-modified'), put.text);
    assert.ok(!get.text.includes('ttl'));
  });

  it('applies partial updates: omitted fields stay, null resets, ttl-only keeps modified', async () => {
    const first = await client.put('/storage/prefs/p', { payload: 'one', sortindex: 5 });
    const ttlOnly = await client.put('/storage/prefs/p', { ttl: 3600 });
    const afterTtl = (await client.get('/storage/prefs/p')).json<Bso>();
    assert.equal(afterTtl.modified, Number(first.text));
    assert.equal(afterTtl.payload, 'one');
    assert.ok(Number(ttlOnly.text) > Number(first.text));
    await client.put('/storage/prefs/p', { sortindex: null });
    const reset = (await client.get('/storage/prefs/p')).json<Bso>();
    assert.equal(reset.sortindex, undefined);
    assert.equal(reset.payload, 'one');
    assert.ok(reset.modified > afterTtl.modified);
  });

  it('treats ttl 0 as expired at once, and an expired id as absent', async () => {
    await client.put('/storage/forms/gone', { payload: 'x', ttl: 0 });
    assertCode(await client.get('/storage/forms/gone'), 404, 0);
    assert.ok(!(await client.get('/storage/forms')).json<string[]>().includes('gone'));
    assertCode(await client.del('/storage/forms/gone'), 404, 0);
    const recreated = await client.put('/storage/forms/gone', { sortindex: 1 });
    assert.equal(recreated.status, 200);
    assert.deepEqual((await client.get('/storage/forms/gone')).json<Bso>().payload, '');
  });

  it('GET of a missing item is 404 with body 0', async () => {
    assertCode(await client.get('/storage/bookmarks/nope'), 404, 0);
  });

  it('DELETE answers {"modified"} and a missing item is 404 without touching the collection', async () => {
    const put = await client.put('/storage/addons/x', { payload: 'p' });
    const missing = await client.del('/storage/addons/other');
    assertCode(missing, 404, 0);
    assert.equal(
      (await client.get('/info/collections')).json<Record<string, number>>().addons,
      Number(put.text),
    );
    const del = await client.del('/storage/addons/x');
    assert.equal(del.status, 200);
    assert.match(del.text, /^\{"modified":\d+\.\d{2}\}$/);
    assert.equal(del.headers.get('x-last-modified'), del.text.slice(12, -1));
    assertCode(await client.get('/storage/addons/x'), 404, 0);
  });

  it('checks X-If-Unmodified-Since against the item, not the collection', async () => {
    const a = await client.put('/storage/passwords/a', { payload: '1' });
    await client.put('/storage/passwords/b', { payload: '2' });
    // `b` changed after a's timestamp, but `a` itself did not.
    const ok = await client.put(
      '/storage/passwords/a',
      { payload: '3' },
      { headers: { 'X-If-Unmodified-Since': a.text } },
    );
    assert.equal(ok.status, 200);
    const stale = await client.put(
      '/storage/passwords/a',
      { payload: '4' },
      { headers: { 'X-If-Unmodified-Since': a.text } },
    );
    assert.equal(stale.status, 412);
    assert.equal(stale.headers.get('x-last-modified'), ok.text);
    assert.equal((await client.get('/storage/passwords/a')).json<Bso>().payload, '3');
    const onlyIfNew = await client.put(
      '/storage/passwords/a',
      { payload: '5' },
      { headers: { 'X-If-Unmodified-Since': '0' } },
    );
    assert.equal(onlyIfNew.status, 412);
    const created = await client.put(
      '/storage/passwords/c',
      { payload: '5' },
      { headers: { 'X-If-Unmodified-Since': '0' } },
    );
    assert.equal(created.status, 200);
    const delStale = await client.del('/storage/passwords/a', {
      headers: { 'X-If-Unmodified-Since': a.text },
    });
    assert.equal(delStale.status, 412);
    assert.equal((await client.get('/storage/passwords/a')).status, 200);
    const notModified = await client.get('/storage/passwords/a', {
      headers: { 'X-If-Modified-Since': ok.text },
    });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.text, '');
  });

  it('refuses the known-bad crypto payload', async () => {
    const bad = { payload: '{"IV": "AAAAAAAAAAAAAAAAAAAAAA==", "ciphertext": "x"}' };
    assertCode(await client.put('/storage/crypto/keys', bad), 400, 8);
    assertCode(await client.post('/storage/crypto', [{ id: 'keys', ...bad }]), 400, 8);
    assertCode(await client.get('/storage/crypto/keys'), 404, 0);
    assert.equal((await client.put('/storage/other/keys', bad)).status, 200);
  });
});

describe('POST collection (§2.9)', () => {
  it('writes valid items with one timestamp and reports the failed ones', async () => {
    const c = await newClient();
    const post = await c.post('/storage/history', [
      { id: 'a', payload: 'A', sortindex: 1 },
      { id: 'b', payload: 'B', ttl: 100 },
      { id: 'c', payload: 5 },
      { id: 'd', bogus: true },
      { id: 'e\n', payload: 'x' },
    ]);
    assert.equal(post.status, 200);
    assert.match(post.text, /^\{"modified":\d+\.\d{2},"success":/);
    const result = post.json<PostResult>();
    assert.deepEqual(result.success, ['a', 'b']);
    assert.deepEqual(Object.keys(result.failed).sort(), ['c', 'd', 'e\n']);
    assert.equal(post.headers.get('x-last-modified'), post.text.slice(12, post.text.indexOf(',')));
    const items = (await c.get('/storage/history?full=1')).json<Bso[]>();
    assert.deepEqual(items.map((b) => [b.id, b.modified]).sort(), [
      ['a', result.modified],
      ['b', result.modified],
    ]);
  });

  it('accepts application/newlines and text/plain bodies', async () => {
    const c = await newClient();
    const lines = '{"id":"n1","payload":"x"}\n{"id":"n2","payload":"y"}\n';
    const post = await c.post('/storage/forms', lines, { contentType: 'application/newlines' });
    assert.equal(post.status, 200);
    assert.deepEqual(post.json<PostResult>().success, ['n1', 'n2']);
    const plain = await c.post('/storage/forms', '[{"id":"n3"}]', { contentType: 'text/plain' });
    assert.deepEqual(plain.json<PostResult>().success, ['n3']);
  });

  it('bumps the collection timestamp for an empty list', async () => {
    const c = await newClient();
    const first = await c.put('/storage/tabs/x', { payload: 'x' });
    const empty = await c.post('/storage/tabs', []);
    assert.equal(empty.status, 200);
    const result = empty.json<PostResult>();
    assert.ok(result.modified > Number(first.text));
    assert.equal((await c.get('/info/collections')).json<Record<string, number>>().tabs, result.modified);
  });

  it('refuses the whole POST on X-If-Unmodified-Since older than the collection', async () => {
    const c = await newClient();
    const first = await c.put('/storage/clients/a', { payload: 'x' });
    await c.put('/storage/clients/b', { payload: 'x' });
    const refused = await c.post('/storage/clients', [{ id: 'z', payload: 'z' }], {
      headers: { 'X-If-Unmodified-Since': first.text },
    });
    assert.equal(refused.status, 412);
    assertCode(await c.get('/storage/clients/z'), 404, 0);
  });
});

describe('GET collection (§2.8)', () => {
  let c: StorageClient;
  const stamps: number[] = [];

  before(async () => {
    c = await newClient();
    for (let i = 0; i < 5; i++) {
      const post = await c.post('/storage/bookmarks', [
        { id: `r${i}a`, payload: `p${i}`, sortindex: i * 10 },
        { id: `r${i}b`, payload: `q${i}`, sortindex: i * 10 + 5 },
      ]);
      stamps.push(post.json<PostResult>().modified);
    }
  });

  it('lists ids, or full objects with two-decimal modified', async () => {
    const ids = await c.get('/storage/bookmarks');
    assert.equal(ids.status, 200);
    assert.deepEqual(ids.json<string[]>().sort(), [
      'r0a',
      'r0b',
      'r1a',
      'r1b',
      'r2a',
      'r2b',
      'r3a',
      'r3b',
      'r4a',
      'r4b',
    ]);
    assert.equal(ids.headers.get('x-weave-records'), '10');
    assert.equal(ids.headers.get('x-last-modified'), stamps[4]!.toFixed(2));
    const full = await c.get('/storage/bookmarks?full=1');
    for (const m of full.text.matchAll(/"modified":([0-9.]+)/g)) assert.match(m[1]!, TIMESTAMP);
    const first = full.json<Bso[]>()[0]!;
    // Full queries default to newest first, ties broken by id.
    assert.equal(first.id, 'r4a');
    assert.deepEqual(Object.keys(first), ['id', 'modified', 'payload', 'sortindex']);
  });

  it('answers a missing collection with []', async () => {
    const reply = await c.get('/storage/nothing-here');
    assert.equal(reply.status, 200);
    assert.equal(reply.text, '[]');
    assert.equal(reply.headers.get('x-last-modified'), '0.00');
  });

  it('filters by ids, newer and older (strict)', async () => {
    assert.deepEqual((await c.get('/storage/bookmarks?ids=r1a,r3b,missing&sort=oldest')).json(), [
      'r1a',
      'r3b',
    ]);
    assert.deepEqual((await c.get('/storage/bookmarks?ids=r1a%2Cr3b&sort=oldest')).json(), ['r1a', 'r3b']);
    const newer = (await c.get(`/storage/bookmarks?newer=${stamps[3]!.toFixed(2)}&sort=oldest`)).json();
    assert.deepEqual(newer, ['r4a', 'r4b']);
    const older = (await c.get(`/storage/bookmarks?older=${stamps[1]!.toFixed(2)}&sort=oldest`)).json();
    assert.deepEqual(older, ['r0a', 'r0b']);
    const between = await c.get(
      `/storage/bookmarks?newer=${stamps[1]!.toFixed(2)}&older=${stamps[3]!.toFixed(2)}&full=1`,
    );
    assert.deepEqual(
      between.json<Bso[]>().map((b) => b.id),
      ['r2a', 'r2b'],
    );
  });

  it('sorts by newest, oldest and index', async () => {
    assert.deepEqual((await c.get('/storage/bookmarks?sort=newest&limit=3')).json(), ['r4a', 'r4b', 'r3a']);
    assert.deepEqual((await c.get('/storage/bookmarks?sort=oldest&limit=3')).json(), ['r0a', 'r0b', 'r1a']);
    assert.deepEqual((await c.get('/storage/bookmarks?sort=index&limit=3')).json(), ['r4b', 'r4a', 'r3b']);
  });

  it('pages through a collection with X-Weave-Next-Offset', async () => {
    for (const sort of ['newest', 'oldest', 'index', undefined]) {
      const seen: string[] = [];
      let offset: string | null = null;
      let pages = 0;
      do {
        const query = `limit=3${sort ? `&sort=${sort}` : ''}${offset ? `&offset=${encodeURIComponent(offset)}` : ''}`;
        const page = await c.get(`/storage/bookmarks?${query}`, {
          headers: { 'X-If-Unmodified-Since': stamps[4]!.toFixed(2) },
        });
        assert.equal(page.status, 200);
        const ids = page.json<string[]>();
        assert.equal(page.headers.get('x-weave-records'), String(ids.length));
        seen.push(...ids);
        offset = page.headers.get('x-weave-next-offset');
        pages++;
      } while (offset !== null && pages < 10);
      assert.equal(pages, 4, `sort=${String(sort)}`);
      assert.equal(seen.length, 10);
      assert.equal(new Set(seen).size, 10);
      const all = (await c.get(`/storage/bookmarks${sort ? `?sort=${sort}` : ''}`)).json<string[]>();
      assert.deepEqual(seen, all);
    }
  });

  it('answers limit=0 with [] and an offset to continue from', async () => {
    const reply = await c.get('/storage/bookmarks?limit=0');
    assert.equal(reply.text, '[]');
    assert.equal(reply.headers.get('x-weave-next-offset'), '0');
  });

  it('caps a response at max_total_records', async () => {
    const small = await startTestServer({ sync15: { ...server.config.sync15, maxTotalRecords: 4 } });
    try {
      const sc = new StorageClient(await createSync15User(small));
      const items = Array.from({ length: 6 }, (_, i) => ({ id: `i${i}`, payload: 'x' }));
      assert.equal((await sc.post('/storage/forms', items)).status, 200);
      const first = await sc.get('/storage/forms?full=1');
      assert.equal(first.json<Bso[]>().length, 4);
      // Opaque: where the page ended (a keyset token since issue 11 #19; a row count before).
      const next = first.headers.get('x-weave-next-offset');
      assert.ok(next);
      const rest = await sc.get(`/storage/forms?full=1&offset=${encodeURIComponent(next)}&limit=100`);
      assert.equal(rest.json<Bso[]>().length, 2);
      assert.equal(rest.headers.get('x-weave-next-offset'), null);
    } finally {
      await small.close();
    }
  });

  it('honours X-If-Modified-Since and X-If-Unmodified-Since', async () => {
    const last = stamps[4]!.toFixed(2);
    const notModified = await c.get('/storage/bookmarks', { headers: { 'X-If-Modified-Since': last } });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.text, '');
    assert.equal(notModified.headers.get('x-last-modified'), last);
    const changed = await c.get('/storage/bookmarks', {
      headers: { 'X-If-Unmodified-Since': stamps[3]!.toFixed(2) },
    });
    assert.equal(changed.status, 412);
    assert.equal(changed.headers.get('x-last-modified'), last);
  });

  it('speaks application/newlines', async () => {
    const reply = await c.get('/storage/bookmarks?full=1&ids=r0a,r0b&sort=oldest', {
      headers: { Accept: 'application/newlines' },
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'application/newlines');
    const lines = reply.text.split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[2], '');
    assert.equal((JSON.parse(lines[0]!) as Bso).id, 'r0a');
    const multiline = await c.put('/storage/bookmarks/nl', { payload: 'a\nb' });
    assert.equal(multiline.status, 200);
    const nl = await c.get('/storage/bookmarks?full=1&ids=nl', {
      headers: { Accept: 'application/newlines' },
    });
    assert.equal(nl.text.split('\n').length, 2);
    assert.equal((JSON.parse(nl.text.trim()) as Bso).payload, 'a\nb');
    assertCode(await c.get('/storage/bookmarks', { headers: { Accept: 'application/xml' } }), 406, 0);
  });
});

describe('DELETE collection and storage (§2.7)', () => {
  it('deletes listed ids and keeps the collection', async () => {
    const c = await newClient();
    await c.post('/storage/history', [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const del = await c.del('/storage/history?ids=a,c');
    assert.equal(del.status, 200);
    assert.match(del.text, TIMESTAMP);
    assert.equal(del.headers.get('x-last-modified'), del.text);
    assert.deepEqual((await c.get('/storage/history')).json(), ['b']);
    // An empty list deletes nothing (RS would delete the whole collection here).
    assert.equal((await c.del('/storage/history?ids=')).status, 200);
    assert.deepEqual((await c.get('/storage/history')).json(), ['b']);
    await c.del('/storage/history?ids=b');
    const collections = (await c.get('/info/collections')).json<Record<string, number>>();
    assert.equal(
      collections.history,
      Number((await c.get('/storage/history')).headers.get('x-last-modified')),
    );
  });

  it('deletes a collection: gone from info/collections, storage time advances', async () => {
    const c = await newClient();
    await c.put('/storage/tabs/a', { payload: 'x' });
    const keep = await c.put('/storage/prefs/a', { payload: 'x' });
    const del = await c.del('/storage/tabs');
    assert.equal(del.status, 200);
    assert.ok(Number(del.text) > Number(keep.text));
    const info = await c.get('/info/collections');
    assert.deepEqual(Object.keys(info.json<object>()), ['prefs']);
    assert.equal(info.headers.get('x-last-modified'), del.text);
    assert.equal((await c.get('/storage/tabs')).text, '[]');
    assert.equal((await c.del('/storage/never-existed')).status, 200);
  });

  it('deletes all storage at /1.5/{uid} and /1.5/{uid}/storage', async () => {
    for (const path of ['', '/storage']) {
      const c = await newClient();
      await c.put('/storage/tabs/a', { payload: 'x' });
      const del = await c.del(path);
      assert.equal(del.status, 200);
      assert.equal(del.text, 'null');
      assert.match(del.headers.get('x-last-modified') ?? '', TIMESTAMP);
      assert.equal((await c.get('/info/collections')).text, '{}');
      assertCode(await c.get('/storage/tabs/a'), 404, 0);
    }
  });
});

describe('routing and headers (§2.1, §2.5, §2.12)', () => {
  it('answers unknown paths with 404/0 and wrong methods with 405', async () => {
    assertCode(await client.get('/info/nothing'), 404, 0);
    assertCode(await client.get('/storage/bad!name'), 404, 0);
    assertCode(await client.get('/storage/a/b/c'), 404, 0);
    const unauthenticated = await fetch(`${server.url}1.5/1/whatever`);
    assert.equal(unauthenticated.status, 404);
    assert.equal(await unauthenticated.text(), '0');
    assertCode(await client.call('PATCH', '/storage/bookmarks'), 405, 0);
    assertCode(await client.call('POST', '/storage/bookmarks/x', { body: {} }), 405, 0);
    assertCode(await client.call('PUT', '/storage/bookmarks', { body: [] }), 405, 0);
    assertCode(await client.call('GET', '/storage'), 405, 0);
    assertCode(await client.call('POST', '/info/collections', { body: [] }), 405, 0);
  });

  it('answers HEAD like GET without a body', async () => {
    const head = await client.call('HEAD', '/info/collections');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    assert.match(head.headers.get('x-last-modified') ?? '', TIMESTAMP);
  });

  it('puts X-Weave-Timestamp on every response, 401s included', async () => {
    const noAuth = await fetch(`${client.url('/info/collections')}`);
    assert.equal(noAuth.status, 401);
    assert.match(noAuth.headers.get('x-weave-timestamp') ?? '', TIMESTAMP);
    const errorReply = await client.get('/storage/bookmarks?limit=x');
    assert.match(errorReply.headers.get('x-weave-timestamp') ?? '', TIMESTAMP);
    const read = await client.get('/info/collections');
    assert.ok(
      headerMillis(read.headers, 'x-weave-timestamp') >= headerMillis(read.headers, 'x-last-modified'),
    );
  });

  it("refuses another user's storage", async () => {
    const other = await newClient();
    await other.put('/storage/tabs/secret', { payload: 'mine' });
    const url = `${other.user.endpoint}/storage/tabs/secret`;
    const reply = await hawkFetch(url, { credentials: client.user.credentials });
    assert.equal(reply.status, 400);
    assert.equal(await reply.text(), '0');
    const write = await hawkFetch(url, {
      method: 'PUT',
      body: { payload: 'x' },
      credentials: client.user.credentials,
    });
    assert.equal(write.status, 400);
    assert.equal((await other.get('/storage/tabs/secret')).json<Bso>().payload, 'mine');
  });

  it('checks a Hawk payload hash when the client signs one', async () => {
    const url = client.url('/storage/tabs/hashed');
    const signed = await hawkFetch(url, {
      method: 'PUT',
      body: { payload: 'ok' },
      hash: true,
      credentials: client.user.credentials,
    });
    assert.equal(signed.status, 200);
    const target = new URL(url);
    const header = buildHawkHeader({
      id: client.user.credentials.id,
      key: client.user.credentials.key,
      ts: Math.floor(Date.now() / 1000),
      nonce: 'tampered1',
      method: 'PUT',
      resource: target.pathname,
      host: target.hostname,
      port: Number(target.port),
      hash: hawkPayloadHash('application/json', '{"payload":"signed"}'),
    });
    const tampered = await fetch(url, {
      method: 'PUT',
      headers: { authorization: header, 'content-type': 'application/json' },
      body: '{"payload":"altered"}',
    });
    assert.equal(tampered.status, 401);
    assert.equal((await client.get('/storage/tabs/hashed')).json<Bso>().payload, 'ok');
  });

  it('maps a database failure to 503 with Retry-After', async () => {
    const broken = await startTestServer();
    try {
      const c = new StorageClient(await createSync15User(broken));
      await broken.server.context.db.close();
      const reply = await c.get('/info/collections');
      assertCode(reply, 503, 0);
      assert.equal(reply.headers.get('retry-after'), String(broken.config.retryAfter));
    } finally {
      await broken.close().catch(() => undefined);
    }
  });
});
