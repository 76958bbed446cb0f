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
import {
  openServerDatabase,
  openServerDatabaseSync,
  opensSynchronously,
  type ServerDatabase,
  type ServerDatabaseOptions,
} from './db/server-database.js';
import { Logger } from './log.js';
import { StorageEngine } from './storage/engine.js';
import { requestLog } from './http/request-log.js';
import { forwardedOriginWatch } from './http/forwarded-origin-watch.js';
import { corsCheck } from './http/cors.js';
import { afterSync15, frontDoor, syncBeforeExpress } from './http/front-door.js';
import { closeGracefully, hostInUrl, listenOn, type GracefulListener } from './http/listen.js';
import { openSyncListener } from './http/sync-listener.js';
import { answerCaCertificate, CA_CERTIFICATE_PATH } from './http/ca-certificate.js';
import type { CertificateStatus, TlsSource } from './tls/types.js';
import { sync11Handler } from './sync11/index.js';
import { mountSync15 } from './sync15/index.js';
import { localTokenIssuer } from './local-token-issuer.js';
import { mountFxaPage } from './fxa/page/index.js';
import { mountFxa } from './fxa/index.js';
import { resolveMasterSecret } from './sync15/master-secret.js';
import { tuneHeapForServer } from './heap.js';
import { closeSharedHashPool } from './accounts/hash-pool.js';
import { currentFileNoteSink, setFileNoteSink } from './fs/private-path.js';
import { SignupGate } from './signups.js';
import { isDirectoryLibraryLoaded, loadDirectoryLibrary } from './directory-library.js';

export interface SyncServerOptions {
  logger?: Logger;
  clock?: () => number;
  /** An already opened database (openSyncServer's); otherwise createSyncServer opens it. */
  database?: ServerDatabase;
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
  /** The certificate the sync port presents while it listens with HTTPS; null otherwise. */
  certificate(): CertificateStatus | null;
  /** Stops accepting, drops idle keep-alive sockets, finishes open requests, closes the database. */
  close(): Promise<void>;
}

const PURGE_INTERVAL_MS = 10 * 60 * 1000;
/** How long an idle keep-alive connection stays open, over HTTP and HTTPS alike. */
const KEEP_ALIVE_MS = 5000;

function databaseOptions(config: Config, options: SyncServerOptions): ServerDatabaseOptions {
  return {
    dataDir: config.dataDir,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  };
}

/**
 * Opens the database `config.database` names (waiting for a database server to answer and
 * migrate) and builds the whole sync server over it: how every server is started.
 */
export async function openSyncServer(config: Config, options: SyncServerOptions = {}): Promise<SyncServer> {
  // First, so a missing secret file is reported before the database is opened or locked.
  const masterSecret = resolveMasterSecret(config);
  // Directory accounts' LDAP client, loaded only when a directory is configured.
  if (config.directory) await loadDirectoryLibrary();
  if (options.database) return buildSyncServer(config, options, masterSecret, options.database);
  const database = await openServerDatabase(config.database, databaseOptions(config, options));
  return buildOver(config, options, masterSecret, database);
}

/**
 * The server for `config`: built at once when its database opens without waiting (a file),
 * so an owner's tool can have it synchronously; otherwise once the database server answered.
 */
export function startSyncServer(
  config: Config,
  options: SyncServerOptions = {},
): SyncServer | Promise<SyncServer> {
  // A directory's LDAP client not loaded yet is loaded first (directory-library.ts).
  const directoryReady = !config.directory || isDirectoryLibraryLoaded();
  if (directoryReady && (options.database || opensSynchronously(config.database)))
    return createSyncServer(config, options);
  return openSyncServer(config, options);
}

/**
 * Builds the whole sync server (both protocol generations) over `options.database`, or over a
 * database that opens without waiting (a file; see db/server-database.ts). The server reads
 * `config` and never writes to it (a frozen one works as well).
 */
export function createSyncServer(config: Config, options: SyncServerOptions = {}): SyncServer {
  const masterSecret = resolveMasterSecret(config);
  if (options.database) return buildSyncServer(config, options, masterSecret, options.database);
  const database = openServerDatabaseSync(config.database, databaseOptions(config, options));
  return buildOver(config, options, masterSecret, database);
}

/** Builds over a database opened here: if building fails, the database closes (and its lock goes). */
function buildOver(
  config: Config,
  options: SyncServerOptions,
  masterSecret: string,
  database: ServerDatabase,
): SyncServer {
  try {
    return buildSyncServer(config, options, masterSecret, database);
  } catch (err) {
    void database.close().catch(() => undefined);
    throw err;
  }
}

function buildSyncServer(
  config: Config,
  options: SyncServerOptions,
  masterSecret: string,
  database: ServerDatabase,
): SyncServer {
  tuneHeapForServer();
  const logger = options.logger ?? new Logger();
  const clock = options.clock ?? Date.now;
  // Without an owner who changes them, the live settings are the config's own.
  const signups = new SignupGate(options.live ?? (() => config), config);
  let listener = listenerOf(config);
  const { db, health: storageHealth } = database;
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
  const sync11 = sync11Handler(context);
  const front = frontDoor({
    startLog: requestLog(logger, serverEvents),
    // A trusted proxy naming another address than the public URL's is said once in the log.
    watchForwardedOrigin: forwardedOriginWatch(() => signups.live(), logger),
    // Before the adapters: a preflight is answered on every Sync 1.5 path, as syncstorage-rs does.
    cors: corsCheck(config.corsOrigins),
    sync11,
  });
  app.use(front);

  let shuttingDown = false;
  // The certificate's source while the listener speaks HTTPS (opened by listen()).
  let tlsSource: TlsSource | null = null;
  const heartbeat = (_req: Request, res: Response) => {
    res
      .status(shuttingDown ? 503 : 200)
      .type('application/json')
      .send('{}');
  };

  // Under /1.0/, Sync 1.5 first: Sync 1.1's /1.0/<user>/... routes would otherwise swallow
  // /1.0/sync/1.5 (the front door gave Sync 1.1 its other paths already).
  const storage15 = mountSync15(app, context, localTokenIssuer(context));
  app.use(afterSync15(sync11));
  // After the sync adapters (which leave these paths alone) so that sync traffic, nearly all
  // of the requests, does not walk three more route layers; before the sign-in page.
  app.get('/__heartbeat__', heartbeat);
  app.head('/__heartbeat__', heartbeat);
  app.get('/__lbheartbeat__', heartbeat);
  // The household CA for devices to trust (HTTPS auto); Express answers HEAD through GET.
  app.get(CA_CERTIFICATE_PATH, (req: Request, res: Response) =>
    answerCaCertificate(req.method, tlsSource?.caCertificatePem() ?? null, res),
  );
  mountFxaPage(app, context);
  mountFxa(app, context);

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('Not Found');
  });
  const logUnhandled = (err: unknown, method: string | undefined, path: string) => {
    const message = err instanceof Error ? err.message : String(err);
    logger.error('error', `Unhandled error in ${method ?? ''} ${path}`, { detail: message });
  };
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    logUnhandled(err, req.method, req.path);
    if (res.headersSent) return;
    res.status(500).type('application/json').send('"application error"');
  });
  // Sync traffic skips Express's per-request layer, answered the same (http/front-door.ts).
  const requestListener = syncBeforeExpress(app, front, storage15, (err, req, path) =>
    logUnhandled(err, req.method, path),
  );

  let server: GracefulListener | null = null;
  let purgeTimer: NodeJS.Timeout | undefined;
  const events = new EventEmitter<{ listening: [{ host: string; port: number }]; closed: [] }>();

  /** Closes only the listener; the database, engine, caches and lock stay open. */
  async function stopListening(): Promise<void> {
    shuttingDown = true;
    if (purgeTimer) clearInterval(purgeTimer);
    purgeTimer = undefined;
    // The reclaimer's slice under way ends before the database may close; floors left stay.
    await engine.stopBackgroundWork();
    const closing = server;
    server = null;
    if (closing) await closeGracefully(closing, 2000);
    // After the listener: the connections it had kept the certificate they were given.
    tlsSource?.close();
    tlsSource = null;
  }

  const syncServer = Object.assign(events, {
    context,
    app,
    async listen(settings?: ListenerSettings) {
      if (server) throw new Error('The sync server is already listening');
      // A new port or address needs no new backend: only a new listener.
      const use = settings ? { ...settings } : listener;
      app.set('trust proxy', use.trustProxy);
      const next = await openSyncListener(use.tls, {
        app: requestListener,
        dataDir: config.dataDir,
        publicUrl: () => signups.live().publicUrl,
        logger,
        keepAliveTimeoutMs: KEEP_ALIVE_MS,
      });
      let address: { host: string; port: number };
      try {
        address = await listenOn(next.bound, use.host, use.port);
      } catch (err) {
        next.listener.close(() => undefined);
        next.source?.close();
        throw err;
      }
      listener = use;
      server = next.listener;
      tlsSource = next.source;
      shuttingDown = false;
      purgeTimer = setInterval(() => {
        engine
          .purge()
          .catch((err: unknown) =>
            logger.error('error', 'Purging expired records failed', { detail: String(err) }),
          );
      }, PURGE_INTERVAL_MS);
      purgeTimer.unref();
      // Rows large deletes left (issue 11 #19), now and whenever another one happens.
      engine.startBackgroundWork({
        onReclaimed: (rows, ms, longest) =>
          logger.info(
            'lifecycle',
            `${rows} deleted records reclaimed in ${(ms / 1000).toFixed(1)} s (longest step ${Math.round(longest)} ms)`,
          ),
        onError: (err) => logger.error('error', 'Reclaiming deleted records failed', { detail: String(err) }),
      });
      const scheme = next.source ? 'https' : 'http';
      logger.info('lifecycle', `listening on ${scheme}://${hostInUrl(address.host)}:${address.port}/`);
      events.emit('listening', address);
      return address;
    },
    stopListening,
    certificate: () => tlsSource?.status() ?? null,
    async close() {
      await stopListening();
      // The database, and what opening it took (a database file's one-server lock).
      await database.close();
      // Password workers stop once idle, so no process waits on them after Stop.
      await closeSharedHashPool();
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
