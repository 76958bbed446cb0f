import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from '../db/types.js';
import { copyDatabase, CopyError } from '../db/copy/copy-database.js';
import { DatabaseUnavailableError } from '../db/errors.js';
import { openDatabase } from '../db/open-database.js';
import { MIGRATIONS } from '../db/sqlite/migrations.js';
import { AdminError, type BackupResult } from './api.js';
import type { BackupSecret } from './backup-secrets.js';

/**
 * Backup files (issue 8, finding 8). A Foxden backup is one self-contained SQLite file in
 * rollback-journal (DELETE) mode, so it can be read from read-only media and never needs a
 * -wal/-shm beside it. It carries two clearly named extra tables: `foxden_backup` (what made
 * it, and when) and `foxden_backup_secrets` (the secrets a full restore needs; the file is
 * 0600 like the database). Restore copies the file's bytes before SQLite ever opens it, so
 * the source is only read, never written, locked or given side files.
 *
 * The format is the same whatever the live database is (issue 10, item 5): a PostgreSQL or
 * MySQL/MariaDB database is copied (`copyDatabase`, out of one read transaction) into a fresh
 * SQLite file, which is then marked like any other backup; a restore into such a database
 * copies the backup file into it with replace, in one write transaction. So a backup made on
 * one backend restores into any other.
 */

const FILE_MODE = 0o600;
const SQLITE_HEADER = 'SQLite format 3\0';
/** Bytes 18 and 19 of an SQLite header: 1 = rollback journal, 2 = WAL. */
const HEADER_JOURNAL_OFFSET = 18;
/** An old (WAL-mode) backup is checked from memory, which is only sensible up to this size. */
const MAX_IN_MEMORY_CHECK = 256 * 1024 * 1024;
export const BACKUP_INFO_TABLE = 'foxden_backup';
export const BACKUP_SECRETS_TABLE = 'foxden_backup_secrets';
/** Tables every Foxden schema since migration 1 has. */
const REQUIRED_TABLES = [
  'storage_users',
  'collections',
  'user_collections',
  'bsos',
  'batches',
  'sync11_users',
];

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sameFile(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

function isLiveDatabase(file: string, dbFile: string): boolean {
  return ['', '-wal', '-shm', '-journal'].some((suffix) => sameFile(file, dbFile + suffix));
}

function tempNextTo(file: string, tag: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${tag}-${crypto.randomBytes(6).toString('hex')}.tmp`,
  );
}

function removeWithSideFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}

function openOptions(
  nativeBinding: string | undefined,
  extra: BetterSqlite3.Options = {},
): BetterSqlite3.Options {
  return { ...extra, ...(nativeBinding ? { nativeBinding } : {}) };
}

function readHeader(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(100);
    const read = fs.readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

function isSqliteHeader(header: Buffer): boolean {
  return header.length >= 100 && header.subarray(0, 16).toString('latin1') === SQLITE_HEADER;
}

/** What is at a path, as far as backups are concerned. */
export type BackupFileKind =
  | { kind: 'missing' }
  | { kind: 'other'; reason: string }
  | {
      kind: 'foxden';
      /** When Foxden wrote it (null for a backup made before backups carried this). */
      createdAt: number | null;
      /** Written by this version's backup code (info table present, journal mode DELETE). */
      marked: boolean;
    };

function tableNames(db: BetterSqlite3.Database): Set<string> {
  return new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );
}

function describeOpen(db: BetterSqlite3.Database, journalMode: number): BackupFileKind {
  const tables = tableNames(db);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version < 1 || REQUIRED_TABLES.some((t) => !tables.has(t))) {
    return { kind: 'other', reason: 'an SQLite database, but not a Foxden one' };
  }
  let createdAt: number | null = null;
  if (tables.has(BACKUP_INFO_TABLE)) {
    const row = db.prepare(`SELECT value FROM ${BACKUP_INFO_TABLE} WHERE key = 'created_at'`).get() as
      | { value: string }
      | undefined;
    const parsed = row ? Number(row.value) : NaN;
    createdAt = Number.isFinite(parsed) ? parsed : null;
  }
  return { kind: 'foxden', createdAt, marked: tables.has(BACKUP_INFO_TABLE) && journalMode === 1 };
}

/**
 * Tells a Foxden backup (or database) from anything else without changing the file or
 * creating anything beside it: a rollback-journal file is opened read-only (which needs no
 * side files); a WAL-mode one (backups of older versions) is checked from a copy in memory,
 * because a read-only WAL connection would create -shm/-wal files next to it.
 */
export function inspectBackupFile(file: string, nativeBinding?: string): BackupFileKind {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return { kind: 'missing' };
  if (!stat.isFile()) return { kind: 'other', reason: 'not a regular file' };
  let header: Buffer;
  try {
    header = readHeader(file);
  } catch (err) {
    return { kind: 'other', reason: `unreadable (${messageOf(err)})` };
  }
  if (!isSqliteHeader(header)) return { kind: 'other', reason: 'not an SQLite database' };
  const journalMode = header[HEADER_JOURNAL_OFFSET] ?? 0;
  let db: BetterSqlite3.Database | null = null;
  try {
    if (journalMode === 1) {
      db = new BetterSqlite3(file, openOptions(nativeBinding, { readonly: true, fileMustExist: true }));
    } else {
      if (stat.size > MAX_IN_MEMORY_CHECK) return { kind: 'other', reason: 'too large to check' };
      const bytes = fs.readFileSync(file);
      bytes[HEADER_JOURNAL_OFFSET] = 1;
      bytes[HEADER_JOURNAL_OFFSET + 1] = 1;
      db = new BetterSqlite3(bytes, openOptions(nativeBinding, { readonly: true }));
    }
    return describeOpen(db, journalMode);
  } catch (err) {
    return { kind: 'other', reason: `not readable as a database (${messageOf(err)})` };
  } finally {
    db?.close();
  }
}

/** The destination's folder must exist and be writable; only a Foxden backup may be replaced. */
function checkDestination(
  destination: string,
  dbFile: string | null,
  replace: boolean,
  nativeBinding: string | undefined,
): boolean {
  if (!path.isAbsolute(destination)) {
    throw new AdminError('invalid-argument', 'Choose a full path for the backup file.', 'path');
  }
  if (dbFile !== null && isLiveDatabase(destination, dbFile)) {
    throw new AdminError(
      'invalid-argument',
      'That is the live database itself; choose another file.',
      'path',
    );
  }
  const dir = path.dirname(destination);
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch {
    throw new AdminError('invalid-argument', `The folder ${dir} does not exist.`, 'path');
  }
  if (!dirStat.isDirectory()) throw new AdminError('invalid-argument', `${dir} is not a folder.`, 'path');
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new AdminError('io', `Foxden is not allowed to write in the folder ${dir}.`, 'path');
  }
  if (
    fs.existsSync(destination) &&
    ['-wal', '-shm', '-journal'].some((suffix) => fs.existsSync(destination + suffix))
  ) {
    // Another Foxden's live database (or one in the middle of a write): never replace it.
    throw new AdminError(
      'invalid-argument',
      `${destination} is a database in use (it has SQLite files beside it); Foxden will not overwrite it. Choose another file name.`,
      'path',
    );
  }
  const existing = inspectBackupFile(destination, nativeBinding);
  if (existing.kind === 'missing') return false;
  if (existing.kind === 'other') {
    throw new AdminError(
      'invalid-argument',
      `${destination} already exists and is not a Foxden backup (${existing.reason}); Foxden will not overwrite it. Choose another file name.`,
      'path',
    );
  }
  if (!replace) {
    const when = existing.createdAt ? ` made ${new Date(existing.createdAt).toISOString()}` : '';
    throw new AdminError(
      'conflict',
      `A Foxden backup${when} already exists at ${destination}. Replace it?`,
      'path',
    );
  }
  return true;
}

export interface BackupOptions {
  /** The live SQLite file (never a destination; the working copy is made beside it). */
  dbFile?: string;
  /**
   * Where the working copy of a database server's data is made (the private data directory)
   * when there is no `dbFile`.
   */
  workDir?: string;
  /** Replace an existing Foxden backup at the destination (never anything else). */
  replace?: boolean;
  /** Secrets a full restore needs, stored in the backup's own clearly named table. */
  secrets?: readonly BackupSecret[];
  nativeBinding?: string;
  clock?: () => number;
  version?: string;
}

/** Turns the online-backup copy into a self-contained, marked backup file. */
function finishBackupFile(file: string, createdAt: number, options: BackupOptions): void {
  const db = new BetterSqlite3(file, openOptions(options.nativeBinding, { fileMustExist: true }));
  try {
    // The copy's header says WAL like the live database; DELETE makes it one file that opens
    // on read-only media and leaves nothing beside it.
    db.pragma('journal_mode = DELETE');
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${BACKUP_INFO_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ${BACKUP_SECRETS_TABLE} (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        source TEXT NOT NULL,
        note TEXT NOT NULL
      );
    `);
    const info = db.prepare(`INSERT OR REPLACE INTO ${BACKUP_INFO_TABLE} (key, value) VALUES (?, ?)`);
    const secret = db.prepare(
      `INSERT OR REPLACE INTO ${BACKUP_SECRETS_TABLE} (name, value, source, note) VALUES (?, ?, ?, ?)`,
    );
    db.transaction(() => {
      info.run('format', '1');
      info.run('created_at', String(createdAt));
      info.run('foxden_version', options.version ?? 'unknown');
      info.run(
        'note',
        'A Foxden backup. Restore it with "foxden restore FILE" or the dashboard. The table ' +
          `${BACKUP_SECRETS_TABLE} holds secrets: keep this file private.`,
      );
      for (const s of options.secrets ?? []) secret.run(s.name, s.value, s.source, s.note);
    })();
  } finally {
    db.close();
  }
  for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}

/** Copies `from` to a new private file `to`, flushed to disk. */
function copyPrivate(from: string, to: string): void {
  const fd = fs.openSync(to, 'wx', FILE_MODE);
  fs.closeSync(fd);
  fs.copyFileSync(from, to);
  fs.chmodSync(to, FILE_MODE);
  const sync = fs.openSync(to, 'r+');
  try {
    fs.fsyncSync(sync);
  } finally {
    fs.closeSync(sync);
  }
}

/**
 * SQLite online backup: a consistent copy while the server keeps serving. It is made in the
 * private data directory (SQLite on a network share is unreliable), turned into a marked
 * self-contained file there, then copied to a temp file beside the destination and renamed,
 * so a failure never leaves half a backup in place of a good older one.
 */
export async function backupDatabase(
  db: Database,
  destination: string,
  options: BackupOptions,
): Promise<BackupResult> {
  const clock = options.clock ?? Date.now;
  const dbFile = options.dbFile ?? null;
  const existed = checkDestination(destination, dbFile, options.replace === true, options.nativeBinding);
  const work = tempNextTo(dbFile ?? path.join(workDirOf(options), 'foxden.db'), 'backup');
  const temp = tempNextTo(destination, 'backup');
  const createdAt = clock();
  try {
    await snapshotInto(db, work);
    finishBackupFile(work, createdAt, options);
    copyPrivate(work, temp);
    if (existed) {
      fs.renameSync(temp, destination);
    } else {
      // link() fails if something appeared at the destination meanwhile: never overwrite it.
      try {
        fs.linkSync(temp, destination);
        fs.rmSync(temp, { force: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          throw new AdminError(
            'conflict',
            `${destination} appeared while backing up; nothing was overwritten.`,
            'path',
          );
        }
        // File systems without hard links (some NAS shares): a plain rename.
        fs.renameSync(temp, destination);
      }
    }
  } catch (err) {
    fs.rmSync(temp, { force: true });
    if (err instanceof AdminError) throw err;
    throw new AdminError('io', `The backup could not be written: ${messageOf(err)}`, 'path');
  } finally {
    removeWithSideFiles(work);
  }
  return { path: destination, bytes: fs.statSync(destination).size, createdAt };
}

function workDirOf(options: BackupOptions): string {
  if (options.workDir === undefined) throw new Error('backupDatabase needs dbFile or workDir');
  fs.mkdirSync(options.workDir, { recursive: true, mode: 0o700 });
  return options.workDir;
}

/**
 * One consistent snapshot of the live database as an SQLite file at `work` (Database.backup:
 * SQLite's online backup of a file, a verified copy out of one read transaction of a server).
 */
async function snapshotInto(db: Database, work: string): Promise<void> {
  try {
    await db.backup(work);
  } catch (err) {
    throw asBackupError(err, 'The backup could not be made');
  }
}

/** A database server that is away, or a copy that did not verify, in the admin surface's terms. */
function asBackupError(err: unknown, what: string): unknown {
  if (err instanceof AdminError) return err;
  if (err instanceof DatabaseUnavailableError) {
    // The cause stays: the dashboard shows an unreachable database server with what to check.
    return Object.assign(new AdminError('unavailable', `${what}: ${err.message}`), { cause: err });
  }
  if (err instanceof CopyError) return new AdminError('io', `${what}: ${err.message}`);
  return err;
}

/**
 * Replaces everything in the live database server `target` with the staged backup file, in
 * one write transaction of `target` (all or nothing; verified before it commits). A backup made
 * by an older Foxden is brought up to this schema first (the staged file is a private copy).
 */
export async function restoreIntoDatabase(
  target: Database,
  staged: string,
  nativeBinding?: string,
): Promise<void> {
  let source: Database | null = null;
  try {
    source = await openDatabase({ kind: 'sqlite', file: staged }, nativeBinding ? { nativeBinding } : {});
    await copyDatabase(source, target, { replace: true });
  } catch (err) {
    const plain = asBackupError(err, 'The backup could not be restored');
    if (plain instanceof AdminError) throw plain;
    throw new AdminError('io', `The backup could not be restored: ${messageOf(err)}`, 'path');
  } finally {
    await source?.close();
  }
}

/** Refuses anything that is not a readable, undamaged Foxden database this version knows. */
function checkBackupFile(source: BetterSqlite3.Database): void {
  const version = source.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new AdminError(
      'invalid-argument',
      `This backup was made by a newer Foxden (schema ${version}); update Foxden before restoring it.`,
      'path',
    );
  }
  const tables = tableNames(source);
  if (version < 1 || REQUIRED_TABLES.some((t) => !tables.has(t))) {
    throw new AdminError(
      'invalid-argument',
      'This file is an SQLite database, but not a Foxden one.',
      'path',
    );
  }
  const check = source.pragma('quick_check', { simple: true }) as string;
  if (check !== 'ok') throw new AdminError('invalid-argument', `This backup is damaged (${check}).`, 'path');
}

function readSecrets(db: BetterSqlite3.Database): BackupSecret[] {
  if (!tableNames(db).has(BACKUP_SECRETS_TABLE)) return [];
  return db.prepare(`SELECT name, value, source, note FROM ${BACKUP_SECRETS_TABLE}`).all() as BackupSecret[];
}

export interface StagedRestore {
  /** A private, validated, self-contained copy in the data directory, ready to be renamed. */
  file: string;
  /** The secrets the backup carried (none for a backup made before backups carried them). */
  secrets: BackupSecret[];
}

/**
 * Validates a backup and copies it to a private temp file in the data directory (so the final
 * step is a rename on the same disk). The source is copied byte for byte before SQLite opens
 * anything, so it may sit on read-only media and gets no -wal/-shm beside it; a -wal file
 * next to an old WAL-mode backup is copied along and folded in.
 */
export async function stageRestore(
  sourceFile: string,
  live: string | { workDir: string },
  nativeBinding?: string,
): Promise<StagedRestore> {
  // A database server's backup is staged in the private data directory, like a file's beside it.
  const dbFile = typeof live === 'string' ? live : null;
  const stageBeside = typeof live === 'string' ? live : path.join(workDirOf(live), 'foxden.db');
  if (!path.isAbsolute(sourceFile))
    throw new AdminError('invalid-argument', 'Choose a full path for the backup file.', 'path');
  if (dbFile !== null && isLiveDatabase(sourceFile, dbFile)) {
    throw new AdminError(
      'invalid-argument',
      'That is the live database itself; choose a backup file.',
      'path',
    );
  }
  const stat = fs.statSync(sourceFile, { throwIfNoEntry: false });
  if (!stat) throw new AdminError('invalid-argument', `There is no file at ${sourceFile}.`, 'path');
  if (!stat.isFile())
    throw new AdminError('invalid-argument', `${sourceFile} is not a regular file.`, 'path');
  let header: Buffer;
  try {
    header = readHeader(sourceFile);
  } catch (err) {
    throw new AdminError('io', `The backup could not be read: ${messageOf(err)}`, 'path');
  }
  if (!isSqliteHeader(header))
    throw new AdminError(
      'invalid-argument',
      'This file is not a Foxden backup (not an SQLite database).',
      'path',
    );

  const temp = tempNextTo(stageBeside, 'restore');
  let db: BetterSqlite3.Database | null = null;
  try {
    try {
      copyPrivate(sourceFile, temp);
      const wal = fs.statSync(sourceFile + '-wal', { throwIfNoEntry: false });
      if (wal?.isFile() && wal.size > 0) copyPrivate(sourceFile + '-wal', temp + '-wal');
    } catch (err) {
      throw new AdminError('io', `The backup could not be copied: ${messageOf(err)}`, 'path');
    }
    db = new BetterSqlite3(temp, openOptions(nativeBinding, { fileMustExist: true }));
    checkBackupFile(db);
    const secrets = readSecrets(db);
    // The live database keeps neither the marker nor the secrets (those go back to their files).
    db.exec(`DROP TABLE IF EXISTS ${BACKUP_SECRETS_TABLE}; DROP TABLE IF EXISTS ${BACKUP_INFO_TABLE};`);
    db.pragma('journal_mode = DELETE');
    db.close();
    db = null;
    for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(temp + suffix, { force: true });
    fs.chmodSync(temp, FILE_MODE);
    return { file: temp, secrets };
  } catch (err) {
    db?.close();
    removeWithSideFiles(temp);
    if (err instanceof AdminError) throw err;
    throw new AdminError(
      'invalid-argument',
      `This backup could not be read as a database: ${messageOf(err)}`,
      'path',
    );
  }
}

/** Removes a staged restore that was not renamed into place (with any SQLite side files). */
export function discardStaged(staged: string): void {
  removeWithSideFiles(staged);
}

/**
 * Puts a staged backup in place of the (closed) live database. The previous database is
 * kept as `<db>.before-restore` with its -wal/-shm beside it under the matching names: left
 * where they were, SQLite would replay the old journal onto the restored file. Returns where
 * the previous database was kept, or null when there was none.
 */
export function installRestore(staged: string, dbFile: string): string | null {
  const kept = dbFile + '.before-restore';
  const hadDatabase = fs.existsSync(dbFile);
  if (hadDatabase)
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(kept + suffix, { force: true });
  for (const suffix of ['-wal', '-shm', '-journal', '']) {
    if (fs.existsSync(dbFile + suffix)) fs.renameSync(dbFile + suffix, kept + suffix);
  }
  fs.renameSync(staged, dbFile);
  fs.chmodSync(dbFile, FILE_MODE);
  return hadDatabase ? kept : null;
}
