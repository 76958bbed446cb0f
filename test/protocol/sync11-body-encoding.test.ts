import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { newUser, type Sync11User } from '../helpers/sync11-client.js';

// A compressed request body that does not decompress is the client's fault (issue 11 item 11):
// Sync 1.1's plain 400, never a 503; a valid gzip or deflate body is still read.

let s: TestServer;
let a: Sync11User;
before(async () => {
  s = await startTestServer();
  a = await newUser(s.url, 'encoded');
});
after(async () => {
  await s.close();
});

const record = JSON.stringify({ payload: 'compressed' });
const gzipped = gzipSync(record);
const BAD: { name: string; encoding: string; body: Buffer }[] = [
  { name: 'gzip header, body not gzip', encoding: 'gzip', body: Buffer.from(record) },
  { name: 'truncated gzip body', encoding: 'gzip', body: gzipped.subarray(0, gzipped.length - 8) },
  { name: 'bad deflate body', encoding: 'deflate', body: Buffer.from('not deflate at all') },
];

for (const b of BAD) {
  test(`${b.name} → 400 Bad Request, nothing written`, async () => {
    const res = await a.req('PUT', 'storage/tabs/z', {
      body: b.body,
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': b.encoding },
    });
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /^400 Bad Request\n/);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal((await a.req('GET', 'storage/tabs/z')).status, 404, 'nothing was written');
  });
}

test('a bad gzip body to the User API → 400 too', async () => {
  const res = await a.userReq('POST', '/password', {
    body: Buffer.from('new password please'),
    headers: { 'Content-Encoding': 'gzip' },
  });
  assert.equal(res.status, 400, res.text);
});

test('a valid gzip body and a valid deflate body are read', async () => {
  const put = await a.req('PUT', 'storage/tabs/g', {
    body: gzipped,
    headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
  });
  assert.equal(put.status, 200, put.text);
  assert.equal(
    (JSON.parse((await a.req('GET', 'storage/tabs/g')).text) as { payload: string }).payload,
    'compressed',
  );
  const put2 = await a.req('PUT', 'storage/tabs/d', {
    body: deflateSync(JSON.stringify({ payload: 'deflated' })),
    headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'deflate' },
  });
  assert.equal(put2.status, 200, put2.text);
  assert.equal(
    (JSON.parse((await a.req('GET', 'storage/tabs/d')).text) as { payload: string }).payload,
    'deflated',
  );
});

test('a gzip body that inflates past the body limit → 413', async () => {
  const res = await a.req('POST', 'storage/tabs', {
    body: gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)),
    headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
  });
  assert.equal(res.status, 413, res.text);
});
