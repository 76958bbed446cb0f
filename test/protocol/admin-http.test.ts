import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createAdmin } from '../../server/admin/index.js';
import type { AdminService } from '../../server/admin/admin-service.js';
import type { ServerController } from '../../server/admin/server-controller.js';
import { MemorySettingsStore } from '../../server/admin/settings-store.js';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import {
  ADMIN_CSP,
  createAdminHandler,
  startAdminHttp,
  type AdminHttp,
} from '../../server/admin/http-transport.js';
import { sync11AccountsFor } from '../../server/accounts/index.js';
import { insertSync15User } from '../../server/sync15/tokenserver/users.js';
import { defaultConfig } from '../../server/config.js';
import { Logger } from '../../server/log.js';
import { callAdmin } from '../helpers/admin-http.js';
import { httpRequest, type HttpReply } from '../helpers/http-request.js';
import type { AccountSummary, AdminStatus, RestoreResult } from '../../server/admin/api.js';
import type { LogEvent } from '../../server/log.js';
import { databaseFile } from '../helpers/database-file.js';

/** A request to the admin listener with full control of the headers (fetch forbids Host). */
function raw(
  port: number,
  method: string,
  urlPath: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<HttpReply> {
  return httpRequest(`http://127.0.0.1:${port}${urlPath}`, { method, headers, agent: false }, body);
}

/** A free loopback port, for a restart that must land on a known port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('admin HTTP listener', () => {
  let dataDir: string;
  let staticDir: string;
  let logger: Logger;
  let controller: ServerController;
  let service: AdminService;
  let admin: AdminHttp;

  const call = <T = unknown>(method: string, ...args: unknown[]) => callAdmin<T>(admin, method, ...args);

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-admin-'));
    staticDir = path.join(dataDir, 'gui');
    fs.mkdirSync(staticDir);
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Foxden GUI</title>');
    fs.writeFileSync(path.join(staticDir, 'app.js'), 'console.log(1)');
    logger = new Logger();
    const baseConfig = defaultConfig({ dataDir, host: '127.0.0.1', port: 0 });
    const store = new MemorySettingsStore({ ...DEFAULT_SETTINGS, port: 0, publicUrl: baseConfig.publicUrl });
    ({ controller, service } = createAdmin({
      baseConfig,
      store,
      logger,
      publicUrlFollowsPort: true,
      lanAddresses: () => [],
    }));
    const started = await service.start();
    assert.equal(started.state, 'running');
    admin = await startAdminHttp({ service, port: 0, dataDir, staticDir, logger });
  });

  after(async () => {
    await admin.close();
    service.detach();
    await controller.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('binds 127.0.0.1 only and prints the dashboard URL with the token in the fragment', () => {
    const address = admin.server.address() as net.AddressInfo;
    assert.equal(address.address, '127.0.0.1');
    assert.equal(admin.dashboardUrl, `http://127.0.0.1:${address.port}/#token=${admin.token}`);
    assert.match(admin.token, /^[0-9a-f]{64}$/);
  });

  test(
    'the token lives in <dataDir>/admin-token (0600) and is reused by the next listener',
    { skip: process.platform === 'win32' },
    async () => {
      const file = path.join(dataDir, 'admin-token');
      assert.equal(fs.readFileSync(file, 'utf8').trim(), admin.token);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      const second = await startAdminHttp({ service, port: 0, dataDir, staticDir, logger });
      try {
        assert.equal(second.token, admin.token);
      } finally {
        await second.close();
      }
    },
  );

  test('API calls without the token or with a wrong one get 401', async () => {
    const none = await raw(admin.port, 'POST', '/api/status', { 'Content-Type': 'application/json' }, '[]');
    assert.equal(none.status, 401);
    assert.match((JSON.parse(none.body) as { error: { message: string } }).error.message, /token/);
    const wrong = await raw(
      admin.port,
      'POST',
      '/api/status',
      { Authorization: `Bearer ${'0'.repeat(64)}` },
      '[]',
    );
    assert.equal(wrong.status, 401);
    const basic = await raw(
      admin.port,
      'POST',
      '/api/status',
      { Authorization: `Basic ${admin.token}` },
      '[]',
    );
    assert.equal(basic.status, 401);
    const right = await raw(
      admin.port,
      'POST',
      '/api/status',
      { Authorization: `Bearer ${admin.token}` },
      '[]',
    );
    assert.equal(right.status, 200);
  });

  test('a foreign Host header is refused with 403 (DNS rebinding), even with the token', async () => {
    const auth = { Authorization: `Bearer ${admin.token}` };
    // Loopback names on another port are accepted (an SSH tunnel: admin-ssh-tunnel.test.ts).
    for (const host of [
      `evil.example:${admin.port}`,
      `localhost.evil.example:${admin.port}`,
      `127.0.0.1.evil.example:${admin.port}`,
      `192.168.1.20:${admin.port}`,
    ]) {
      const res = await raw(admin.port, 'POST', '/api/status', { ...auth, Host: host }, '[]');
      assert.equal(res.status, 403, host);
    }
    assert.equal((await raw(admin.port, 'GET', '/', { Host: `evil.example:${admin.port}` })).status, 403);
    assert.equal(
      (await raw(admin.port, 'POST', '/api/status', { ...auth, Host: `localhost:${admin.port}` }, '[]'))
        .status,
      200,
    );
  });

  test('an Origin other than the admin origin is refused with 403; no CORS headers are ever sent', async () => {
    const auth = { Authorization: `Bearer ${admin.token}` };
    const evil = await raw(
      admin.port,
      'POST',
      '/api/status',
      { ...auth, Origin: 'http://evil.example' },
      '[]',
    );
    assert.equal(evil.status, 403);
    const otherPort = await raw(
      admin.port,
      'POST',
      '/api/status',
      { ...auth, Origin: `http://127.0.0.1:${admin.port + 1}` },
      '[]',
    );
    assert.equal(otherPort.status, 403);
    const nullOrigin = await raw(admin.port, 'POST', '/api/status', { ...auth, Origin: 'null' }, '[]');
    assert.equal(nullOrigin.status, 403);
    const preflight = await raw(admin.port, 'OPTIONS', '/api/status', {
      Origin: 'http://evil.example',
      'Access-Control-Request-Method': 'POST',
    });
    assert.equal(preflight.status, 403);
    const own = await raw(
      admin.port,
      'POST',
      '/api/status',
      { ...auth, Origin: `http://127.0.0.1:${admin.port}` },
      '[]',
    );
    assert.equal(own.status, 200);
    for (const res of [evil, preflight, own]) {
      assert.ok(!Object.keys(res.headers).some((h) => h.startsWith('access-control-')), 'no CORS header');
    }
  });

  test('a request whose socket is not loopback is refused with 403 (checked at the socket)', async () => {
    const handler = createAdminHandler({
      service,
      token: admin.token,
      port: () => admin.port,
      staticDir,
      logger,
    });
    const server = http.createServer((req, res) => {
      // Pretend the TCP peer is a LAN machine; no header can claim otherwise.
      Object.defineProperty(req.socket, 'remoteAddress', { value: '192.168.1.20', configurable: true });
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const res = await raw(
        port,
        'POST',
        '/api/status',
        {
          Authorization: `Bearer ${admin.token}`,
          Host: `127.0.0.1:${admin.port}`,
          'X-Forwarded-For': '127.0.0.1',
        },
        '[]',
      );
      assert.equal(res.status, 403);
      assert.match(res.body, /only answers this computer/);
      assert.equal((await raw(port, 'GET', '/', { Host: `127.0.0.1:${admin.port}` })).status, 403);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('tokens never go in URLs: a query string on the API is refused, and there is no events stream', async () => {
    const q = await raw(admin.port, 'GET', `/api/events?token=${admin.token}`);
    assert.equal(q.status, 400);
    const events = await raw(
      admin.port,
      'POST',
      '/api/events',
      { Authorization: `Bearer ${admin.token}` },
      '[]',
    );
    assert.equal(events.status, 404);
    const get = await raw(admin.port, 'GET', '/api/status', { Authorization: `Bearer ${admin.token}` });
    assert.equal(get.status, 405);
  });

  test('the GUI is served without a token, under a strict CSP', async () => {
    const index = await raw(admin.port, 'GET', '/');
    assert.equal(index.status, 200);
    assert.match(index.body, /Foxden GUI/);
    assert.equal(index.headers['content-security-policy'], ADMIN_CSP);
    assert.match(
      ADMIN_CSP,
      /default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'/,
    );
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    assert.equal(index.headers['referrer-policy'], 'no-referrer');
    const script = await raw(admin.port, 'GET', '/app.js');
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /text\/javascript/);
    assert.equal((await raw(admin.port, 'GET', '/accounts')).status, 200, 'client-side route gets the app');
    assert.equal((await raw(admin.port, 'GET', '/missing.js')).status, 404);
    for (const escape of ['/../admin-token', '/%2e%2e/admin-token', '/..%2fadmin-token', '/.hidden']) {
      const res = await raw(admin.port, 'GET', escape);
      assert.ok(!res.body.includes(admin.token), escape);
    }
    const api = await call<AdminStatus>('status');
    assert.equal(api.status, 200);
  });

  test('bad arguments are refused as 400 with the field, never a 500', async () => {
    const port = await call<{ error: { code: string; field: string; message: string } }>('updateSettings', {
      port: '8080',
    });
    assert.equal(port.status, 400);
    assert.deepEqual([port.body.error.code, port.body.error.field], ['invalid-argument', 'port']);
    const notJson = await raw(
      admin.port,
      'POST',
      '/api/logs',
      { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' },
      '{oops',
    );
    assert.equal(notJson.status, 400);
    const notList = await raw(
      admin.port,
      'POST',
      '/api/logs',
      { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' },
      '{}',
    );
    assert.equal(notList.status, 400);
    const form = await raw(
      admin.port,
      'POST',
      '/api/logs',
      { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      'a=1',
    );
    assert.equal(form.status, 415);
  });

  test('status, stop and start round trip', async () => {
    const status = await call<AdminStatus>('status');
    assert.equal(status.body.state, 'running');
    const port = status.body.listen?.port;
    assert.ok(port);
    assert.equal(status.body.publicUrl, `http://127.0.0.1:${port}/`);
    assert.equal(status.body.setupUrl, `http://127.0.0.1:${port}/1.0/sync/1.5`);
    assert.equal(status.body.dataDir, dataDir);
    assert.equal(status.body.restartRequired, false);

    const stopped = await call<AdminStatus>('stop');
    assert.equal(stopped.body.state, 'stopped');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/__heartbeat__`));
    // Accounts can still be listed while stopped.
    assert.equal((await call('listAccounts')).status, 200);
    const started = await call<AdminStatus>('start');
    assert.equal(started.body.state, 'running');
    assert.equal((await fetch(`http://127.0.0.1:${started.body.listen?.port}/__heartbeat__`)).status, 200);
  });

  test('settings: live fields apply at once, a listener field moves the listener in the same save', async () => {
    const live = await call<{
      settings: { allowNewUsers: boolean };
      restartRequired: boolean;
      pendingRestart: string[];
    }>('updateSettings', { allowNewUsers: true, autoCloseSignups: false });
    assert.equal(live.status, 200);
    assert.equal(live.body.restartRequired, false);
    assert.deepEqual(live.body.pendingRestart, []);
    assert.equal(controller.context().config.allowNewUsers, true, 'the running config object sees it');

    const port = await freePort();
    const update = await call<{
      restartRequired: boolean;
      pendingRestart: string[];
      listen: { port: number } | null;
    }>('updateSettings', {
      port,
      publicUrl: `http://127.0.0.1:${port}`,
    });
    // One step (issue 9, item 8): the save itself moved the listener.
    assert.equal(update.body.restartRequired, false);
    assert.deepEqual(update.body.pendingRestart, []);
    assert.equal(update.body.listen?.port, port);
    assert.equal(
      controller.context().config.publicUrl,
      `http://127.0.0.1:${port}/`,
      'public URL applies live, with a "/"',
    );
    assert.equal((await call<AdminStatus>('status')).body.restartRequired, false);
    const settings = await call<{ port: number }>('getSettings');
    assert.equal(settings.body.port, port);

    const restarted = await call<AdminStatus>('restart');
    assert.equal(restarted.body.state, 'running');
    assert.equal(restarted.body.listen?.port, port);
    assert.equal(restarted.body.restartRequired, false);
    assert.equal((await fetch(`http://127.0.0.1:${port}/__heartbeat__`)).status, 200);
  });

  test('warnings and setup help follow the settings', async () => {
    const lan = await call('updateSettings', { bindScope: 'lan', publicUrl: 'http://localhost:9/' });
    assert.equal(lan.status, 200);
    const warnings = await call<{ code: string }[]>('warnings');
    const codes = warnings.body.map((w) => w.code);
    assert.ok(codes.includes('public-url-localhost-on-lan'), codes.join());
    assert.ok(codes.includes('port-blocked-by-firefox'), codes.join());
    const status = (await call<AdminStatus>('status')).body;
    await call('updateSettings', {
      bindScope: 'local',
      publicUrl: `http://127.0.0.1:${status.listen?.port}/`,
    });

    const help = await call<{
      desktopPrefs: { name: string; value: string }[];
      androidSteps: string[];
      sync11ServerUrl: string;
    }>('setupHelp');
    const pref = help.body.desktopPrefs.find((p) => p.name === 'identity.sync.tokenserver.uri');
    assert.equal(pref?.value, `http://127.0.0.1:${status.listen?.port}/1.0/sync/1.5`);
    assert.equal(help.body.sync11ServerUrl, `http://127.0.0.1:${status.listen?.port}/`);
    assert.ok(help.body.androidSteps.some((s) => s.includes('/1.0/sync/1.5')));
  });

  test('accounts: create (e-mail hashed to the username), reset password, delete, Sync 1.5 with its storage', async () => {
    const created = await call<AccountSummary>('createAccount', {
      kind: 'sync11',
      name: 'Alice@Example.org',
      password: 'correct horse',
    });
    assert.equal(created.status, 200);
    // lowercase base32(sha1("alice@example.org")), as Firefox derives it (spec 1.1 §3.1).
    assert.match(created.body.id, /^[a-z2-7]{32}$/);
    assert.equal(created.body.email, 'Alice@Example.org');
    assert.equal(created.body.storageBytes, 0);
    const again = await call<{ error: { code: string } }>('createAccount', {
      kind: 'sync11',
      name: 'alice@example.org',
      password: 'correct horse',
    });
    assert.equal(again.status, 409);
    // A local account (Firefox without a Mozilla account): created, listed, deleted.
    const local = await call<AccountSummary>('createAccount', {
      kind: 'local',
      name: 'bob@example.org',
      password: 'correct horse',
    });
    assert.equal(local.status, 200);
    assert.equal(local.body.kind, 'local');
    assert.equal(local.body.label, 'bob@example.org');
    assert.deepEqual(local.body.devices, []);
    assert.equal((await call('deleteAccount', { kind: 'local', id: local.body.id })).status, 200);
    assert.equal((await call('deleteAccount', { kind: 'local', id: local.body.id })).status, 404);

    const reset = await call('resetPassword', {
      kind: 'sync11',
      id: created.body.id,
      password: 'battery staple',
    });
    assert.equal(reset.status, 200);
    const accounts = sync11AccountsFor(controller.context());
    assert.ok(await accounts.verify(created.body.id, 'battery staple'));
    assert.equal(await accounts.verify(created.body.id, 'correct horse'), null);
    assert.equal(
      (await call('resetPassword', { kind: 'sync11', id: 'nobody', password: 'battery staple' })).status,
      404,
    );

    // A Sync 1.5 user as the tokenserver would create it, with some synced data.
    const context = controller.context();
    const row = await context.db.transaction('write', (tx) =>
      insertSync15User(
        tx,
        {
          email: 'abc123@api.accounts.firefox.com',
          fxaUid: 'abc123',
          generation: 1,
          clientState: 'aa',
          keysChangedAt: 1,
        },
        context.engine.now(),
      ),
    );
    await context.engine.putItems(row.uid, 'bookmarks', [{ id: 'b1', payload: 'x'.repeat(100) }], {
      bumpOnSortindex: true,
      touchWhenEmpty: true,
    });
    const list = await call<AccountSummary[]>('listAccounts');
    const sync15 = list.body.find((a) => a.kind === 'sync15');
    assert.equal(sync15?.id, String(row.uid));
    assert.equal(sync15?.storageBytes, 100);
    assert.equal(sync15?.collections, 1);
    assert.equal(typeof sync15?.lastSync, 'number');
    assert.ok(list.body.some((a) => a.kind === 'sync11' && a.id === created.body.id));

    assert.equal((await call('deleteAccount', { kind: 'sync15', id: String(row.uid) })).status, 200);
    assert.equal(await context.engine.totalBytes(row.uid), 0, 'its storage went with it');
    assert.equal((await call('deleteAccount', { kind: 'sync11', id: created.body.id })).status, 200);
    assert.equal((await call('deleteAccount', { kind: 'sync11', id: created.body.id })).status, 404);
    assert.deepEqual((await call<AccountSummary[]>('listAccounts')).body, []);
  });

  test('logs: tail with afterSeq and filter by level, user and status class', async () => {
    const first = logger.log({
      level: 'info',
      kind: 'request',
      message: 'GET /a 200',
      status: 200,
      user: 'carol',
    });
    logger.log({ level: 'warn', kind: 'request', message: 'GET /b 401', status: 401, user: 'carol' });
    logger.log({ level: 'warn', kind: 'request', message: 'GET /c 404', status: 404, user: 'dave' });
    logger.log({ level: 'error', kind: 'error', message: 'boom' });
    const after = await call<LogEvent[]>('logs', { afterSeq: first.seq - 1 });
    assert.deepEqual(
      after.body.map((e) => e.message),
      ['GET /a 200', 'GET /b 401', 'GET /c 404', 'boom'],
    );
    const fourxx = await call<LogEvent[]>('logs', {
      afterSeq: first.seq - 1,
      status: 400,
      statusClass: true,
    });
    assert.deepEqual(
      fourxx.body.map((e) => e.status),
      [401, 404],
    );
    const exact = await call<LogEvent[]>('logs', { afterSeq: first.seq - 1, status: 401 });
    assert.deepEqual(
      exact.body.map((e) => e.message),
      ['GET /b 401'],
    );
    const carol = await call<LogEvent[]>('logs', { afterSeq: first.seq - 1, user: 'carol', level: 'warn' });
    assert.deepEqual(
      carol.body.map((e) => e.message),
      ['GET /b 401'],
    );
    const errors = await call<LogEvent[]>('logs', { level: 'error', limit: 1 });
    assert.deepEqual(
      errors.body.map((e) => e.message),
      ['boom'],
    );
  });

  test('backup to a temp file (0600), then restore brings the old data back', async () => {
    const keep = await call<AccountSummary>('createAccount', {
      kind: 'sync11',
      name: 'erin',
      password: 'correct horse',
    });
    assert.equal(keep.status, 200);
    const file = path.join(dataDir, 'backups', 'foxden-backup.db');
    fs.mkdirSync(path.dirname(file));
    const backup = await call<{ path: string; bytes: number }>('backup', file);
    assert.equal(backup.status, 200);
    assert.equal(backup.body.path, file);
    assert.ok(backup.body.bytes > 0);
    assert.equal(fs.statSync(file).size, backup.body.bytes);
    if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600);

    const relative = await call<{ error: { field: string } }>('backup', 'backup.db');
    assert.equal(relative.status, 400);
    assert.equal(relative.body.error.field, 'path');
    const noDir = await call<{ error: { field: string; message: string } }>(
      'backup',
      path.join(dataDir, 'nope', 'b.db'),
    );
    assert.equal(noDir.status, 400);
    assert.match(noDir.body.error.message, /does not exist/);

    // Change things after the backup; the restore must undo them.
    assert.equal(
      (await call('createAccount', { kind: 'sync11', name: 'frank', password: 'correct horse' })).status,
      200,
    );
    assert.equal((await call('deleteAccount', { kind: 'sync11', id: 'erin' })).status, 200);

    const notDb = path.join(dataDir, 'not-a-db.txt');
    fs.writeFileSync(notDb, 'hello');
    const refused = await call<{ error: { code: string; field: string } }>('restore', notDb);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.field, 'path');
    assert.equal(
      (await call<AdminStatus>('status')).body.state,
      'running',
      'a refused restore leaves the server alone',
    );

    const restored = await call<RestoreResult>('restore', file);
    assert.equal(restored.status, 200);
    assert.equal(restored.body.status.state, 'running');
    const names = (await call<AccountSummary[]>('listAccounts')).body.map((a) => a.id);
    assert.deepEqual(names, ['erin']);
    assert.equal(restored.body.previousDatabase, databaseFile(controller.config) + '.before-restore');
    assert.ok(fs.existsSync(databaseFile(controller.config) + '.before-restore'));
    assert.equal(
      (await fetch(`http://127.0.0.1:${restored.body.status.listen?.port}/__heartbeat__`)).status,
      200,
    );
  });
});
