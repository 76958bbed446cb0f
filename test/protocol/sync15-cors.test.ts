import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHeadless } from '../../server/admin/headless.js';
import { defaultConfig } from '../../server/config.js';
import { loadConfig } from '../../server/config-load.js';
import { serveFlags } from '../../server/cli/serve.js';
import { CORS_MAX_AGE_SECONDS } from '../../server/http/cors.js';
import { Logger } from '../../server/log.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User } from '../helpers/sync15-client.js';
import { StorageClient } from './sync15-storage-helpers.js';

/**
 * Sync 1.5 CORS as syncstorage-rs answers it (issue 11 item 15): a preflight on every Sync 1.5
 * path and on the heartbeats, any origin by default (echoed back, as its integration tests
 * `test_cors_settings_are_set` and `test_cors_allows_any_origin` expect), a list of origins or
 * none at all by setting, and nothing for Sync 1.1, local accounts or the dashboard.
 */

function preflight(url: string, origin: string, method = 'GET', headers = 'Content-Type'): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': headers,
    },
  });
}

async function withServer(
  overrides: Parameters<typeof startTestServer>[0],
  body: (s: TestServer) => Promise<void>,
) {
  const s = await startTestServer(overrides);
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

test("syncstorage-rs's test_cors_settings_are_set and test_cors_allows_any_origin, by default", async () => {
  await withServer({}, async (s) => {
    // test_cors_settings_are_set: Origin "localhost" comes back as it was sent, with a max-age.
    const res = await preflight(`${s.url}__heartbeat__`, 'localhost');
    assert.equal(res.status, 200);
    assert.ok(Number(res.headers.get('access-control-max-age')) > 0);
    assert.equal(res.headers.get('access-control-max-age'), String(CORS_MAX_AGE_SECONDS));
    assert.equal(res.headers.get('access-control-allow-origin'), 'localhost');
    // test_cors_allows_any_origin: 200 or 204.
    const other = await preflight(`${s.url}__heartbeat__`, 'http://test-website.com');
    assert.ok([200, 204].includes(other.status), String(other.status));
    assert.equal(other.headers.get('access-control-allow-origin'), 'http://test-website.com');
  });
});

test('preflight on the tokenserver, storage paths (existing or not) and the heartbeats', async () => {
  await withServer({}, async (s) => {
    const origin = 'https://app.example.org';
    const paths = [
      '1.0/sync/1.5',
      '1.5/1/info/collections',
      '1.5/1/storage/bookmarks',
      '1.5/1/storage/bookmarks/abc',
      '1.5/999/storage',
      '1.5/1/no-such-thing',
      '__lbheartbeat__',
    ];
    for (const p of paths) {
      const res = await preflight(
        `${s.url}${p}`,
        origin,
        'PUT',
        'authorization, content-type, x-if-unmodified-since',
      );
      assert.equal(res.status, 200, p);
      assert.equal(await res.text(), '', p);
      assert.equal(res.headers.get('access-control-allow-origin'), origin, p);
      assert.equal(res.headers.get('access-control-allow-methods'), 'DELETE, GET, POST, PUT', p);
      const allowHeaders = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      for (const h of ['authorization', 'content-type', 'x-if-unmodified-since', 'x-weave-records']) {
        assert.ok(allowHeaders.split(', ').includes(h), `${p}: ${h} in ${allowHeaders}`);
      }
      assert.match(res.headers.get('vary') ?? '', /Origin/, p);
    }
  });
});

test('a preflight asking for a method or header outside the lists is refused as actix-cors does (400)', async () => {
  await withServer({}, async (s) => {
    const patch = await preflight(`${s.url}1.5/1/storage/bookmarks`, 'https://a.example', 'PATCH');
    assert.equal(patch.status, 400);
    assert.equal(patch.headers.get('access-control-allow-origin'), null);
    const header = await preflight(`${s.url}1.5/1/storage/bookmarks`, 'https://a.example', 'GET', 'x-secret');
    assert.equal(header.status, 400);
    assert.equal(header.headers.get('access-control-allow-origin'), null);
  });
});

test('an actual request from a page: origin echoed, protocol headers exposed; none without Origin', async () => {
  await withServer({}, async (s) => {
    const user = await createSync15User(s);
    const storage = new StorageClient(user);
    const origin = 'https://app.example.org';
    const read = await storage.call('GET', '/info/collections', { headers: { Origin: origin } });
    assert.equal(read.status, 200, read.text);
    assert.equal(read.headers.get('access-control-allow-origin'), origin);
    const exposed = (read.headers.get('access-control-expose-headers') ?? '').split(', ');
    for (const h of ['X-Weave-Timestamp', 'X-Last-Modified', 'X-Weave-Next-Offset', 'Retry-After']) {
      assert.ok(exposed.includes(h), `${h} exposed`);
    }
    assert.match(read.headers.get('vary') ?? '', /Origin/);

    // Firefox's own requests carry no Origin: they get no CORS headers at all.
    const plain = await storage.call('GET', '/info/collections');
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('access-control-allow-origin'), null);
    assert.equal(plain.headers.get('vary'), null);

    // The tokenserver's refusal is readable by the page too.
    const token = await fetch(`${s.url}1.0/sync/1.5`, { headers: { Origin: origin } });
    assert.equal(token.status, 401);
    assert.equal(token.headers.get('access-control-allow-origin'), origin);

    // So is storage's Hawk refusal (spec 1.5: 401), with the WWW-Authenticate it may read.
    const refused = await fetch(`${user.endpoint}/info/collections`, {
      headers: { Origin: origin, Authorization: 'Hawk id="x", ts="1", nonce="n", mac="bad"' },
    });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), origin);
    assert.ok(exposed.includes('WWW-Authenticate'), 'WWW-Authenticate exposed');
  });
});

test('Sync 1.1 and the local-account API get no CORS (OPTIONS answered as before)', async () => {
  await withServer({}, async (s) => {
    for (const p of [
      '1.0/alice/info/collections',
      // Sync 1.1 storage of a user named `sync`, not the tokenserver's /1.0/sync/1.5.
      '1.0/sync/storage',
      'user/1.0/alice',
      'v1/account/login',
      'v1/account/status',
    ]) {
      const res = await preflight(`${s.url}${p}`, 'https://app.example.org', 'POST');
      assert.equal(res.headers.get('access-control-allow-origin'), null, p);
      assert.equal(res.headers.get('access-control-allow-methods'), null, p);
      assert.notEqual(res.status, 200, p);
    }
    const status = await fetch(`${s.url}v1/account/status?uid=00`, {
      headers: { Origin: 'https://app.example.org' },
    });
    assert.equal(status.headers.get('access-control-allow-origin'), null);
  });
});

test('a list of origins: those are allowed, others refused at preflight and not granted', async () => {
  await withServer({ corsOrigins: ['https://app.example.org', 'http://192.168.1.20:8080'] }, async (s) => {
    const ok = await preflight(`${s.url}1.5/1/storage/tabs`, 'http://192.168.1.20:8080');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://192.168.1.20:8080');

    const other = await preflight(`${s.url}1.5/1/storage/tabs`, 'https://evil.example');
    assert.equal(other.status, 400);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const get = await fetch(`${s.url}__heartbeat__`, { headers: { Origin: 'https://evil.example' } });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('access-control-allow-origin'), null);
    assert.match(get.headers.get('vary') ?? '', /Origin/);
  });
});

test('CORS turned off: OPTIONS answered as before (405 on storage, 404 elsewhere), no headers', async () => {
  await withServer({ corsOrigins: null }, async (s) => {
    const res = await preflight(`${s.url}1.5/1/storage/tabs`, 'https://app.example.org');
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const token = await preflight(`${s.url}1.0/sync/1.5`, 'https://app.example.org');
    assert.equal(token.status, 404);
    assert.equal(token.headers.get('access-control-allow-origin'), null);
    const heartbeat = await preflight(`${s.url}__heartbeat__`, 'https://app.example.org');
    assert.equal(heartbeat.status, 404);
    assert.equal(heartbeat.headers.get('access-control-allow-origin'), null);
    const hb = await fetch(`${s.url}__heartbeat__`, { headers: { Origin: 'https://app.example.org' } });
    assert.equal(hb.headers.get('access-control-allow-origin'), null);
  });
});

test('the setting: --cors-origins, FOXDEN_CORS_ORIGINS and [foxden] cors_origins', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-cors-'));
  try {
    const env = { FOXDEN_DATA_DIR: dir };
    assert.equal(loadConfig({ env }).config.corsOrigins, '*');
    assert.equal(loadConfig({ env, flags: serveFlags(['--cors-origins', 'none']) }).config.corsOrigins, null);
    assert.equal(loadConfig({ env, flags: { corsOrigins: 'off' } }).config.corsOrigins, null);
    assert.deepEqual(
      loadConfig({ env: { ...env, FOXDEN_CORS_ORIGINS: 'https://App.Example.org/, http://10.0.0.2:81' } })
        .config.corsOrigins,
      ['https://app.example.org', 'http://10.0.0.2:81'],
    );
    const ini = path.join(dir, 'foxden.ini');
    fs.writeFileSync(ini, '[foxden]\ncors_origins = moz-extension://abc-123\n');
    const loaded = loadConfig({ env, flags: { config: ini } });
    assert.deepEqual(loaded.config.corsOrigins, ['moz-extension://abc-123']);
    assert.deepEqual(loaded.notes, [], 'cors_origins is a known key');
    assert.throws(
      () => loadConfig({ env, flags: { corsOrigins: 'https://app.example.org/path' } }),
      /--cors-origins must be \* \(any origin\), none, or origins/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('no CORS headers leak onto the dashboard listener', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-cors-admin-'));
  const config = defaultConfig({ dataDir, host: '127.0.0.1', port: 0, publicUrl: 'http://127.0.0.1:0/' });
  const headless = await startHeadless({
    config,
    publicUrlGiven: false,
    logger: new Logger(),
    adminPort: 0,
    warn: () => undefined,
  });
  try {
    const admin = headless.admin;
    assert.ok(admin);
    // The sync listener of the same server does answer the preflight…
    const sync = await preflight(
      `http://127.0.0.1:${headless.address.port}/__heartbeat__`,
      'https://a.example',
    );
    assert.equal(sync.headers.get('access-control-allow-origin'), 'https://a.example');
    // …the dashboard's never does, whatever the path.
    for (const p of ['__heartbeat__', 'api/status', '1.5/1/storage/tabs', '']) {
      const res = await preflight(
        `${admin.url}${p}`,
        'https://a.example',
        'POST',
        'authorization, content-type',
      );
      assert.equal(res.headers.get('access-control-allow-origin'), null, p);
      assert.equal(res.headers.get('access-control-allow-methods'), null, p);
    }
  } finally {
    await headless.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
