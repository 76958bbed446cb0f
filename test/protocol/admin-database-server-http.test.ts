import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { usernameFromEmail } from '../../server/accounts/index.js';
import type {
  AdminErrorShape,
  AdminStatus,
  BackupResult,
  RestoreResult,
  Warning,
} from '../../server/admin/api.js';
import { inspectBackupFile } from '../../server/admin/backup.js';
import { startAdminHttp } from '../../server/admin/http-transport.js';
import { createAdmin } from '../../server/admin/index.js';
import { MemorySettingsStore } from '../../server/admin/settings-store.js';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { defaultConfig } from '../../server/config.js';
import type { DatabaseLocation } from '../../server/db/database-url.js';
import { Logger } from '../../server/log.js';
import { callAdmin } from '../helpers/admin-http.js';
import { databaseProblem, freshDatabase } from '../helpers/databases.js';
import { privatePostgresProblem, startPrivatePostgres } from '../helpers/private-postgres.js';

/**
 * The dashboard's side of a database server, over the real loopback admin listener (issue 10,
 * items 5 and 7): a backup and a restore from the dashboard on PostgreSQL and MariaDB (the
 * same backup file an SQLite Foxden writes), the database in use shown without its password,
 * and a PostgreSQL that stops while Foxden serves shown on Status in plain words with what to
 * check, the warning gone by itself once it runs again.
 */

const PASSWORD = 'correct horse';
const DB_SECRET = 'db-Secret-4711';

async function adminOn(database: DatabaseLocation) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-admin-dbserver-http-'));
  const logger = new Logger();
  const { controller, service } = createAdmin({
    baseConfig: { ...defaultConfig({ dataDir, host: '127.0.0.1', port: 0 }), database },
    store: new MemorySettingsStore({ ...DEFAULT_SETTINGS, port: 0 }),
    logger,
    lanAddresses: () => [],
    backupTimers: false,
  });
  const admin = await startAdminHttp({ service, port: 0, dataDir, staticDir: dataDir, logger });
  return {
    dataDir,
    logger,
    service,
    call: <T = unknown>(method: string, ...args: unknown[]) => callAdmin<T>(admin, method, ...args),
    async dispose() {
      await admin.close();
      service.detach();
      await controller.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

type Admin = Awaited<ReturnType<typeof adminOn>>;

/** A Sync 1.1 user the owner adds, and PUT/GET of one record through the running server. */
async function sync11(admin: Admin, email: string) {
  const created = await admin.call('createAccount', { kind: 'sync11', name: email, password: PASSWORD });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const user = usernameFromEmail(email);
  const auth = `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}`;
  const base = async () => {
    const status = (await admin.call<AdminStatus>('status')).body;
    return `http://127.0.0.1:${status.listen?.port}/1.1/${user}/storage/tabs`;
  };
  return {
    async put(id: string, payload: string) {
      const res = await fetch(`${await base()}/${id}`, {
        method: 'PUT',
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ id, payload }),
      });
      assert.equal(res.status, 200, await res.text());
    },
    async ids(): Promise<string[]> {
      const res = await fetch(await base(), { headers: { Authorization: auth } });
      assert.equal(res.status, 200);
      return ((await res.json()) as string[]).sort();
    },
  };
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`dashboard backup and restore on ${kind}`, { timeout: 120_000 }, () => {
    test('a backup from the dashboard and "Back up now", then a restore that brings the data back', async (t) => {
      const problem = await databaseProblem(kind);
      if (problem) return t.skip(problem);
      const fresh = await freshDatabase(kind);
      const admin = await adminOn(fresh.location);
      try {
        assert.equal((await admin.call<AdminStatus>('start')).body.state, 'running');
        const status = (await admin.call<AdminStatus>('status')).body;
        assert.equal(status.database?.kind, kind);
        assert.equal(status.database?.problem, null);
        assert.ok(status.database?.where.startsWith(kind === 'postgres' ? 'postgresql://' : 'mysql://'));
        assert.ok(!status.database?.where.includes(':foxden_test@'), 'no password in the database line');

        const alice = await sync11(admin, `alice-${kind}@example.org`);
        await alice.put('kept', 'from before the backup');
        const file = path.join(admin.dataDir, 'chosen.db');
        const made = await admin.call<BackupResult>('backup', file);
        assert.equal(made.status, 200, JSON.stringify(made.body));
        const inspected = inspectBackupFile(file);
        assert.ok(inspected.kind === 'foxden' && inspected.marked, JSON.stringify(inspected));
        const again = await admin.call<{ error: AdminErrorShape }>('backup', file);
        assert.equal(again.status, 409, 'an existing backup is replaced only when asked');

        // The scheduled backup's "Back up now" works on a database server too.
        const now = await admin.call<BackupResult>('backupNow');
        assert.equal(now.status, 200, JSON.stringify(now.body));
        assert.match(path.basename(now.body.path), /^foxden-backup-.*\.db$/);

        await alice.put('later', 'written after the backup');
        const bob = await sync11(admin, `bob-${kind}@example.org`);
        await bob.put('b', 'bob after the backup');
        assert.deepEqual(await alice.ids(), ['kept', 'later']);

        const started = Date.now();
        const restored = await admin.call<RestoreResult>('restore', file);
        t.diagnostic(`dashboard restore into ${kind}: ${Date.now() - started} ms`);
        assert.equal(restored.status, 200, JSON.stringify(restored.body));
        assert.equal(restored.body.status.state, 'running');
        assert.equal(restored.body.previousDatabase, null);
        assert.ok(restored.body.secrets.length > 0);
        // The running server answers from the restored data at once (no cache hides it).
        assert.deepEqual(await alice.ids(), ['kept']);
        const accounts = (await admin.call<{ label: string }[]>('listAccounts')).body.map((a) => a.label);
        assert.ok(
          !accounts.some((label) => label.includes('bob')),
          `bob came after the backup: ${accounts.join(', ')}`,
        );

        const bad = path.join(admin.dataDir, 'notes.txt');
        fs.writeFileSync(bad, 'shopping list\n');
        const refused = await admin.call<{ error: AdminErrorShape }>('restore', bad);
        assert.equal(refused.status, 400);
        assert.match(refused.body.error.message, /not a Foxden backup/);
        assert.deepEqual(await alice.ids(), ['kept'], 'a refused restore changes nothing');
        // The test servers' password is also their user's name: look for it as a password.
        const dbUrl = new URL(fresh.location.kind === 'sqlite' ? 'x:' : fresh.location.url);
        const secret = dbUrl.password ? `${dbUrl.username}:${dbUrl.password}@` : '';
        const shown = JSON.stringify([
          (await admin.call('status')).body,
          (await admin.call('warnings')).body,
          (await admin.call('backupStatus')).body,
          admin.logger.tail(0),
        ]);
        if (secret) assert.ok(!shown.includes(secret), 'the database password is never shown or logged');
      } finally {
        await admin.dispose();
        await fresh.cleanup();
      }
    });
  });
}

describe('a PostgreSQL that stops while Foxden serves', { timeout: 180_000 }, () => {
  test('Status says so in plain words with what to check, and the warning clears by itself', async (t) => {
    const problem = privatePostgresProblem();
    if (problem) return t.skip(problem);
    const pg = await startPrivatePostgres();
    const url = new URL(pg.url);
    // Trust authentication accepts any password: one in the URL proves none is ever shown.
    const withSecret = new URL(pg.url);
    withSecret.password = DB_SECRET;
    const location: DatabaseLocation = { kind: 'postgres', url: withSecret.href, display: pg.url };
    const admin = await adminOn(location);
    try {
      assert.equal((await admin.call<AdminStatus>('start')).body.state, 'running');
      const alice = await sync11(admin, 'alice-outage@example.org');
      await alice.put('a', 'before the outage');

      await pg.stop();
      const down = await until(
        'Status shows the database problem',
        async () => (await admin.call<AdminStatus>('status')).body,
        (s) => s.database?.problem != null,
      );
      const where = `PostgreSQL at 127\\.0\\.0\\.1:${url.port}, database foxden`;
      assert.match(
        down.database?.problem?.message ?? '',
        new RegExp(`^Foxden cannot reach ${where}: .+\\.$`),
      );
      assert.equal(
        down.database?.problem?.hint,
        'Check that the database server is running and that the address, user and password in the database URL are right.',
      );
      assert.equal(down.state, 'running', 'the server keeps running and answers 503 meanwhile');
      const warnings = (await admin.call<Warning[]>('warnings')).body;
      const shown = warnings.filter((w) => w.code === 'database-unreachable');
      assert.equal(shown.length, 1, JSON.stringify(warnings));
      assert.equal(shown[0]?.severity, 'error');
      assert.match(shown[0]?.message ?? '', new RegExp(`^Foxden cannot reach ${where}`));

      await pg.start();
      const up = await until(
        'the problem clears once PostgreSQL runs again',
        async () => (await admin.call<AdminStatus>('status')).body,
        (s) => s.database?.problem === null,
      );
      assert.equal(up.state, 'running');
      const after = (await admin.call<Warning[]>('warnings')).body;
      assert.ok(!after.some((w) => w.code === 'database-unreachable'), JSON.stringify(after));
      assert.deepEqual(await alice.ids(), ['a']);
      const everything = JSON.stringify([down, warnings, up, after, admin.logger.tail(0)]);
      assert.ok(!everything.includes(DB_SECRET), 'the database password is never shown or logged');
    } finally {
      await admin.dispose();
      await pg.destroy();
    }
  });
});
