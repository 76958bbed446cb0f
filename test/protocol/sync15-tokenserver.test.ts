import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../server/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { hawkFetch } from '../helpers/sync15-client.js';
import { FakeFxaKeys, keyId, newFxaUid, OLDSYNC } from '../helpers/fxa-tokens.js';

interface TokenResponse {
  id: string;
  key: string;
  uid: number;
  api_endpoint: string;
  duration: number;
  hashalg: string;
  hashed_fxa_uid: string;
  node_type: string;
}

interface ErrorBody {
  status: string;
  errors: { location: string; name: string; description: string }[];
}

describe('Sync 1.5 tokenserver (spec 1.5 §3)', () => {
  const fxa = new FakeFxaKeys();
  const otherKeys = new FakeFxaKeys();
  let dir: string;
  let server: TestServer;
  let tokenUrl: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-jwks-'));
    const fxaJwksFile = fxa.writeJwksFile(dir);
    // An unreachable OAuth server: nothing in these tests may leave the machine.
    const sync15 = { ...defaultConfig().sync15, fxaJwksFile, fxaOauthServerUrl: 'http://127.0.0.1:9/v1' };
    server = await startTestServer({ sync15 });
    tokenUrl = `${server.url}1.0/sync/1.5`;
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function getToken(headers: Record<string, string>, query = ''): Promise<Response> {
    return fetch(tokenUrl + query, { headers: { accept: 'application/json', ...headers } });
  }

  function auth(sub: string, kid: string, generation?: number, extra: Record<string, string> = {}) {
    return {
      authorization: `Bearer ${fxa.accessToken({ sub, ...(generation !== undefined ? { generation } : {}) })}`,
      'x-keyid': kid,
      ...extra,
    };
  }

  async function expectError(
    res: Response,
    status: number,
    statusText: string,
    description?: string,
  ): Promise<ErrorBody> {
    assert.equal(res.status, status);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as ErrorBody;
    assert.equal(body.status, statusText);
    assert.equal(body.errors.length, 1);
    if (description !== undefined) assert.equal(body.errors[0]!.description, description);
    return body;
  }

  test('a valid FxA token yields a working Hawk token and endpoint', async () => {
    const sub = newFxaUid();
    const res = await getToken(auth(sub, keyId(1234567890123).header, 1234567890000));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('x-timestamp') ?? '', /^\d+$/);
    const body = (await res.json()) as TokenResponse;
    assert.deepEqual(Object.keys(body).sort(), [
      'api_endpoint',
      'duration',
      'hashalg',
      'hashed_fxa_uid',
      'id',
      'key',
      'node_type',
      'uid',
    ]);
    assert.equal(body.api_endpoint, `${server.url}1.5/${body.uid}`);
    assert.equal(body.duration, 3600);
    assert.equal(body.hashalg, 'sha256');
    assert.match(body.hashed_fxa_uid, /^[0-9a-f]{32}$/);
    assert.equal(body.key.length, 44);
    const info = await hawkFetch(`${body.api_endpoint}/info/collections`, { credentials: body });
    assert.equal(info.status, 200);

    // The record remembers the FxA uid, generation and keys_changed_at.
    const row = await server.server.context.db.transaction('read', (tx) => tx.tokenserverUserByUid(body.uid));
    assert.equal(row?.fxaUid, sub);
    assert.equal(row?.generation, 1234567890000);
    assert.equal(row?.keysChangedAt, 1234567890123);
  });

  test('the same account and keys keep their uid', async () => {
    const sub = newFxaUid();
    const kid = keyId(1000);
    const first = (await (await getToken(auth(sub, kid.header, 1000))).json()) as TokenResponse;
    const second = (await (await getToken(auth(sub, kid.header, 1000))).json()) as TokenResponse;
    assert.equal(second.uid, first.uid);
    assert.notEqual(second.id, first.id);
  });

  test('?duration is honoured when within the limit, else ignored', async () => {
    const sub = newFxaUid();
    const kid = keyId(1000).header;
    assert.equal(
      ((await (await getToken(auth(sub, kid), '?duration=10')).json()) as TokenResponse).duration,
      10,
    );
    assert.equal(
      ((await (await getToken(auth(sub, kid), '?duration=abc')).json()) as TokenResponse).duration,
      3600,
    );
    assert.equal(
      ((await (await getToken(auth(sub, kid), '?duration=999999')).json()) as TokenResponse).duration,
      3600,
    );
  });

  test('Authorization errors (spec §3.7)', async () => {
    const kid = keyId(1000).header;
    await expectError(await getToken({ 'x-keyid': kid }), 401, 'error', 'Unauthorized');
    await expectError(
      await getToken({ authorization: 'Bearer', 'x-keyid': kid }),
      401,
      'error',
      'Unauthorized',
    );
    await expectError(
      await getToken({ authorization: 'Basic dTpw', 'x-keyid': kid }),
      401,
      'error',
      'Unsupported',
    );
    await expectError(
      await getToken({ authorization: 'BrowserID abc', 'x-keyid': kid }),
      401,
      'error',
      'Unsupported',
    );
    // scheme is case-insensitive
    const lower = await getToken({
      authorization: `bearer ${fxa.accessToken({ sub: newFxaUid() })}`,
      'x-keyid': kid,
    });
    assert.equal(lower.status, 200);
  });

  test('invalid FxA tokens → 401 invalid-credentials', async () => {
    const sub = newFxaUid();
    const kid = keyId(1000).header;
    const bad = async (token: string) =>
      expectError(
        await getToken({ authorization: `Bearer ${token}`, 'x-keyid': kid }),
        401,
        'invalid-credentials',
      );
    await bad(otherKeys.accessToken({ sub })); // signed by a key FxA does not have
    await bad(otherKeys.accessToken({ sub }, { kid: fxa.kid })); // claims FxA's kid, wrong signature
    await bad(fxa.accessToken({ sub, expiresIn: -10 }));
    await bad(fxa.accessToken({ sub, scope: 'profile https://identity.mozilla.com/apps/send' }));
    await bad(fxa.accessToken({ sub }, { typ: 'JWT' }));
    await bad(fxa.accessToken({ sub }, { alg: 'HS256' }));
    await bad(fxa.accessToken({ sub: 'not a valid uid!' }));
    const good = fxa.accessToken({ sub });
    const [h, c, s] = good.split('.');
    const tampered = JSON.parse(Buffer.from(c!, 'base64url').toString()) as Record<string, unknown>;
    tampered.sub = newFxaUid();
    await bad(`${h}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${s}`);
    // comma-separated scopes (RS native verifier style) are accepted too
    const commas = await getToken({
      authorization: `Bearer ${fxa.accessToken({ sub, scope: `profile,${OLDSYNC}` })}`,
      'x-keyid': kid,
    });
    assert.equal(commas.status, 200);
  });

  test('X-KeyID and X-Client-State errors', async () => {
    const sub = newFxaUid();
    const token = { authorization: `Bearer ${fxa.accessToken({ sub })}` };
    const missing = await expectError(await getToken(token), 401, 'invalid-key-id', 'Missing X-KeyID header');
    assert.equal(missing.errors[0]!.location, 'header');
    for (const bad of ['12345', 'abc-AAAAAAAAAAAAAAAAAAAAAA', '12-!!!', '12-', '12-' + 'A'.repeat(40)]) {
      await expectError(await getToken({ ...token, 'x-keyid': bad }), 401, 'invalid-credentials');
    }
    const kid = keyId(1000);
    const badState = await expectError(
      await getToken({ ...token, 'x-keyid': kid.header, 'x-client-state': 'not valid!' }),
      400,
      'error',
      'Invalid client state value',
    );
    assert.deepEqual([badState.errors[0]!.location, badState.errors[0]!.name], ['header', 'X-Client-State']);
    await expectError(
      await getToken({ ...token, 'x-keyid': kid.header, 'x-client-state': 'aa'.repeat(16) }),
      401,
      'invalid-client-state',
    );
    const agrees = await getToken({ ...token, 'x-keyid': kid.header, 'x-client-state': kid.clientState });
    assert.equal(agrees.status, 200);
    // The b64url part may itself contain '-': split at the first one only.
    const dashy = keyId(2000, Buffer.from('fbfffbfffbfffbfffbfffbfffbfffbff', 'hex'));
    assert.ok(dashy.header.slice(5).includes('-'));
    const res = await getToken({
      authorization: `Bearer ${fxa.accessToken({ sub: newFxaUid() })}`,
      'x-keyid': dashy.header,
    });
    assert.equal(res.status, 200);
  });

  test('unknown application or version → 404', async () => {
    const h = auth(newFxaUid(), keyId(1).header);
    const app = await expectError(
      await fetch(`${server.url}1.0/foo/1.5`, { headers: h }),
      404,
      'error',
      'Unsupported application',
    );
    assert.deepEqual([app.errors[0]!.location, app.errors[0]!.name], ['url', 'application']);
    const ver = await expectError(
      await fetch(`${server.url}1.0/sync/1.1`, { headers: h }),
      404,
      'error',
      'Unsupported application version',
    );
    assert.equal(ver.errors[0]!.name, '1.1');
    // A malformed %-escape is an unknown application/version, never a 500.
    await expectError(await fetch(`${server.url}1.0/sync/%E0%A4%A`, { headers: h }), 404, 'error');
    await expectError(await fetch(`${server.url}1.0/%E0%A4%A/1.5`, { headers: h }), 404, 'error');
  });

  test('new keys (client-state change) give a new uid with empty storage and delete the old data', async () => {
    const sub = newFxaUid();
    const oldKeys = keyId(1_000_000);
    const first = (await (await getToken(auth(sub, oldKeys.header, 1_000_000))).json()) as TokenResponse;
    const put = await hawkFetch(`${first.api_endpoint}/storage/bookmarks/b1`, {
      method: 'PUT',
      body: { payload: 'old data' },
      credentials: first,
    });
    assert.equal(put.status, 200);

    // Same keys but no keys_changed_at bump: refused, nothing changes.
    const sameTime = keyId(1_000_000);
    await expectError(await getToken(auth(sub, sameTime.header, 2_000_000)), 401, 'invalid-client-state');
    // New keys without a generation change (and no keys_changed_at): refused.
    const newKeys = keyId(2_000_000);
    const noK = `0-${Buffer.from(newKeys.clientState, 'hex').toString('base64url')}`;
    const noGen = await expectError(await getToken(auth(sub, noK, 1_000_000)), 401, 'invalid-client-state');
    assert.match(noGen.errors[0]!.description, /no generation change/);

    const res = await getToken(auth(sub, newKeys.header, 2_000_000));
    assert.equal(res.status, 200);
    const second = (await res.json()) as TokenResponse;
    assert.notEqual(second.uid, first.uid);
    assert.equal(second.api_endpoint, `${server.url}1.5/${second.uid}`);

    const info = await hawkFetch(`${second.api_endpoint}/info/collections`, { credentials: second });
    assert.deepEqual(await info.json(), {});
    const { engine, db } = server.server.context;
    assert.deepEqual(await engine.collectionStamps(first.uid), []);
    const oldRow = await db.transaction('read', (tx) => tx.tokenserverUserByUid(first.uid));
    assert.notEqual(oldRow?.replacedAt, null);
    // The old token is no longer accepted, so no device writes into the dropped storage.
    const stale = await hawkFetch(`${first.api_endpoint}/info/collections`, { credentials: first });
    assert.equal(stale.status, 401);

    // Going back to the replaced keys is refused (stale client state).
    const back = await expectError(
      await getToken(
        auth(sub, `3000000-${Buffer.from(oldKeys.clientState, 'hex').toString('base64url')}`, 3_000_000),
      ),
      401,
      'invalid-client-state',
    );
    assert.match(back.errors[0]!.description, /stale value/);
  });

  test('older generation or keys_changed_at are refused', async () => {
    const sub = newFxaUid();
    const kid = keyId(5000);
    assert.equal((await getToken(auth(sub, kid.header, 5000))).status, 200);
    await expectError(await getToken(auth(sub, kid.header, 4000)), 401, 'invalid-generation');
    const olderK = `4000-${Buffer.from(kid.clientState, 'hex').toString('base64url')}`;
    await expectError(await getToken(auth(sub, olderK, 5000)), 401, 'invalid-keysChangedAt');
    // keys changed after the claimed generation: check 1
    const newer = keyId(9000);
    await expectError(await getToken(auth(sub, newer.header, 6000)), 401, 'invalid-keysChangedAt');
    // the user record never moved backwards
    const row = (await server.server.context.db.transaction('read', (tx) => tx.listTokenserverUsers())).find(
      (r) => r.fxaUid === sub,
    );
    assert.equal(row?.generation, 5000);
    assert.equal(row?.keysChangedAt, 5000);
  });

  test('closed sign-ups refuse new accounts but admit existing ones', async () => {
    const existing = newFxaUid();
    const kid = keyId(100).header;
    assert.equal((await getToken(auth(existing, kid))).status, 200);
    server.config.allowNewUsers = false;
    try {
      await expectError(
        await getToken(auth(newFxaUid(), kid)),
        403,
        'new-users-disabled',
        'New users are not allowed',
      );
      assert.equal((await getToken(auth(existing, kid))).status, 200);
    } finally {
      server.config.allowNewUsers = true;
    }
  });

  test('an allow list admits only the listed FxA accounts', async () => {
    const listed = newFxaUid();
    const kid = keyId(100).header;
    server.config.sync15.allowedEmails = [listed.toUpperCase(), 'someone@example.com'];
    try {
      assert.equal((await getToken(auth(listed, kid))).status, 200);
      await expectError(await getToken(auth(newFxaUid(), kid)), 403, 'new-users-disabled');
    } finally {
      server.config.sync15.allowedEmails = null;
    }
  });

  test('a non-JWT token with FxA unreachable → 503, not a crash', async () => {
    await expectError(
      await getToken({
        authorization: `Bearer ${randomBytes(32).toString('hex')}`,
        'x-keyid': keyId(1).header,
      }),
      503,
      'error',
      'Resource is not available',
    );
  });
});
