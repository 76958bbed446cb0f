import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { usernameFromEmail } from '../../server/accounts/index.js';
import { createAdmin } from '../../server/admin/index.js';
import { ServerController } from '../../server/admin/server-controller.js';
import { MemorySettingsStore } from '../../server/admin/settings-store.js';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { defaultConfig } from '../../server/config.js';
import { Logger } from '../../server/log.js';

// Issue 9, item 8: a port change restarts only the listener; the database, the engine and
// their caches stay open (no close, no migrations, no cold caches).

const EMAIL = 'restart@example.org';
const USER = usernameFromEmail(EMAIL);
const AUTH = `Basic ${Buffer.from(`${USER}:correct horse`).toString('base64')}`;

function sync11(port: number, method: string, rel: string, body?: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/1.1/${USER}/${rel}`, {
    method,
    headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

test(
  'a port change through the admin service restarts the listener on the same open database',
  { timeout: 20_000 },
  async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-relisten-'));
    const logger = new Logger();
    const store = new MemorySettingsStore({ ...DEFAULT_SETTINGS, port: 0 });
    const { service, controller } = createAdmin({
      baseConfig: defaultConfig({ dataDir, port: 0 }),
      store,
      logger,
      lanAddresses: () => [],
    });
    try {
      const first = await service.start();
      assert.equal(first.state, 'running');
      const oldPort = first.listen?.port ?? 0;
      assert.ok(oldPort > 0);
      await service.createAccount({ kind: 'sync11', name: EMAIL, password: 'correct horse' });
      const put = await sync11(oldPort, 'PUT', 'storage/bookmarks/a1', { id: 'a1', payload: 'kept' });
      assert.equal(put.status, 200);
      const before = controller.context();

      // A free port other than the old one: bind one for a moment, then hand it over.
      const probe = (await import('node:net')).createServer();
      const newPort = await new Promise<number>((resolve) =>
        probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)),
      );
      await new Promise<void>((resolve) => probe.close(() => resolve()));

      // One step (issue 9, item 8): Save moves the listener, no separate restart.
      const update = await service.updateSettings({ port: newPort });
      assert.equal(update.restartRequired, false);
      assert.deepEqual(update.pendingRestart, []);
      assert.equal(update.listen?.port, newPort);
      const again = await service.status();
      assert.equal(again.state, 'running');
      assert.equal(again.listen?.port, newPort);
      assert.equal(again.restartRequired, false);

      const after = controller.context();
      // The same backend: database handle, engine and sign-up gate were not reopened.
      assert.equal(after.db, before.db);
      assert.equal(after.engine, before.engine);
      assert.equal(after.signups, before.signups);
      await assert.rejects(fetch(`http://127.0.0.1:${oldPort}/__heartbeat__`));
      const got = await sync11(newPort, 'GET', 'storage/bookmarks/a1');
      assert.equal(got.status, 200);
      assert.equal(((await got.json()) as { payload: string }).payload, 'kept');
      assert.equal(await after.db.integrityCheck(), 'ok');
    } finally {
      service.detach();
      await controller.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  },
);

test('live settings reach the running server through a getter; applyLive changes no Config in place', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-live-'));
  const controller = new ServerController({
    config: defaultConfig({ dataDir, host: '127.0.0.1', port: 0 }),
    logger: new Logger(),
  });
  try {
    await controller.start();
    const given = controller.config;
    const running = controller.context().config;
    const before = { publicUrl: given.publicUrl, allowNewUsers: given.allowNewUsers };
    controller.applyLive({ publicUrl: 'http://sync.example.org/', allowNewUsers: !before.allowNewUsers });
    // The Config handed out before is left as it was ...
    assert.deepEqual({ publicUrl: given.publicUrl, allowNewUsers: given.allowNewUsers }, before);
    // ... and the running server reads the new values at once.
    assert.equal(running.publicUrl, 'http://sync.example.org/');
    assert.equal(running.allowNewUsers, !before.allowNewUsers);
    assert.equal(controller.context().config, running);
  } finally {
    await controller.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
