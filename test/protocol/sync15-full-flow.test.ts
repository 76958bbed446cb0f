import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultConfig } from '../../server/config.js';
import { FakeFxaKeys, keyId, newFxaUid } from '../helpers/fxa-tokens.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { hawkFetch, type HawkCredentials } from '../helpers/sync15-client.js';
import type { BatchReply, Bso, PostResult } from './sync15-storage-helpers.js';

/**
 * One household device's life over real HTTP, as Firefox does it: FxA OAuth JWT → tokenserver
 * token → Hawk-signed batch upload → paged download → new sync keys (spec 1.5 §3, §2.10, §2.7).
 */

interface TokenResponse extends HawkCredentials {
  uid: number;
  api_endpoint: string;
}

const COLLECTION = 'bookmarks';
const PAGE = 5;
/** Distinct sortindexes in an order unlike the ids', so the paging order is really sort=index. */
const RECORDS = Array.from({ length: 23 }, (_, i) => ({
  id: `rec${String(i).padStart(2, '0')}`,
  sortindex: (i * 37) % 101,
  payload: JSON.stringify({ ciphertext: `c${i}`.repeat(20), IV: 'x', hmac: 'y' }),
}));

describe('Sync 1.5 full flow: token → batch upload → paged download → new keys', () => {
  const fxa = new FakeFxaKeys();
  const sub = newFxaUid();
  const oldKeys = keyId(1_000_000);
  const newKeys = keyId(2_000_000);
  /** Every Authorization header this test sent: Bearer JWTs and Hawk headers with their MACs. */
  const sentAuthorizations: string[] = [];
  const realFetch = globalThis.fetch;
  let dir: string;
  let server: TestServer;
  const jwts: string[] = [];
  let first: TokenResponse;
  let second: TokenResponse;
  let commitModified: number;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-full-flow-'));
    const sync15 = {
      ...defaultConfig().sync15,
      fxaJwksFile: fxa.writeJwksFile(dir),
      fxaOauthServerUrl: 'http://127.0.0.1:9/v1',
    };
    server = await startTestServer({ sync15 });
    // hawkFetch calls the global fetch: recording here sees exactly what went on the wire.
    globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
      const auth = (init?.headers as Record<string, string> | undefined)?.authorization;
      if (auth) sentAuthorizations.push(auth);
      return realFetch(input, init);
    };
  });
  after(async () => {
    globalThis.fetch = realFetch;
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function getToken(keys: { header: string }, generation: number): Promise<Response> {
    const jwt = fxa.accessToken({ sub, generation });
    jwts.push(jwt);
    return fetch(`${server.url}1.0/sync/1.5`, {
      headers: { accept: 'application/json', authorization: `Bearer ${jwt}`, 'x-keyid': keys.header },
    });
  }

  const hawk = (token: TokenResponse, p: string, method = 'GET', body?: unknown) =>
    hawkFetch(`${token.api_endpoint}${p}`, {
      method,
      credentials: token,
      ...(body !== undefined ? { body, hash: true } : {}),
    });

  it('the tokenserver trades an FxA OAuth JWT for Hawk credentials and an endpoint', async () => {
    const res = await getToken(oldKeys, 1_000_000);
    assert.equal(res.status, 200);
    first = (await res.json()) as TokenResponse;
    assert.equal(first.api_endpoint, `${server.url}1.5/${first.uid}`);
    assert.equal(first.key.length, 44);
    assert.ok(first.id.length > 0);
  });

  it('a batch upload (create → append → commit) becomes visible only at commit', async () => {
    const url = `/storage/${COLLECTION}`;
    const created = await hawk(first, `${url}?batch=true`, 'POST', RECORDS.slice(0, 8));
    assert.equal(created.status, 202);
    const batch = (await created.json()) as BatchReply;
    assert.match(batch.batch, /^[A-Za-z0-9]+$/);
    assert.deepEqual(
      batch.success,
      RECORDS.slice(0, 8).map((r) => r.id),
    );
    assert.deepEqual(batch.failed, {});

    const appended = await hawk(first, `${url}?batch=${batch.batch}`, 'POST', RECORDS.slice(8, 16));
    assert.equal(appended.status, 202);
    const appendReply = (await appended.json()) as BatchReply;
    assert.equal(appendReply.batch, batch.batch);
    assert.equal(appendReply.success.length, 8);

    // Staged records are invisible and the collection does not exist yet.
    const before = await hawk(first, url);
    assert.equal(before.status, 200);
    assert.deepEqual(await before.json(), []);
    const infoBefore = (await (await hawk(first, '/info/collections')).json()) as Record<string, number>;
    assert.equal(infoBefore[COLLECTION], undefined);

    const committed = await hawk(first, `${url}?batch=${batch.batch}&commit=true`, 'POST', RECORDS.slice(16));
    assert.equal(committed.status, 200);
    const text = await committed.text();
    assert.match(text, /^\{"modified":\d+\.\d{2},/);
    const result = JSON.parse(text) as PostResult;
    assert.deepEqual(
      result.success,
      RECORDS.slice(16).map((r) => r.id),
    );
    assert.deepEqual(result.failed, {});
    commitModified = result.modified;
    assert.equal(committed.headers.get('x-last-modified'), commitModified.toFixed(2));
  });

  it('after commit every record is there and info/collections shows the commit timestamp', async () => {
    const info = await hawk(first, '/info/collections');
    assert.equal(info.status, 200);
    const infoText = await info.text();
    assert.ok(
      infoText.includes(`"${COLLECTION}":${commitModified.toFixed(2)}`),
      `${infoText} should carry ${commitModified.toFixed(2)}`,
    );
    const all = (await (await hawk(first, `/storage/${COLLECTION}?full=1`)).json()) as Bso[];
    assert.equal(all.length, RECORDS.length);
    for (const bso of all) assert.equal(bso.modified, commitModified, bso.id);
    const counts = (await (await hawk(first, '/info/collection_counts')).json()) as Record<string, number>;
    assert.equal(counts[COLLECTION], RECORDS.length);
  });

  it('a paged download follows X-Weave-Next-Offset and gets each record once, in sort order', async () => {
    const expected = [...RECORDS].sort((a, b) => b.sortindex - a.sortindex);
    const seen: Bso[] = [];
    let offset: string | null = null;
    let pages = 0;
    const maxPages = Math.ceil(RECORDS.length / PAGE) + 2;
    do {
      const query = `full=1&sort=index&limit=${PAGE}${offset !== null ? `&offset=${encodeURIComponent(offset)}` : ''}`;
      const page = await hawkFetch(`${first.api_endpoint}/storage/${COLLECTION}?${query}`, {
        credentials: first,
        // Firefox pins the download to the collection's version so a concurrent write shows as 412.
        headers: { 'x-if-unmodified-since': commitModified.toFixed(2) },
      });
      assert.equal(page.status, 200);
      const items = (await page.json()) as Bso[];
      assert.ok(items.length <= PAGE);
      assert.equal(page.headers.get('x-weave-records'), String(items.length));
      seen.push(...items);
      offset = page.headers.get('x-weave-next-offset');
      pages++;
    } while (offset !== null && pages < maxPages);
    assert.equal(offset, null, 'the last page has no X-Weave-Next-Offset');
    assert.equal(pages, Math.ceil(RECORDS.length / PAGE));
    assert.deepEqual(
      seen.map((b) => b.id),
      expected.map((r) => r.id),
    );
    assert.equal(new Set(seen.map((b) => b.id)).size, RECORDS.length, 'no record twice');
    for (const [i, bso] of seen.entries()) {
      assert.equal(bso.payload, expected[i]!.payload);
      assert.equal(bso.sortindex, expected[i]!.sortindex);
    }
  });

  it('new sync keys give a new, empty uid; the old data is gone and the old token refused', async () => {
    // A staged batch of the old uid must go with the rest of its storage.
    const staged = await hawk(first, '/storage/history?batch=true', 'POST', [{ id: 'h1', payload: 'x' }]);
    assert.equal(staged.status, 202);

    const res = await getToken(newKeys, 2_000_000);
    assert.equal(res.status, 200);
    second = (await res.json()) as TokenResponse;
    assert.notEqual(second.uid, first.uid);
    assert.notEqual(second.id, first.id);
    assert.equal(second.api_endpoint, `${server.url}1.5/${second.uid}`);

    const info = await hawk(second, '/info/collections');
    assert.equal(info.status, 200);
    assert.deepEqual(await info.json(), {});
    assert.deepEqual(await (await hawk(second, `/storage/${COLLECTION}`)).json(), []);

    // Read straight from the tables, on whichever backend the server runs.
    const raw = server.server.context.db.raw;
    assert.ok(raw, 'the database gives raw access');
    const counts = await raw.call(server.server.context.db, 'read', async (runner) => {
      const count = async (sql: string) => Number((await runner.all(sql, [first.uid]))[0]?.n);
      return [
        await count('SELECT COUNT(*) AS n FROM bsos WHERE user_id = ?'),
        await count('SELECT COUNT(*) AS n FROM user_collections WHERE user_id = ?'),
        await count('SELECT COUNT(*) AS n FROM batches WHERE user_id = ?'),
      ];
    });
    assert.deepEqual(counts, [0, 0, 0]);

    const stale = await hawk(first, '/info/collections');
    assert.equal(stale.status, 401);
    const staleWrite = await hawk(first, `/storage/${COLLECTION}`, 'POST', [{ id: 'late', payload: 'x' }]);
    assert.equal(staleWrite.status, 401);
  });

  it('the request log shows the 1.5 traffic by uid and collection, and never a secret', () => {
    const events = server.logger.tail();
    const requests = events.filter((e) => e.kind === 'request');
    const tokenRequests = requests.filter((e) => e.path === '/1.0/sync/1.5' && e.status === 200);
    assert.deepEqual(
      tokenRequests.map((e) => [e.protocol, e.user]),
      [
        ['sync1.5', String(first.uid)],
        ['sync1.5', String(second.uid)],
      ],
    );
    const uploads = requests.filter(
      (e) => e.method === 'POST' && e.path === `/1.5/${first.uid}/storage/${COLLECTION}`,
    );
    assert.deepEqual(uploads.map((e) => [e.status, e.user, e.collection, e.protocol]).slice(0, 3), [
      [202, String(first.uid), COLLECTION, 'sync1.5'],
      [202, String(first.uid), COLLECTION, 'sync1.5'],
      [200, String(first.uid), COLLECTION, 'sync1.5'],
    ]);
    const downloads = requests.filter(
      (e) => e.method === 'GET' && e.path === `/1.5/${first.uid}/storage/${COLLECTION}` && e.status === 200,
    );
    assert.ok(downloads.length >= Math.ceil(RECORDS.length / PAGE), 'every page is logged');
    assert.ok(downloads.every((e) => e.user === String(first.uid) && e.collection === COLLECTION));
    assert.ok(
      requests.some((e) => e.path === `/1.5/${first.uid}/info/collections` && e.status === 401),
      'the refused old token is logged',
    );

    const macs = sentAuthorizations.flatMap((h) => /mac="([^"]+)"/.exec(h)?.[1] ?? []);
    assert.ok(macs.length >= 10, `recorded ${macs.length} Hawk MACs`);
    assert.equal(jwts.length, 2);
    const secrets = [
      ...[first, second].flatMap((t) => [t.id, t.id.slice(-24), t.key]),
      ...jwts.flatMap((jwt) => [jwt, jwt.split('.')[2]!]),
      ...macs,
    ];
    const serialized = JSON.stringify(events);
    for (const secret of secrets) {
      assert.ok(secret.length >= 20, 'each secret is long enough to be a meaningful search');
      assert.ok(!serialized.includes(secret), `a log event contains a secret (${secret.slice(0, 6)}…)`);
    }
  });
});
