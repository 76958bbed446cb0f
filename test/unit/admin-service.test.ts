import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAdmin } from '../../server/admin/index.js';
import { MemorySettingsStore } from '../../server/admin/settings-store.js';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { queryLogs } from '../../server/admin/logs.js';
import { defaultConfig } from '../../server/config.js';
import { Logger, type LogEvent } from '../../server/log.js';
import { AdminError, type AdminSettings } from '../../server/admin/api.js';
import { AdminAccounts } from '../../server/admin/accounts.js';
import { LocalAccounts } from '../../server/fxa/local-accounts.js';
import { localFxaEmail } from '../../server/fxa/tokenserver-trust.js';
import { insertSync15User } from '../../server/sync15/tokenserver/users.js';
import type { ServerContext } from '../../server/context.js';
import { fetchKb, hawk, signIn } from '../protocol/fxa-client.js';

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
/** A stranger signs up on Foxden's sign-in page, over real HTTP, as a browser would. */
async function signUpOnPage(service: ReturnType<typeof createAdmin>['service'], email: string) {
  const status = await service.status();
  return signIn(`http://127.0.0.1:${status.listen?.port}/auth/v1/`, 'create', email, 'x1');
}

function nextSettings(service: ReturnType<typeof createAdmin>['service']): Promise<AdminSettings> {
  return new Promise((resolve) => service.once('settings', resolve));
}

test(
  'sign-ups close by themselves after someone signs up, when the owner asked for it',
  { timeout: 20_000 },
  async () => {
    await withService(
      { allowNewUsers: true, autoCloseSignups: true },
      async ({ service, controller, store }) => {
        await service.start();
        // The owner's own account from the GUI does not count as a sign-up.
        await service.createAccount({ kind: 'sync11', name: 'owner', password: 'correct horse' });
        assert.equal((await service.getSettings()).allowNewUsers, true);

        const changed = nextSettings(service);
        // A browser signs up through the sign-up gate.
        await signUpOnPage(service, 'guest@example.org');
        const settings = await changed;
        assert.equal(settings.allowNewUsers, false);
        assert.equal(store.load().allowNewUsers, false, 'saved');
        assert.equal(controller.context().config.allowNewUsers, false, 'applied to the running server');
        assert.equal(
          (await service.status()).signupsNote,
          'Sign-ups closed automatically after the first new account.',
        );
        await assert.rejects(signUpOnPage(service, 'late@example.org'), /create failed: 403/);
        // Opening them again starts a new opening, and the note goes.
        await service.updateSettings({ allowNewUsers: true });
        assert.equal((await service.status()).signupsNote, null);
        await signUpOnPage(service, 'next@example.org');
      },
    );
  },
);

test('sign-ups stay open when auto-close is off', async () => {
  await withService({ allowNewUsers: true, autoCloseSignups: false }, async ({ service, controller }) => {
    await service.start();
    await signUpOnPage(service, 'guest@example.org');
    await signUpOnPage(service, 'guest2@example.org');
    assert.equal((await service.getSettings()).allowNewUsers, true);
    assert.equal(controller.context().config.allowNewUsers, true);
  });
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

/** The Sync 1.5 user the tokenserver makes at a local account's first sync, with some data. */
async function syncedOnce(context: ServerContext, uid: string): Promise<number> {
  const row = await context.db.transaction('write', (tx) =>
    insertSync15User(
      tx,
      { email: localFxaEmail(uid), fxaUid: uid, generation: 1, clientState: 'aa', keysChangedAt: 1 },
      context.engine.now(),
    ),
  );
  await context.engine.putItems(row.uid, 'bookmarks', [{ id: 'b1', payload: 'x'.repeat(100) }], {
    bumpOnSortindex: true,
    touchWhenEmpty: true,
  });
  return row.uid;
}

async function rejectsWith(promise: Promise<unknown>, code: string, field?: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof AdminError, String(err));
    assert.equal(err.code, code);
    if (field !== undefined) assert.equal(err.field, field);
    return true;
  });
}

test(
  'local accounts: create, list with devices and storage (one row), reset changes kB, delete drops storage',
  { timeout: 60_000 },
  async () => {
    await withService({}, async ({ service, controller }) => {
      const status = await service.start();
      const auth = `http://127.0.0.1:${status.listen?.port}/auth/v1/`;
      const email = 'Carol@Example.org';

      // Sign-ups are closed: the owner creates it anyway.
      assert.equal((await service.getSettings()).allowNewUsers, false);
      const created = await service.createAccount({ kind: 'local', name: email, password: 'temporary-1' });
      assert.equal(created.kind, 'local');
      assert.match(created.id, /^[0-9a-f]{32}$/);
      assert.equal(created.label, email);
      assert.deepEqual(created.devices, []);
      assert.equal(created.storageBytes, 0);
      await rejectsWith(
        service.createAccount({ kind: 'local', name: 'carol@example.org', password: 'temporary-1' }),
        'conflict',
        'name',
      );
      await rejectsWith(
        service.createAccount({ kind: 'local', name: 'carol@example', password: 'temporary-1' }),
        'invalid-argument',
        'name',
      );
      await rejectsWith(
        service.createAccount({ kind: 'local', name: 'dave@example.org', password: 'short' }),
        'invalid-argument',
        'password',
      );

      // Firefox signs in with the owner's password, gets kB and registers itself as a device.
      const first = await signIn(auth, 'login', email, 'temporary-1');
      const kB1 = Buffer.from(await fetchKb(auth, first)).toString('hex');
      const device = await hawk(auth, 'account/device', {
        token: first.sessionToken,
        body: { name: 'Carol’s laptop', type: 'desktop' },
      });
      assert.equal(device.status, 200, JSON.stringify(device.body));
      const context = controller.context();
      const storageUid = await syncedOnce(context, created.id);

      const listed = await service.listAccounts();
      const rows = listed.filter((a) => a.id === created.id || a.id === String(storageUid));
      assert.equal(rows.length, 1, `shown once: ${JSON.stringify(listed)}`);
      const row = rows[0]!;
      assert.equal(row.kind, 'local');
      assert.deepEqual(row.devices, ['Carol’s laptop']);
      assert.equal(row.collections, 1);
      assert.ok(row.storageBytes >= 100, `storage ${row.storageBytes}`);
      assert.ok(row.lastSync !== null && row.lastSync > 0);
      assert.ok(!listed.some((a) => a.kind === 'sync15'), 'no separate Sync 1.5 row');

      // Reset without the old password: a new kB, old password and sessions gone.
      const before = await context.db.transaction('read', (tx) => tx.fxaAccountByUid(created.id));
      await service.resetPassword({ kind: 'local', id: created.id, password: 'new-password-2' });
      const afterReset = await context.db.transaction('read', (tx) => tx.fxaAccountByUid(created.id));
      assert.ok(before && afterReset);
      assert.ok(afterReset.keysChangedAt > before.keysChangedAt, 'keysChangedAt moves');
      assert.notDeepEqual(afterReset.wrapWrapKb, before.wrapWrapKb);
      await assert.rejects(signIn(auth, 'login', email, 'temporary-1'), /login failed: 400/);
      const second = await signIn(auth, 'login', email, 'new-password-2');
      const kB2 = Buffer.from(await fetchKb(auth, second)).toString('hex');
      assert.notEqual(kB2, kB1, 'kB changed: the old encrypted data is unreadable');
      const stale = await hawk(auth, 'account/devices', { token: first.sessionToken });
      assert.equal(stale.status, 401, 'the old session ended');
      assert.deepEqual((await service.listAccounts()).find((a) => a.id === created.id)?.devices, []);
      await rejectsWith(
        service.resetPassword({ kind: 'local', id: 'f'.repeat(32), password: 'new-password-2' }),
        'not-found',
      );

      // Delete: the account, its tokenserver user and its storage.
      await service.deleteAccount({ kind: 'local', id: created.id });
      assert.ok(!(await service.listAccounts()).some((a) => a.id === created.id));
      assert.equal(await new LocalAccounts(context).findByEmail(email), null);
      assert.equal(await context.db.transaction('read', (tx) => tx.tokenserverUserByUid(storageUid)), null);
      assert.equal(await context.engine.totalBytes(storageUid), 0);
      assert.equal(await context.db.transaction('read', (tx) => tx.storageUserKind(storageUid)), null);
      await rejectsWith(service.deleteAccount({ kind: 'local', id: created.id }), 'not-found');
    });
  },
);

test('a local account syncing for the first time is not a new account; a sign-up on the page is', async () => {
  await withService(
    { allowNewUsers: true, autoCloseSignups: true },
    async ({ service, controller, logger, store }) => {
      await service.start();
      const accounts = new AdminAccounts(() => controller.context());
      const created = await service.createAccount({
        kind: 'local',
        name: 'erin@example.org',
        password: 'temporary-1',
      });
      const count = await accounts.count();
      await syncedOnce(controller.context(), created.id);
      assert.equal(await accounts.count(), count, 'its tokenserver user is the same account');
      assert.equal((await service.getSettings()).allowNewUsers, true);

      // Someone signs up on Foxden's sign-in page.
      const changed = nextSettings(service);
      const status = await service.status();
      await signIn(`http://127.0.0.1:${status.listen?.port}/auth/v1/`, 'create', 'frank@example.org', 'x1');
      assert.ok(
        logger.tail(0).some((e) => e.path === '/auth/v1/account/create' && e.status === 200),
        'the sign-up was logged as a request',
      );
      const settings = await changed;
      assert.equal(settings.allowNewUsers, false);
      assert.equal(store.load().allowNewUsers, false);
    },
  );
});
