import { sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mintAccessToken, verifyAccessToken } from '../../server/fxa/access-token.js';
import { OLDSYNC_SCOPE } from '../../server/fxa/crypto/scoped-keys.js';
import { signingKeyFor } from '../../server/fxa/signing-key.js';

test('a minted access token is byte for byte the JWS of FxA-shaped header and claims', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-at-'));
  try {
    const key = signingKeyFor(dir);
    const now = 1_700_000_000_123;
    const grant = {
      uid: 'a'.repeat(32),
      clientId: '5882386c6d801776',
      scope: OLDSYNC_SCOPE,
      generation: 42,
      ttlSeconds: 3600,
    };
    const token = await mintAccessToken(key, grant, 'http://127.0.0.1:5000/', now);
    const [h, c] = token.split('.');
    assert.equal(
      Buffer.from(h!, 'base64url').toString(),
      JSON.stringify({ alg: 'RS256', typ: 'at+JWT', kid: key.kid }),
    );
    const claims = JSON.parse(Buffer.from(c!, 'base64url').toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(claims), [
      'aud',
      'client_id',
      'exp',
      'iat',
      'iss',
      'jti',
      'scope',
      'sub',
      'fxa-generation',
    ]);
    assert.equal(claims.aud, 'http://127.0.0.1:5000/1.0/sync/1.5');
    assert.equal(claims.iat, 1_700_000_000);
    assert.equal(claims.exp, 1_700_003_600);
    const signed = `${h}.${c}`;
    assert.equal(
      token,
      `${signed}.${sign('RSA-SHA256', Buffer.from(signed), key.privateKey).toString('base64url')}`,
    );
    const verified = await verifyAccessToken(key, token, now);
    assert.deepEqual(verified, {
      uid: grant.uid,
      clientId: grant.clientId,
      scopes: [OLDSYNC_SCOPE],
      generation: 42,
      exp: 1_700_003_600,
    });
    await assert.rejects(verifyAccessToken(key, token, 1_700_003_600_000), /expired/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
