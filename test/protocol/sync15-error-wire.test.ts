import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User, type HawkCredentials, type Sync15TestUser } from '../helpers/sync15-client.js';
import { buildHawkHeader, hawkPayloadHash } from '../../server/http/hawk/signing.js';

/**
 * Every kind of Sync 1.5 storage error answer pinned on the wire: status, header names in
 * order with their values (times masked), body. Identical on the tree before and after the
 * storage adapter's errors became one type written in one place (issue 9 item 1).
 */
describe('Sync 1.5 storage error answers on the wire', () => {
  let server: TestServer;
  let user: Sync15TestUser;
  let expired: Sync15TestUser;

  before(async () => {
    server = await startTestServer();
    user = await createSync15User(server);
    expired = await createSync15User(server, { expires: Math.floor(Date.now() / 1000) - 100 });
  });
  after(() => server.close());

  interface Call {
    credentials?: HawkCredentials | null;
    authorization?: string;
    ts?: number;
    body?: string;
    headers?: Record<string, string>;
  }

  /** `status`, then `Name: value` per header as sent, then `body=`. */
  function call(method: string, path: string, o: Call = {}): Promise<string[]> {
    const credentials = o.credentials === undefined ? user.credentials : o.credentials;
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.authorization) headers.authorization = o.authorization;
    else if (credentials) {
      headers.authorization = buildHawkHeader({
        ...credentials,
        ts: o.ts ?? Math.floor(Date.now() / 1000),
        nonce: randomBytes(8).toString('base64'),
        method,
        resource: path,
        host: '127.0.0.1',
        port: server.port,
        ...(o.body !== undefined ? { hash: hawkPayloadHash('application/json', o.body) } : {}),
      });
    }
    if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(o.body));
    }
    return new Promise((resolve, reject) => {
      // The server's own scheme: plain HTTP, or HTTPS in the FOXDEN_TEST_HTTPS=1 run.
      const { request } = server.url.startsWith('https:') ? https : http;
      const req = request({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const lines = [String(res.statusCode)];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            const name = res.rawHeaders[i]!;
            let value = res.rawHeaders[i + 1]!;
            if (/^(date|x-weave-timestamp|x-last-modified)$/i.test(name)) value = '*';
            value = value.replace(/ts="\d+", tsm="[A-Za-z0-9+/=]+"/, 'ts=*, tsm=*');
            if (!/^(connection|keep-alive)$/i.test(name)) lines.push(`${name}: ${value}`);
          }
          lines.push(`body=${body}`);
          resolve(lines);
        });
      });
      req.on('error', reject);
      if (o.body !== undefined) req.write(o.body);
      req.end();
    });
  }

  const hawk401 = (www = 'Hawk', body = '0') => [
    '401',
    'X-Weave-Timestamp: *',
    `WWW-Authenticate: ${www}`,
    'Content-Type: application/json; charset=utf-8',
    'Content-Length: 1',
    'Date: *',
    `body=${body}`,
  ];
  const plain = (status: number, body: string, extra: string[] = []) => [
    String(status),
    'X-Weave-Timestamp: *',
    ...extra,
    'Content-Type: application/json',
    `Content-Length: ${body.length}`,
    'Date: *',
    `body=${body}`,
  ];
  const info = () => `/1.5/${user.uid}/info/collections`;

  test('Hawk refusals: 401 with WWW-Authenticate (the stale one with ts/tsm), 400 for another uid', async () => {
    assert.deepEqual(await call('GET', info(), { credentials: null }), hawk401());
    assert.deepEqual(await call('HEAD', info(), { credentials: null }), hawk401('Hawk', ''));
    assert.deepEqual(await call('GET', info(), { authorization: 'Hawk id="x"' }), hawk401());
    assert.deepEqual(
      await call('GET', info(), { ts: Math.floor(Date.now() / 1000) - 4000 }),
      hawk401('Hawk ts=*, tsm=*, error="Stale timestamp"'),
    );
    const other = [
      '400',
      'X-Weave-Timestamp: *',
      'Content-Type: application/json; charset=utf-8',
      'Content-Length: 1',
      'Date: *',
      'body=0',
    ];
    assert.deepEqual(await call('GET', `/1.5/${user.uid + 1000}/info/collections`), other);
    assert.deepEqual(await call('GET', `/1.5/0${user.uid}/info/collections`), other);
    assert.deepEqual(
      await call('GET', `/1.5/${expired.uid}/storage/tabs`, { credentials: expired.credentials }),
      hawk401(),
    );
    assert.equal(
      (await call('GET', `/1.5/${expired.uid}/info/collections`, { credentials: expired.credentials }))[0],
      '200',
    );
  });

  test('routing refusals: 404 and 405 with Allow', async () => {
    assert.deepEqual(await call('GET', `/1.5/${user.uid}/nope`), plain(404, '0'));
    assert.deepEqual(await call('POST', info()), plain(405, '0', ['Allow: GET, HEAD']));
    assert.deepEqual(await call('PUT', `/1.5/${user.uid}/storage`), plain(405, '0', ['Allow: DELETE']));
  });

  test('storage refusals: 412 without a body, 400/8, 413/17, 404, 400 for a bad query or batch', async () => {
    const item = `/1.5/${user.uid}/storage/bookmarks/a`;
    assert.equal((await call('PUT', item, { body: '{"payload":"x"}' }))[0], '200');
    const precondition = [
      '412',
      'X-Weave-Timestamp: *',
      'X-Last-Modified: *',
      'Date: *',
      'Content-Length: 0',
      'body=',
    ];
    const stale = { 'x-if-unmodified-since': '1.00' };
    assert.deepEqual(await call('PUT', item, { body: '{"payload":"y"}', headers: stale }), precondition);
    assert.deepEqual(await call('GET', item, { headers: stale }), precondition);
    assert.deepEqual(await call('GET', info(), { headers: stale }), precondition);
    assert.deepEqual(await call('DELETE', `/1.5/${user.uid}/storage`, { headers: stale }), precondition);
    assert.deepEqual(
      await call('GET', `/1.5/${user.uid}/storage/bookmarks`, {
        headers: { 'x-if-modified-since': '9999999999.00' },
      }),
      ['304', 'X-Weave-Timestamp: *', 'X-Last-Modified: *', 'Date: *', 'body='],
    );
    assert.deepEqual(await call('PUT', item, { body: '{"payload":1}' }), plain(400, '8'));
    assert.deepEqual(await call('PUT', item, { body: 'x'.repeat(3_000_000) }), plain(413, '17'));
    assert.deepEqual(await call('GET', `/1.5/${user.uid}/storage/bookmarks/zz`), plain(404, '0'));
    assert.deepEqual(await call('GET', `/1.5/${user.uid}/storage/bookmarks?limit=abc`), plain(400, '0'));
    assert.deepEqual(
      await call('POST', `/1.5/${user.uid}/storage/bookmarks?batch=zzz`, { body: '[]' }),
      plain(400, '0'),
    );
  });
});
