import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { buildHawkHeader } from '../../server/http/hawk/signing.js';
import type { LogEvent } from '../../server/log.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User, hawkFetch, type Sync15TestUser } from '../helpers/sync15-client.js';
import { hawkHeader, signIn } from './fxa-client.js';

// Issue 11 item 9: behind a trusted proxy whose forwarded host or port disagree with the
// public URL, the owner is told once (clients are given addresses from the public URL); and a
// Hawk MAC mismatch says when the public URL would have matched, which forwarded headers were
// ignored (untrusted peer), and that a query string was present, without its contents.

const nowS = () => Math.floor(Date.now() / 1000);
const nonce = () => randomBytes(6).toString('base64');

/** The request-log entry of the first request to `path` logged after `afterSeq`. */
async function logEntry(server: TestServer, path: string, afterSeq: number): Promise<LogEvent> {
  for (let i = 0; i < 200; i++) {
    const hit = server.logger.tail(afterSeq).find((e) => e.kind === 'request' && e.path === path);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no log entry for ${path}`);
}

/** The server's own loopback address (its public URL names the proxy's). */
const local = (server: TestServer) => `http://127.0.0.1:${server.port}/`;

const lastSeq = (server: TestServer) => server.logger.tail().at(-1)?.seq ?? 0;

function proxyWarnings(server: TestServer, afterSeq = 0): string[] {
  return server.logger
    .tail(afterSeq)
    .filter((e) => e.level === 'warn' && /reverse proxy says clients reach/.test(e.message))
    .map((e) => e.message);
}

async function heartbeat(server: TestServer, headers: Record<string, string>): Promise<void> {
  const res = await fetch(`${local(server)}__heartbeat__`, { headers });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
}

describe('forwarded host/port against the public URL (trust_proxy on)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ trustProxy: 'loopback', publicUrl: 'https://sync.example.org/' });
  });
  after(() => server.close());

  test('agreeing headers say nothing; a differing pair is said once, naming both; the count is bounded', async () => {
    await heartbeat(server, { 'X-Forwarded-Host': 'sync.example.org', 'X-Forwarded-Proto': 'https' });
    await heartbeat(server, { 'X-Forwarded-Host': 'sync.example.org:443', 'X-Forwarded-Proto': 'https' });
    assert.deepEqual(proxyWarnings(server), []);

    const differing = {
      'X-Forwarded-Host': 'foxden.lan',
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Port': '8443',
    };
    for (let i = 0; i < 3; i++) await heartbeat(server, differing);
    const said = proxyWarnings(server);
    assert.equal(said.length, 1, said.join('\n'));
    assert.match(said[0]!, /clients reach Foxden at foxden\.lan:8443 /);
    assert.match(said[0]!, /public URL https:\/\/sync\.example\.org\/ says sync\.example\.org:443/);
    assert.match(said[0]!, /If they use https:\/\/foxden\.lan:8443\/, set the public URL to it/);

    // Another pair is said too; a flood of pairs stops at a bound.
    for (let i = 0; i < 40; i++) await heartbeat(server, { 'X-Forwarded-Host': `host-${i}.example:8080` });
    const all = proxyWarnings(server);
    assert.ok(all.length > 1 && all.length <= 16, String(all.length));
    assert.match(all.at(-1)!, /not logged for an hour/);
  });
});

describe('forwarded headers from an untrusted peer', () => {
  let server: TestServer;
  let user: Sync15TestUser;
  before(async () => {
    server = await startTestServer({ publicUrl: 'https://sync.example.org/' });
    user = await createSync15User(server);
  });
  after(() => server.close());

  test('are never taken for the clients’ address (no warning)', async () => {
    await heartbeat(server, { 'X-Forwarded-Host': 'foxden.lan:8443' });
    assert.deepEqual(proxyWarnings(server), []);
  });

  test('a Sync 1.5 MAC signed for the forwarded address: the log names the ignored headers and the peer', async () => {
    const path = `/1.5/${user.uid}/info/collections`;
    const seq = lastSeq(server);
    const res = await hawkFetch(`${local(server)}${path.slice(1)}`, {
      credentials: user.credentials,
      host: 'foxden.lan',
      port: 8443,
      headers: { 'X-Forwarded-Host': 'foxden.lan:8443', 'X-Forwarded-Proto': 'https' },
    });
    assert.equal(res.status, 401);
    const detail = (await logEntry(server, path, seq)).detail ?? '';
    assert.match(
      detail,
      /signed for foxden\.lan:8443, which the forwarded headers \(X-Forwarded-Host: foxden\.lan:8443, X-Forwarded-Proto: https\) name, but they came from \S*127\.0\.0\.1, which is not a trusted proxy/,
    );
    assert.match(detail, /public URL \(https:\/\/sync\.example\.org\/\) was used \(sync\.example\.org:443\)/);
    assert.match(detail, /set trust_proxy/);
  });

  test('a MAC that matches nothing still names the ignored headers', async () => {
    const path = `/1.5/${user.uid}/info/collections`;
    const seq = lastSeq(server);
    const res = await hawkFetch(`${local(server)}${path.slice(1)}`, {
      credentials: user.credentials,
      host: 'elsewhere.example',
      port: 1234,
      headers: { 'X-Forwarded-Host': 'foxden.lan:8443' },
    });
    assert.equal(res.status, 401);
    const detail = (await logEntry(server, path, seq)).detail ?? '';
    assert.match(
      detail,
      /forwarded headers from \S*127\.0\.0\.1 were ignored \(not a trusted proxy: X-Forwarded-Host: foxden\.lan:8443\)/,
    );
  });
});

describe('Hawk mismatch explanations behind a trusted proxy', () => {
  let server: TestServer;
  let user: Sync15TestUser;
  before(async () => {
    server = await startTestServer({ trustProxy: 'loopback', publicUrl: 'http://sync.example:8173/' });
    user = await createSync15User(server);
  });
  after(() => server.close());

  test('Sync 1.5: the client signed for the public URL but the proxy forwards another host', async () => {
    const path = `/1.5/${user.uid}/info/collections`;
    const seq = lastSeq(server);
    const res = await hawkFetch(`${local(server)}${path.slice(1)}`, {
      credentials: user.credentials,
      host: 'sync.example',
      port: 8173,
      headers: { 'X-Forwarded-Host': 'internal.lan:9000' },
    });
    assert.equal(res.status, 401);
    const detail = (await logEntry(server, path, seq)).detail ?? '';
    assert.match(
      detail,
      /signed for sync\.example:8173, the public URL's address, but the proxy's forwarded headers \(X-Forwarded-Host: internal\.lan:9000\) say internal\.lan:9000/,
    );
    // Signed as the proxy says: accepted (the forwarded origin is the one checked).
    const ok = await hawkFetch(`${local(server)}${path.slice(1)}`, {
      credentials: user.credentials,
      host: 'internal.lan',
      port: 9000,
      headers: { 'X-Forwarded-Host': 'internal.lan:9000' },
    });
    assert.equal(ok.status, 200);
  });

  test('Sync 1.5: a query string re-encoded on the way is shown as present, never its contents', async () => {
    const path = `/1.5/${user.uid}/storage/bookmarks`;
    const seq = lastSeq(server);
    // Signed for ?ids=a%2Cb, received as ?ids=a,b (lighttpd's url-normalize).
    const header = buildHawkHeader({
      ...user.credentials,
      ts: nowS(),
      nonce: nonce(),
      method: 'GET',
      resource: `${path}?ids=secretid%2Cother`,
      host: 'internal.lan',
      port: 9000,
    });
    const res = await fetch(`${local(server)}${path.slice(1)}?ids=secretid,other`, {
      headers: { authorization: header, 'X-Forwarded-Host': 'internal.lan:9000' },
    });
    assert.equal(res.status, 401);
    const detail = (await logEntry(server, path, seq)).detail ?? '';
    assert.match(detail, /the URL has a query string \(18 bytes\): a proxy that rewrites or re-encodes it/);
    assert.ok(!/secretid|ids=/.test(detail), detail);
  });

  test('local accounts: the same explanation when the public URL would have matched', async () => {
    const auth = `${local(server)}auth/v1/`;
    const session = await signIn(auth, 'create', `fwd-${randomBytes(3).toString('hex')}@example.org`, 'pw');
    const path = '/auth/v1/session/status';
    const seq = lastSeq(server);
    const authorization = hawkHeader(new URL('http://sync.example:8173/auth/v1/session/status'), {
      token: session.sessionToken,
    });
    const res = await fetch(`${local(server)}auth/v1/session/status`, {
      headers: { authorization, 'X-Forwarded-Host': 'internal.lan:9000' },
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { errno: number }).errno, 109);
    const detail = (await logEntry(server, path, seq)).detail ?? '';
    assert.match(
      detail,
      /signed for sync\.example:8173, the public URL's address, but the proxy's forwarded headers/,
    );
  });
});
