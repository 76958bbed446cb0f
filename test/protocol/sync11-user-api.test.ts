// User API 1.0 (spec 1.1 §5) over real HTTP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { usernameFromEmail } from '../../server/accounts/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basicAuth, freshEmail, newUser, raw, Sync11User } from '../helpers/sync11-client.js';

let s: TestServer;
before(async () => {
  s = await startTestServer({ sharedSecret: 'owner-secret' });
});
after(async () => {
  await s.close();
});

const put = (user: string, json: unknown, headers: Record<string, string> = {}) =>
  raw(`${s.url}user/1.0/${user}`, 'PUT', { json, headers });

test('GET user: 0 free, 1 taken, text/plain, no auth, /user/1/ works too', async () => {
  const u = new Sync11User(s.url, freshEmail());
  const before = await raw(u.userUrl(), 'GET');
  assert.equal(before.text, '0');
  assert.match(before.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(before.headers.get('x-weave-timestamp') ?? '', /^\d+\.\d{2}$/);
  await u.create();
  assert.equal((await raw(u.userUrl(), 'GET')).text, '1');
  assert.equal((await raw(`${s.url}user/1/${u.username}`, 'GET')).text, '1');
});

test('PUT user: checks in server-reg order with codes 4, 6, 12, 15, 7, 9, and 3 for long names', async () => {
  const email = freshEmail();
  const name = usernameFromEmail(email);
  assert.equal((await raw(`${s.url}user/1.0/${name}`, 'PUT', { body: '{not json' })).text, '6');
  assert.equal((await raw(`${s.url}user/1.0/${name}`, 'PUT', { body: '[1,2]' })).text, '6');
  assert.equal((await put(name, { email: 'not an email', password: 'long enough password' })).text, '12');
  assert.equal(
    (await put(name, { password: 'long enough password' })).text,
    '12',
    'missing e-mail under strictUsernames',
  );
  assert.equal(
    (await put(name, { email: 'other@example.com', password: 'long enough password' })).text,
    '15',
  );
  assert.equal((await put(name, { email })).text, '7');
  assert.equal((await put(name, { email, password: '' })).text, '7');
  assert.equal((await put(name, { email, password: 1234567890 })).text, '7');
  assert.equal((await put(name, { email, password: 'short' })).text, '9');
  assert.equal((await put(name, { email, password: name })).text, '9', 'password equal to the username');
  assert.equal((await put('x'.repeat(33), { email, password: 'long enough password' })).text, '3');
  const ok = await put(name, {
    email,
    password: 'long enough password',
    'captcha-challenge': null,
    'captcha-response': null,
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.text, name);
  const again = await put(name, { email, password: 'long enough password' });
  assert.equal(again.status, 400);
  assert.equal(again.text, '4');
  assert.match(again.headers.get('content-type') ?? '', /^application\/json/);
});

test('§3.2 [REC]: a non-ASCII e-mail may use the client or the IDNA form of the username', async () => {
  assert.equal(
    (
      await put('ym3nccfhvptfrhn7nkhhyvzgf2yl7r5y', {
        email: 'Françios@valid.test',
        password: 'long enough password',
      })
    ).status,
    200,
  );
  const email = 'Ünïcode@example.com';
  assert.equal(
    (await put(usernameFromEmail(email), { email, password: 'long enough password' })).status,
    200,
  );
});

test('closed sign-ups: 503 + Retry-After, unless X-Weave-Secret matches the shared secret', async () => {
  s.config.allowNewUsers = false;
  try {
    const u = new Sync11User(s.url, freshEmail());
    const closed = await u.create();
    assert.equal(closed.status, 503);
    assert.equal(closed.headers.get('retry-after'), String(s.config.retryAfter));
    assert.equal(typeof closed.json(), 'string');
    assert.equal((await u.create({ 'X-Weave-Secret': 'wrong' })).status, 503);
    assert.equal((await u.create({ 'X-Weave-Secret': 'owner-secret' })).status, 200);
  } finally {
    s.config.allowNewUsers = true;
  }
});

test('DELETE user: Basic auth, body 1, storage removed too', async () => {
  const u = await newUser(s.url);
  await u.req('PUT', 'storage/bookmarks/x', { json: { payload: 'x' } });
  assert.equal((await raw(u.userUrl(), 'DELETE')).status, 401);
  const del = await u.userReq('DELETE', '');
  assert.equal(del.status, 200);
  assert.equal(del.text, '1');
  assert.equal((await raw(u.userUrl(), 'GET')).text, '0');
  assert.equal((await u.req('GET', 'info/collections')).status, 401);
  // Re-created under the same name, it starts empty.
  await u.create();
  assert.deepEqual((await u.req('GET', 'info/collections')).json(), {});
});

test('POST password: 9 for weak, Basic auth, cache dropped, new password works', async () => {
  const u = await newUser(s.url);
  assert.equal((await u.userReq('POST', '/password', { body: 'short' })).text, '9');
  assert.equal((await raw(u.userUrl('/password'), 'POST', { body: 'new long password' })).status, 401);
  const wrongUser = await raw(u.userUrl('/password'), 'POST', {
    body: 'new long password',
    headers: { Authorization: basicAuth('someoneelse', u.password) },
  });
  assert.equal(wrongUser.status, 401);
  assert.equal((await u.req('GET', 'info/collections')).status, 200, 'old password cached');
  const ok = await u.userReq('POST', '/password', { body: 'new long password' });
  assert.equal(ok.status, 200);
  assert.equal(ok.text, 'success');
  assert.equal(
    (await u.req('GET', 'info/collections')).status,
    401,
    'the cached old password no longer works',
  );
  const renewed = new Sync11User(s.url, u.email, 'new long password');
  assert.equal((await renewed.req('GET', 'info/collections')).status, 200);
  const reset = await raw(u.userUrl('/password'), 'POST', {
    body: 'another long one',
    headers: { 'X-Weave-Password-Reset': 'ABCD-EFGH-IJKL-MNOP' },
  });
  assert.equal(reset.status, 400);
  assert.equal(reset.text, '10');
  const resetUnknown = await raw(`${s.url}user/1.0/nosuchuser/password`, 'POST', {
    body: 'another long one',
    headers: { 'X-Weave-Password-Reset': 'x' },
  });
  assert.equal(resetUnknown.status, 404);
});

test('POST email: 12 for invalid, echo on success', async () => {
  const u = await newUser(s.url);
  assert.equal((await raw(u.userUrl('/email'), 'POST', { body: 'new@example.com' })).status, 401);
  assert.equal((await u.userReq('POST', '/email', { body: 'not-an-email' })).text, '12');
  const ok = await u.userReq('POST', '/email', { body: 'new@example.com' });
  assert.equal(ok.status, 200);
  assert.equal(ok.text, 'new@example.com');
});

test('password_reset: 503 with a readable body; DELETE needs auth; captcha_html 404', async () => {
  const u = await newUser(s.url);
  const reset = await raw(u.userUrl('/password_reset'), 'GET');
  assert.equal(reset.status, 503);
  assert.match(reset.text, /not offered/);
  assert.equal((await raw(u.userUrl('/password_reset'), 'DELETE')).status, 401);
  assert.equal((await u.userReq('DELETE', '/password_reset')).text, 'success');
  assert.equal((await raw(`${s.url}misc/1.0/captcha_html`, 'GET')).status, 404);
  assert.equal((await raw(`${s.url}misc/1.0/captcha_html`, 'POST')).status, 404);
  assert.equal((await raw(`${s.url}misc/1.0/captcha_html`, 'DELETE')).status, 405);
});

test('node/weave also answers /user/1/ and trailing slashes', async () => {
  const u = await newUser(s.url);
  assert.equal((await raw(`${s.url}user/1/${u.username}/node/weave/`, 'GET')).text, s.url);
});
