import type { WriteOutcomeListener } from '../../storage-health.js';

export interface NetworkDatabaseOptions {
  /** Told how each write transaction ended (the dashboard's storage health). */
  health?: WriteOutcomeListener;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** better-sqlite3 built for Electron, for the SQLite file a backup is written to. */
  nativeBinding?: string;
}

export const DEFAULT_POOL_SIZE = 10;
