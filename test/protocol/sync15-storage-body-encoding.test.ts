import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User } from '../helpers/sync15-client.js';
import { assertCode, StorageClient } from './sync15-storage-helpers.js';

/**
 * A compressed request body that does not decompress is the client's fault (issue 11 item 11):
 * 400 with Weave code 0, like the other unreadable bodies, never a 503; a valid gzip body is
 * still read.
 */
describe('Sync 1.5 storage: Content-Encoding bodies', () => {
  let server: TestServer;
  let c: StorageClient;
  before(async () => {
    server = await startTestServer();
    c = new StorageClient(await createSync15User(server));
  });
  after(async () => {
    await server.close();
  });

  const record = JSON.stringify({ payload: 'compressed' });
  const gzipped = gzipSync(record);
  const bad: { name: string; encoding: string; body: Buffer }[] = [
    { name: 'gzip header, body not gzip', encoding: 'gzip', body: Buffer.from(record) },
    { name: 'truncated gzip body', encoding: 'gzip', body: gzipped.subarray(0, gzipped.length - 8) },
    { name: 'bad deflate body', encoding: 'deflate', body: Buffer.from('not deflate at all') },
  ];
  for (const b of bad) {
    it(`${b.name} → 400, code 0`, async () => {
      const reply = await c.put('/storage/tabs/z', b.body, { headers: { 'Content-Encoding': b.encoding } });
      assertCode(reply, 400, 0);
      assert.equal((await c.get('/storage/tabs/z')).status, 404, 'nothing was written');
    });
  }

  it('a valid gzip body and a valid deflate body are read', async () => {
    const put = await c.put('/storage/tabs/g', gzipped, { headers: { 'Content-Encoding': 'gzip' } });
    assert.equal(put.status, 200, put.text);
    const got = await c.get('/storage/tabs/g');
    assert.equal(got.json<{ payload: string }>().payload, 'compressed');
    const deflated = deflateSync(JSON.stringify({ payload: 'deflated' }));
    const put2 = await c.put('/storage/tabs/d', deflated, { headers: { 'Content-Encoding': 'deflate' } });
    assert.equal(put2.status, 200, put2.text);
    assert.equal((await c.get('/storage/tabs/d')).json<{ payload: string }>().payload, 'deflated');
  });
});
