import type { EventEmitter } from 'node:events';
import type { Config } from './config.js';
import type { Database } from './db/types.js';
import type { LogEvent, Logger } from './log.js';
import type { SignupGate } from './signups.js';
import type { StorageEngine } from './storage/engine.js';
import type { StorageHealth } from './storage-health.js';

/**
 * What happens on the server, as typed events: the admin counters listen here, never to the
 * log (the log only records). A finished request is the very event the request log recorded.
 */
export type ServerEvents = EventEmitter<{ requestFinished: [LogEvent] }>;

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
  /** Request completion; the controller's own 'state' events carry the server state. */
  events: ServerEvents;
}
