import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../server/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { FakeFxaKeys, keyId, newFxaUid } from '../helpers/fxa-tokens.js';

/**
 * Without a JWKS file, a Bearer token that cannot be an FxA access token is refused at once with
 * 401 invalid-credentials, without asking FxA; one that might be valid still gets 503 when FxA
 * cannot be reached (issue 11 item 13, spec 1.5 §3.2, §3.7).
 */
describe('Sync 1.5 tokenserver: impossible tokens are refused without the network', () => {
  const fxa = new FakeFxaKeys();
  // FxA "out of reach": a loopback port that hangs up on every connection, and counts them.
  let connections = 0;
  let unreachable: net.Server;
  let server: TestServer;
  let tokenUrl: string;

  before(async () => {
    unreachable = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => unreachable.listen(0, '127.0.0.1', resolve));
    const { port } = unreachable.address() as AddressInfo;
    const sync15 = {
      ...defaultConfig().sync15,
      fxaJwksFile: null,
      fxaOauthServerUrl: `http://127.0.0.1:${port}/v1`,
    };
    server = await startTestServer({ sync15 });
    tokenUrl = `${server.url}1.0/sync/1.5`;
  });
  after(async () => {
    await server.close();
    await new Promise<void>((resolve) => unreachable.close(() => resolve()));
  });

  const enc = (v: unknown) =>
    Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const claims = () => ({
    sub: newFxaUid(),
    scope: 'https://identity.mozilla.com/apps/oldsync',
    exp: Date.now() / 1000 + 3600,
  });
  const sig = 'A'.repeat(342);

  const impossible: [string, () => string][] = [
    ['a.b.c', () => 'a.b.c'],
    ['two parts', () => `${enc({ alg: 'RS256', typ: 'at+JWT', kid: fxa.kid })}.${enc(claims())}`],
    ['four parts', () => `${enc({ alg: 'RS256', typ: 'at+JWT', kid: fxa.kid })}.${enc(claims())}.${sig}.x`],
    [
      'not base64url',
      () => `${enc({ alg: 'RS256', typ: 'at+JWT', kid: fxa.kid })}.${enc(claims())}.${sig}+/=`,
    ],
    ['alg none, no signature', () => `${enc({ alg: 'none', typ: 'at+JWT' })}.${enc(claims())}.`],
    [
      'alg none with a signature',
      () => `${enc({ alg: 'none', typ: 'at+JWT', kid: fxa.kid })}.${enc(claims())}.${sig}`,
    ],
    ['HS256', () => fxa.accessToken({ sub: newFxaUid() }, { alg: 'HS256' })],
    ['no alg', () => fxa.accessToken({ sub: newFxaUid() }, { alg: undefined })],
    ['no kid', () => fxa.accessToken({ sub: newFxaUid() }, { kid: undefined })],
    ['not an access token (typ JWT)', () => fxa.accessToken({ sub: newFxaUid() }, { typ: 'JWT' })],
    ['header not JSON', () => `${enc('not json')}.${enc(claims())}.${sig}`],
    ['header a JSON array', () => `${enc(['RS256'])}.${enc(claims())}.${sig}`],
    ['claims not JSON', () => `${enc({ alg: 'RS256', typ: 'at+JWT', kid: fxa.kid })}.${enc('nope')}.${sig}`],
    [
      'signature too short for RSA',
      () => `${enc({ alg: 'RS256', typ: 'at+JWT', kid: fxa.kid })}.${enc(claims())}.AAAA`,
    ],
    ['expired', () => new FakeFxaKeys().accessToken({ sub: newFxaUid(), expiresIn: -60 })],
  ];

  for (const [name, token] of impossible) {
    test(`${name} → 401 invalid-credentials, FxA not asked`, async () => {
      const before = connections;
      const started = Date.now();
      const res = await fetch(tokenUrl, {
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${token()}`,
          'x-keyid': keyId(1).header,
        },
      });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await res.json(), {
        status: 'invalid-credentials',
        errors: [{ location: 'body', name: '', description: 'Unauthorized' }],
      });
      assert.equal(connections, before, 'the tokenserver connected to FxA');
      assert.ok(Date.now() - started < 2000);
    });
  }

  test('a well-formed RS256 token with an unknown kid → 503 while FxA is out of reach', async () => {
    const before = connections;
    const res = await fetch(tokenUrl, {
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${new FakeFxaKeys().accessToken({ sub: newFxaUid() })}`,
        'x-keyid': keyId(1).header,
      },
    });
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), {
      status: 'error',
      errors: [{ location: 'body', name: '', description: 'Resource is not available' }],
    });
    assert.ok(connections > before, 'FxA was not tried');
  });
});
