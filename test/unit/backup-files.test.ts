import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { AdminError } from '../../server/admin/api.js';
import {
  backupDatabase,
  BACKUP_SECRETS_TABLE,
  inspectBackupFile,
  installRestore,
  stageRestore,
} from '../../server/admin/backup.js';
import { collectSecrets, restoreSecrets } from '../../server/admin/backup-secrets.js';
import { Sync11Accounts } from '../../server/accounts/index.js';
import { SqliteDatabase } from '../../server/db/sqlite/sqlite-database.js';
import { signingKeyFor } from '../../server/fxa/signing-key.js';

/**
 * Backup files (issue 8, finding 8): one self-contained file in journal mode DELETE, never
 * written over something that is not a Foxden backup, restorable from read-only media without
 * leaving -wal/-shm beside it; and the secrets a full restore needs (finding 7) travel inside.
 */

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-backup-files-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let counter = 0;

async function freshDatabase(
  users: string[] = ['alice'],
): Promise<{ dataDir: string; dbFile: string; db: SqliteDatabase }> {
  const dataDir = path.join(root, `data-${++counter}`);
  const dbFile = path.join(dataDir, 'foxden.db');
  const db = SqliteDatabase.open(dbFile);
  const accounts = new Sync11Accounts(db);
  for (const name of users) await accounts.create(name, 'correct horse battery', null);
  return { dataDir, dbFile, db };
}

function headerJournalByte(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(100);
    fs.readSync(fd, b, 0, 100, 0);
    return b[18] as number;
  } finally {
    fs.closeSync(fd);
  }
}

function sideFiles(file: string): string[] {
  return ['-wal', '-shm', '-journal'].filter((s) => fs.existsSync(file + s));
}

async function expectAdminError(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof AdminError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('backup files', () => {
  test('a backup is one self-contained file: journal mode DELETE, no -wal/-shm, 0600', async () => {
    const { db, dbFile } = await freshDatabase();
    try {
      const file = path.join(root, 'self-contained.db');
      await backupDatabase(db, file, { dbFile });
      assert.deepEqual(sideFiles(file), []);
      assert.equal(headerJournalByte(file), 1, 'header says rollback journal, not WAL');
      const check = new BetterSqlite3(file, { readonly: true });
      try {
        assert.equal(check.pragma('journal_mode', { simple: true }), 'delete');
      } finally {
        check.close();
      }
      assert.deepEqual(sideFiles(file), [], 'reading it created nothing beside it');
      if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(inspectBackupFile(file).kind, 'foxden');
    } finally {
      await db.close();
    }
  });

  test('never overwrites a file that is not a Foxden backup, even with replace', async () => {
    const { db, dbFile } = await freshDatabase();
    try {
      const text = path.join(root, 'notes.txt');
      fs.writeFileSync(text, 'my notes\n');
      await expectAdminError(backupDatabase(db, text, { dbFile }), 'invalid-argument', /not a Foxden backup/);
      await expectAdminError(
        backupDatabase(db, text, { dbFile, replace: true }),
        'invalid-argument',
        /not a Foxden backup/,
      );
      assert.equal(fs.readFileSync(text, 'utf8'), 'my notes\n');

      // Another program's SQLite database is not a Foxden backup either.
      const other = path.join(root, 'other.sqlite');
      const o = new BetterSqlite3(other);
      o.exec('CREATE TABLE recipes (name TEXT)');
      o.close();
      const before = fs.readFileSync(other);
      await expectAdminError(
        backupDatabase(db, other, { dbFile, replace: true }),
        'invalid-argument',
        /not a Foxden one/,
      );
      assert.deepEqual(fs.readFileSync(other), before);
      assert.deepEqual(
        fs.readdirSync(root).filter((n) => n.endsWith('.tmp')),
        [],
        'no temp file left behind',
      );
    } finally {
      await db.close();
    }
  });

  test('an existing Foxden backup is replaced only with replace: true', async () => {
    const { db, dbFile } = await freshDatabase(['alice']);
    try {
      const file = path.join(root, 'replace-me.db');
      await backupDatabase(db, file, { dbFile, clock: () => 1_000 });
      await new Sync11Accounts(db).create('bob', 'correct horse battery', null);
      await expectAdminError(
        backupDatabase(db, file, { dbFile }),
        'conflict',
        /already exists.*Replace it\?/,
      );
      const inspected = inspectBackupFile(file);
      assert.equal(inspected.kind === 'foxden' && inspected.createdAt, 1_000, 'the old backup is untouched');
      const replaced = await backupDatabase(db, file, { dbFile, replace: true, clock: () => 2_000 });
      assert.equal(replaced.createdAt, 2_000);
      const again = inspectBackupFile(file);
      assert.equal(again.kind === 'foxden' && again.createdAt, 2_000);
    } finally {
      await db.close();
    }
  });

  test('a live Foxden database (with -wal/-shm beside it) is never replaced, even with replace', async () => {
    const { db, dbFile } = await freshDatabase();
    const other = await freshDatabase(['their-user']);
    try {
      assert.ok(fs.existsSync(other.dbFile + '-wal'), 'the other database is open in WAL mode');
      await expectAdminError(
        backupDatabase(db, other.dbFile, { dbFile, replace: true }),
        'invalid-argument',
        /in use/,
      );
      assert.deepEqual(
        (await new Sync11Accounts(other.db).list()).map((a) => a.username),
        ['their-user'],
      );
    } finally {
      await db.close();
      await other.db.close();
    }
  });

  test('restore reports where the previous database was kept', async () => {
    const { db, dbFile } = await freshDatabase(['alice']);
    const file = path.join(root, 'for-restore.db');
    await backupDatabase(db, file, { dbFile });
    await new Sync11Accounts(db).create('late', 'correct horse battery', null);
    await db.close();
    const staged = await stageRestore(file, dbFile);
    assert.equal(installRestore(staged.file, dbFile), dbFile + '.before-restore');
    const restored = SqliteDatabase.open(dbFile);
    try {
      const names = (await new Sync11Accounts(restored).list()).map((a) => a.username);
      assert.deepEqual(names, ['alice']);
      const tables = new BetterSqlite3(dbFile, { readonly: true });
      try {
        const names2 = tables
          .prepare("SELECT name FROM sqlite_master WHERE name LIKE 'foxden_backup%'")
          .all();
        assert.deepEqual(names2, [], 'the backup marker and secrets do not stay in the live database');
      } finally {
        tables.close();
      }
    } finally {
      await restored.close();
    }
    const previous = SqliteDatabase.open(dbFile + '.before-restore');
    try {
      assert.ok((await new Sync11Accounts(previous).list()).some((a) => a.username === 'late'));
    } finally {
      await previous.close();
    }
  });

  test('the secrets a full restore needs are in the backup, clearly marked, and restore puts them back', async () => {
    const { db, dbFile, dataDir } = await freshDatabase();
    fs.writeFileSync(path.join(dataDir, 'master-secret'), 'backed-up-master-secret\n', { mode: 0o600 });
    const key = signingKeyFor(dataDir);
    const pem = fs.readFileSync(path.join(dataDir, 'fxa-signing-key.pem'), 'utf8');
    const config = { dataDir, masterSecret: null, masterSecretFile: null };
    const file = path.join(root, 'with-secrets.db');
    try {
      await backupDatabase(db, file, { dbFile, secrets: collectSecrets(config) });
    } finally {
      await db.close();
    }
    const inside = new BetterSqlite3(file, { readonly: true });
    try {
      const rows = inside.prepare(`SELECT name, value FROM ${BACKUP_SECRETS_TABLE} ORDER BY name`).all();
      assert.deepEqual(rows, [
        { name: 'fxa-signing-key', value: pem },
        { name: 'sync15-master-secret', value: 'backed-up-master-secret' },
      ]);
    } finally {
      inside.close();
    }

    // Disaster: the secrets are replaced (or lost); restore brings the backup's back.
    fs.writeFileSync(path.join(dataDir, 'master-secret'), 'new-secret\n');
    fs.rmSync(path.join(dataDir, 'fxa-signing-key.pem'));
    const staged = await stageRestore(file, dbFile);
    installRestore(staged.file, dbFile);
    const lines = restoreSecrets(staged.secrets, config);
    assert.equal(fs.readFileSync(path.join(dataDir, 'master-secret'), 'utf8'), 'backed-up-master-secret\n');
    assert.equal(fs.readFileSync(path.join(dataDir, 'master-secret.before-restore'), 'utf8'), 'new-secret\n');
    assert.equal(fs.readFileSync(path.join(dataDir, 'fxa-signing-key.pem'), 'utf8'), pem);
    assert.equal(signingKeyFor(dataDir).kid, key.kid, 'the restored key is the one in use');
    if (process.platform !== 'win32') {
      assert.equal(fs.statSync(path.join(dataDir, 'master-secret')).mode & 0o777, 0o600);
      assert.equal(fs.statSync(path.join(dataDir, 'fxa-signing-key.pem')).mode & 0o777, 0o600);
    }
    assert.match(
      lines.join('\n'),
      /Put back the Sync 1\.5 master secret.*kept as .*master-secret\.before-restore/,
    );
    assert.match(lines.join('\n'), /Put back the local-accounts signing key/);
  });

  test('a master secret kept outside the data folder is never overwritten; the line says it differs', async () => {
    const dataDir = path.join(root, 'external-secret');
    fs.mkdirSync(dataDir);
    const lines = restoreSecrets([{ name: 'sync15-master-secret', value: 'old', source: 'x', note: '' }], {
      dataDir,
      masterSecret: 'current',
      masterSecretFile: null,
    });
    assert.match(lines[0] ?? '', /differs from the one in use \(FOXDEN_MASTER_SECRET\)/);
    assert.equal(fs.existsSync(path.join(dataDir, 'master-secret')), false);
  });
});

describe('restore from read-only media', () => {
  /** A WAL-mode copy as earlier Foxden versions wrote them (and as the live database is). */
  async function oldStyleBackup(into: string): Promise<string> {
    const { db, dbFile } = await freshDatabase(['walter']);
    await db.close();
    const source = new BetterSqlite3(dbFile);
    const file = path.join(into, 'old-wal-backup.db');
    await source.backup(file);
    source.close();
    assert.equal(headerJournalByte(file), 2, 'the old backup is in WAL mode');
    return file;
  }

  async function restoreAndCheck(source: string, expectUser: string): Promise<void> {
    const { db, dbFile } = await freshDatabase(['someone-else']);
    await db.close();
    const staged = await stageRestore(source, dbFile);
    installRestore(staged.file, dbFile);
    const restored = SqliteDatabase.open(dbFile);
    try {
      assert.deepEqual(
        (await new Sync11Accounts(restored).list()).map((a) => a.username),
        [expectUser],
      );
    } finally {
      await restored.close();
    }
    assert.deepEqual(sideFiles(source), [], 'nothing was created beside the source');
  }

  /** Runs `fn` with `dir` made read-only: a read-only bind mount as root, else mode 0555. */
  async function readOnly(dir: string, fn: () => Promise<void>): Promise<void> {
    const isRoot = process.getuid?.() === 0;
    if (isRoot) {
      execFileSync('mount', ['--bind', dir, dir]);
      try {
        execFileSync('mount', ['-o', 'remount,bind,ro', dir, dir]);
        assert.throws(() => fs.writeFileSync(path.join(dir, 'probe'), 'x'), /EROFS|read-only/i);
        await fn();
      } finally {
        execFileSync('umount', [dir]);
      }
    } else {
      fs.chmodSync(dir, 0o555);
      try {
        await fn();
      } finally {
        fs.chmodSync(dir, 0o755);
      }
    }
  }

  const canMount = (() => {
    if (process.platform !== 'linux') return false;
    if (process.getuid?.() !== 0) return true; // the chmod variant needs no mount
    try {
      const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-mount-probe-'));
      try {
        execFileSync('mount', ['--bind', probe, probe], { stdio: 'ignore' });
        execFileSync('umount', [probe], { stdio: 'ignore' });
        return true;
      } finally {
        fs.rmSync(probe, { recursive: true, force: true });
      }
    } catch {
      return false;
    }
  })();
  const skip = canMount
    ? false
    : 'needs Linux, and as root the right to bind-mount (permission bits do not stop root)';

  test(
    'a new backup restores from a read-only folder and leaves no -wal/-shm beside it',
    { skip },
    async () => {
      const media = fs.mkdtempSync(path.join(root, 'usb-'));
      const { db, dbFile } = await freshDatabase(['rosa']);
      await backupDatabase(db, path.join(media, 'foxden.db'), { dbFile });
      await db.close();
      await readOnly(media, () => restoreAndCheck(path.join(media, 'foxden.db'), 'rosa'));
    },
  );

  test('an old WAL-mode backup restores from a read-only folder too', { skip }, async () => {
    const media = fs.mkdtempSync(path.join(root, 'dvd-'));
    const file = await oldStyleBackup(media);
    await readOnly(media, () => restoreAndCheck(file, 'walter'));
  });
});
