import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAdmin } from '../../server/admin/index.js';
import type { AdminService } from '../../server/admin/admin-service.js';
import type { ServerController } from '../../server/admin/server-controller.js';
import { MemorySettingsStore } from '../../server/admin/settings-store.js';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { startAdminHttp, type AdminHttp } from '../../server/admin/http-transport.js';
import { defaultConfig } from '../../server/config.js';
import { Logger } from '../../server/log.js';
import { callAdmin } from '../helpers/admin-http.js';
import type { AdminErrorShape, BackupResult, BackupStatus, RestoreResult } from '../../server/admin/api.js';
import { databaseFile } from '../helpers/database-file.js';

/**
 * The backup methods over the real loopback admin listener (issue 8, findings 7 and 8): a
 * backup never replaces a file that is not a Foxden backup, replaces an older one only with
 * `replace: true` (409 first, so the dashboard can ask), and the schedule's state is visible.
 */
describe('admin HTTP: backups', () => {
  let dataDir: string;
  let controller: ServerController;
  let service: AdminService;
  let admin: AdminHttp;

  const call = <T = unknown>(method: string, ...args: unknown[]) => callAdmin<T>(admin, method, ...args);

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-admin-backup-'));
    const logger = new Logger();
    ({ controller, service } = createAdmin({
      baseConfig: defaultConfig({ dataDir, host: '127.0.0.1', port: 0 }),
      store: new MemorySettingsStore({ ...DEFAULT_SETTINGS, port: 0 }),
      logger,
      lanAddresses: () => [],
      backupTimers: false,
    }));
    assert.equal((await service.start()).state, 'running');
    admin = await startAdminHttp({ service, port: 0, dataDir, staticDir: dataDir, logger });
  });

  after(async () => {
    await admin.close();
    service.detach();
    await controller.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('saving over a text file is refused and the file is unchanged', async () => {
    const text = path.join(dataDir, 'letter.txt');
    fs.writeFileSync(text, 'Dear Sir,\n');
    for (const args of [[text], [text, { replace: true }]]) {
      const refused = await call<{ error: AdminErrorShape }>('backup', ...args);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.field, 'path');
      assert.match(refused.body.error.message, /not a Foxden backup/);
    }
    assert.equal(fs.readFileSync(text, 'utf8'), 'Dear Sir,\n');
  });

  test('an existing backup: 409 asking to replace, then replaced with replace: true', async () => {
    const file = path.join(dataDir, 'weekly.db');
    assert.equal((await call<BackupResult>('backup', file)).status, 200);
    const asked = await call<{ error: AdminErrorShape }>('backup', file);
    assert.equal(asked.status, 409);
    assert.equal(asked.body.error.code, 'conflict');
    assert.match(asked.body.error.message, /Replace it\?/);
    const replaced = await call<BackupResult>('backup', file, { replace: true });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.path, file);
    const bad = await call<{ error: AdminErrorShape }>('backup', file, { replace: 'please' });
    assert.equal(bad.status, 400);
  });

  test('backupNow writes into the scheduled folder; backupStatus shows it; restore names the previous database', async () => {
    const before = await call<BackupStatus>('backupStatus');
    assert.equal(before.status, 200);
    assert.equal(before.body.folder, path.join(dataDir, 'backups'));
    assert.equal(before.body.lastGood, null);
    assert.match(before.body.secrets, /master secret/);

    const now = await call<BackupResult>('backupNow');
    assert.equal(now.status, 200);
    assert.equal(path.dirname(now.body.path), path.join(dataDir, 'backups'));
    const after = await call<BackupStatus>('backupStatus');
    assert.deepEqual(after.body.lastGood, now.body);
    assert.equal(after.body.lastFailure, null);

    const restored = await call<RestoreResult>('restore', now.body.path);
    assert.equal(restored.status, 200);
    assert.equal(restored.body.status.state, 'running');
    assert.equal(restored.body.previousDatabase, databaseFile(controller.config) + '.before-restore');
    assert.ok(restored.body.secrets.some((line) => /master secret/.test(line)));
    assert.deepEqual(
      fs.readdirSync(path.join(dataDir, 'backups')),
      [path.basename(now.body.path)],
      'restoring left nothing beside the backup',
    );
  });
});
