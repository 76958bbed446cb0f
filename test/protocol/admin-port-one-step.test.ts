import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { usernameFromEmail } from '../../server/accounts/index.js';
import type { AdminErrorShape, AdminStatus, SettingsUpdate } from '../../server/admin/api.js';
import type { AdminService } from '../../server/admin/admin-service.js';
import { startAdminHttp, type AdminHttp } from '../../server/admin/http-transport.js';
import { createAdmin } from '../../server/admin/index.js';
import type { ServerController } from '../../server/admin/server-controller.js';
import { MemorySettingsStore } from '../../server/admin/settings-store.js';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { defaultConfig } from '../../server/config.js';
import { Logger } from '../../server/log.js';
import { callAdmin } from '../helpers/admin-http.js';
import { freePort, occupyPort } from '../helpers/ports.js';

// Issue 9, item 8: Save with a new port moves the listener in the same call (the database
// stays open); a port in use is refused in one line and the old port keeps serving.

const EMAIL = 'one-step@example.org';
const AUTH = `Basic ${Buffer.from(`${usernameFromEmail(EMAIL)}:correct horse`).toString('base64')}`;

function sync11(port: number, method: string, rel: string, body?: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/1.1/${usernameFromEmail(EMAIL)}/${rel}`, {
    method,
    headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

describe('a port saved from the dashboard', () => {
  let dataDir: string;
  let controller: ServerController;
  let service: AdminService;
  let admin: AdminHttp;
  let port: number;
  const call = <T>(method: string, ...args: unknown[]) => callAdmin<T>(admin, method, ...args);

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-one-step-'));
    const logger = new Logger();
    ({ controller, service } = createAdmin({
      baseConfig: defaultConfig({ dataDir, host: '127.0.0.1', port: 0 }),
      store: new MemorySettingsStore({ ...DEFAULT_SETTINGS, port: 0 }),
      logger,
      lanAddresses: () => [],
    }));
    const started = await service.start();
    assert.equal(started.state, 'running');
    port = started.listen?.port ?? 0;
    admin = await startAdminHttp({ service, port: 0, dataDir, staticDir: dataDir, logger });
    await service.createAccount({ kind: 'sync11', name: EMAIL, password: 'correct horse' });
    assert.equal(
      (await sync11(port, 'PUT', 'storage/bookmarks/a1', { id: 'a1', payload: 'kept' })).status,
      200,
    );
  });

  after(async () => {
    await admin.close();
    service.detach();
    await controller.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('is served at once: Sync reaches the new port, the old port refuses, no restart asked', async () => {
    const db = controller.context().db;
    const newPort = await freePort();
    const saved = await call<SettingsUpdate>('updateSettings', { port: newPort });
    assert.equal(saved.status, 200);
    assert.equal(saved.body.restartRequired, false);
    assert.deepEqual(saved.body.pendingRestart, []);
    assert.equal(saved.body.listen?.port, newPort);

    const got = await sync11(newPort, 'GET', 'storage/bookmarks/a1');
    assert.equal(got.status, 200);
    assert.equal(((await got.json()) as { payload: string }).payload, 'kept');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/__heartbeat__`), 'the old port no longer answers');

    const status = await call<AdminStatus>('status');
    assert.equal(status.body.state, 'running');
    assert.equal(status.body.listen?.port, newPort);
    assert.equal(status.body.restartRequired, false);
    assert.equal(controller.context().db, db, 'the same open database');
    port = newPort;
  });

  test('a port in use: one plain line, nothing saved, the old port still serves', async () => {
    const busy = await occupyPort();
    try {
      const refused = await call<{ error: AdminErrorShape }>('updateSettings', { port: busy.port });
      assert.equal(refused.status, 409);
      const { error } = refused.body;
      assert.equal(error.code, 'conflict');
      assert.equal(error.field, 'port');
      assert.match(error.message, new RegExp(`^Port ${busy.port} is already in use`));
      assert.match(error.message, new RegExp(`Foxden still listens on port ${port}\\.$`));
      assert.doesNotMatch(error.message, /\n/);

      const got = await sync11(port, 'GET', 'storage/bookmarks/a1');
      assert.equal(got.status, 200, 'the old port serves Sync');
      const settings = await call<{ port: number }>('getSettings');
      assert.equal(settings.body.port, port, 'the busy port was not saved');
      const status = await call<AdminStatus>('status');
      assert.equal(status.body.state, 'running');
      assert.equal(status.body.listen?.port, port);
      assert.equal(status.body.restartRequired, false);
    } finally {
      await busy.release();
    }
  });
});
