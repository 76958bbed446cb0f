import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User, type HawkCredentials, type Sync15TestUser } from '../helpers/sync15-client.js';
import { buildHawkHeader } from '../../server/http/hawk/signing.js';
import { hawkAuthenticator, type Sync15Authenticator } from '../../server/sync15/hawk-auth.js';
import { StorageHttpError } from '../../server/sync15/storage/errors.js';
import { matchStorageRoute, type StorageRoute } from '../../server/sync15/storage/paths.js';

/**
 * Hawk authentication takes the route the storage router matched and throws the adapter's one
 * error type, which the router alone writes (issue 9 items 1 and 2).
 */
describe('Sync 1.5 Hawk: typed refusals against the matched route', () => {
  let server: TestServer;
  let user: Sync15TestUser;
  let auth: Sync15Authenticator;

  before(async () => {
    server = await startTestServer();
    user = await createSync15User(server);
    auth = hawkAuthenticator(server.server.context);
  });
  after(() => server.close());

  function request(
    path: string,
    credentials: HawkCredentials | null,
    ts = Math.floor(Date.now() / 1000),
  ): Request {
    const headers: Record<string, string> = {};
    if (credentials) {
      headers.authorization = buildHawkHeader({
        ...credentials,
        ts,
        nonce: randomBytes(8).toString('base64'),
        method: 'GET',
        resource: path,
        host: '127.0.0.1',
        port: server.port,
      });
    }
    // Only what Hawk reads of a request (trustProxy is off, so not req.app).
    return { method: 'GET', originalUrl: path, headers, protocol: 'http', socket: {} } as unknown as Request;
  }

  const route = (path: string): StorageRoute => {
    const matched = matchStorageRoute(path);
    assert.ok(matched, path);
    return matched;
  };

  async function refusal(promise: Promise<unknown>): Promise<StorageHttpError> {
    try {
      await promise;
    } catch (err) {
      assert.ok(err instanceof StorageHttpError, String(err));
      return err;
    }
    assert.fail('expected a refusal');
  }

  test('no Authorization: a 401 StorageHttpError with WWW-Authenticate and a log detail', async () => {
    const path = `/1.5/${user.uid}/info/collections`;
    const err = await refusal(auth(request(path, null), route(path), path, Date.now()));
    assert.equal(err.status, 401);
    assert.equal(err.code, 0);
    assert.deepEqual(err.extras.headers, { 'WWW-Authenticate': 'Hawk' });
    assert.match(err.extras.logDetail ?? '', /^Hawk: /);
    assert.equal(err.extras.contentType, 'application/json; charset=utf-8');
  });

  test('a stale ts: the 401 carries the server ts and its tsm', async () => {
    const path = `/1.5/${user.uid}/info/collections`;
    const now = Date.now();
    const err = await refusal(
      auth(request(path, user.credentials, Math.floor(now / 1000) - 2 * 3600), route(path), path, now),
    );
    assert.equal(err.status, 401);
    assert.match(
      err.extras.headers?.['WWW-Authenticate'] ?? '',
      new RegExp(`^Hawk ts="${Math.floor(now / 1000)}", tsm="[A-Za-z0-9+/=]+", error="Stale timestamp"$`),
    );
  });

  test('the clock reading handed in is the one the window is checked against', async () => {
    const path = `/1.5/${user.uid}/info/collections`;
    const ts = Math.floor(Date.now() / 1000) - 3 * 3600;
    const principal = await auth(request(path, user.credentials, ts), route(path), path, ts * 1000);
    assert.equal(principal.uid, user.uid);
  });

  test("another user's path: 400 without WWW-Authenticate, from the matched route's uid", async () => {
    const path = `/1.5/${user.uid + 1}/info/collections`;
    const err = await refusal(auth(request(path, user.credentials), route(path), path, Date.now()));
    assert.equal(err.status, 400);
    assert.equal(err.extras.headers, undefined);
    assert.match(
      err.extras.logDetail ?? '',
      new RegExp(`for user ${user.uid + 1} but the token is for user ${user.uid}`),
    );
  });

  test('an expired token: the matched route, not the path text, admits info/collections only', async () => {
    const old = await createSync15User(server, { expires: Math.floor(Date.now() / 1000) - 100 });
    const path = `/1.5/${old.uid}/info/collections`;
    const principal = await auth(request(path, old.credentials), route(path), path, Date.now());
    assert.equal(principal.uid, old.uid);
    const asCollection: StorageRoute = { kind: 'collection', uid: old.uid, collection: 'tabs' };
    const err = await refusal(auth(request(path, old.credentials), asCollection, path, Date.now()));
    assert.equal(err.status, 401);
    assert.match(err.extras.logDetail ?? '', /expired/);
  });
});
