import type { EventEmitter } from 'node:events';
import type { LiveSettings, ServerConfig } from './config.js';
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

/**
 * What every protocol adapter is given: config, the engine, the database and the log. The
 * server never writes to the Config it was given: what it resolves at start lives beside it
 * (masterSecret), and what changes while it runs comes through `live()`.
 */
export interface ServerContext {
  /**
   * The server's own frozen view of the caller's Config: its live fields read through
   * `live()` and its masterSecret is the resolved one.
   */
  readonly config: ServerConfig;
  /** The Sync 1.5 master secret, resolved once at start (config, file, or generated). */
  readonly masterSecret: string;
  /**
   * The public URL and sign-ups as they are now: the owner's live settings with the sign-up
   * gate's own close applied. Read these here, never from `config`.
   */
  live: () => LiveSettings;
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
