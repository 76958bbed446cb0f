import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../server/config.js';
import { TokenManager } from '../../server/sync15/tokenlib.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { FakeFxaKeys, keyId, newFxaUid } from '../helpers/fxa-tokens.js';

/**
 * The tokenserver reads the clock once per token request (issue 9 item 2): the X-Timestamp it
 * answers with and the expiry of the token it mints come from the same reading.
 */
describe('Sync 1.5 tokenserver: one clock reading per request', () => {
  const fxa = new FakeFxaKeys();
  let dir: string;
  let server: TestServer;
  // While armed, every reading is 7 s after the one before: two readings would disagree.
  let armed = false;
  let readings = 0;
  let start = 0;
  const clock = (): number => (armed ? start + 7_000 * readings++ : Date.now());

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-jwks-'));
    const fxaJwksFile = fxa.writeJwksFile(dir);
    const sync15 = { ...defaultConfig().sync15, fxaJwksFile, fxaOauthServerUrl: 'http://127.0.0.1:9/v1' };
    server = await startTestServer({ sync15 }, { clock });
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("the token's expiry is X-Timestamp plus its duration", async () => {
    const headers = {
      accept: 'application/json',
      authorization: `Bearer ${fxa.accessToken({ sub: newFxaUid(), generation: 1 })}`,
      'x-keyid': keyId(1).header,
    };
    start = Date.now();
    readings = 0;
    armed = true;
    let res: Response;
    try {
      res = await fetch(`${server.url}1.0/sync/1.5`, { headers });
    } finally {
      armed = false;
    }
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { id: string; duration: number };
    const xTimestamp = Number(res.headers.get('x-timestamp'));
    assert.equal(xTimestamp, Math.floor(start / 1000));
    const secret = server.server.context.config.masterSecret as string;
    const payload = new TokenManager(secret).parseToken(body.id);
    assert.equal(payload.expires, xTimestamp + body.duration);
  });
});
