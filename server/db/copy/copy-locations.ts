import fs from 'node:fs';
import type { DatabaseLocation } from '../database-url.js';
import { openDatabase } from '../open-database.js';
import { acquireInstanceLock, InstanceLockError, type InstanceLock } from '../sqlite/instance-lock.js';
import type { Database } from '../types.js';
import { copyDatabase, CopyError, type CopyOptions, type CopyResult } from './copy-database.js';
import { sameDatabase } from './same-database.js';
import { describeLocation } from '../server-database.js';

/**
 * `foxden db copy`: opens both databases (the source's SQLite file read-only; the target is
 * created and migrated if need be), copies and verifies, closes both. While it copies onto an
 * SQLite file it holds that file's server lock, so no `foxden serve` starts on it half-way.
 */
export async function copyLocations(
  from: DatabaseLocation,
  to: DatabaseLocation,
  options: CopyOptions = {},
): Promise<CopyResult> {
  if (sameDatabase(from, to)) {
    throw new CopyError(
      `--from and --to both name ${describeLocation(to)}; a database cannot be copied onto itself.`,
      'unsupported',
    );
  }
  if (from.kind === 'sqlite' && !fs.existsSync(from.file)) {
    throw new CopyError(`There is no Foxden database at ${from.file} to copy from.`, 'unsupported');
  }
  const opened: Database[] = [];
  let lock: InstanceLock | null = null;
  try {
    const source = await openDatabase(from, from.kind === 'sqlite' ? { readonly: true } : {});
    opened.push(source);
    const target = await openDatabase(to);
    opened.push(target);
    if (to.kind === 'sqlite') lock = serverLock(to.file);
    return await copyDatabase(source, target, options);
  } finally {
    lock?.release();
    for (const db of opened.reverse()) await db.close().catch(() => undefined);
  }
}

/** The target file's server lock, or a refusal naming the server that holds it. */
function serverLock(file: string): InstanceLock {
  try {
    return acquireInstanceLock(file);
  } catch (err) {
    if (!(err instanceof InstanceLockError)) throw err;
    throw new CopyError(
      `A Foxden server (process ${err.pid}) is using ${file}; stop it before copying onto it.`,
      'unsupported',
    );
  }
}
