import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  listenerOf,
  type Config,
  type ListenerSettings,
  type LiveSettings,
  type ServerConfig,
} from './config.js';
import type { ServerContext, ServerEvents } from './context.js';
import { SqliteDatabase } from './db/sqlite/sqlite-database.js';
import { Logger } from './log.js';
import { StorageEngine } from './storage/engine.js';
import { requestLog } from './http/request-log.js';
import { closeGracefully, listenOn } from './http/listen.js';
import { mountSync11 } from './sync11/index.js';
import { mountSync15 } from './sync15/index.js';
import { localTokenIssuer } from './local-token-issuer.js';
import { mountFxaPage } from './fxa/page/index.js';
import { mountFxa } from './fxa/index.js';
import { resolveMasterSecret } from './sync15/master-secret.js';
import { tuneHeapForServer } from './heap.js';
import { closeSharedHashPool } from './accounts/hash-pool.js';
import { acquireInstanceLock } from './db/sqlite/instance-lock.js';
import { currentFileNoteSink, ensurePrivateDir, setFileNoteSink } from './fs/private-path.js';
import { StorageHealth } from './storage-health.js';
import { SignupGate } from './signups.js';

export interface SyncServerOptions {
  logger?: Logger;
  clock?: () => number;
  /** better-sqlite3 addon built for Electron's ABI (see scripts/build-electron-native.js). */
  nativeBinding?: string;
  /**
   * Where the running server reads the settings it uses at request time (public URL,
   * sign-ups open), so their owner changes them without touching the running Config.
   */
  live?: () => LiveSettings;
}

export type { ListenerSettings, LiveSettings } from './config.js';

export interface SyncServer
  extends EventEmitter<{ listening: [{ host: string; port: number }]; closed: [] }> {
  readonly context: ServerContext;
  readonly app: express.Express;
  /**
   * Starts accepting connections; resolves with the bound address. `listener` (a listener
   * restart's new host, port and proxy) is kept for later calls; without one, the last given
   * (at first the config's) is used. The config itself is never changed.
   */
  listen(listener?: ListenerSettings): Promise<{ host: string; port: number }>;
  /** Stops accepting and finishes or cuts open requests; the backend stays open for listen(). */
  stopListening(): Promise<void>;
  /** Stops accepting, drops idle keep-alive sockets, finishes open requests, closes the database. */
  close(): Promise<void>;
}

const PURGE_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Builds the whole sync server (both protocol generations) over one SQLite database. The
 * server reads `config` and never writes to it (a frozen one works as well).
 */
export function createSyncServer(config: Config, options: SyncServerOptions = {}): SyncServer {
  tuneHeapForServer();
  const logger = options.logger ?? new Logger();
  const clock = options.clock ?? Date.now;
  // Resolved once, before anything can mint or check a Sync 1.5 token; the server's own value.
  const masterSecret = resolveMasterSecret(config);
  // Without an owner who changes them, the live settings are the config's own.
  const signups = new SignupGate(options.live ?? (() => config), config);
  let listener = listenerOf(config);
  // One server per SQLite file (issue 8, finding 12): taken before the database is opened or
  // migrated, released when the server closes (or this start fails).
  const dbPlace = { setting: sqliteSettingOf(config) };
  ensurePrivateDir(path.dirname(config.dbFile), dbPlace);
  const lock = acquireInstanceLock(config.dbFile);
  const storageHealth = new StorageHealth(config.dbFile, clock, () => fileSize(config.dbFile));
  let db: SqliteDatabase;
  try {
    db = SqliteDatabase.open(config.dbFile, {
      nativeBinding: options.nativeBinding,
      health: storageHealth,
      ...dbPlace,
    });
  } catch (err) {
    lock.release();
    throw err;
  }
  // Modes Foxden tightened (master secret, database, later the admin token) go to this log.
  const fileNotes = (line: string) => logger.info('lifecycle', line);
  setFileNoteSink(fileNotes);
  const engine = new StorageEngine(db, { clock });
  const serverEvents: ServerEvents = new EventEmitter();
  const context: ServerContext = {
    config: serverView(config, masterSecret, () => signups.live()),
    masterSecret,
    live: () => signups.live(),
    db,
    engine,
    logger,
    clock,
    storageHealth,
    signups,
    events: serverEvents,
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', listener.trustProxy);
  app.use(requestLog(logger, serverEvents));

  let shuttingDown = false;
  const heartbeat = (_req: Request, res: Response) => {
    res
      .status(shuttingDown ? 503 : 200)
      .type('application/json')
      .send('{}');
  };

  // Sync 1.5 first: Sync 1.1's /1.0/<user>/... routes would otherwise swallow /1.0/sync/1.5.
  mountSync15(app, context, localTokenIssuer(context));
  mountSync11(app, context);
  // After the sync adapters (which leave these paths alone) so that sync traffic, nearly all
  // of the requests, does not walk three more route layers; before the sign-in page.
  app.get('/__heartbeat__', heartbeat);
  app.head('/__heartbeat__', heartbeat);
  app.get('/__lbheartbeat__', heartbeat);
  mountFxaPage(app, context);
  mountFxa(app, context);

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('Not Found');
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const message = err instanceof Error ? err.message : String(err);
    logger.error('error', `Unhandled error in ${req.method} ${req.path}`, { detail: message });
    if (res.headersSent) return;
    res.status(500).type('application/json').send('"application error"');
  });

  let server: http.Server | null = null;
  let purgeTimer: NodeJS.Timeout | undefined;
  const events = new EventEmitter<{ listening: [{ host: string; port: number }]; closed: [] }>();

  /** Closes only the listener; the database, engine, caches and lock stay open. */
  async function stopListening(): Promise<void> {
    shuttingDown = true;
    if (purgeTimer) clearInterval(purgeTimer);
    purgeTimer = undefined;
    const closing = server;
    server = null;
    if (closing) await closeGracefully(closing, 2000);
  }

  const syncServer = Object.assign(events, {
    context,
    app,
    async listen(settings?: ListenerSettings) {
      if (server) throw new Error('The sync server is already listening');
      // A new port or address needs no new backend: only a new listener.
      const use = settings ? { ...settings } : listener;
      app.set('trust proxy', use.trustProxy);
      const next = http.createServer(app);
      next.keepAliveTimeout = 5000;
      const address = await listenOn(next, use.host, use.port);
      listener = use;
      server = next;
      shuttingDown = false;
      purgeTimer = setInterval(() => {
        engine
          .purge()
          .catch((err: unknown) =>
            logger.error('error', 'Purging expired records failed', { detail: String(err) }),
          );
      }, PURGE_INTERVAL_MS);
      purgeTimer.unref();
      logger.info('lifecycle', `listening on http://${address.host}:${address.port}/`);
      events.emit('listening', address);
      return address;
    },
    stopListening,
    async close() {
      await stopListening();
      await db.close();
      // Password workers stop once idle, so no process waits on them after Stop.
      await closeSharedHashPool();
      lock.release();
      // Only this server's own sink: another server in this process may have replaced it.
      if (currentFileNoteSink() === fileNotes) setFileNoteSink(null);
      logger.info('lifecycle', 'stopped');
      events.emit('closed');
    },
  });
  return syncServer;
}

/**
 * The server's own view of `config`: the caller's values read through (never written; a test
 * may still change a limit on its own object), the resolved master secret, and the live
 * fields as `live` gives them. Frozen: nothing in the server writes a setting.
 */
function serverView(config: Config, masterSecret: string, live: () => LiveSettings): ServerConfig {
  const view: ServerConfig = Object.create(config, {
    masterSecret: { value: masterSecret, enumerable: true },
    publicUrl: { get: () => live().publicUrl, enumerable: true },
    allowNewUsers: { get: () => live().allowNewUsers, enumerable: true },
  }) as ServerConfig;
  return Object.freeze(view);
}

/** What a person changes to move the database: --data-dir, or the ini's sqluri when it points elsewhere. */
function sqliteSettingOf(config: Config): string {
  return path.dirname(path.resolve(config.dbFile)) === path.resolve(config.dataDir)
    ? '--data-dir'
    : '[storage] sqluri';
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
