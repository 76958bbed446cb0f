// Storage API 1.1 (spec 1.1 §6) over real HTTP, including server-full's test expectations.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { newUser, raw, startClockedServer, type Sync11User } from '../helpers/sync11-client.js';

let s: TestServer;
let u: Sync11User;
before(async () => {
  s = await startTestServer();
  u = await newUser(s.url, 'storage');
});
after(async () => {
  await s.close();
});

test('server-full testAddMultiple: exact success and failed', async () => {
  await u.req('PUT', 'storage/multi/modifyme', { json: { payload: 'old', sortindex: 1 } });
  await u.req('PUT', 'storage/multi/modifyme2', { json: { payload: 'old2' } });
  const long = 'x'.repeat(65);
  const res = await u.req('POST', 'storage/multi', {
    json: [
      { id: '1', payload: 'one' },
      { id: '2' },
      { id: 3, payload: 'three' },
      { id: '4', payload: 'four', parentid: long },
      { id: '5', payload: 'five', predecessorid: long },
      { id: '6', payload: 'six', sortindex: 'abc' },
      { payload: 'no id' },
      { id: 'modifyme', sortindex: 2 },
      { id: 'modifyme2', parentid: 'p' },
    ],
  });
  assert.equal(res.status, 200);
  const body = res.json() as { success: string[]; failed: Record<string, string[]> };
  assert.deepEqual(body.success, ['1', '2', '3', 'modifyme', 'modifyme2']);
  assert.deepEqual(body.failed, {
    '': ['invalid id'],
    '4': ['invalid parentid'],
    '5': ['invalid predecessorid'],
    '6': ['invalid sortindex'],
  });
  const modifyme = (await u.req('GET', 'storage/multi/modifyme')).json() as {
    payload: string;
    sortindex: number;
  };
  assert.equal(modifyme.payload, 'old');
  assert.equal(modifyme.sortindex, 2);
});

test('POST failures: invalid wbo, invalid ttl, payload not a string / too large; duplicates listed twice', async () => {
  const res = await u.req('POST', 'storage/fails', {
    json: [
      1,
      { id: 'nested', payload: { a: 1 } },
      { id: 't', ttl: 31536001 },
      { id: 't2', ttl: '3.5' },
      { id: 'p', payload: 5 },
      { id: 'big', payload: 'x'.repeat(262145) },
      { id: 'dup', payload: 'first' },
      { id: 'dup', payload: 'second' },
      { id: 'ok', ttl: 3.9, sortindex: '5.5', payload: 'fine' },
    ],
  });
  const body = res.json() as { success: string[]; failed: Record<string, string[]> };
  assert.deepEqual(body.failed, {
    '': ['invalid wbo'],
    t: ['invalid ttl'],
    t2: ['invalid ttl'],
    p: ['payload not a string'],
    big: ['payload too large'],
  });
  assert.deepEqual(body.success, ['dup', 'dup', 'ok']);
  assert.equal(((await u.req('GET', 'storage/fails/dup')).json() as { payload: string }).payload, 'second');
  assert.equal(((await u.req('GET', 'storage/fails/ok')).json() as { sortindex: number }).sortindex, 5);
});

test('server-storage test_bad_cache: an empty POST list does not create a collection', async () => {
  const v = await newUser(s.url);
  await v.req('POST', 'storage/one', { json: [{ id: 'a', payload: 'x' }] });
  const empty = await v.req('POST', 'storage/two', { json: [] });
  assert.deepEqual((empty.json() as { success: string[] }).success, []);
  assert.deepEqual(Object.keys((await v.req('GET', 'info/collections')).json() as object), ['one']);
});

test('unsorted lists keep insertion order; sort=oldest/newest/index', async () => {
  await u.req('POST', 'storage/order', {
    json: [
      { id: 'b', payload: 'x', sortindex: 1 },
      { id: 'a', payload: 'x', sortindex: 3 },
      { id: 'c', payload: 'x', sortindex: 2 },
    ],
  });
  await u.req('PUT', 'storage/order/d', { json: { payload: 'later', sortindex: 0 } });
  assert.deepEqual((await u.req('GET', 'storage/order')).json(), ['b', 'a', 'c', 'd']);
  assert.deepEqual((await u.req('GET', 'storage/order?sort=index')).json(), ['a', 'c', 'b', 'd']);
  assert.deepEqual(((await u.req('GET', 'storage/order?sort=newest')).json() as string[])[0], 'd');
  assert.deepEqual(((await u.req('GET', 'storage/order?sort=oldest')).json() as string[]).at(-1), 'd');
  assert.deepEqual(
    (await u.req('GET', 'storage/order?sort=bogus')).json(),
    ['b', 'a', 'c', 'd'],
    'unknown sort ignored',
  );
  const some = await u.req('GET', 'storage/order?ids=c,zz,a');
  assert.deepEqual(some.json(), ['a', 'c']);
  assert.equal(some.headers.get('x-weave-records'), '2');
});

test('server-full testGet_whoisi: exact bytes', async () => {
  await u.req('POST', 'storage/whoisi', {
    json: [
      { id: 'id1', payload: 'x' },
      { id: 'id2', payload: 'y' },
    ],
  });
  const res = await u.req('GET', 'storage/whoisi', { headers: { Accept: 'application/whoisi' } });
  assert.equal(res.headers.get('content-type'), 'application/whoisi');
  assert.deepEqual(res.bytes, Buffer.from('\x00\x00\x00\x05"id1"\x00\x00\x00\x05"id2"', 'latin1'));
  const full = await u.req('GET', 'storage/whoisi?full=1&ids=id1', {
    headers: { Accept: 'application/whoisi' },
  });
  const length = full.bytes.readUInt32BE(0);
  assert.equal(length, full.bytes.length - 4);
  assert.equal((JSON.parse(full.bytes.subarray(4).toString()) as { id: string }).id, 'id1');
});

test('Accept negotiation (§6.6)', async () => {
  const type = async (accept: string) =>
    (await u.req('GET', 'storage/whoisi', { headers: { Accept: accept } })).headers.get('content-type');
  assert.equal(await type('*/*'), 'application/json');
  assert.equal(await type('application/xxx'), 'application/json');
  assert.equal(await type('application/newlines, */*'), 'application/newlines');
  assert.equal(await type('application/whoisi;q=0.9, application/newlines;q=0.5'), 'application/whoisi');
  assert.equal(
    await type('application/newlines, application/whoisi'),
    'application/newlines',
    'offer order on a tie',
  );
  assert.equal(await type('application/newlines;q=0'), 'application/json');
  const info = await u.req('GET', 'info/collections', { headers: { Accept: 'application/newlines' } });
  assert.equal(info.headers.get('content-type'), 'application/json', 'info/collections is always JSON');
});

test('info/* endpoints and X-Weave-Records', async () => {
  const v = await newUser(s.url);
  await v.req('POST', 'storage/a', {
    json: [
      { id: '1', payload: 'abc' },
      { id: '2', payload: 'x'.repeat(500) },
    ],
  });
  await v.req('PUT', 'storage/b/1', { json: { payload: '' } });
  const info = await v.req('GET', 'info/collections?client=FxHome&v=1.1b2');
  assert.deepEqual(Object.keys(info.json() as object).sort(), ['a', 'b']);
  assert.equal(info.headers.get('x-weave-records'), '2');
  const counts = await v.req('GET', 'info/collection_counts?junk=1');
  assert.deepEqual(counts.json(), { a: 2, b: 1 });
  assert.equal(counts.headers.get('x-weave-records'), '2');
  assert.deepEqual((await v.req('GET', 'info/collection_usage')).json(), { a: (3 + 500) / 1024, b: 0 });
  assert.deepEqual((await v.req('GET', 'info/quota')).json(), [(3 + 500) / 1024, null]);
});

test('GET/PUT/DELETE item; ids with braces and a backslash round-trip', async () => {
  for (const id of [
    '{6820f3ca-6e8a-4d2b-9b3f-0a1b2c3d4e5f}',
    'back\\slash',
    'tilde~hash#'.replace('#', ''),
  ]) {
    const path = `storage/ids/${encodeURIComponent(id)}`;
    assert.equal((await u.req('PUT', path, { json: { payload: id } })).status, 200, id);
    assert.equal(((await u.req('GET', path)).json() as { id: string }).id, id);
    assert.equal((await u.req('DELETE', path)).status, 200);
    assert.equal((await u.req('GET', path)).status, 404);
  }
  const encoded = await u.req('GET', 'storage/ids?ids=' + encodeURIComponent('back\\slash'));
  assert.deepEqual(encoded.json(), []);
});

test('DELETE collection with filters, limit and sort; info/collections keeps the delete time (§6.11)', async () => {
  const v = await newUser(s.url);
  await v.req('POST', 'storage/d', {
    json: [
      { id: 'a', payload: 'x', sortindex: 11 },
      { id: 'b', payload: 'x', sortindex: 9 },
      { id: 'c', payload: 'x', sortindex: 5 },
      { id: 'd', payload: 'x', sortindex: 1 },
    ],
  });
  const above = await v.req('DELETE', 'storage/d?index_above=10');
  assert.deepEqual((await v.req('GET', 'storage/d')).json(), ['b', 'c', 'd']);
  const info = (await v.req('GET', 'info/collections')).text;
  assert.ok(info.includes(`"d":${above.text}`), 'a delete bumps the collection time');
  await v.req('DELETE', 'storage/d?sort=index&limit=1');
  assert.deepEqual((await v.req('GET', 'storage/d')).json(), ['c', 'd']);
  await v.req('DELETE', 'storage/d?ids=d');
  assert.deepEqual((await v.req('GET', 'storage/d')).json(), ['c']);
  const nothing = await v.req('DELETE', 'storage/d?ids=zz');
  assert.equal(nothing.status, 200);
  await v.req('DELETE', 'storage/d');
  assert.deepEqual((await v.req('GET', 'storage/d')).json(), []);
});

test('X-If-Unmodified-Since → 412 on PUT, POST, DELETE; equal time passes', async () => {
  const put = await u.req('PUT', 'storage/pre/x', { json: { payload: 'x' } });
  const t = put.text;
  const earlier = (Number(t) - 0.01).toFixed(2);
  for (const [method, path, json] of [
    ['PUT', 'storage/pre/y', { payload: 'y' }],
    ['POST', 'storage/pre', [{ id: 'z', payload: 'z' }]],
    ['DELETE', 'storage/pre', undefined],
    ['DELETE', 'storage/pre/x', undefined],
  ] as const) {
    const res = await u.req(method, path, { json, headers: { 'X-If-Unmodified-Since': earlier } });
    assert.equal(res.status, 412, `${method} ${path}`);
  }
  assert.deepEqual((await u.req('GET', 'storage/pre')).json(), ['x'], 'nothing changed');
  const ok = await u.req('PUT', 'storage/pre/y', {
    json: { payload: 'y' },
    headers: { 'X-If-Unmodified-Since': t },
  });
  assert.equal(ok.status, 200);
  const fresh = await u.req('PUT', 'storage/neverseen/y', {
    json: { payload: 'y' },
    headers: { 'X-If-Unmodified-Since': '0' },
  });
  assert.equal(fresh.status, 200, 'an empty collection never fails');
});

test('PUT on a collection behaves like POST; /1.0/ and /1/ prefixes work; trailing slash ignored', async () => {
  const v = await newUser(s.url, 'prefix', '1.0');
  const res = await v.req('PUT', 'storage/viaput/', { json: [{ id: 'a', payload: 'x' }] });
  assert.deepEqual((res.json() as { success: string[] }).success, ['a']);
  const one = await raw(`${s.url}1/${v.username}/storage/viaput`, 'GET', {
    headers: { Authorization: v.auth },
  });
  assert.deepEqual(one.json(), ['a']);
  const eleven = await raw(`${s.url}1.1/${v.username}/info/collections/`, 'GET', {
    headers: { Authorization: v.auth },
  });
  assert.equal(eleven.status, 200);
});

test('DELETE storage wipes everything', async () => {
  const v = await newUser(s.url);
  await v.req('POST', 'storage/x', { json: [{ id: 'a', payload: 'x' }] });
  const wiped = await v.req('DELETE', 'storage', { headers: { 'X-Confirm-Delete': '1' } });
  assert.equal(wiped.status, 200);
  assert.equal(wiped.text, wiped.headers.get('x-weave-timestamp'));
  assert.deepEqual((await v.req('GET', 'info/collections')).json(), {});
  assert.deepEqual((await v.req('GET', 'storage/x')).json(), []);
});

test('§6.8 TTL: ttl 0 hides at once; a write without ttl resets the expiry to never; DELETE storage ignores X-If-Unmodified-Since', async () => {
  const c = await startClockedServer();
  try {
    const w = await newUser(c.url, 'ttl');
    assert.equal((await w.req('PUT', 'storage/t/zero', { json: { payload: 'z', ttl: 0 } })).status, 200);
    assert.equal((await w.req('GET', 'storage/t/zero')).status, 404, 'ttl 0 hides the item immediately');
    for (const id of ['put', 'meta', 'stays']) {
      assert.equal((await w.req('PUT', `storage/t/${id}`, { json: { payload: id, ttl: 10 } })).status, 200);
    }
    await w.req('POST', 'storage/t', { json: [{ id: 'post', payload: 'a', ttl: 10 }] });
    await w.req('PUT', 'storage/t/put', { json: { payload: 'again' } });
    await w.req('PUT', 'storage/t/meta', { json: { sortindex: 3 } });
    await w.req('POST', 'storage/t', { json: [{ id: 'post', payload: 'b' }] });
    c.clock.advance(20_000);
    const ids = (await w.req('GET', 'storage/t')).json() as string[];
    assert.deepEqual([...ids].sort(), ['meta', 'post', 'put'], 'rewritten without ttl: never expire');

    const wiped = await w.req('DELETE', 'storage', {
      headers: { 'X-Confirm-Delete': '1', 'X-If-Unmodified-Since': '0.01' },
    });
    assert.equal(wiped.status, 200, 'DELETE storage does not check X-If-Unmodified-Since');
    assert.deepEqual((await w.req('GET', 'info/collections')).json(), {});
  } finally {
    await c.close();
  }
});

test('404 vs 405 before authentication; X-Weave-Timestamp on every response', async () => {
  const cases: [string, string, number][] = [
    ['PUT', `1.1/${u.username}/info/collections`, 405],
    ['POST', `1.1/${u.username}/storage/c/item`, 405],
    ['PATCH', `1.1/${u.username}/storage/c`, 405],
    ['GET', `1.1/${u.username}/storage`, 405],
    ['PUT', `1.1/${u.username}/storage`, 404],
    ['POST', `1.1/${u.username}/storage/`, 404],
    ['GET', `1.1/${u.username}/info/bogus`, 404],
    ['GET', `1.1/${u.username}/storage/c/i/extra`, 404],
    ['GET', `1.1/bad!user/info/collections`, 404],
    ['GET', `1.1/${u.username}/storage/bad!coll`, 404],
    ['GET', `2.0/${u.username}/info/collections`, 404],
    ['POST', `user/1.0/${u.username}`, 405],
    ['GET', `user/1.0/${u.username}/bogus`, 404],
    ['GET', `user/1.1/${u.username}`, 404],
  ];
  for (const [method, path, status] of cases) {
    const res = await raw(s.url + path, method);
    assert.equal(res.status, status, `${method} ${path}`);
    if (!path.startsWith('2.0'))
      assert.match(res.headers.get('x-weave-timestamp') ?? '', /^\d+\.\d{2}$/, path);
    if (status === 405) assert.ok(res.headers.get('allow'));
  }
});

test('other routes keep working: heartbeat and the Sync 1.5 tokenserver path are not Sync 1.1', async () => {
  assert.equal((await raw(`${s.url}__heartbeat__`, 'GET')).status, 200);
  const token = await raw(`${s.url}1.0/sync/1.5`, 'GET');
  assert.notEqual(token.status, 405);
  assert.equal(
    s.logger.tail().filter((e) => e.path === '/1.0/sync/1.5' && e.protocol === 'sync1.1').length,
    0,
  );
});

test('request log: user and protocol set; a 401 explains itself and never contains the password', async () => {
  const secret = 'my very secret password';
  await raw(u.storageUrl('info/collections'), 'GET', {
    headers: { Authorization: 'Basic ' + Buffer.from(`${u.username}:${secret}`).toString('base64') },
  });
  await u.req('GET', 'info/collections');
  const events = s.logger
    .tail()
    .filter((e) => e.kind === 'request' && e.path === `/1.1/${u.username}/info/collections`);
  const refused = events.find((e) => e.status === 401);
  assert.ok(refused?.detail?.includes('wrong password'));
  const ok = events.find((e) => e.status === 200);
  assert.equal(ok?.user, u.username);
  assert.equal(ok?.protocol, 'sync1.1');
  assert.ok(!JSON.stringify(s.logger.tail()).includes(secret));
  assert.ok(!JSON.stringify(s.logger.tail()).includes(u.password));
});

test('a database outage is a 503 with Retry-After, not a crash', async () => {
  const d = await startTestServer({ retryAfter: 77 });
  try {
    const v = await newUser(d.url);
    await d.server.context.db.close();
    const res = await v.req('GET', 'info/collections');
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '77');
    const put = await v.req('PUT', 'storage/x/y', { json: { payload: 'x' } });
    assert.equal(put.status, 503);
    const exists = await raw(v.userUrl(), 'GET');
    assert.equal(exists.status, 503);
  } finally {
    await d.close();
  }
});
