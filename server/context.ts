import type { Config } from './config.js';
import type { Database } from './db/types.js';
import type { Logger } from './log.js';
import type { SignupGate } from './signups.js';
import type { StorageEngine } from './storage/engine.js';
import type { StorageHealth } from './storage-health.js';

/** What every protocol adapter is given: config, the engine, the database and the log. */
export interface ServerContext {
  config: Config;
  db: Database;
  engine: StorageEngine;
  logger: Logger;
  /** Milliseconds since the epoch; tests may replace it. */
  clock: () => number;
  /** Whether writes fail for a full disk, and the disk's free space (admin warnings). */
  storageHealth: StorageHealth;
  /** Admits accounts strangers create while sign-ups are open, up to config.maxNewUsers. */
  signups: SignupGate;
}
