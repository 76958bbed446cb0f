import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAdmin } from '../../server/admin/index.js';
import { MemorySettingsStore } from '../../server/admin/settings-store.js';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { defaultConfig } from '../../server/config.js';
import { Logger } from '../../server/log.js';
import type { AdminSettings } from '../../server/admin/api.js';
import type { AdminService } from '../../server/admin/admin-service.js';
import { inspectBackupFile } from '../../server/admin/backup.js';
import { validateArgs } from '../../server/admin/validate.js';

/**
 * Scheduled backups (issue 8, finding 7): due from the last good backup, the newest N kept,
 * only Foxden's own files deleted, and warnings when the last one failed or is old.
 */

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

interface Parts {
  service: AdminService;
  dataDir: string;
  clock: { now: number };
}

async function withSchedule(
  settings: Partial<AdminSettings>,
  fn: (parts: Parts) => Promise<void>,
  timers: { firstCheckMs?: number; checkEveryMs?: number } | false = false,
): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-schedule-'));
  const clock = { now: Date.UTC(2026, 0, 10, 12, 0, 0) };
  const parts = createAdmin({
    baseConfig: defaultConfig({ dataDir, port: 0 }),
    store: new MemorySettingsStore({ ...DEFAULT_SETTINGS, port: 0, ...settings }),
    logger: new Logger(),
    lanAddresses: () => [],
    clock: timers === false ? () => clock.now : Date.now,
    backupTimers: timers,
  });
  try {
    await fn({ service: parts.service, dataDir, clock });
  } finally {
    parts.service.detach();
    await parts.controller.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function codes(warnings: { code: string }[]): string[] {
  return warnings.map((w) => w.code).filter((c) => c.startsWith('backup-'));
}

test('defaults: daily, keeping 7, into <dataDir>/backups until the owner chooses a folder', async () => {
  assert.equal(DEFAULT_SETTINGS.backupEveryHours, 24);
  assert.equal(DEFAULT_SETTINGS.backupKeep, 7);
  assert.equal(DEFAULT_SETTINGS.backupFolder, null);
  await withSchedule({}, async ({ service, dataDir }) => {
    const status = await service.backupStatus();
    assert.equal(status.folder, path.join(dataDir, 'backups'));
    assert.equal(status.folderChosen, false);
    assert.equal(status.lastGood, null);
  });
});

test('a scheduled backup runs when due, counted from the last good one', async () => {
  await withSchedule({}, async ({ service, dataDir, clock }) => {
    assert.equal(await service.backups.check(), true, 'never backed up: due at once');
    const first = await service.backupStatus();
    assert.ok(first.lastGood);
    assert.equal(first.lastGood.createdAt, clock.now);
    assert.equal(first.nextDue, clock.now + DAY);
    assert.match(path.basename(first.lastGood.path), /^foxden-backup-2026-01-\d\d-\d{6}\.db$/);
    assert.equal(path.dirname(first.lastGood.path), path.join(dataDir, 'backups'));

    clock.now += 23 * HOUR;
    assert.equal(await service.backups.check(), false, 'not due after 23 hours');
    // The machine slept through the due time: the first check after waking backs up.
    clock.now += 30 * HOUR;
    assert.equal(await service.backups.check(), true);
    assert.equal((await service.backupStatus()).lastGood?.createdAt, clock.now);
    assert.equal(fs.readdirSync(path.join(dataDir, 'backups')).length, 2);
  });
});

test('keeps the newest 7 and deletes only its own backups: foreign files survive', async () => {
  await withSchedule({}, async ({ service, dataDir, clock }) => {
    const folder = path.join(dataDir, 'backups');
    fs.mkdirSync(folder, { mode: 0o700 });
    // Named like Foxden's but not a Foxden backup; and an unrelated file.
    const lookalike = path.join(folder, 'foxden-backup-2000-01-01-000000.db');
    fs.writeFileSync(lookalike, 'not a database');
    const photo = path.join(folder, 'holiday.jpg');
    fs.writeFileSync(photo, 'jpeg');
    const made: string[] = [];
    for (let day = 0; day < 10; day++) {
      assert.equal(await service.backups.check(), true, `day ${day}`);
      made.push((await service.backupStatus()).lastGood?.path as string);
      clock.now += DAY;
    }
    const left = fs.readdirSync(folder).sort();
    const ours = left.filter((n) => made.includes(path.join(folder, n)));
    assert.deepEqual(
      ours,
      made
        .slice(-7)
        .map((f) => path.basename(f))
        .sort(),
    );
    assert.ok(left.includes('holiday.jpg'));
    assert.equal(fs.readFileSync(lookalike, 'utf8'), 'not a database');
    assert.equal(left.length, 9);
    for (const f of made.slice(-7)) assert.equal(inspectBackupFile(f).kind, 'foxden');
  });
});

test('a folder the owner chose is never created: a missing one is a failure with a warning', async () => {
  await withSchedule({}, async ({ service, dataDir, clock }) => {
    const share = path.join(dataDir, 'nas-share-not-mounted');
    await service.updateSettings({ backupFolder: share });
    assert.equal(await service.backups.check(), false);
    assert.equal(fs.existsSync(share), false);
    const status = await service.backupStatus();
    assert.match(status.lastFailure?.message ?? '', /does not exist: is the disk or network share connected/);
    assert.deepEqual(codes(await service.warnings()), ['backup-failed']);
    // No retry storm: not again within the hour.
    clock.now += 10 * 60 * 1000;
    assert.equal(await service.backups.check(), false);
    assert.equal((await service.backupStatus()).lastFailure?.at, status.lastFailure?.at);
    // The share comes back: the next try succeeds and the warning goes.
    fs.mkdirSync(share);
    clock.now += HOUR;
    assert.equal(await service.backups.check(), true);
    assert.deepEqual(codes(await service.warnings()), []);
  });
});

test('an unwritable folder is a failure with a warning', async () => {
  const isRoot = process.getuid?.() === 0;
  await withSchedule({}, async ({ service, dataDir }) => {
    const folder = path.join(dataDir, 'read-only-disk');
    fs.mkdirSync(folder);
    await service.updateSettings({ backupFolder: folder });
    let mounted = false;
    try {
      if (isRoot) {
        try {
          execFileSync('mount', ['--bind', folder, folder], { stdio: 'ignore' });
          mounted = true;
          execFileSync('mount', ['-o', 'remount,bind,ro', folder, folder], { stdio: 'ignore' });
        } catch {
          return; // no right to mount here: the missing-folder test covers the failure path
        }
      } else {
        fs.chmodSync(folder, 0o500);
      }
      assert.equal(await service.backups.check(), false);
      const warning = (await service.warnings()).find((w) => w.code === 'backup-failed');
      assert.ok(warning);
      assert.equal(warning.severity, 'error');
      assert.match(warning.message, /failed/);
      assert.ok(warning.hint?.includes(folder));
      assert.deepEqual(fs.readdirSync(folder), []);
    } finally {
      if (mounted) execFileSync('umount', [folder]);
      if (!isRoot) fs.chmodSync(folder, 0o700);
    }
  });
});

test('a last good backup older than two days is a warning; turning backups off with none is too', async () => {
  await withSchedule({}, async ({ service, clock }) => {
    assert.equal(await service.backups.check(), true);
    assert.deepEqual(codes(await service.warnings()), []);
    clock.now += 47 * HOUR;
    assert.deepEqual(codes(await service.warnings()), []);
    clock.now += 2 * HOUR;
    const stale = (await service.warnings()).find((w) => w.code === 'backup-stale');
    assert.ok(stale);
    assert.match(stale.message, /2 days old/);
  });
  await withSchedule({ backupEveryHours: 0 }, async ({ service }) => {
    assert.equal(await service.backups.check(), false, 'off: never due');
    assert.deepEqual(codes(await service.warnings()), ['backup-off']);
    assert.equal((await service.backupStatus()).nextDue, null);
  });
});

test('the timer runs a due backup by itself (short interval), and stops with the service', async () => {
  await withSchedule(
    {},
    async ({ service, dataDir }) => {
      const folder = path.join(dataDir, 'backups');
      const deadline = Date.now() + 10_000;
      while (!(fs.existsSync(folder) && fs.readdirSync(folder).some((n) => n.endsWith('.db')))) {
        assert.ok(Date.now() < deadline, 'no scheduled backup within 10 s');
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.ok((await service.backupStatus()).lastGood);
    },
    { firstCheckMs: 20, checkEveryMs: 50 },
  );
});

test('backup settings are validated like every other setting', () => {
  assert.deepEqual(
    validateArgs('updateSettings', [{ backupFolder: null, backupEveryHours: 0, backupKeep: 1 }]),
    [{ backupFolder: null, backupEveryHours: 0, backupKeep: 1 }],
  );
  assert.throws(() => validateArgs('updateSettings', [{ backupFolder: 'relative/dir' }]), /full path/);
  assert.throws(() => validateArgs('updateSettings', [{ backupKeep: 0 }]), /between 1 and 100/);
  assert.throws(() => validateArgs('updateSettings', [{ backupEveryHours: -1 }]), /between 0/);
  assert.deepEqual(validateArgs('backup', ['/tmp/b.db', { replace: true }]), [
    '/tmp/b.db',
    { replace: true },
  ]);
  assert.throws(() => validateArgs('backup', ['/tmp/b.db', { replace: 'yes' }]), /on or off/);
  assert.throws(() => validateArgs('backup', ['/tmp/b.db', { force: true }]), /"force"/);
});
