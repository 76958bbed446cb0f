// Every Sync 1.1 route fed bad input: the spec's status and code, never a 500, no partial
// write, and a server that still answers correctly afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { usernameFromEmail } from '../../server/accounts/index.js';
import { loginThrottleFor } from '../../server/security/login-throttle.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basicAuth, newUser, raw, type Sync11User } from '../helpers/sync11-client.js';

let s: TestServer;
let a: Sync11User;
let b: Sync11User;
const seen: { name: string; status: number }[] = [];

before(async () => {
  s = await startTestServer({ quotaKb: 5120 });
  a = await newUser(s.url, 'victim');
  b = await newUser(s.url, 'other');
  const seed = await a.req('POST', 'storage/seed', {
    json: [
      { id: 'one', payload: 'first', sortindex: 1 },
      { id: 'two', payload: 'second', sortindex: 2, ttl: 3600 },
    ],
  });
  assert.equal(seed.status, 200);
  await a.req('PUT', 'storage/other/x', { json: { payload: 'x' } });
});
after(async () => {
  await s.close();
});

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  status: number;
  /** Expected body, when the spec fixes one (a Weave code). */
  text?: string;
  /** Send no credentials at all (default: a's valid credentials). */
  auth?: string | null;
}

async function run(c: Case): Promise<void> {
  const headers: Record<string, string> = { ...(c.headers ?? {}) };
  const auth = c.auth === undefined ? a.auth : c.auth;
  if (auth !== null) headers.Authorization = auth;
  const url = c.path.startsWith('/') ? s.url + c.path.slice(1) : a.storageUrl(c.path);
  const res = await raw(url, c.method, { headers, ...(c.body === undefined ? {} : { body: c.body }) });
  seen.push({ name: c.name, status: res.status });
  assert.notEqual(res.status, 500, `${c.name}: never a 500`);
  assert.equal(res.status, c.status, `${c.name}: ${res.text.slice(0, 200)}`);
  if (c.text !== undefined) {
    assert.equal(res.text, c.text, c.name);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${c.name}: codes are JSON`);
  }
  assert.match(res.headers.get('x-weave-timestamp') ?? '', /^\d+\.\d{2}$/, `${c.name}: X-Weave-Timestamp`);
}

async function snapshot(): Promise<string> {
  const parts = await Promise.all(
    [
      'info/collections',
      'info/collection_counts',
      'info/quota',
      'storage/seed?full=1',
      'storage/other?full=1',
      'storage/bad?full=1',
    ].map(async (p) => (await a.req('GET', p)).text),
  );
  const accounts = await s.server.context.db.transaction('read', (tx) => tx.listSync11Users());
  return JSON.stringify([parts, accounts.map((r) => [r.username, r.passwordHash, r.email])]);
}

const b64 = (x: string | Buffer) => Buffer.from(x).toString('base64');
const BIG = 'x'.repeat(6 * 1024 * 1024);
const INVALID_UTF8 = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);

/** Every route that needs Basic auth, with a body that would otherwise be fine. */
function authedRoutes(): { method: string; path: string; body?: string }[] {
  const user = `/user/1.0/${a.username}`;
  return [
    { method: 'GET', path: 'info/collections' },
    { method: 'GET', path: 'info/collection_counts' },
    { method: 'GET', path: 'info/collection_usage' },
    { method: 'GET', path: 'info/quota' },
    { method: 'GET', path: 'storage/seed' },
    { method: 'POST', path: 'storage/seed', body: '[{"id":"new","payload":"x"}]' },
    { method: 'PUT', path: 'storage/seed', body: '[{"id":"new","payload":"x"}]' },
    { method: 'DELETE', path: 'storage/seed' },
    { method: 'GET', path: 'storage/seed/one' },
    { method: 'PUT', path: 'storage/seed/one', body: '{"payload":"changed"}' },
    { method: 'DELETE', path: 'storage/seed/one' },
    { method: 'DELETE', path: 'storage' },
    { method: 'DELETE', path: user },
    { method: 'POST', path: `${user}/email`, body: 'new@example.com' },
    { method: 'POST', path: `${user}/password`, body: 'a new long password' },
    { method: 'DELETE', path: `${user}/password_reset` },
  ];
}

test('missing, wrong, garbled Basic credentials and a foreign user → 401 on every authenticated route', async () => {
  const before = await snapshot();
  const credentials: [string, string | null, boolean][] = [
    ['no header', null, true],
    ['empty header', '', true],
    ['Bearer scheme', 'Bearer abc', false],
    ['Basic without value', 'Basic', false],
    ['not base64', 'Basic !!!***', false],
    ['no colon', 'Basic ' + b64('justausername'), false],
    ['invalid UTF-8', 'Basic ' + b64(Buffer.from([0xff, 0x3a, 0xfe])), false],
    ['wrong password', basicAuth(a.username, 'not the password'), false],
    ['empty password', basicAuth(a.username, ''), false],
    ['other user, right password', basicAuth(b.username, b.password), false],
    ['other user with my password', basicAuth(b.username, a.password), false],
    ['uppercase user', basicAuth(a.username.toUpperCase(), a.password), false],
    ['huge header', 'Basic ' + b64(`${a.username}:${'p'.repeat(6000)}`), false],
  ];
  // Over 50 wrong passwords from one address would be throttled (503, see sync11-throttle);
  // forgetting them per route keeps this about the 401 of every route.
  const throttle = loginThrottleFor(s.server.context);
  for (const route of authedRoutes()) {
    throttle.reset();
    for (const [label, auth, challenge] of credentials) {
      const name = `${route.method} ${route.path} with ${label}`;
      const headers: Record<string, string> = auth === null ? {} : { Authorization: auth };
      const url = route.path.startsWith('/') ? s.url + route.path.slice(1) : a.storageUrl(route.path);
      const res = await raw(url, route.method, {
        headers: { ...headers, 'X-Confirm-Delete': '1' },
        ...(route.body ? { body: route.body } : {}),
      });
      seen.push({ name, status: res.status });
      assert.equal(res.status, 401, name);
      assert.equal(res.headers.get('www-authenticate'), challenge ? 'Basic realm="Sync"' : null, name);
    }
  }
  throttle.reset();
  assert.equal(await snapshot(), before, 'no write happened');
  const events = s.logger.tail().filter((e) => e.status === 401);
  assert.ok(
    events.every((e) => e.detail && !e.detail.includes(a.password) && !e.detail.includes(b.password)),
  );
  assert.ok(events.some((e) => e.detail?.includes('not the user in the URL')));
});

test('bad bodies on PUT item, POST/PUT collection, PUT user, POST password and e-mail', async () => {
  const before = await snapshot();
  const user = `/user/1.0/${a.username}`;
  const cases: Case[] = [
    {
      name: 'PUT item malformed JSON',
      method: 'PUT',
      path: 'storage/bad/i',
      body: '{"payload": ',
      status: 400,
      text: '6',
    },
    { name: 'PUT item empty body', method: 'PUT', path: 'storage/bad/i', body: '', status: 400, text: '6' },
    {
      name: 'PUT item invalid UTF-8',
      method: 'PUT',
      path: 'storage/bad/i',
      body: INVALID_UTF8,
      status: 400,
      text: '6',
    },
    { name: 'PUT item list', method: 'PUT', path: 'storage/bad/i', body: '[1]', status: 400, text: '8' },
    { name: 'PUT item string', method: 'PUT', path: 'storage/bad/i', body: '"str"', status: 400, text: '8' },
    { name: 'PUT item number', method: 'PUT', path: 'storage/bad/i', body: '42', status: 400, text: '8' },
    { name: 'PUT item null', method: 'PUT', path: 'storage/bad/i', body: 'null', status: 400, text: '8' },
    {
      name: 'PUT item payload number',
      method: 'PUT',
      path: 'storage/bad/i',
      body: '{"payload": 5}',
      status: 400,
      text: '8',
    },
    {
      name: 'PUT item nested value',
      method: 'PUT',
      path: 'storage/bad/i',
      body: '{"payload": "x", "extra": {"a": 1}}',
      status: 400,
      text: '8',
    },
    {
      name: 'PUT item negative ttl',
      method: 'PUT',
      path: 'storage/bad/i',
      body: '{"payload": "x", "ttl": -1}',
      status: 400,
      text: '8',
    },
    {
      name: 'PUT item ttl text',
      method: 'PUT',
      path: 'storage/bad/i',
      body: '{"payload": "x", "ttl": "soon"}',
      status: 400,
      text: '8',
    },
    {
      name: 'PUT item ttl 1e400',
      method: 'PUT',
      path: 'storage/bad/i',
      body: '{"payload": "x", "ttl": 1e400}',
      status: 400,
      text: '8',
    },
    {
      name: 'PUT item sortindex too big',
      method: 'PUT',
      path: 'storage/bad/i',
      body: '{"payload": "x", "sortindex": 1e10}',
      status: 400,
      text: '8',
    },
    {
      name: 'PUT item sortindex nan text',
      method: 'PUT',
      path: 'storage/bad/i',
      body: '{"payload": "x", "sortindex": "nan"}',
      status: 400,
      text: '8',
    },
    {
      name: 'PUT item payload too large',
      method: 'PUT',
      path: 'storage/bad/i',
      body: JSON.stringify({ payload: 'x'.repeat(262145) }),
      status: 400,
      text: '8',
    },
    {
      name: 'PUT item body id too long',
      method: 'PUT',
      path: 'storage/bad/i',
      body: JSON.stringify({ id: 'x'.repeat(65), payload: 'x' }),
      status: 400,
      text: '8',
    },
    {
      name: 'PUT item URL id too long',
      method: 'PUT',
      path: `storage/bad/${'x'.repeat(65)}`,
      body: '{"payload": "x"}',
      status: 400,
      text: '8',
    },
    { name: 'PUT item oversized body', method: 'PUT', path: 'storage/bad/i', body: BIG, status: 413 },
    {
      name: 'PUT item bad X-If-Unmodified-Since',
      method: 'PUT',
      path: 'storage/bad/i',
      body: '{"payload": "x"}',
      headers: { 'X-If-Unmodified-Since': 'yesterday' },
      status: 400,
    },
    {
      name: 'POST malformed JSON',
      method: 'POST',
      path: 'storage/bad',
      body: '[{"id": "a",',
      status: 400,
      text: '6',
    },
    { name: 'POST number', method: 'POST', path: 'storage/bad', body: '42', status: 400, text: '8' },
    { name: 'POST string', method: 'POST', path: 'storage/bad', body: '"notalist"', status: 400, text: '8' },
    {
      name: 'POST object without id',
      method: 'POST',
      path: 'storage/bad',
      body: '{"payload": "x"}',
      status: 400,
      text: '8',
    },
    {
      name: 'POST object with slash id',
      method: 'POST',
      path: 'storage/bad',
      body: '{"id": "a/b", "payload": "x"}',
      status: 400,
      text: '8',
    },
    {
      name: 'POST object with bad payload',
      method: 'POST',
      path: 'storage/bad',
      body: '{"id": "a", "payload": 5}',
      status: 400,
      text: '8',
    },
    {
      name: 'PUT collection malformed',
      method: 'PUT',
      path: 'storage/bad',
      body: 'nope',
      status: 400,
      text: '6',
    },
    { name: 'POST oversized body', method: 'POST', path: 'storage/bad', body: BIG, status: 413 },
    {
      name: 'POST bad X-If-Unmodified-Since',
      method: 'POST',
      path: 'storage/bad',
      body: '[]',
      headers: { 'X-If-Unmodified-Since': '-' },
      status: 400,
    },
    {
      name: 'PUT user malformed',
      method: 'PUT',
      path: `/user/1.0/${'n'.repeat(10)}`,
      body: '{',
      status: 400,
      text: '6',
      auth: null,
    },
    {
      name: 'PUT user list',
      method: 'PUT',
      path: `/user/1.0/${'n'.repeat(10)}`,
      body: '[]',
      status: 400,
      text: '6',
      auth: null,
    },
    {
      name: 'PUT user e-mail number',
      method: 'PUT',
      path: `/user/1.0/${'n'.repeat(10)}`,
      body: '{"email": 5, "password": "long enough pw"}',
      status: 400,
      text: '12',
      auth: null,
    },
    {
      name: 'PUT user password object',
      method: 'PUT',
      path: `/user/1.0/${usernameFromEmail('fresh@example.com')}`,
      body: JSON.stringify({ email: 'fresh@example.com', password: {} }),
      status: 400,
      text: '7',
      auth: null,
    },
    {
      name: 'PUT user oversized',
      method: 'PUT',
      path: `/user/1.0/${'n'.repeat(10)}`,
      body: BIG,
      status: 413,
      auth: null,
    },
    {
      name: 'PUT user existing',
      method: 'PUT',
      path: user,
      body: JSON.stringify({ email: a.email, password: 'long enough pw' }),
      status: 400,
      text: '4',
      auth: null,
    },
    {
      name: 'POST password empty',
      method: 'POST',
      path: `${user}/password`,
      body: '',
      status: 400,
      text: '9',
    },
    {
      name: 'POST password invalid UTF-8',
      method: 'POST',
      path: `${user}/password`,
      body: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      status: 400,
      text: '9',
    },
    { name: 'POST password oversized', method: 'POST', path: `${user}/password`, body: BIG, status: 413 },
    { name: 'POST email empty', method: 'POST', path: `${user}/email`, body: '', status: 400, text: '12' },
    {
      name: 'POST email garbage',
      method: 'POST',
      path: `${user}/email`,
      body: '<script>@x',
      status: 400,
      text: '12',
    },
    {
      name: 'POST email invalid UTF-8',
      method: 'POST',
      path: `${user}/email`,
      body: INVALID_UTF8,
      status: 400,
      text: '12',
    },
  ];
  for (const c of cases) await run(c);
  // A list of nothing but invalid records is a 200 that writes nothing.
  const res = await a.req('POST', 'storage/bad', {
    body: '[1, "x", null, [], {"id": {}}, {"payload": "no id"}, {"id": "t", "ttl": "x"}]',
  });
  assert.equal(res.status, 200);
  const body = res.json() as { success: string[]; failed: Record<string, string[]> };
  assert.deepEqual(body.success, []);
  assert.deepEqual(body.failed, { '': ['invalid id'], t: ['invalid ttl'] });
  assert.equal(await snapshot(), before, 'no write happened');
});

test('absurd query values on GET and DELETE collection', async () => {
  const before = await snapshot();
  const bad = [
    'limit=1e400',
    'limit=abc',
    'limit=1.5',
    'offset=abc',
    'newer=abc',
    'newer=nan',
    'older=1e400',
    'older=--1',
    'index_above=abc',
    'index_below=nan',
    'newer=1.5.5',
  ];
  for (const q of bad) {
    await run({ name: `GET ?${q}`, method: 'GET', path: `storage/seed?${q}`, status: 400 });
    await run({ name: `DELETE ?${q}`, method: 'DELETE', path: `storage/seed?${q}`, status: 400 });
  }
  await run({
    name: 'DELETE bad X-If-Unmodified-Since',
    method: 'DELETE',
    path: 'storage/seed',
    headers: { 'X-If-Unmodified-Since': 'abc' },
    status: 400,
  });
  await run({
    name: 'DELETE item bad X-If-Unmodified-Since',
    method: 'DELETE',
    path: 'storage/seed/one',
    headers: { 'X-If-Unmodified-Since': '1e999' },
    status: 400,
  });
  const all = ['one', 'two'];
  const good: [string, string[]][] = [
    ['newer=-1', all],
    ['older=-1', []],
    ['newer=1e3', all],
    ['limit=99999999999999999999999', all],
    ['limit=-5&offset=-5', all],
    ['limit=1&offset=99999999999999999999', []],
    ['index_above=-inf', all],
    ['index_below=1e400', all],
    ['ids=' + Array.from({ length: 2000 }, (_, i) => `i${i}`).join(',') + ',two', ['two']],
    ['full=&sort=sideways&unknown=1', all],
  ];
  for (const [q, expected] of good) {
    const res = await a.req('GET', `storage/seed?${q}`);
    seen.push({ name: `GET ?${q.slice(0, 40)}`, status: res.status });
    assert.equal(res.status, 200, q);
    assert.deepEqual(res.json(), expected, q);
  }
  assert.equal(await snapshot(), before, 'no write happened');
});

test('bad paths: ids, collection names, unknown routes and methods', async () => {
  const before = await snapshot();
  const u = a.username;
  const cases: Case[] = [
    { name: 'collection with "!"', method: 'GET', path: 'storage/bad!name', status: 404 },
    {
      name: 'collection with space',
      method: 'PUT',
      path: 'storage/bad%20name/i',
      body: '{"payload":"x"}',
      status: 404,
    },
    {
      name: 'collection too long',
      method: 'GET',
      path: `storage/${'c'.repeat(33)}`,
      status: 400,
      text: '13',
    },
    {
      name: 'collection too long PUT',
      method: 'PUT',
      path: `storage/${'c'.repeat(33)}/i`,
      body: '{"payload":"x"}',
      status: 400,
      text: '13',
    },
    { name: 'broken percent-encoding', method: 'GET', path: 'storage/seed/%ZZ', status: 404 },
    {
      name: 'encoded slash in id',
      method: 'PUT',
      path: 'storage/bad/a%2Fb',
      body: '{"payload":"x"}',
      status: 404,
    },
    { name: 'missing item', method: 'GET', path: 'storage/seed/nothere', status: 404 },
    { name: 'empty collection segment', method: 'GET', path: 'storage//one', status: 404 },
    { name: 'user with "@"', method: 'GET', path: '/1.1/a@b.com/info/collections', status: 404, auth: null },
    { name: 'user too odd', method: 'GET', path: '/1.1/%00/info/collections', status: 404, auth: null },
    { name: 'unknown info', method: 'GET', path: 'info/everything', status: 404 },
    { name: 'too deep', method: 'GET', path: 'storage/seed/one/two', status: 404 },
    { name: 'no user', method: 'GET', path: '/1.1/', status: 404, auth: null },
    { name: 'unknown user API', method: 'GET', path: `/user/1.0/${u}/nothing`, status: 404, auth: null },
    { name: 'unknown misc', method: 'GET', path: '/misc/1.0/other', status: 404, auth: null },
    { name: 'PUT storage root', method: 'PUT', path: 'storage', body: '[]', status: 404 },
    { name: 'PUT info', method: 'PUT', path: 'info/collections', body: '{}', status: 405, auth: null },
    { name: 'POST info quota', method: 'POST', path: 'info/quota', status: 405, auth: null },
    { name: 'POST item', method: 'POST', path: 'storage/seed/one', body: '{}', status: 405, auth: null },
    { name: 'PATCH collection', method: 'PATCH', path: 'storage/seed', body: '{}', status: 405, auth: null },
    { name: 'OPTIONS item', method: 'OPTIONS', path: 'storage/seed/one', status: 405, auth: null },
    { name: 'GET storage root', method: 'GET', path: 'storage', status: 405, auth: null },
    { name: 'POST user', method: 'POST', path: `/user/1.0/${u}`, status: 405, auth: null },
    { name: 'PUT node', method: 'PUT', path: `/user/1.0/${u}/node/weave`, status: 405, auth: null },
    { name: 'GET password', method: 'GET', path: `/user/1.0/${u}/password`, status: 405, auth: null },
    { name: 'GET email', method: 'GET', path: `/user/1.0/${u}/email`, status: 405, auth: null },
  ];
  for (const c of cases) await run(c);
  assert.equal(await snapshot(), before, 'no write happened');
});

test('afterwards: no 500 anywhere, no logged error, and the server still reads and writes correctly', async () => {
  assert.ok(seen.length > 300, `ran ${seen.length} bad requests`);
  assert.deepEqual(
    seen.filter((r) => r.status >= 500 && r.status !== 503),
    [],
  );
  assert.deepEqual(
    s.logger.tail().filter((e) => e.kind === 'error'),
    [],
  );
  const put = await a.req('PUT', 'storage/seed/three', { json: { payload: 'third' } });
  assert.equal(put.status, 200);
  assert.equal(put.text, put.headers.get('x-weave-timestamp'));
  assert.deepEqual((await a.req('GET', 'storage/seed')).json(), ['one', 'two', 'three']);
  assert.deepEqual(((await a.req('GET', 'storage/seed/one')).json() as { payload: string }).payload, 'first');
  assert.equal((await b.req('GET', 'info/collections')).status, 200);
});
