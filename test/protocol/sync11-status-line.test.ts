import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { newUser, raw, type Sync11User } from '../helpers/sync11-client.js';

// Sync 1.1's text error bodies begin with WebOb's status line, as the seed's server (WebOb's
// default error page) answered and server-full's functional tests look for (issue 11 item 14);
// the numeric Weave error bodies stay bare integers.

let s: TestServer;
let a: Sync11User;
before(async () => {
  s = await startTestServer();
  a = await newUser(s.url, 'status');
  const put = await a.req('PUT', 'storage/tabs/one', { json: { payload: 'p' } });
  assert.equal(put.status, 200);
});
after(async () => {
  await s.close();
});

test('401, 404, 412 and plain 400 begin with the status line', async () => {
  const cases = [
    { line: '401 Unauthorized', res: await raw(a.storageUrl('info/collections'), 'GET') },
    { line: '404 Not Found', res: await a.req('GET', 'storage/tabs/missing') },
    {
      line: '412 Precondition Failed',
      res: await a.req('DELETE', 'storage/tabs', { headers: { 'X-If-Unmodified-Since': '1' } }),
    },
    { line: '400 Bad Request', res: await a.req('GET', 'storage/tabs?newer=soon') },
  ];
  for (const { line, res } of cases) {
    assert.equal(res.status, Number(line.slice(0, 3)), res.text);
    assert.ok(
      res.text === line || res.text.startsWith(line + '\n\n'),
      `${line}: ${JSON.stringify(res.text)}`,
    );
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  }
});

test('a Weave-code 400 is still the bare integer', async () => {
  const res = await a.req('POST', 'storage/tabs', {
    body: '{',
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(res.status, 400);
  assert.equal(res.text, '6');
});
