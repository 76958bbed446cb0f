import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User } from '../helpers/sync15-client.js';
import { defaultConfig } from '../../server/config.js';
import { assertCode, StorageClient, type PostResult } from './sync15-storage-helpers.js';

/** Spec 1.5 §2.6, §2.7, §2.9: what info/configuration advertises is what the server enforces. */

const LIMITS = {
  ...defaultConfig().sync15,
  maxPostRecords: 3,
  maxPostBytes: 20,
  maxRecordPayloadBytes: 10,
  maxRequestBytes: 600,
  maxTotalRecords: 5,
  maxTotalBytes: 50,
};

describe('limits from info/configuration', () => {
  let server: TestServer;
  let c: StorageClient;

  before(async () => {
    server = await startTestServer({ sync15: LIMITS });
    c = new StorageClient(await createSync15User(server));
  });
  after(() => server.close());

  it('advertises the configured limits', async () => {
    assert.deepEqual((await c.get('/info/configuration')).json(), {
      max_post_records: 3,
      max_post_bytes: 20,
      max_record_payload_bytes: 10,
      max_request_bytes: 600,
      max_total_records: 5,
      max_total_bytes: 50,
    });
  });

  it('max_post_records: items beyond it fail with "retry bso"', async () => {
    const items = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, payload: 'x' }));
    const result = (await c.post('/storage/records', items)).json<PostResult>();
    assert.deepEqual(result.success, ['a', 'b', 'c']);
    assert.deepEqual(result.failed, { d: 'retry bso', e: 'retry bso' });
    assert.deepEqual((await c.get('/storage/records')).json<string[]>().sort(), ['a', 'b', 'c']);
  });

  it('max_post_bytes and max_record_payload_bytes: "retry bytes"', async () => {
    const result = (
      await c.post('/storage/bytes', [
        { id: 'a', payload: '0123456789' },
        { id: 'b', payload: '01234567890' },
        { id: 'c', payload: 'x' },
      ])
    ).json<PostResult>();
    assert.deepEqual(result.success, ['a']);
    assert.deepEqual(result.failed, { b: 'retry bytes', c: 'retry bytes' });
    const total = (
      await c.post('/storage/bytes2', [
        { id: 'a', payload: '0123456789' },
        { id: 'b', payload: '€€€' },
        { id: 'c', payload: 'xy' },
      ])
    ).json<PostResult>();
    assert.deepEqual(total.success, ['a', 'b']);
    assert.deepEqual(total.failed, { c: 'retry bytes' });
  });

  it('PUT: a payload over max_record_payload_bytes (UTF-8 bytes) is 400/8', async () => {
    assert.equal((await c.put('/storage/put/a', { payload: '€€€' })).status, 200);
    assertCode(await c.put('/storage/put/b', { payload: '€€€€' }), 400, 8);
    assertCode(await c.get('/storage/put/b'), 404, 0);
  });

  it('X-Weave-Records and X-Weave-Bytes over the limits are 400/17', async () => {
    assertCode(await c.post('/storage/hdr', [{ id: 'a' }], { headers: { 'X-Weave-Records': '4' } }), 400, 17);
    assertCode(await c.post('/storage/hdr', [{ id: 'a' }], { headers: { 'X-Weave-Bytes': '21' } }), 400, 17);
    const ok = await c.post('/storage/hdr', [{ id: 'a' }], {
      headers: { 'X-Weave-Records': '3', 'X-Weave-Bytes': '20' },
    });
    assert.equal(ok.status, 200);
    assertCode(
      await c.post('/storage/hdr?batch=true', [], { headers: { 'X-Weave-Total-Records': '6' } }),
      400,
      17,
    );
    assertCode(
      await c.post('/storage/hdr?batch=true', [], { headers: { 'X-Weave-Total-Bytes': '51' } }),
      400,
      17,
    );
  });

  it('a body over max_request_bytes is 413/17, by Content-Length or by streaming', async () => {
    const big = JSON.stringify([{ id: 'a', payload: 'x'.repeat(700) }]);
    assertCode(await c.post('/storage/big', big), 413, 17);
    const chunks = [
      Buffer.from('['),
      Buffer.from(`{"id":"a","payload":"${'x'.repeat(700)}"}`),
      Buffer.from(']'),
    ];
    const streamed = await fetch(c.url('/storage/big'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(chunk);
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.equal(await streamed.text(), '17');
    assert.equal((await c.get('/storage/big')).text, '[]');
  });
});

describe('quota', () => {
  let server: TestServer;
  let c: StorageClient;

  before(async () => {
    server = await startTestServer({ quotaKb: 1 });
    c = new StorageClient(await createSync15User(server));
  });
  after(() => server.close());

  it('reports the quota and refuses writes once it is used up with 403/14', async () => {
    assert.equal((await c.get('/info/configuration')).json<Record<string, number>>().max_quota_limit, 1024);
    assert.deepEqual((await c.get('/info/quota')).json(), [0, 1]);
    assert.equal((await c.put('/storage/forms/a', { payload: 'x'.repeat(1100) })).status, 200);
    assert.deepEqual((await c.get('/info/quota')).json(), [1100 / 1024, 1]);
    assertCode(await c.put('/storage/forms/b', { payload: 'x' }), 403, 14);
    assertCode(await c.post('/storage/forms', [{ id: 'c', payload: 'x' }]), 403, 14);
    const batch = await c.post('/storage/forms?batch=true', [{ id: 'd', payload: 'x' }]);
    assert.equal(batch.status, 202);
    const id = batch.json<{ batch: string }>().batch;
    assertCode(await c.post(`/storage/forms?batch=${id}&commit=true`, []), 403, 14);
    assert.deepEqual((await c.get('/storage/forms')).json(), ['a']);
    // Deleting frees space again.
    assert.equal((await c.del('/storage/forms/a')).status, 200);
    assert.equal((await c.put('/storage/forms/b', { payload: 'x' })).status, 200);
  });
});
