// Every kind of Sync 1.1 error answer, byte for byte: status, header names in order (values
// too, but the clock's), body, and the request log's user/detail. Pins the wire while the
// adapter's errors are thrown and answered in one place (issue 9 item 1, server/sync11/errors.ts).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { usernameFromEmail } from '../../server/accounts/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basicAuth, newUser, type Sync11User } from '../helpers/sync11-client.js';

let s: TestServer;
let closed: TestServer;
let throttled: TestServer;
let alice: Sync11User;
let bob: Sync11User;

before(async () => {
  // A 2 MB storage body limit (the floor; 4 × batchMaxBytes + 256 KB is less).
  s = await startTestServer({ quotaKb: 1, sync11: { batchMaxCount: 100, batchMaxBytes: 1024 } });
  closed = await startTestServer({ allowNewUsers: false });
  throttled = await startTestServer();
  bob = await newUser(throttled.url, 'bob');
  // Ten wrong passwords from this address: the next login for bob from it is not checked.
  for (let i = 0; i < 10; i++) {
    const res = await bob.req('GET', 'info/collections', {
      headers: { Authorization: basicAuth(bob.username, `wrong ${i}`) },
    });
    assert.equal(res.status, 401);
  }
  alice = await newUser(s.url, 'alice');
  // Fills the 1 KB quota: the next PUT item is over it.
  const fill = await alice.req('PUT', 'storage/fill/one', { json: { payload: 'x'.repeat(2048) } });
  assert.equal(fill.status, 200);
});
after(async () => {
  await s.close();
  await closed.close();
  await throttled.close();
});

interface Wire {
  status: number;
  /**
   * Raw headers ("Name: value") in the order sent; the clock's values (Date, X-Weave-Timestamp, a throttle's
   * Retry-After) replaced by their shape. Random usernames read "<user>" everywhere.
   */
  headers: string[];
  body: string;
  log: { user?: string; detail?: string };
}

function send(
  server: TestServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<Wire> {
  return new Promise((resolve, reject) => {
    // The server's own scheme: plain HTTP, or HTTPS in the FOXDEN_TEST_HTTPS=1 run.
    const { request } = server.url.startsWith('https:') ? https : http;
    const req = request(
      server.url + path.replace(/^\//, ''),
      { method, headers: { Connection: 'close', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2)
            raw.push(
              `${res.rawHeaders[i]}: ${shape(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string)}`,
            );
          // The request log line is written when the response finishes: wait for it.
          setImmediate(() => {
            const line = server.logger
              .tail()
              .filter((e) => e.kind === 'request')
              .at(-1);
            const log: Wire['log'] = {};
            if (line?.user) log.user = anonymous(line.user);
            if (line?.detail) log.detail = anonymous(line.detail);
            const body = anonymous(Buffer.concat(chunks).toString());
            resolve({ status: res.statusCode ?? 0, headers: raw, body, log });
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A header value with the clock's figures replaced by their shape. */
function shape(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (lower === 'date') return '<date>';
  if (lower === 'x-weave-timestamp') return /^\d+\.\d{2}$/.test(value) ? '<timestamp>' : value;
  const seconds = Number(value);
  if ((lower === 'retry-after' || lower === 'x-weave-backoff') && seconds > 800 && seconds <= 900)
    return '<about 900>';
  return anonymous(value);
}

function anonymous(text: string): string {
  return text.replaceAll(alice.username, '<user>').replaceAll(bob.username, '<user>');
}

const auth = () => ({ Authorization: alice.auth });
const u = () => alice.username;

test('the error answers of Sync 1.1 on the wire', async () => {
  const cases: Record<string, () => Promise<Wire>> = {
    'unknown path 404': () => send(s, 'GET', `/1.1/${u()}/nope`),
    'wrong method 405': () => send(s, 'PUT', `/1.1/${u()}/info/quota`),
    'no credentials 401': () => send(s, 'GET', `/1.1/${u()}/info/collections`),
    'wrong password 401': () =>
      send(s, 'GET', `/1.1/${u()}/info/collections`, { Authorization: basicAuth(u(), 'nope') }),
    'collection name too long 400/13': () => send(s, 'GET', `/1.1/${u()}/storage/${'c'.repeat(33)}`, auth()),
    'bad X-If-Unmodified-Since 400': () =>
      send(s, 'DELETE', `/1.1/${u()}/storage/fill`, { ...auth(), 'X-If-Unmodified-Since': 'soon' }),
    'bad query 400': () => send(s, 'GET', `/1.1/${u()}/storage/fill?newer=soon`, auth()),
    'precondition 412': () =>
      send(s, 'DELETE', `/1.1/${u()}/storage/fill`, { ...auth(), 'X-If-Unmodified-Since': '1' }),
    'over quota 400/14': () =>
      send(s, 'PUT', `/1.1/${u()}/storage/fill/two`, auth(), JSON.stringify({ payload: 'y' })),
    'not JSON, over quota first 400/14': () => send(s, 'PUT', `/1.1/${u()}/storage/fill/two`, auth(), '{'),
    'not JSON 400/6': () => send(s, 'POST', `/1.1/${u()}/storage/fill`, auth(), '{'),
    'no usable id 400/8': () => send(s, 'POST', `/1.1/${u()}/storage/fill`, auth(), '{"payload":"p"}'),
    'body too large 413': () =>
      send(s, 'POST', `/1.1/${u()}/storage/fill`, auth(), Buffer.alloc(3 * 1024 * 1024, 0x20)),
    'missing item 404': () => send(s, 'GET', `/1.1/${u()}/storage/fill/missing`, auth()),
    'DELETE storage unconfirmed 400/4': () => send(s, 'DELETE', `/1.1/${u()}/storage`, auth()),
    'sign-up of a taken name 400/4': () =>
      send(s, 'PUT', `/user/1.0/${u()}`, {}, JSON.stringify({ password: 'a long enough password' })),
    'sign-ups closed 503': () =>
      send(
        closed,
        'PUT',
        `/user/1.0/${usernameFromEmail('newbie@example.com')}`,
        {},
        JSON.stringify({ email: 'newbie@example.com', password: 'a long enough password' }),
      ),
    'password reset 503': () => send(s, 'GET', `/user/1.0/${u()}/password_reset`),
    'weak new password 400/9': () => send(s, 'POST', `/user/1.0/${u()}/password`, auth(), 'x'),
    'password change, wrong user 401': () =>
      send(
        s,
        'POST',
        `/user/1.0/${u()}/password`,
        { Authorization: basicAuth('someone', 'x') },
        'a new long password',
      ),
    'user body too large 413': () =>
      send(s, 'POST', `/user/1.0/${u()}/email`, auth(), Buffer.alloc(65 * 1024, 0x20)),
    'captcha 404': () => send(s, 'GET', '/misc/1.0/captcha_html'),
    'throttled login 503': () =>
      send(throttled, 'GET', `/1.1/${bob.username}/info/collections`, { Authorization: bob.auth }),
  };
  const seen: Record<string, Wire> = {};
  for (const [name, run] of Object.entries(cases)) seen[name] = await run();
  if (process.env.SYNC11_WIRE_DUMP) {
    // Writes what this tree answers, to compare two trees (the expectation below came from one).
    writeFileSync(process.env.SYNC11_WIRE_DUMP, JSON.stringify(seen, null, 1));
    return;
  }
  assert.deepEqual(seen, EXPECTED);
});

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

/** What every Sync 1.1 error answer carries, `extra` headers between the timestamp and the type. */
function wire(status: number, type: string, body: string, log: Wire['log'] = {}, extra: string[] = []): Wire {
  const headers = ['X-Weave-Timestamp: <timestamp>', ...extra, `Content-Type: ${type}`];
  headers.push(`Content-Length: ${Buffer.byteLength(body)}`, 'Date: <date>', 'Connection: close');
  return { status, headers, body, log };
}

const EXPECTED: Record<string, Wire> = {
  'unknown path 404': wire(404, TEXT, '404 Not Found'),
  'wrong method 405': wire(405, TEXT, 'Method Not Allowed', {}, ['Allow: GET']),
  'no credentials 401': wire(
    401,
    TEXT,
    '401 Unauthorized',
    { detail: 'login refused for <user>: no credentials were sent' },
    ['WWW-Authenticate: Basic realm="Sync"'],
  ),
  'wrong password 401': wire(401, TEXT, '401 Unauthorized', {
    detail: 'login refused for <user>: wrong password',
  }),
  'collection name too long 400/13': wire(400, JSON_TYPE, '13', {
    user: '<user>',
    detail: 'collection name longer than 32 characters',
  }),
  'bad X-If-Unmodified-Since 400': wire(
    400,
    TEXT,
    '400 Bad Request\n\nInvalid X-If-Unmodified-Since value.',
    {
      user: '<user>',
      detail: 'Invalid X-If-Unmodified-Since value.',
    },
  ),
  'bad query 400': wire(400, TEXT, '400 Bad Request\n\nInvalid value for "newer".', {
    user: '<user>',
    detail: 'Invalid value for "newer".',
  }),
  'precondition 412': wire(
    412,
    TEXT,
    '412 Precondition Failed\n\nPrecondition Failed: the collection was modified since the given time.',
    { user: '<user>', detail: 'the collection changed after X-If-Unmodified-Since' },
  ),
  'over quota 400/14': wire(400, JSON_TYPE, '14', { user: '<user>', detail: 'over quota' }),
  'not JSON, over quota first 400/14': wire(400, JSON_TYPE, '14', { user: '<user>', detail: 'over quota' }),
  'not JSON 400/6': wire(400, JSON_TYPE, '6', { user: '<user>', detail: 'body is not JSON' }),
  'no usable id 400/8': wire(400, JSON_TYPE, '8', { user: '<user>', detail: 'not a list and no usable id' }),
  'body too large 413': wire(413, TEXT, 'Request body too large.', {
    user: '<user>',
    detail: 'request body too large',
  }),
  'missing item 404': wire(404, TEXT, '404 Not Found', { user: '<user>' }),
  'DELETE storage unconfirmed 400/4': wire(400, JSON_TYPE, '4', {
    user: '<user>',
    detail: 'DELETE storage without X-Confirm-Delete',
  }),
  'sign-up of a taken name 400/4': wire(400, JSON_TYPE, '4', { detail: 'the account already exists' }),
  'sign-ups closed 503': wire(
    503,
    JSON_TYPE,
    '"server issue: new accounts are not accepted on this server"',
    { detail: 'sign-ups are closed' },
    ['Retry-After: 1800'],
  ),
  'password reset 503': wire(
    503,
    TEXT,
    'Password reset by e-mail is not offered by this server. Ask the person who runs it to set a new password for you.',
    { detail: 'password reset by e-mail is not offered' },
  ),
  'weak new password 400/9': wire(400, JSON_TYPE, '9', { detail: 'new password too weak' }),
  'password change, wrong user 401': wire(401, TEXT, '401 Unauthorized', {
    detail: 'login refused for <user>: the user in the Authorization header is not the user in the URL',
  }),
  'user body too large 413': wire(413, TEXT, 'Invalid request body.', {
    user: '<user>',
    detail: 'request body too large',
  }),
  'captcha 404': wire(404, TEXT, '404 Not Found'),
  'throttled login 503': wire(
    503,
    JSON_TYPE,
    '"server issue: try again later"',
    {
      detail:
        'login not checked for <user>: throttled: too many wrong passwords for this account from this address',
    },
    ['Retry-After: <about 900>', 'X-Weave-Backoff: <about 900>'],
  ),
};
