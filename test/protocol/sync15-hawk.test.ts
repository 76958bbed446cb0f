import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User, hawkFetch, mintToken, type Sync15TestUser } from '../helpers/sync15-client.js';
import { buildHawkHeader, hawkPayloadHash } from '../../server/http/hawk/signing.js';
import type { LogEvent } from '../../server/log.js';

/** The request-log entry of the last request to `path` (written when the response finishes). */
async function logDetailFor(server: TestServer, path: string, afterSeq: number): Promise<LogEvent> {
  for (let i = 0; i < 100; i++) {
    const hit = server.logger.tail(afterSeq).find((e) => e.kind === 'request' && e.path === path);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no log entry for ${path}`);
}

async function assertUnauthorized(res: Response): Promise<void> {
  assert.equal(res.status, 401);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(await res.text(), '0');
}

describe('Sync 1.5 Hawk authentication (spec 1.5 §4)', () => {
  let server: TestServer;
  let user: Sync15TestUser;
  let info: string;
  const nowS = () => Math.floor(Date.now() / 1000);

  before(async () => {
    server = await startTestServer();
    user = await createSync15User(server);
    info = `${user.endpoint}/info/collections`;
  });
  after(() => server.close());

  test('a correctly signed request is accepted and logged with the uid', async () => {
    const seq = server.logger.tail().at(-1)?.seq ?? 0;
    const res = await hawkFetch(info, { credentials: user.credentials });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    const entry = await logDetailFor(server, `/1.5/${user.uid}/info/collections`, seq);
    assert.equal(entry.user, String(user.uid));
    assert.equal(entry.protocol, 'sync1.5');
  });

  test('writes and reads work end to end with the same credentials', async () => {
    const put = await hawkFetch(`${user.endpoint}/storage/bookmarks/abc`, {
      method: 'PUT',
      body: { payload: 'x' },
      credentials: user.credentials,
      hash: true,
    });
    assert.equal(put.status, 200);
    const get = await hawkFetch(`${user.endpoint}/storage/bookmarks/abc`, { credentials: user.credentials });
    assert.equal(get.status, 200);
    assert.equal(((await get.json()) as { payload: string }).payload, 'x');
  });

  test('no Authorization header, another scheme, malformed header → 401 0', async () => {
    await assertUnauthorized(await fetch(info));
    await assertUnauthorized(await fetch(info, { headers: { authorization: 'Basic dXNlcjpwYXNz' } }));
    await assertUnauthorized(await fetch(info, { headers: { authorization: 'Hawk id=unquoted' } }));
  });

  test('missing Hawk fields → 401 naming them', async () => {
    const seq = server.logger.tail().at(-1)?.seq ?? 0;
    const header = `Hawk id="${user.credentials.id}", ts="${nowS()}", mac="AAAA"`;
    await assertUnauthorized(await fetch(info, { headers: { authorization: header } }));
    const entry = await logDetailFor(server, `/1.5/${user.uid}/info/collections`, seq);
    assert.match(entry.detail ?? '', /lacks nonce/);
    assert.ok(!(entry.detail ?? '').includes(user.credentials.id));
  });

  test('wrong key → MAC mismatch 401, detail never shows the token or key', async () => {
    const seq = server.logger.tail().at(-1)?.seq ?? 0;
    const credentials = { id: user.credentials.id, key: randomBytes(32).toString('base64url') + '=' };
    await assertUnauthorized(await hawkFetch(info, { credentials }));
    const entry = await logDetailFor(server, `/1.5/${user.uid}/info/collections`, seq);
    assert.match(entry.detail ?? '', /MAC mismatch/);
    assert.ok(!(entry.detail ?? '').includes(user.credentials.id));
    assert.ok(!(entry.detail ?? '').includes(user.credentials.key));
  });

  test('a token signed with another master secret → 401', async () => {
    const credentials = mintToken('some other secret', { uid: user.uid, node: server.url });
    await assertUnauthorized(await hawkFetch(info, { credentials }));
  });

  test('signed for another host or port → 401', async () => {
    await assertUnauthorized(await hawkFetch(info, { credentials: user.credentials, host: '192.168.1.20' }));
    await assertUnauthorized(await hawkFetch(info, { credentials: user.credentials, port: server.port + 1 }));
  });

  test('a tampered query string → 401', async () => {
    const url = `${user.endpoint}/storage/bookmarks?full=1`;
    const header = buildHawkHeader({
      ...user.credentials,
      ts: nowS(),
      nonce: 'n1',
      method: 'GET',
      resource: `/1.5/${user.uid}/storage/bookmarks?full=0`,
      host: '127.0.0.1',
      port: server.port,
    });
    await assertUnauthorized(await fetch(url, { headers: { authorization: header } }));
  });

  test('stale timestamp → 401 with WWW-Authenticate ts/tsm so the client can resync', async () => {
    const res = await hawkFetch(info, { credentials: user.credentials, ts: nowS() - 2 * 3600 });
    const www = res.headers.get('www-authenticate') ?? '';
    await assertUnauthorized(res);
    const m = /^Hawk ts="(\d+)", tsm="([^"]+)"/.exec(www);
    assert.ok(m, www);
    assert.ok(Math.abs(Number(m[1]) - nowS()) < 600);
    const tsm = createHmac('sha256', user.credentials.key).update(`hawk.1.ts\n${m[1]}\n`).digest('base64');
    assert.equal(m[2], tsm);
    await assertUnauthorized(await hawkFetch(info, { credentials: user.credentials, ts: nowS() + 2 * 3600 }));
  });

  test('a replayed nonce → 401', async () => {
    const once = { credentials: user.credentials, ts: nowS(), nonce: randomBytes(8).toString('base64') };
    assert.equal((await hawkFetch(info, once)).status, 200);
    await assertUnauthorized(await hawkFetch(info, once));
    // The same nonce with another token is a different request.
    const other = await createSync15User(server);
    assert.equal(
      (await hawkFetch(`${other.endpoint}/info/collections`, { ...once, credentials: other.credentials }))
        .status,
      200,
    );
  });

  test('path uid ≠ token uid → 400 0', async () => {
    const res = await hawkFetch(`${server.url}1.5/${user.uid + 1000}/info/collections`, {
      credentials: user.credentials,
    });
    assert.equal(res.status, 400);
    assert.equal(await res.text(), '0');
  });

  test('expired token: refused everywhere except exactly info/collections', async () => {
    const expired = await createSync15User(server, { expires: nowS() - 10 });
    const ok = await hawkFetch(`${expired.endpoint}/info/collections`, { credentials: expired.credentials });
    assert.equal(ok.status, 200);
    await assertUnauthorized(
      await hawkFetch(`${expired.endpoint}/info/collection_counts`, { credentials: expired.credentials }),
    );
    await assertUnauthorized(
      await hawkFetch(`${expired.endpoint}/storage/bookmarks`, { credentials: expired.credentials }),
    );
  });

  test('a payload hash that does not match the body → 401; a matching one passes', async () => {
    const url = `${user.endpoint}/storage/bookmarks/h1`;
    const body = JSON.stringify({ payload: 'real' });
    const header = buildHawkHeader({
      ...user.credentials,
      ts: nowS(),
      nonce: randomBytes(6).toString('base64'),
      method: 'PUT',
      resource: new URL(url).pathname,
      host: '127.0.0.1',
      port: server.port,
      hash: hawkPayloadHash('application/json', JSON.stringify({ payload: 'signed' })),
    });
    await assertUnauthorized(
      await fetch(url, {
        method: 'PUT',
        body,
        headers: { authorization: header, 'content-type': 'application/json' },
      }),
    );
    const good = await hawkFetch(url, { method: 'PUT', body, credentials: user.credentials, hash: true });
    assert.equal(good.status, 200);
  });

  test('a payload hash on a request without a body covers the empty body', async () => {
    const url = `${user.endpoint}/storage/bookmarks/h1`;
    assert.equal((await hawkFetch(url, { credentials: user.credentials, hash: true })).status, 200);
    const header = buildHawkHeader({
      ...user.credentials,
      ts: nowS(),
      nonce: randomBytes(6).toString('base64'),
      method: 'GET',
      resource: new URL(url).pathname,
      host: '127.0.0.1',
      port: server.port,
      hash: hawkPayloadHash('', 'a body that was never sent'),
    });
    await assertUnauthorized(await fetch(url, { headers: { authorization: header } }));
  });

  test('the public URL decides host, port and path prefix; a mismatch is explained in the log', async () => {
    const original = server.config.publicUrl;
    try {
      server.config.publicUrl = `http://sync.example:8173/`;
      const seq = server.logger.tail().at(-1)?.seq ?? 0;
      await assertUnauthorized(await hawkFetch(info, { credentials: user.credentials }));
      const entry = await logDetailFor(server, `/1.5/${user.uid}/info/collections`, seq);
      assert.match(
        entry.detail ?? '',
        /signed host was 127\.0\.0\.1:\d+ but this server's public URL .* says sync\.example:8173/,
      );
      // Signed the way Firefox would sign against that public URL: accepted.
      const ok = await hawkFetch(info, { credentials: user.credentials, host: 'sync.example', port: 8173 });
      assert.equal(ok.status, 200);

      // A proxy that strips the /sync prefix: the client signed the full public path.
      server.config.publicUrl = `http://127.0.0.1:${server.port}/sync/`;
      const header = buildHawkHeader({
        ...user.credentials,
        ts: nowS(),
        nonce: randomBytes(6).toString('base64'),
        method: 'GET',
        resource: `/sync/1.5/${user.uid}/info/collections`,
        host: '127.0.0.1',
        port: server.port,
      });
      assert.equal((await fetch(info, { headers: { authorization: header } })).status, 200);
    } finally {
      server.config.publicUrl = original;
    }
  });

  test('X-Forwarded-Host/Proto are used only when the proxy is trusted', async () => {
    const forwarded = { 'x-forwarded-host': 'sync.home.lan', 'x-forwarded-proto': 'https' };
    const signed = { credentials: user.credentials, host: 'sync.home.lan', port: 443, headers: forwarded };
    // trust proxy is off on this server: the headers are ignored.
    await assertUnauthorized(await hawkFetch(info, signed));
    const proxied = await startTestServer({ trustProxy: 'loopback' });
    try {
      const u = await createSync15User(proxied);
      const url = `${u.endpoint}/info/collections`;
      assert.equal((await hawkFetch(url, { ...signed, credentials: u.credentials })).status, 200);
      await assertUnauthorized(await hawkFetch(url, { credentials: u.credentials, headers: forwarded }));
    } finally {
      await proxied.close();
    }
  });

  test('a token for a uid that was replaced (keys changed) → 401', async () => {
    const old = await createSync15User(server);
    const { context } = server.server;
    await context.db.transaction('write', (tx) =>
      tx.replaceOtherTokenserverUsers(`${old.fxaUid}@api.accounts.firefox.com`, -1, context.clock()),
    );
    await assertUnauthorized(
      await hawkFetch(`${old.endpoint}/info/collections`, { credentials: old.credentials }),
    );
  });
});

/** The window is an hour (issue 11 item 12, spec §4.5): Firefox sets its clock by Mozilla's servers. */
describe('Sync 1.5 Hawk: an hour of clock difference, nonces remembered for all of it', () => {
  let server: TestServer;
  let user: Sync15TestUser;
  let info: string;
  // The server's clock runs `offsetMs` ahead of the real one.
  let offsetMs = 0;
  const nowS = () => Math.floor(Date.now() / 1000);

  before(async () => {
    server = await startTestServer({}, { clock: () => Date.now() + offsetMs });
    user = await createSync15User(server);
    info = `${user.endpoint}/info/collections`;
  });
  after(() => server.close());

  test('a request 30 minutes ahead or behind the server is accepted', async () => {
    for (const ts of [nowS() - 30 * 60, nowS() + 30 * 60]) {
      const res = await hawkFetch(info, { credentials: user.credentials, ts });
      assert.equal(res.status, 200, `ts off by ${ts - nowS()} s`);
    }
  });

  test('a request 2 hours off is refused with the server time and its tsm', async () => {
    for (const ts of [nowS() - 2 * 3600, nowS() + 2 * 3600]) {
      const res = await hawkFetch(info, { credentials: user.credentials, ts });
      const www = res.headers.get('www-authenticate') ?? '';
      await assertUnauthorized(res);
      const m = /^Hawk ts="(\d+)", tsm="([^"]+)", error="Stale timestamp"$/.exec(www);
      assert.ok(m, www);
      assert.ok(Math.abs(Number(m[1]) - nowS()) < 60);
      const tsm = createHmac('sha256', user.credentials.key).update(`hawk.1.ts\n${m[1]}\n`).digest('base64');
      assert.equal(m[2], tsm);
    }
  });

  test('a request replayed 30 minutes later is refused', async () => {
    const once = { credentials: user.credentials, ts: nowS(), nonce: randomBytes(8).toString('base64') };
    try {
      assert.equal((await hawkFetch(info, once)).status, 200);
      offsetMs = 30 * 60_000;
      await assertUnauthorized(await hawkFetch(info, once));
      // A fresh nonce with the same old ts still passes: the refusal is the replay, not the clock.
      assert.equal(
        (await hawkFetch(info, { ...once, nonce: randomBytes(8).toString('base64') })).status,
        200,
      );
    } finally {
      offsetMs = 0;
    }
  });
});
