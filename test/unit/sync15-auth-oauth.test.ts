import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeJwt,
  grantsOldsync,
  OAuthVerifier,
  OLDSYNC_SCOPE,
} from '../../server/sync15/tokenserver/oauth.js';
import { parseJwks } from '../../server/sync15/tokenserver/jwks.js';
import { TokenserverError } from '../../server/sync15/tokenserver/errors.js';
import { fxaEmailDomain, isAllowed } from '../../server/sync15/tokenserver/identity.js';
import { FakeFxaKeys, newFxaUid } from '../helpers/fxa-tokens.js';

test('scope: the oldsync scope, its :write form, or a parent URL scope; nothing else', () => {
  assert.ok(grantsOldsync(['profile', OLDSYNC_SCOPE]));
  assert.ok(grantsOldsync([`${OLDSYNC_SCOPE}:write`]));
  assert.ok(grantsOldsync(['https://identity.mozilla.com/apps']));
  assert.ok(!grantsOldsync(['https://identity.mozilla.com/apps/oldsyncx']));
  assert.ok(!grantsOldsync(['https://identity.mozilla.com/app']));
  assert.ok(!grantsOldsync(['profile', 'oldsync']));
  assert.ok(!grantsOldsync([]));
});

test('decodeJwt: null for opaque tokens', () => {
  assert.equal(decodeJwt('a'.repeat(64)), null);
  assert.equal(decodeJwt('a.b'), null);
  assert.equal(decodeJwt('a.b.c'), null);
  const jwt = new FakeFxaKeys().accessToken({ sub: newFxaUid() });
  assert.equal(decodeJwt(jwt)?.header.alg, 'RS256');
});

test('parseJwks skips unusable keys and never keeps private parts', () => {
  const fxa = new FakeFxaKeys();
  assert.equal(parseJwks(fxa.jwks()).length, 1);
  assert.equal(parseJwks([fxa.jwk]).length, 1);
  assert.equal(parseJwks(fxa.jwk).length, 1);
  assert.equal(parseJwks({ keys: [{ kty: 'EC' }, { kty: 'RSA', n: 'x' }, null, 3] }).length, 0);
  const priv = fxa.privateKey.export({ format: 'jwk' });
  const [key] = parseJwks({ keys: [priv] });
  assert.equal(key?.key.type, 'public');
});

test('verifier with a JWKS file: valid, expired, other key, fxa-generation', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-oauth-'));
  try {
    const fxa = new FakeFxaKeys();
    const settings = { jwksFile: fxa.writeJwksFile(dir), oauthServerUrl: 'http://127.0.0.1:9/v1' };
    const verifier = new OAuthVerifier(Date.now);
    const sub = newFxaUid();
    const ok = await verifier.verify(fxa.accessToken({ sub, generation: 77 }), settings);
    assert.deepEqual(ok, { fxaUid: sub, generation: 77, via: 'jwt' });
    const zero = await verifier.verify(fxa.accessToken({ sub, generation: 0 }), settings);
    assert.equal(zero.generation, null);
    await assert.rejects(
      verifier.verify(fxa.accessToken({ sub, expiresIn: -1 }), settings),
      TokenserverError,
    );
    await assert.rejects(verifier.verify(new FakeFxaKeys().accessToken({ sub }), settings), TokenserverError);
    // A broken JWKS file with a JWT: falls back to FxA, which is unreachable here → 503.
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, '{');
    await assert.rejects(
      verifier.verify(fxa.accessToken({ sub }), { ...settings, jwksFile: broken }),
      (err: unknown) => {
        assert.ok(err instanceof TokenserverError);
        assert.equal(err.httpStatus, 503);
        return true;
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('e-mail domain and allow list', () => {
  assert.equal(fxaEmailDomain('https://oauth.accounts.firefox.com/v1'), 'api.accounts.firefox.com');
  assert.equal(fxaEmailDomain('http://127.0.0.1:9/v1'), '127.0.0.1');
  assert.equal(isAllowed(null, ['x']), true);
  assert.equal(isAllowed([' ABC '], ['abc']), true);
  assert.equal(isAllowed(['abc'], ['abd', null]), false);
});

test('remote JWKS: a key FxA rotates in is used once the cooldown passes (one refetch, not one per token)', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
  const current = new FakeFxaKeys();
  const rotated = new FakeFxaKeys();
  let served = current.jwks();
  let hits = 0;
  const fxa = http.createServer((_req, res) => {
    hits++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(served));
  });
  await new Promise<void>((resolve) => fxa.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = fxa.address() as AddressInfo;
    const settings = { jwksFile: null, oauthServerUrl: `http://127.0.0.1:${port}/v1` };
    const verifier = new OAuthVerifier(Date.now);
    const sub = newFxaUid();
    assert.equal((await verifier.verify(current.accessToken({ sub }), settings)).fxaUid, sub);
    assert.equal(hits, 1);
    served = { keys: [current.jwk, rotated.jwk] };
    // Within a minute of the last fetch an unknown kid does not make FxA be asked again.
    await assert.rejects(verifier.verify(rotated.accessToken({ sub }), settings), TokenserverError);
    assert.equal(hits, 1);
    t.mock.timers.tick(61_000);
    const ok = await verifier.verify(rotated.accessToken({ sub }), settings);
    assert.deepEqual(ok, { fxaUid: sub, generation: null, via: 'jwt' });
    assert.equal(hits, 2);
    await verifier.verify(rotated.accessToken({ sub }), settings);
    assert.equal(hits, 2, 'the refreshed set is cached');
  } finally {
    await new Promise<void>((resolve) => fxa.close(() => resolve()));
  }
});
