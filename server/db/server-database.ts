import fs from 'node:fs';
import path from 'node:path';
import { StorageHealth } from '../storage-health.js';
import type { DatabaseLocation } from './database-url.js';
import { openDatabase } from './open-database.js';
import { DatabaseUrlError } from './database-url.js';
import { DatabaseUnavailableError, SchemaTooNewError } from './errors.js';
import { acquireInstanceLock, InstanceLockError, readInstanceLock } from './sqlite/instance-lock.js';
import { ensurePrivateDir, isDiskFullError } from './sqlite/open.js';
import { SqliteDatabase } from './sqlite/sqlite-database.js';
import type { Database } from './types.js';

/**
 * Opening the database a server (or a CLI command) runs on, with what each kind of location
 * needs around it. Everything above server/db asks here and never names a backend: a file
 * database gets its private folder, the one-server-per-file lock and disk checks; a database
 * server gets none of those (its disk is not ours to watch, and several nodes share it).
 */

export interface ServerDatabaseOptions {
  clock?: () => number;
  /** better-sqlite3 addon built for Electron's ABI (a database file, or a server's backup file). */
  nativeBinding?: string;
  /**
   * The data directory: a database file inside it is moved with --data-dir, one elsewhere
   * with `[storage] sqluri`, and folder problems name that setting.
   */
  dataDir?: string;
  /**
   * A command-line tool beside a running server (`foxden user`): no one-server-per-file lock
   * (the server holds it), and with `readonly` a file is neither created nor migrated.
   */
  tool?: boolean;
  readonly?: boolean;
}

export interface ServerDatabase {
  readonly db: Database;
  /** Disk-full state and free space for the dashboard; empty for a database server. */
  readonly health: StorageHealth;
  /** Where the data is, as it may be shown: a file, or the URL without its password. */
  readonly where: string;
  /** Closes the database and gives back what opening took (the one-server-per-file lock). */
  close(): Promise<void>;
}

/** Where `location` is, as it may be logged or shown (never a password). */
export function describeLocation(location: DatabaseLocation): string {
  return location.kind === 'sqlite' ? location.file : location.display;
}

/** Whether `openServerDatabaseSync` can open `location` (a file opens without waiting). */
export function opensSynchronously(location: DatabaseLocation): boolean {
  return location.kind === 'sqlite';
}

/** Storage health for `location`: the disk checks of a file; nothing to check for a server. */
export function storageHealthOf(location: DatabaseLocation, clock: () => number = Date.now): StorageHealth {
  if (location.kind !== 'sqlite') return new StorageHealth(null, clock);
  const file = location.file;
  return new StorageHealth({ file, isDiskFull: (err) => isDiskFullError(err, file) }, clock, () =>
    fileSize(file),
  );
}

/**
 * Opens the database at `location`: a file at once (see openServerDatabaseSync), a database
 * server through the one factory (connecting and migrating; a server that cannot be reached
 * or refuses raises DatabaseUnavailableError, a newer schema SchemaTooNewError).
 */
export async function openServerDatabase(
  location: DatabaseLocation,
  options: ServerDatabaseOptions = {},
): Promise<ServerDatabase> {
  if (opensSynchronously(location)) return openServerDatabaseSync(location, options);
  const health = storageHealthOf(location, options.clock);
  const db = await openDatabase(location, {
    health,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  return { db, health, where: describeLocation(location), close: () => db.close() };
}

/**
 * Opens a database file now: its folder made private, the one-server-per-file lock taken
 * before the file is opened or migrated (released when it closes, or if opening fails).
 * Throws for a database server, which only `openServerDatabase` can open.
 */
export function openServerDatabaseSync(
  location: DatabaseLocation,
  options: ServerDatabaseOptions = {},
): ServerDatabase {
  if (location.kind !== 'sqlite') {
    throw new Error(`${location.display} is a database server: open it with openServerDatabase`);
  }
  const file = location.file;
  const place = options.dataDir === undefined ? {} : { setting: fileSettingOf(file, options.dataDir) };
  const health = storageHealthOf(location, options.clock);
  if (options.tool) {
    const db = SqliteDatabase.open(file, { ...(options.readonly ? { readonly: true } : {}), ...place });
    return { db, health, where: file, close: () => db.close() };
  }
  ensurePrivateDir(path.dirname(file), place);
  const lock = acquireInstanceLock(file);
  let db: SqliteDatabase;
  try {
    db = SqliteDatabase.open(file, {
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
      health,
      ...place,
    });
  } catch (err) {
    lock.release();
    throw err;
  }
  return {
    db,
    health,
    where: file,
    async close() {
      await db.close();
      lock.release();
    },
  };
}

/** Whether a database exists at `location` to read; a server is asked when it is opened. */
export function databaseExists(location: DatabaseLocation): boolean {
  return location.kind !== 'sqlite' || fs.existsSync(location.file);
}

/** The schema version the open database is at (after opening: the newest this Foxden knows). */
export async function schemaVersionOf(db: Database): Promise<number> {
  if (!db.raw) throw new Error('This database cannot tell its schema version');
  return db.raw('read', async (runner) => {
    const rows = await runner.all(
      db.kind === 'sqlite' ? 'PRAGMA user_version' : 'SELECT version FROM foxden_schema',
    );
    return Number(Object.values(rows[0] ?? {})[0] ?? 0);
  });
}

/** What a person changes to move the database file: --data-dir, or the ini's sqluri when it points elsewhere. */
function fileSettingOf(file: string, dataDir: string): string {
  return path.dirname(path.resolve(file)) === path.resolve(dataDir) ? '--data-dir' : '[storage] sqluri';
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The SQLite file at `location`, for backups and restores; null for a database server. */
export function databaseFileOf(location: DatabaseLocation): string | null {
  return location.kind === 'sqlite' ? location.file : null;
}

/**
 * Whether `err` is a database problem whose message is already the one plain line to show
 * (unreachable server, refused credentials, missing database, newer schema, a file another
 * Foxden holds, a bad URL): callers print the message, never a stack trace.
 */
export function isPlainDatabaseProblem(err: unknown): err is Error {
  return (
    err instanceof DatabaseUnavailableError ||
    err instanceof SchemaTooNewError ||
    err instanceof InstanceLockError ||
    err instanceof DatabaseUrlError
  );
}

/** The process of a Foxden server running on the database file at `location`, if any. */
export function serverRunningOn(location: DatabaseLocation): { pid: number } | null {
  return location.kind === 'sqlite' ? readInstanceLock(location.file) : null;
}

/**
 * The database refusing (busy, locked, full, I/O error, unreachable) or already closed: an
 * outage the protocols answer 503 with Retry-After, not a bug answered 500.
 */
export function isDatabaseFailure(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return (
    err.name === 'SqliteError' ||
    (typeof code === 'string' && code.startsWith('SQLITE_')) ||
    err.message === 'database is closed' ||
    err.message.includes('database connection is not open')
  );
}
