import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from '../db/types.js';
import { MIGRATIONS } from '../db/sqlite/migrations.js';
import { AdminError, type BackupResult } from './api.js';

const FILE_MODE = 0o600;
const SQLITE_HEADER = 'SQLite format 3\0';
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
  return ['', '-wal', '-shm'].some((suffix) => sameFile(file, dbFile + suffix));
}

function tempNextTo(file: string, tag: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${tag}-${crypto.randomBytes(6).toString('hex')}.tmp`,
  );
}

/** The destination's folder must exist and be writable; an existing file there is replaced. */
function checkDestination(destination: string, dbFile: string): void {
  if (!path.isAbsolute(destination)) {
    throw new AdminError('invalid-argument', 'Choose a full path for the backup file.', 'path');
  }
  if (isLiveDatabase(destination, dbFile)) {
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
  const existing = fs.statSync(destination, { throwIfNoEntry: false });
  if (existing && !existing.isFile()) {
    throw new AdminError('invalid-argument', `${destination} exists and is not a regular file.`, 'path');
  }
}

/**
 * SQLite online backup: a consistent copy while the server keeps serving. It is written to a
 * private temp file beside the destination and renamed, so a failure never leaves half a
 * backup in place of a good older one.
 */
export async function backupDatabase(
  db: Database,
  destination: string,
  dbFile: string,
  clock: () => number = Date.now,
): Promise<BackupResult> {
  checkDestination(destination, dbFile);
  const temp = tempNextTo(destination, 'backup');
  try {
    await db.backup(temp);
    fs.chmodSync(temp, FILE_MODE);
    fs.renameSync(temp, destination);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw new AdminError('io', `The backup could not be written: ${messageOf(err)}`, 'path');
  }
  return { path: destination, bytes: fs.statSync(destination).size, createdAt: clock() };
}

function readHeader(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(SQLITE_HEADER.length);
    const read = fs.readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read).toString('latin1');
  } finally {
    fs.closeSync(fd);
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
  const tables = new Set(
    (source.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );
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

/**
 * Validates a backup and copies it, consistently, to a private temp file in the data
 * directory (so the final step is a rename on the same disk). Returns the temp file.
 */
export async function stageRestore(
  sourceFile: string,
  dbFile: string,
  nativeBinding?: string,
): Promise<string> {
  if (!path.isAbsolute(sourceFile))
    throw new AdminError('invalid-argument', 'Choose a full path for the backup file.', 'path');
  if (isLiveDatabase(sourceFile, dbFile)) {
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
  let header: string;
  try {
    header = readHeader(sourceFile);
  } catch (err) {
    throw new AdminError('io', `The backup could not be read: ${messageOf(err)}`, 'path');
  }
  if (header !== SQLITE_HEADER)
    throw new AdminError(
      'invalid-argument',
      'This file is not a Foxden backup (not an SQLite database).',
      'path',
    );

  const temp = tempNextTo(dbFile, 'restore');
  let source: BetterSqlite3.Database | null = null;
  try {
    source = new BetterSqlite3(sourceFile, {
      readonly: true,
      fileMustExist: true,
      ...(nativeBinding ? { nativeBinding } : {}),
    });
    checkBackupFile(source);
    fs.closeSync(fs.openSync(temp, 'w', FILE_MODE));
    await source.backup(temp);
    fs.chmodSync(temp, FILE_MODE);
    return temp;
  } catch (err) {
    fs.rmSync(temp, { force: true });
    if (err instanceof AdminError) throw err;
    throw new AdminError(
      'invalid-argument',
      `This backup could not be read as a database: ${messageOf(err)}`,
      'path',
    );
  } finally {
    source?.close();
  }
}

/**
 * Puts a staged backup in place of the (closed) live database. The previous database is
 * kept as `<db>.before-restore` with its -wal/-shm beside it under the matching names: left
 * where they were, SQLite would replay the old journal onto the restored file.
 */
export function installRestore(staged: string, dbFile: string): void {
  const kept = dbFile + '.before-restore';
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(kept + suffix, { force: true });
  for (const suffix of ['-wal', '-shm', '']) {
    if (fs.existsSync(dbFile + suffix)) fs.renameSync(dbFile + suffix, kept + suffix);
  }
  fs.renameSync(staged, dbFile);
  fs.chmodSync(dbFile, FILE_MODE);
}
