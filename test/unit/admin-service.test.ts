import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAdmin, mayCreateAccount } from '../../server/admin/index.js';
import { MemorySettingsStore } from '../../server/admin/settings-store.js';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { queryLogs } from '../../server/admin/logs.js';
import { sync11AccountsFor } from '../../server/accounts/index.js';
import { defaultConfig } from '../../server/config.js';
import { Logger, type LogEvent } from '../../server/log.js';
import type { AdminSettings } from '../../server/admin/api.js';

async function withService(
  settings: Partial<AdminSettings>,
  fn: (
    parts: ReturnType<typeof createAdmin> & { logger: Logger; store: MemorySettingsStore },
  ) => Promise<void>,
): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-svc-'));
  const logger = new Logger();
  const store = new MemorySettingsStore({ ...DEFAULT_SETTINGS, port: 0, ...settings });
  const parts = createAdmin({
    baseConfig: defaultConfig({ dataDir, port: 0 }),
    store,
    logger,
    lanAddresses: () => [],
  });
  try {
    await fn({ ...parts, logger, store });
  } finally {
    parts.service.detach();
    await parts.controller.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Waits for the service's 'settings' event, bounded by the test timeout. */
function nextSettings(service: ReturnType<typeof createAdmin>['service']): Promise<AdminSettings> {
  return new Promise((resolve) => service.once('settings', resolve));
}

test('which requests may have created an account', () => {
  const ev = (method: string, p: string, status: number): LogEvent => ({
    seq: 1,
    time: 0,
    level: 'info',
    kind: 'request',
    message: '',
    method,
    path: p,
    status,
  });
  assert.equal(mayCreateAccount(ev('PUT', '/user/1.0/alice', 200)), true);
  assert.equal(mayCreateAccount(ev('PUT', '/user/1.0/alice', 400)), false);
  assert.equal(mayCreateAccount(ev('GET', '/user/1.0/alice', 200)), false);
  assert.equal(mayCreateAccount(ev('GET', '/1.0/sync/1.5', 200)), true);
  assert.equal(mayCreateAccount(ev('GET', '/1.1/alice/info/collections', 200)), false);
});

test(
  'sign-ups close by themselves after someone signs up, when the owner asked for it',
  { timeout: 20_000 },
  async () => {
    await withService(
      { allowNewUsers: true, autoCloseSignups: true },
      async ({ service, controller, logger, store }) => {
        await service.start();
        // The owner's own account from the GUI does not count as a sign-up.
        await service.createAccount({ kind: 'sync11', name: 'owner', password: 'correct horse' });
        assert.equal((await service.getSettings()).allowNewUsers, true);

        const changed = nextSettings(service);
        // A browser signs up: the account appears, then the request is logged.
        await sync11AccountsFor(controller.context()).create('guest', 'correct horse');
        logger.log({
          level: 'info',
          kind: 'request',
          message: 'PUT /user/1.0/guest 200',
          method: 'PUT',
          path: '/user/1.0/guest',
          status: 200,
        });
        const settings = await changed;
        assert.equal(settings.allowNewUsers, false);
        assert.equal(store.load().allowNewUsers, false, 'saved');
        assert.equal(controller.context().config.allowNewUsers, false, 'applied to the running server');
      },
    );
  },
);

test('sign-ups stay open when auto-close is off', async () => {
  await withService(
    { allowNewUsers: true, autoCloseSignups: false },
    async ({ service, controller, logger }) => {
      await service.start();
      await sync11AccountsFor(controller.context()).create('guest', 'correct horse');
      logger.log({
        level: 'info',
        kind: 'request',
        message: 'PUT /user/1.0/guest 200',
        method: 'PUT',
        path: '/user/1.0/guest',
        status: 200,
      });
      // The count would run on the next turns; give it a few, bounded.
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      assert.equal((await service.getSettings()).allowNewUsers, true);
    },
  );
});

test('warnings report a failed listen as port-in-use in plain words', async () => {
  await withService({}, async ({ service }) => {
    const first = await service.start();
    await withService({}, async (other) => {
      await other.service.updateSettings({ port: first.listen?.port as number });
      const failed = await other.service.start();
      assert.equal(failed.state, 'failed');
      assert.match(failed.lastError ?? '', /already in use/);
      const warnings = await other.service.warnings();
      assert.deepEqual(warnings.filter((w) => w.code === 'port-in-use').length, 1);
    });
  });
});

test('settings saved while stopped need no restart', async () => {
  await withService({}, async ({ service }) => {
    const update = await service.updateSettings({ port: 9876, bindScope: 'lan' });
    assert.equal(update.restartRequired, false);
    assert.deepEqual(update.pendingRestart, []);
    assert.equal((await service.status()).state, 'stopped');
  });
});

test('log queries: first load gets the newest, polls get the oldest after the cursor', () => {
  const events: LogEvent[] = Array.from({ length: 10 }, (_, i) => ({
    seq: i + 1,
    time: 0,
    level: 'info',
    kind: 'lifecycle',
    message: `m${i + 1}`,
  }));
  assert.deepEqual(
    queryLogs(events, { limit: 2 }).map((e) => e.seq),
    [9, 10],
  );
  assert.deepEqual(
    queryLogs(events, { afterSeq: 3, limit: 2 }).map((e) => e.seq),
    [4, 5],
  );
  assert.deepEqual(queryLogs(events, { level: 'warn' }), []);
  assert.deepEqual(
    queryLogs(events, { status: 200 }),
    [],
    'events without a status never match a status filter',
  );
});
