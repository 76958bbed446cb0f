import type { DatabaseLocation } from './database-url.js';
import type { Database } from './types.js';
import type { WriteOutcomeListener } from '../storage-health.js';
import { SqliteDatabase } from './sqlite/sqlite-database.js';
import type { OpenSqliteOptions } from './sqlite/open.js';
import type { NetworkDatabaseOptions } from './sql/network-options.js';

export interface OpenDatabaseOptions extends OpenSqliteOptions {
  /** Told how each write transaction ended (the dashboard's storage health). */
  health?: WriteOutcomeListener;
  /** Connections per pool of a networked backend; the backend's default when absent. */
  poolSize?: number;
}

/**
 * The one factory every caller opens a database through, from its location. The networked
 * backends are loaded only when asked for, so an SQLite user never loads pg or mysql2.
 * `nativeBinding`, `readonly` and `setting` concern the SQLite file only.
 */
export async function openDatabase(
  location: DatabaseLocation,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  const { health, poolSize, ...sqlite } = options;
  switch (location.kind) {
    case 'sqlite':
      return SqliteDatabase.open(location.file, { ...sqlite, ...(health ? { health } : {}) });
    case 'postgres':
    case 'mysql': {
      const network = {
        ...(health ? { health } : {}),
        ...(poolSize ? { poolSize } : {}),
        ...(sqlite.nativeBinding ? { nativeBinding: sqlite.nativeBinding } : {}),
      };
      return openNetwork(location.kind, location.url, network);
    }
  }
}

async function openNetwork(
  kind: 'postgres' | 'mysql',
  url: string,
  options: NetworkDatabaseOptions,
): Promise<Database> {
  if (kind === 'postgres')
    return (await import('./postgres/postgres-database.js')).openPostgres(url, options);
  return (await import('./mysql/mysql-database.js')).openMysql(url, options);
}
