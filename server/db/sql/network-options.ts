import type { WriteOutcomeListener } from '../../storage-health.js';

export interface NetworkDatabaseOptions {
  /** Told how each write transaction ended (the dashboard's storage health). */
  health?: WriteOutcomeListener;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

export const DEFAULT_POOL_SIZE = 10;
