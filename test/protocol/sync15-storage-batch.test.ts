import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User } from '../helpers/sync15-client.js';
import {
  assertCode,
  StorageClient,
  TIMESTAMP,
  type BatchReply,
  type Bso,
  type PostResult,
} from './sync15-storage-helpers.js';

/** Spec 1.5 §2.10: batch uploads over real HTTP. */

describe('batch uploads', () => {
  let server: TestServer;
  let c: StorageClient;

  before(async () => {
    server = await startTestServer();
    c = new StorageClient(await createSync15User(server));
  });
  after(() => server.close());

  it('create → append → commit makes everything visible at once with one timestamp', async () => {
    const base = await c.put('/storage/history/old', { payload: 'old' });
    const created = await c.post(
      '/storage/history?batch=true',
      [
        { id: 'a', payload: 'A' },
        { id: 'bad', extra: 1 },
      ],
      {
        headers: { 'X-If-Unmodified-Since': base.text },
      },
    );
    assert.equal(created.status, 202);
    const body = created.json<BatchReply>();
    assert.match(body.batch, /^[A-Za-z0-9]+$/);
    assert.deepEqual(body.success, ['a']);
    assert.deepEqual(Object.keys(body.failed), ['bad']);
    assert.equal(created.headers.get('x-last-modified'), base.text);
    assert.equal(created.headers.get('x-weave-timestamp') !== null, true);

    const appended = await c.post(`/storage/history?batch=${body.batch}`, [{ id: 'b', payload: 'B' }]);
    assert.equal(appended.status, 202);
    assert.equal(appended.json<BatchReply>().batch, body.batch);
    assert.equal(appended.headers.get('x-last-modified'), base.text);

    // Nothing staged is visible yet, and the collection's timestamp has not moved.
    assert.deepEqual((await c.get('/storage/history')).json(), ['old']);
    assert.equal(
      (await c.get('/info/collections')).json<Record<string, number>>().history,
      Number(base.text),
    );
    assertCode(await c.get('/storage/history/a'), 404, 0);

    const committed = await c.post(
      `/storage/history?batch=${body.batch}&commit=true`,
      [{ id: 'c', payload: 'C' }],
      {
        headers: { 'X-If-Unmodified-Since': base.text },
      },
    );
    assert.equal(committed.status, 200);
    assert.match(committed.text, /^\{"modified":\d+\.\d{2},/);
    const result = committed.json<PostResult>();
    assert.deepEqual(result.success, ['c']);
    assert.equal(committed.headers.get('x-last-modified'), result.modified.toFixed(2));
    const items = (await c.get('/storage/history?full=1&sort=oldest')).json<Bso[]>();
    assert.deepEqual(
      items.map((b) => [b.id, b.payload]),
      [
        ['old', 'old'],
        ['a', 'A'],
        ['b', 'B'],
        ['c', 'C'],
      ],
    );
    for (const item of items.slice(1)) assert.equal(item.modified, result.modified);

    // A committed batch cannot be resurrected.
    assertCode(await c.post(`/storage/history?batch=${body.batch}`, [{ id: 'd' }]), 400, 0);
    assertCode(await c.post(`/storage/history?batch=${body.batch}&commit=true`, []), 400, 0);
  });

  it('a later item with a staged id replaces the staged version; the commit items win', async () => {
    const created = (
      await c.post('/storage/forms?batch=true', [{ id: 'x', payload: 'one' }])
    ).json<BatchReply>();
    await c.post(`/storage/forms?batch=${created.batch}`, [{ id: 'x', payload: 'two' }]);
    await c.post(`/storage/forms?batch=${created.batch}&commit=true`, [{ id: 'y', payload: 'y' }]);
    assert.equal((await c.get('/storage/forms/x')).json<Bso>().payload, 'two');
    const again = (
      await c.post('/storage/forms?batch=true', [{ id: 'x', payload: 'three' }])
    ).json<BatchReply>();
    await c.post(`/storage/forms?batch=${again.batch}&commit=true`, [{ id: 'x', payload: 'four' }]);
    assert.equal((await c.get('/storage/forms/x')).json<Bso>().payload, 'four');
  });

  it('batch=true&commit=true is a plain POST', async () => {
    const reply = await c.post('/storage/tabs?batch=true&commit=true', [{ id: 't', payload: 'x' }]);
    assert.equal(reply.status, 200);
    const result = reply.json<PostResult>();
    assert.deepEqual(result.success, ['t']);
    assert.equal((await c.get('/storage/tabs/t')).json<Bso>().modified, result.modified);
  });

  it('scopes a batch to its collection and its user', async () => {
    const created = (
      await c.post('/storage/bookmarks?batch=true', [{ id: 'a', payload: 'x' }])
    ).json<BatchReply>();
    assertCode(await c.post(`/storage/history?batch=${created.batch}`, [{ id: 'b' }]), 400, 0);
    assertCode(await c.post(`/storage/history?batch=${created.batch}&commit=true`, []), 400, 0);
    const other = new StorageClient(await createSync15User(server));
    assertCode(await other.post(`/storage/bookmarks?batch=${created.batch}`, [{ id: 'b' }]), 400, 0);
    assertCode(await other.post(`/storage/bookmarks?batch=${created.batch}&commit=true`, []), 400, 0);
    assert.equal((await other.get('/storage/bookmarks')).text, '[]');
    // The owner can still commit it: the refusals changed nothing.
    assert.equal((await c.post(`/storage/bookmarks?batch=${created.batch}&commit=true`, [])).status, 200);
    assert.equal((await c.get('/storage/bookmarks/a')).json<Bso>().payload, 'x');
  });

  it('refuses unknown batch ids, commit without batch and bad commit values', async () => {
    assertCode(await c.post('/storage/prefs?batch=nosuchbatch', []), 400, 0);
    assertCode(await c.post('/storage/prefs?batch=bad%20id', []), 400, 0);
    assertCode(await c.post('/storage/prefs?commit=true', []), 400, 0);
    assertCode(await c.post('/storage/prefs?batch=true&commit=yes', []), 400, 0);
    assert.equal((await c.get('/info/collections')).json<Record<string, number>>().prefs, undefined);
  });

  it('handles the empty-commit edge cases', async () => {
    const open = async () =>
      (await c.post('/storage/addresses?batch=true', [{ id: 'a', payload: 'x' }])).json<BatchReply>().batch;
    const json = await open();
    assert.equal((await c.post(`/storage/addresses?batch=${json}&commit=true`, '[]')).status, 200);
    for (const [body, contentType] of [
      ['{}', 'application/json'],
      ['', 'application/json'],
      ['\n', 'application/newlines'],
      ['{}', 'application/newlines'],
      ['[]', 'application/newlines'],
    ] as const) {
      const id = await open();
      assertCode(await c.post(`/storage/addresses?batch=${id}&commit=true`, body, { contentType }), 400, 8);
      // The refused commit left the batch open.
      assert.equal((await c.post(`/storage/addresses?batch=${id}`, [])).status, 202);
    }
    const lines = await open();
    assert.equal(
      (
        await c.post(`/storage/addresses?batch=${lines}&commit=true`, '', {
          contentType: 'application/newlines',
        })
      ).status,
      200,
    );
  });

  it('refuses a commit after a concurrent change with 412 and keeps the batch', async () => {
    const start = await c.put('/storage/creditcards/a', { payload: 'x' });
    const id = (
      await c.post('/storage/creditcards?batch=true', [{ id: 'b', payload: 'y' }], {
        headers: { 'X-If-Unmodified-Since': start.text },
      })
    ).json<BatchReply>().batch;
    const concurrent = await c.put('/storage/creditcards/z', { payload: 'z' });
    const refused = await c.post(`/storage/creditcards?batch=${id}&commit=true`, [], {
      headers: { 'X-If-Unmodified-Since': start.text },
    });
    assert.equal(refused.status, 412);
    assert.equal(refused.headers.get('x-last-modified'), concurrent.text);
    assertCode(await c.get('/storage/creditcards/b'), 404, 0);
    const stale = await c.post('/storage/creditcards?batch=true', [], {
      headers: { 'X-If-Unmodified-Since': start.text },
    });
    assert.equal(stale.status, 412);
  });

  it('enforces X-Weave-Total-Records and X-Weave-Total-Bytes (equality allowed)', async () => {
    const { maxTotalRecords, maxTotalBytes } = server.config.sync15;
    const atLimit = await c.post('/storage/meta?batch=true', [], {
      headers: {
        'X-Weave-Total-Records': String(maxTotalRecords),
        'X-Weave-Total-Bytes': String(maxTotalBytes),
      },
    });
    assert.equal(atLimit.status, 202);
    assertCode(
      await c.post('/storage/meta?batch=true', [], {
        headers: { 'X-Weave-Total-Records': String(maxTotalRecords + 1) },
      }),
      400,
      17,
    );
    assertCode(
      await c.post('/storage/meta?batch=true', [], {
        headers: { 'X-Weave-Total-Bytes': String(maxTotalBytes + 1) },
      }),
      400,
      17,
    );
  });
});

describe('batches on a controlled clock', () => {
  let server: TestServer;
  let shift = 0;
  const clock = () => Date.now() + shift;
  let c: StorageClient;

  before(async () => {
    server = await startTestServer({}, { clock });
    const user = await createSync15User(server, { expires: Math.floor(Date.now() / 1000) + 48 * 3600 });
    c = new StorageClient(user, clock);
  });
  after(() => server.close());

  it('refuses a batch older than two hours', async () => {
    const id = (await c.post('/storage/history?batch=true', [{ id: 'a', payload: 'x' }])).json<BatchReply>()
      .batch;
    shift += 2 * 3600 * 1000 + 1000;
    assertCode(await c.post(`/storage/history?batch=${id}`, [{ id: 'b' }]), 400, 0);
    assertCode(await c.post(`/storage/history?batch=${id}&commit=true`, []), 400, 0);
    assertCode(await c.get('/storage/history/a'), 404, 0);
  });

  it('applies a staged ttl from the commit time', async () => {
    const id = (
      await c.post('/storage/tabs?batch=true', [{ id: 't', payload: 'x', ttl: 60 }])
    ).json<BatchReply>().batch;
    shift += 100 * 1000;
    const commit = await c.post(`/storage/tabs?batch=${id}&commit=true`, []);
    assert.equal(commit.status, 200);
    assert.match(commit.headers.get('x-last-modified') ?? '', TIMESTAMP);
    assert.equal((await c.get('/storage/tabs/t')).status, 200);
    shift += 61 * 1000;
    assertCode(await c.get('/storage/tabs/t'), 404, 0);
  });
});
