// Spec 1.1 §13, "Ten facts most likely to be gotten wrong": one test (or more) per fact.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  basicAuth,
  FakeClock,
  newUser,
  raw,
  startClockedServer,
  Sync11User,
} from '../helpers/sync11-client.js';

let s: TestServer;
before(async () => {
  s = await startTestServer({ quotaKb: 5120 });
});
after(async () => {
  await s.close();
});

const TWO_DECIMALS = /^\d+\.\d{2}$/;

test('fact 1: timestamps have exactly two decimals and a PUT body is byte-identical to X-Weave-Timestamp', async () => {
  const u = await newUser(s.url);
  for (let i = 0; i < 30; i++) {
    const res = await u.req('PUT', `storage/history/item${i}`, { json: { payload: `p${i}` } });
    assert.equal(res.status, 200);
    const header = res.headers.get('x-weave-timestamp');
    assert.match(res.text, TWO_DECIMALS);
    assert.equal(res.text, header);
  }
  const list = await u.req('GET', 'storage/history?full=1');
  const body = list.text;
  for (const m of body.matchAll(/"modified":([0-9.]+)/g)) assert.match(m[1] as string, TWO_DECIMALS);
  const info = await u.req('GET', 'info/collections');
  assert.match(info.text, /^\{"history":\d+\.\d{2}\}$/);
  assert.match(info.headers.get('x-weave-timestamp') ?? '', TWO_DECIMALS);
});

test('fact 2: application/newlines gives one JSON record per newline-terminated line', async () => {
  const u = await newUser(s.url);
  await u.req('POST', 'storage/tabs', {
    json: [
      { id: 'a', payload: 'x\ny' },
      { id: 'b', payload: 'é' },
    ],
  });
  const res = await u.req('GET', 'storage/tabs?full=1', { headers: { Accept: 'application/newlines' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/newlines');
  assert.ok(res.text.endsWith('\n'));
  const lines = res.text.split('\n');
  assert.equal(lines.pop(), '', 'the last record is newline-terminated too');
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as { id: string; payload: string }).payload),
    ['x\ny', 'é'],
  );
  assert.ok(lines[1]?.includes('\\u00e9'), 'non-ASCII is escaped as in the original');
  assert.equal(res.headers.get('x-weave-records'), '2');
  const ids = await u.req('GET', 'storage/tabs', { headers: { Accept: 'application/newlines' } });
  assert.equal(ids.text, '"a"\n"b"\n');
  const empty = await u.req('GET', 'storage/nothing?full=1', { headers: { Accept: 'application/newlines' } });
  assert.equal(empty.text, '');
});

test('fact 3: URL user ≠ Basic user is 401 (not 400 + 5); missing credentials are 401 with WWW-Authenticate', async () => {
  const a = await newUser(s.url);
  const b = await newUser(s.url);
  const mismatch = await raw(a.storageUrl('info/collections'), 'GET', { headers: { Authorization: b.auth } });
  assert.equal(mismatch.status, 401);
  assert.equal(mismatch.headers.get('www-authenticate'), null);
  const missing = await raw(a.storageUrl('info/collections'), 'GET');
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Basic realm="Sync"');
  assert.match(missing.headers.get('content-type') ?? '', /^text\/plain/);
  const wrong = await raw(a.storageUrl('info/collections'), 'GET', {
    headers: { Authorization: basicAuth(a.username, 'nope nope') },
  });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('www-authenticate'), null);
});

test('fact 4: node/weave is a bare URL ending in "/", null when unset, 404 for unknown users', async () => {
  const u = await newUser(s.url);
  const res = await raw(u.userUrl('/node/weave'), 'GET');
  assert.equal(res.status, 200);
  assert.equal(res.text, s.url);
  assert.ok(res.text.endsWith('/'));
  const unknown = await raw(`${s.url}user/1.0/nosuchuser/node/weave`, 'GET');
  assert.equal(unknown.status, 404);
  const saved = s.config.publicUrl;
  try {
    s.config.publicUrl = 'sync.example.net:8443';
    const changed = await raw(u.userUrl('/node/weave'), 'GET');
    assert.equal(
      changed.text,
      'https://sync.example.net:8443/',
      'read at request time and cleaned like clean_location',
    );
    s.config.publicUrl = '';
    const unset = await raw(u.userUrl('/node/weave'), 'GET');
    assert.equal(unset.text, 'null');
    assert.equal(unset.headers.get('content-type'), 'application/json');
  } finally {
    s.config.publicUrl = saved;
  }
});

test('fact 5: usernames are base32(SHA-1(lowercase e-mail)); PUT user checks the hash (code 15) unless strictUsernames is off', async () => {
  const ok = await raw(`${s.url}user/1.0/u2wqblarhim5su7pxemcbwdyryrghmuk`, 'PUT', {
    json: { email: 'TEST@test.com', password: 'long enough password' },
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.text, 'u2wqblarhim5su7pxemcbwdyryrghmuk');
  const mismatch = await raw(`${s.url}user/1.0/someoneelse`, 'PUT', {
    json: { email: 'test2@test.com', password: 'long enough password' },
  });
  assert.equal(mismatch.status, 400);
  assert.equal(mismatch.text, '15');
  const loose = await startTestServer({ strictUsernames: false });
  try {
    const created = await raw(`${loose.url}user/1.0/plainname`, 'PUT', {
      json: { email: 'x@y.com', password: 'long enough password' },
    });
    assert.equal(created.status, 200);
    assert.equal(created.text, 'plainname');
  } finally {
    await loose.close();
  }
});

test('fact 6: POST list → {modified, success, failed}; limits 100 items / 1 MB; a single object → bare timestamp', async () => {
  const u = await newUser(s.url);
  const items = Array.from({ length: 105 }, (_, i) => ({ id: `i${i}`, payload: 'x' }));
  const res = await u.req('POST', 'storage/forms', { json: items });
  const body = res.json() as { modified: number; success: string[]; failed: Record<string, string[]> };
  assert.deepEqual(Object.keys(body), ['modified', 'success', 'failed']);
  assert.equal(body.success.length, 100);
  assert.deepEqual(body.failed, Object.fromEntries(items.slice(100).map((i) => [i.id, ['retry wbo']])));
  assert.match(res.text, /^\{"modified":\d+\.\d{2},/);
  assert.equal(res.text.match(/"modified":([0-9.]+)/)?.[1], res.headers.get('x-weave-timestamp'));

  const big = 'b'.repeat(210 * 1024);
  const bytes = await u.req('POST', 'storage/forms2', {
    json: Array.from({ length: 5 }, (_, i) => ({ id: `b${i}`, payload: big })),
  });
  const bytesBody = bytes.json() as { success: string[]; failed: Record<string, string[]> };
  assert.deepEqual(bytesBody.success, ['b0', 'b1', 'b2', 'b3']);
  assert.deepEqual(bytesBody.failed, { b4: ['retry bytes'] });

  const single = await u.req('POST', 'storage/forms', { json: { id: 'single', payload: 'one' } });
  assert.equal(single.status, 200);
  assert.match(single.text, TWO_DECIMALS);
  assert.equal(single.text, single.headers.get('x-weave-timestamp'));
});

test('fact 7: metadata-only writes keep the payload and modified; null fields are omitted; ttl is never returned', async () => {
  const u = await newUser(s.url);
  const put = await u.req('PUT', 'storage/bookmarks/m1', {
    json: { payload: 'keep me', sortindex: 1, ttl: 1000, parentid: null },
  });
  const first = put.text;
  const meta = await u.req('PUT', 'storage/bookmarks/m1', { json: { sortindex: 5, parentid: 'folder' } });
  assert.equal(meta.status, 200);
  assert.equal(meta.text, first, 'the body is the record’s unchanged modified');
  const got = await u.req('GET', 'storage/bookmarks/m1');
  const text = got.text;
  assert.deepEqual(JSON.parse(text), {
    id: 'm1',
    modified: Number(first),
    parentid: 'folder',
    sortindex: 5,
    payload: 'keep me',
  });
  assert.ok(text.includes(`"modified":${first}`));
  assert.ok(!text.includes('ttl'));
  assert.ok(!text.includes('predecessorid'), 'null fields are omitted');
  const newer = await u.req('GET', `storage/bookmarks?newer=${first}`);
  assert.deepEqual(newer.json(), [], 'a metadata-only change does not make the record newer');
});

test('fact 8: empty collection → 200 []; DELETE of a missing item → 200 + timestamp; DELETE storage without X-Confirm-Delete → 400 4', async () => {
  const u = await newUser(s.url);
  const empty = await u.req('GET', 'storage/neverwritten');
  assert.equal(empty.status, 200);
  assert.equal(empty.text, '[]');
  assert.equal(empty.headers.get('x-weave-records'), '0');
  const del = await u.req('DELETE', 'storage/neverwritten/nothing');
  assert.equal(del.status, 200);
  assert.match(del.text, TWO_DECIMALS);
  const wipe = await u.req('DELETE', 'storage');
  assert.equal(wipe.status, 400);
  assert.equal(wipe.text, '4');
  assert.match(wipe.headers.get('content-type') ?? '', /^application\/json/);
  const confirmed = await u.req('DELETE', 'storage', { headers: { 'X-Confirm-Delete': '1' } });
  assert.equal(confirmed.status, 200);
  assert.match(confirmed.text, TWO_DECIMALS);
});

test('fact 9: strict newer/older/index_*; limit/offset ≤ 0 ignored; full means non-empty; expired rows hidden but still in info/collections and 412', async () => {
  const clock = new FakeClock();
  const c = await startClockedServer({ quotaKb: 100 }, clock);
  try {
    const u = await newUser(c.url);
    const t: string[] = [];
    for (const id of ['1', '2', '3', '4']) {
      clock.advance(1000);
      const res = await u.req('PUT', `storage/col/${id}`, {
        json: { payload: `p${id}`, sortindex: Number(id) * 10 },
      });
      t.push(res.text);
    }
    assert.deepEqual((await u.req('GET', `storage/col?newer=${t[1]}`)).json(), ['3', '4'], 'newer is strict');
    assert.deepEqual((await u.req('GET', `storage/col?older=${t[1]}`)).json(), ['1'], 'older is strict');
    assert.deepEqual(
      (await u.req('GET', 'storage/col?index_above=20&index_below=40')).json(),
      ['3'],
      'strict and ANDed',
    );
    assert.deepEqual((await u.req('GET', 'storage/col?limit=0')).json(), ['1', '2', '3', '4']);
    assert.deepEqual((await u.req('GET', 'storage/col?limit=-1&offset=-5')).json(), ['1', '2', '3', '4']);
    assert.deepEqual((await u.req('GET', 'storage/col?limit=2&offset=1')).json(), ['2', '3']);
    assert.deepEqual(
      (await u.req('GET', 'storage/col?offset=2')).json(),
      ['1', '2', '3', '4'],
      'offset needs limit',
    );
    assert.deepEqual((await u.req('GET', 'storage/col?full=0&ids=1')).json(), [
      { id: '1', modified: Number(t[0]), sortindex: 10, payload: 'p1' },
    ]);
    assert.deepEqual(
      (await u.req('GET', 'storage/col?full=&ids=1')).json(),
      ['1'],
      'an empty full is absent',
    );

    clock.advance(1000);
    const exp = await u.req('PUT', 'storage/exp/gone', { json: { payload: 'x'.repeat(2048), ttl: 10 } });
    const expTs = exp.text;
    clock.advance(10_000);
    assert.equal((await u.req('GET', 'storage/exp/gone')).status, 404);
    assert.deepEqual((await u.req('GET', 'storage/exp')).json(), []);
    assert.deepEqual(await (await u.req('GET', 'info/collection_counts')).json(), { col: 4 });
    const quota = (await u.req('GET', 'info/quota')).json() as [number, number];
    assert.equal(quota[0], 8 / 1024, 'the expired 2 KB payload is not counted');
    const info = (await u.req('GET', 'info/collections')).text;
    assert.ok(info.includes(`"exp":${expTs}`), 'expired rows still count in info/collections');
    const refused = await u.req('PUT', 'storage/exp/other', {
      json: { payload: 'y' },
      headers: { 'X-If-Unmodified-Since': String(Number(expTs) - 1) },
    });
    assert.equal(refused.status, 412, 'and in the X-If-Unmodified-Since check');
    const over = await u.req('PUT', 'storage/exp/gone', { json: { payload: 'back' } });
    assert.equal(over.status, 200, 'an expired record can be overwritten');
    assert.equal((await u.req('GET', 'storage/exp/gone')).status, 200);
  } finally {
    await c.close();
  }
});

test('fact 10: quota in KB → 400 14 when used up; X-Weave-Quota-Remaining (pre-write) when ≤ 1024 KB; closed sign-ups → 503 while GET user says 0', async () => {
  const q = await startTestServer({ quotaKb: 2 });
  try {
    const u = await newUser(q.url);
    const first = await u.req('PUT', 'storage/c/a', { json: { payload: 'x'.repeat(1024) } });
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-weave-quota-remaining'), '2', 'remaining before this write, in KB');
    const second = await u.req('POST', 'storage/c', { json: [{ id: 'b', payload: 'x'.repeat(512) }] });
    assert.equal(second.headers.get('x-weave-quota-remaining'), '1');
    const third = await u.req('PUT', 'storage/c/c', { json: { payload: 'x'.repeat(1024) } });
    assert.equal(third.headers.get('x-weave-quota-remaining'), '0.5', 'a write may overshoot');
    const full = await u.req('PUT', 'storage/c/d', { json: { payload: 'x' } });
    assert.equal(full.status, 400);
    assert.equal(full.text, '14');
    const fullPost = await u.req('POST', 'storage/c', { json: [{ id: 'e', payload: 'x' }] });
    assert.equal(fullPost.text, '14');
    assert.deepEqual((await u.req('GET', 'info/quota')).json(), [2.5, 2]);
    assert.deepEqual(
      (await u.req('GET', 'storage/c')).json(),
      ['a', 'b', 'c'],
      'nothing written when over quota',
    );
  } finally {
    await q.close();
  }
  const big = await startTestServer({ quotaKb: 5120 });
  try {
    const u = await newUser(big.url);
    const res = await u.req('PUT', 'storage/c/a', { json: { payload: 'x' } });
    assert.equal(res.headers.get('x-weave-quota-remaining'), null, 'only when 1024 KB or less remain');
  } finally {
    await big.close();
  }
  const closed = await startTestServer({ allowNewUsers: false });
  try {
    const u = new Sync11User(closed.url, 'closed@example.com');
    assert.equal((await raw(u.userUrl(), 'GET')).text, '0');
    const res = await u.create();
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), String(closed.config.retryAfter));
    assert.equal((await raw(u.userUrl(), 'GET')).text, '0');
  } finally {
    await closed.close();
  }
});
