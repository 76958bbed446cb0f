import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  diskFullProblem,
  ensurePrivateDir,
  ensurePrivateFile,
  FileSystemProblem,
  freeSpaceOf,
  isReadOnlyFileSystem,
  plainFsError,
  tightenFile,
  type PathContext,
} from '../../fs/private-path.js';
import { MIGRATIONS } from './migrations.js';

// Kept here for the callers that found them in this module first (main/desktop.ts, serve.ts).
export { ensurePrivateDir, ensurePrivateFile };

export type SqliteHandle = BetterSqlite3.Database;

export interface OpenSqliteOptions extends PathContext {
  /**
   * Path of a better-sqlite3 addon built for another runtime. The Electron app passes a copy
   * built for Electron's ABI, so the one in node_modules keeps working for Node (npm test).
   */
  nativeBinding?: string;
  /**
   * For commands that only read (`foxden user list`): nothing is created, chmodded or
   * migrated, so they work on a read-only folder or file system. The file must exist.
   */
  readonly?: boolean;
}

export const BUSY_TIMEOUT_MS = 5000;
/**
 * The WAL is cut back to this size whenever a checkpoint has copied all of it: a large write
 * makes it grow, and without a limit it keeps that size for good (728 MB after a 1M-record
 * delete, issue 11 #19). Checkpoints run by themselves every 1,000 pages (4 MB) of WAL
 * (SQLite's default wal_autocheckpoint, kept).
 */
const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** Less free space than this after a failed open or write means the disk is full. */
const NEARLY_FULL_BYTES = 1024 * 1024;

/**
 * Opens the SQLite file: private permissions, WAL, and every pending migration in one
 * transaction. synchronous=NORMAL in WAL mode keeps every committed write across a process
 * crash (a power cut may lose the last commits, never corrupt the file). Failures of the file
 * system come back as one plain line (a FileSystemProblem).
 */
export function openSqlite(file: string, options: OpenSqliteOptions = {}): SqliteHandle {
  if (options.readonly) return openSqliteReadonly(file, options);
  const dir = path.dirname(file);
  ensurePrivateDir(dir, options);
  let db: SqliteHandle | undefined;
  try {
    ensurePrivateFile(file);
    db = new BetterSqlite3(
      file,
      options.nativeBinding ? { nativeBinding: options.nativeBinding } : undefined,
    );
    // Pages freed by deletes can be given back to the file system a step at a time
    // (SqliteDatabase.compactStep). This takes effect only in a new, empty database; an
    // existing file keeps its mode (turning it on needs a VACUUM of the whole file, too long
    // for a large one), and there freed pages are reused by later writes instead.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
    db.pragma('foreign_keys = ON');
    // SQLite's stock 2 MB page cache, not better-sqlite3's 16 MB build default: the OS caches
    // the file anyway, and bench/run.ts measured 13-16 MB less RSS with 100,000 records stored
    // at no measurable cost to batch-upload throughput.
    db.pragma('cache_size = -2000');
    for (const suffix of ['-wal', '-shm']) tightenFile(file + suffix);
    migrate(db);
    refreshPlannerStatistics(db);
    return db;
  } catch (err) {
    db?.close();
    throw sqliteProblem(err, file, options);
  }
}

/**
 * Read-only open. A WAL database on read-only storage cannot be opened in place when its -shm
 * file is missing (SQLite must create it, wal.html "Read-Only Databases"); then the file is read
 * into memory, marked as a rollback-journal database, and opened from there: a snapshot, which
 * is all a read-only medium can hold anyway.
 */
function openSqliteReadonly(file: string, options: OpenSqliteOptions): SqliteHandle {
  const binding = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
  let db: SqliteHandle;
  try {
    db = new BetterSqlite3(file, { ...binding, readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    db.pragma('schema_version');
  } catch (err) {
    const code = (err as { code?: string }).code;
    // CANTOPEN on a read-only file system, READONLY_DIRECTORY in a folder we may not write.
    const noShm = code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY_DIRECTORY';
    if (!noShm || !fs.existsSync(file) || dirWritable(path.dirname(file))) {
      throw sqliteProblem(err, file, options);
    }
    let image: Buffer;
    try {
      image = fs.readFileSync(file);
    } catch (readErr) {
      throw plainFsError(readErr, file, options);
    }
    // Header bytes 18-19 (file format read/write versions): 2 means WAL, 1 rollback journal.
    if (image.length >= 20) image[18] = image[19] = 1;
    db = new BetterSqlite3(image, { ...binding, readonly: true });
  }
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current < MIGRATIONS.length && dirWritable(path.dirname(file))) {
    // Written by an older Foxden: upgrading it is what any other command would do first.
    db.close();
    return openSqlite(file, { ...options, readonly: false });
  }
  if (current !== MIGRATIONS.length) {
    db.close();
    throw new Error(
      current > MIGRATIONS.length
        ? `The database ${file} was written by a newer Foxden (schema ${current}, this version knows ${MIGRATIONS.length}).`
        : `The database ${file} is from an older Foxden; start foxden serve once where it can write, to upgrade it.`,
    );
  }
  return db;
}

export function migrate(db: SqliteHandle): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `The database was written by a newer Foxden (schema ${current}, this version knows ${MIGRATIONS.length}).`,
    );
  }
  db.transaction(() => {
    for (let i = current; i < MIGRATIONS.length; i++) {
      db.exec(MIGRATIONS[i] as string);
      db.pragma(`user_version = ${i + 1}`);
    }
  }).immediate();
}

/**
 * Planner statistics for the tables that lack them or have grown a lot since (issue 11 #19):
 * SQLite's own advice for a connection that has just opened (PRAGMA optimize=0x10002, each
 * index sampled over at most 400 rows, so it stays milliseconds at a million records). The
 * record reads do not depend on them (each has an index in its own order, ids= goes by primary
 * key, test/db/query-plan); other queries and future ones plan better with them. Run again
 * every few hours and at close (SqliteDatabase), as SQLite advises for long-lived connections.
 */
export function refreshPlannerStatistics(db: SqliteHandle, atOpen = true): void {
  db.pragma('analysis_limit = 400');
  db.pragma(atOpen ? 'optimize = 0x10002' : 'optimize');
}

/** Whether `err` (from SQLite or the file system) means there is no room left to write. */
export function isDiskFullError(err: unknown, file?: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true;
  // A fresh database on a full disk fails as "disk I/O error" (a short write of its first
  // pages): the free space decides.
  if (typeof code === 'string' && code.startsWith('SQLITE_IOERR') && file !== undefined) {
    const free = freeSpaceOf(path.dirname(file));
    return free !== null && free.freeBytes < NEARLY_FULL_BYTES;
  }
  return false;
}

/**
 * One plain line for a failure to open (or migrate) the database at `file`: the disk is full,
 * the folder is read-only, or the system's own words when it is something else.
 */
export function sqliteProblem(err: unknown, file: string, context: PathContext = {}): Error {
  if (err instanceof FileSystemProblem) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return err instanceof Error ? err : new Error(String(err));
  if (isDiskFullError(err, file)) return diskFullProblem(file, code);
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY')) {
    const dir = path.dirname(file);
    if (isReadOnlyFileSystem(dir))
      return plainFsError(Object.assign(new Error(), { code: 'EROFS' }), dir, context);
    if (!dirWritable(dir)) return plainFsError(Object.assign(new Error(), { code: 'EACCES' }), dir, context);
    if (fs.existsSync(file) && !accessible(file, fs.constants.R_OK | fs.constants.W_OK)) {
      return plainFsError(Object.assign(new Error(), { code: 'EACCES' }), file, context);
    }
    if (!fs.existsSync(file) && code.startsWith('SQLITE_CANTOPEN')) {
      return new Error(`There is no Foxden database at ${file} yet.`);
    }
  }
  if (code.startsWith('E')) return plainFsError(err, file, context);
  return err instanceof Error ? err : new Error(String(err));
}

function dirWritable(dir: string): boolean {
  return accessible(dir, fs.constants.W_OK);
}

function accessible(target: string, mode: number): boolean {
  try {
    fs.accessSync(target, mode);
    return true;
  } catch {
    return false;
  }
}
