import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../server/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { FakeFxaKeys, keyId, newFxaUid, OLDSYNC } from '../helpers/fxa-tokens.js';

/** A local stand-in for FxA's OAuth server: /v1/jwks and /v1/verify on 127.0.0.1. */
function startFakeOAuth(fxa: FakeFxaKeys, verified: Map<string, unknown>) {
  const hits = { jwks: 0, verify: 0 };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/jwks') {
      hits.jwks++;
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify(fxa.jwks()));
    }
    if (req.method === 'POST' && req.url === '/v1/verify') {
      hits.verify++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const { token } = JSON.parse(Buffer.concat(chunks).toString()) as { token: string };
        const answer = verified.get(token);
        res.statusCode = answer ? 200 : 400;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(answer ?? { code: 400, errno: 108, message: 'Invalid token' }));
      });
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  return new Promise<{ url: string; hits: typeof hits; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/v1`,
        hits,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

describe('Sync 1.5 tokenserver with a remote (local fake) FxA OAuth server', () => {
  const fxa = new FakeFxaKeys();
  const verified = new Map<string, unknown>();
  let oauth: Awaited<ReturnType<typeof startFakeOAuth>>;
  let server: TestServer;
  let tokenUrl: string;

  before(async () => {
    oauth = await startFakeOAuth(fxa, verified);
    server = await startTestServer({ sync15: { ...defaultConfig().sync15, fxaOauthServerUrl: oauth.url } });
    tokenUrl = `${server.url}1.0/sync/1.5`;
  });
  after(async () => {
    await server.close();
    await oauth.close();
  });

  test('JWTs are checked against the fetched JWKS, which is cached', async () => {
    const kid = keyId(10).header;
    for (let i = 0; i < 2; i++) {
      const token = fxa.accessToken({ sub: newFxaUid() });
      const res = await fetch(tokenUrl, { headers: { authorization: `Bearer ${token}`, 'x-keyid': kid } });
      assert.equal(res.status, 200);
    }
    assert.equal(oauth.hits.jwks, 1);
    assert.equal(oauth.hits.verify, 0);
    const forged = new FakeFxaKeys(fxa.kid).accessToken({ sub: newFxaUid() });
    const res = await fetch(tokenUrl, { headers: { authorization: `Bearer ${forged}`, 'x-keyid': kid } });
    assert.equal(res.status, 401);
    assert.equal(oauth.hits.verify, 0, 'a badly signed JWT is refused without asking FxA');
  });

  test('non-JWT tokens are verified with FxA /verify', async () => {
    const sub = newFxaUid();
    verified.set('opaque-good', { user: sub, client_id: 'x', scope: [OLDSYNC], generation: 42 });
    verified.set('opaque-wrong-scope', { user: newFxaUid(), client_id: 'x', scope: ['profile'] });
    const kid = keyId(10).header;
    const ok = await fetch(tokenUrl, { headers: { authorization: 'Bearer opaque-good', 'x-keyid': kid } });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { uid: number };
    const row = await server.server.context.db.transaction('read', (tx) => tx.tokenserverUserByUid(body.uid));
    assert.equal(row?.fxaUid, sub);
    assert.equal(row?.generation, 42);

    const scope = await fetch(tokenUrl, {
      headers: { authorization: 'Bearer opaque-wrong-scope', 'x-keyid': kid },
    });
    assert.equal(scope.status, 401);
    assert.equal(((await scope.json()) as { status: string }).status, 'invalid-credentials');
    const refused = await fetch(tokenUrl, {
      headers: { authorization: 'Bearer opaque-unknown', 'x-keyid': kid },
    });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { status: string }).status, 'invalid-credentials');
  });
});
