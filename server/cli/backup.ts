import fs from 'node:fs';
import path from 'node:path';
import { AdminError } from '../admin/api.js';
import {
  backupDatabase,
  discardStaged,
  installRestore,
  restoreIntoDatabase,
  stageRestore,
} from '../admin/backup.js';
import { foxdenVersion } from '../admin/environment.js';
import { collectSecrets, describeSecrets, restoreSecrets } from '../admin/backup-secrets.js';
import type { Config } from '../config.js';
import {
  databaseFileOf,
  describeLocation,
  openServerDatabase,
  serverRunningOn,
} from '../db/server-database.js';
import { parseCommandArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { DATABASE_OPTIONS, toolConfig } from './tool-config.js';

const BACKUP_OPTIONS = { ...DATABASE_OPTIONS, replace: { type: 'boolean' } } as const;

const RESTORE_OPTIONS = DATABASE_OPTIONS;

/** An AdminError is the owner's to fix (exit 2 for a wrong file, 1 for the disk); others pass. */
function asCliError(err: unknown): unknown {
  if (!(err instanceof AdminError)) return err;
  return err.code === 'io' ? new Error(err.message) : new UsageError(err.message);
}

/**
 * `foxden backup FILE [--replace]`: the same online backup as the dashboard's, so it works
 * while the server runs. It never overwrites a file that is not a Foxden backup, and replaces
 * an older Foxden backup only with --replace.
 */
export async function backup(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, BACKUP_OPTIONS, 1);
  const target = positionals[0];
  if (target === undefined)
    throw new UsageError('foxden backup needs the file to write, e.g. foxden backup /mnt/usb/foxden.db');
  const destination = path.resolve(io.cwd, target);
  const config = await toolConfig(values, io);
  // A database server's data is copied out of one snapshot into the same kind of file.
  const dbFile = databaseFileOf(config.database);
  if (dbFile !== null && !fs.existsSync(dbFile)) {
    throw new UsageError(`There is no database at ${dbFile} to back up (check --data-dir or --config).`);
  }
  const secrets = collectSecrets(config);
  const { db, close } = await openServerDatabase(config.database, { tool: true });
  try {
    const result = await backupDatabase(db, destination, {
      ...(dbFile === null ? { workDir: config.dataDir } : { dbFile }),
      replace: values.replace === true,
      secrets,
      version: foxdenVersion(),
    });
    io.stdout.write(`Saved the backup ${result.path} (${result.bytes} bytes).\n`);
    io.stdout.write(`${describeSecrets(secrets)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof AdminError && err.code === 'conflict') {
      throw new UsageError(`${err.message.replace(/ Replace it\?$/, '')} Add --replace to replace it.`);
    }
    throw asCliError(err);
  } finally {
    await close();
  }
}

/**
 * `foxden restore FILE`: replaces the database (and the secrets kept in the data directory)
 * with a backup. Refused while a server runs on that database: it would keep serving its old
 * open file. The previous database is kept as `<db>.before-restore`.
 */
export async function restore(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, RESTORE_OPTIONS, 1);
  const target = positionals[0];
  if (target === undefined)
    throw new UsageError('foxden restore needs the backup file, e.g. foxden restore /mnt/usb/foxden.db');
  const source = path.resolve(io.cwd, target);
  const config = await toolConfig(values, io);
  const dbFile = databaseFileOf(config.database);
  if (dbFile === null) return restoreIntoServer(source, config, io);
  const holder = serverRunningOn(config.database);
  if (holder) {
    throw new UsageError(
      `A Foxden server (process ${holder.pid}) is running on ${dbFile}; stop it first, or restore from its dashboard.`,
    );
  }
  if (!fs.existsSync(path.dirname(dbFile))) {
    fs.mkdirSync(path.dirname(dbFile), { recursive: true, mode: 0o700 });
  }
  let staged: Awaited<ReturnType<typeof stageRestore>>;
  try {
    staged = await stageRestore(source, dbFile);
  } catch (err) {
    throw asCliError(err);
  }
  let previous: string | null;
  try {
    previous = installRestore(staged.file, dbFile);
  } finally {
    fs.rmSync(staged.file, { force: true });
  }
  io.stdout.write(`Restored ${dbFile} from ${source}.\n`);
  io.stdout.write(
    previous
      ? `The previous database was kept as ${previous}.\n`
      : 'There was no database before, so nothing was kept.\n',
  );
  for (const line of restoreSecrets(staged.secrets, config)) io.stdout.write(`${line}\n`);
  return 0;
}

/**
 * `foxden restore FILE` onto a database server: the backup is copied into it in one write
 * transaction (all or nothing, verified before it commits), replacing what it held. Nodes
 * serving from it meanwhile keep serving and see the restored data at once.
 */
async function restoreIntoServer(source: string, config: Config, io: CliIo): Promise<number> {
  const where = describeLocation(config.database);
  let staged: Awaited<ReturnType<typeof stageRestore>>;
  try {
    staged = await stageRestore(source, { workDir: config.dataDir });
  } catch (err) {
    throw asCliError(err);
  }
  try {
    const { db, close } = await openServerDatabase(config.database, { tool: true });
    try {
      await restoreIntoDatabase(db, staged.file);
    } catch (err) {
      throw asCliError(err);
    } finally {
      await close();
    }
  } finally {
    discardStaged(staged.file);
  }
  io.stdout.write(`Restored ${where} from ${source}.\n`);
  io.stdout.write('Everything it held before was replaced (make a backup first to keep a copy).\n');
  for (const line of restoreSecrets(staged.secrets, config)) io.stdout.write(`${line}\n`);
  return 0;
}
