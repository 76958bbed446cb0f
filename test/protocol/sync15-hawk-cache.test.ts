import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User, hawkFetch } from '../helpers/sync15-client.js';

/**
 * Hawk remembers verified tokens and live uids between requests; these check that what must
 * be decided per request still is (spec 1.5 §4): expiry, a replaced uid, the MAC and replays.
 */
describe('Sync 1.5 Hawk caches never outlive what they stand for', () => {
  let server: TestServer;
  /** The server's clock, in ms; tests move it forward. */
  let now = Date.now();
  const nowS = () => Math.floor(now / 1000);

  before(async () => {
    server = await startTestServer({}, { clock: () => now });
  });
  after(() => server.close());

  test('a token that expires after being used is refused at once (info/collections excepted)', async () => {
    const user = await createSync15User(server, { expires: nowS() + 60 });
    const opts = () => ({ credentials: user.credentials, ts: nowS() });
    assert.equal((await hawkFetch(`${user.endpoint}/storage/bookmarks`, opts())).status, 200);
    now += 120_000;
    assert.equal((await hawkFetch(`${user.endpoint}/storage/bookmarks`, opts())).status, 401);
    assert.equal((await hawkFetch(`${user.endpoint}/info/collections`, opts())).status, 200);
  });

  test('a uid replaced after a successful request is refused by the next one', async () => {
    const user = await createSync15User(server);
    const info = `${user.endpoint}/info/collections`;
    for (let i = 0; i < 2; i++) {
      assert.equal((await hawkFetch(info, { credentials: user.credentials, ts: nowS() })).status, 200);
    }
    const { context } = server.server;
    await context.db.transaction('write', (tx) =>
      tx.replaceOtherTokenserverUsers(`${user.fxaUid}@api.accounts.firefox.com`, -1, context.clock()),
    );
    const res = await hawkFetch(info, { credentials: user.credentials, ts: nowS() });
    assert.equal(res.status, 401);
    assert.equal(await res.text(), '0');
  });

  test('a replayed nonce is refused even when the token is cached', async () => {
    const user = await createSync15User(server);
    const info = `${user.endpoint}/info/collections`;
    const signed = { credentials: user.credentials, ts: nowS(), nonce: 'cached-token-nonce' };
    assert.equal((await hawkFetch(info, signed)).status, 200);
    assert.equal((await hawkFetch(info, signed)).status, 401);
  });

  test('a wrong MAC is refused even when the token is cached', async () => {
    const user = await createSync15User(server);
    const info = `${user.endpoint}/info/collections`;
    assert.equal((await hawkFetch(info, { credentials: user.credentials, ts: nowS() })).status, 200);
    const wrongKey = { id: user.credentials.id, key: 'not-the-key' };
    assert.equal((await hawkFetch(info, { credentials: wrongKey, ts: nowS() })).status, 401);
  });
  test('a token altered after its valid form was cached is refused (the cache is keyed by the whole id)', async () => {
    const user = await createSync15User(server);
    const info = `${user.endpoint}/info/collections`;
    const { id, key } = user.credentials;
    assert.equal((await hawkFetch(info, { credentials: user.credentials, ts: nowS() })).status, 200);
    // The client knows its key: signing an altered id with it must still fail.
    const middle = Math.floor(id.length / 2);
    const flipped = id.slice(0, middle) + (id[middle] === 'A' ? 'B' : 'A') + id.slice(middle + 1);
    const altered = [
      flipped,
      `${id}AAAA`,
      id.slice(0, -4),
      `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`,
    ];
    for (const tampered of altered) {
      const res = await hawkFetch(info, { credentials: { id: tampered, key }, ts: nowS() });
      assert.equal(res.status, 401, `altered id ${tampered.length} chars long`);
      assert.equal(await res.text(), '0');
    }
    // The valid token still works afterwards.
    assert.equal((await hawkFetch(info, { credentials: user.credentials, ts: nowS() })).status, 200);
  });

  test('a cached token is refused once expired, at every later request (info/collections excepted)', async () => {
    const user = await createSync15User(server, { expires: nowS() + 30 });
    const bookmarks = `${user.endpoint}/storage/bookmarks`;
    for (let i = 0; i < 3; i++) {
      assert.equal((await hawkFetch(bookmarks, { credentials: user.credentials, ts: nowS() })).status, 200);
    }
    now += 31_000;
    for (let i = 0; i < 3; i++) {
      const res = await hawkFetch(bookmarks, { credentials: user.credentials, ts: nowS() });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Hawk/);
    }
  });
});
