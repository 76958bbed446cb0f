import { EventEmitter } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import {
  startSyncServer,
  type ListenerSettings,
  type LiveSettings,
  type SyncServer,
  type SyncServerOptions,
} from '../app.js';
import { listenerOf, type Config } from '../config.js';
import type { ServerContext } from '../context.js';
import type { LogEvent, Logger } from '../log.js';
import { isPlainDatabaseProblem } from '../db/server-database.js';
import { FileSystemProblem } from '../fs/private-path.js';
import type { TlsFileError } from '../tls/certificate-files.js';
import type { CertificateStatus } from '../tls/types.js';
import { AdminError, type AdminStatus } from './api.js';
import { LIVE_FIELDS } from './settings.js';

export type ServerState = AdminStatus['state'];

export interface ControllerStatus {
  state: ServerState;
  listen: { host: string; port: number } | null;
  uptimeMs: number | null;
  requests: { total: number; failed: number };
  /** Plain words (server/http/listen.ts describeListenError) of the last failed start. */
  lastError: string | null;
  /** The errno code behind lastError (EADDRINUSE, EACCES, EADDRNOTAVAIL...), when known. */
  lastErrorCode: string | null;
}

export interface ServerControllerOptions {
  config: Config;
  logger: Logger;
  /**
   * Replaced in tests; production builds the real server (at once over a database file,
   * asynchronously over a database server).
   */
  createServer?: (config: Config, options: SyncServerOptions) => SyncServer | Promise<SyncServer>;
  clock?: () => number;
}

/**
 * A request the owner should look at: server errors, and refused credentials (401/403),
 * which are how a wrong password, an off clock or a Host mismatch behind a proxy show up.
 * 404 and 412 are excluded on purpose: Firefox causes them in normal operation.
 */
export function isFailedRequest(event: LogEvent): boolean {
  if (event.kind !== 'request' || event.status === undefined) return false;
  return event.status >= 500 || event.status === 401 || event.status === 403;
}

/** Fields of a Config that a new listener picks up without reopening the database. */
const LISTENER_FIELDS = ['host', 'port', 'trustProxy', 'tls'] as const;

/**
 * Whether a backend opened with `open` can serve `next` once its listener fields are
 * applied: everything else that is read when the backend opens (database, secrets, limits)
 * is the same. The master secret is compared only when `next` names one: a null one is
 * resolved at open time from the same file.
 */
function sameBackend(open: Config, next: Config): boolean {
  const strip = (c: Config, keepSecret: boolean): Partial<Config> => {
    const copy: Partial<Config> = { ...c };
    for (const key of [...LISTENER_FIELDS, ...LIVE_FIELDS]) delete copy[key];
    if (!keepSecret) delete copy.masterSecret;
    return copy;
  };
  const keepSecret = next.masterSecret !== null;
  return isDeepStrictEqual(strip(open, keepSecret), strip(next, keepSecret));
}

/**
 * Owns the one SyncServer of the process and its life: start, stop, restart, failure. The
 * tray, the GUI and headless mode all go through it. State changes are emitted as 'state'.
 *
 * While stopped, an idle (not listening) server keeps the database open so the owner can
 * still manage accounts, back up and read logs.
 */
export class ServerController extends EventEmitter<{ state: [ControllerStatus] }> {
  private desired: Config;
  private readonly logger: Logger;
  private readonly build: (config: Config, options: SyncServerOptions) => SyncServer | Promise<SyncServer>;
  /** A server whose database is still being opened (a database server answering). */
  private opening: Promise<SyncServer> | null = null;
  private readonly clock: () => number;
  private server: SyncServer | null = null;
  /** The Config the open backend was built from; never changed (a listener restart keeps it). */
  private serverConfig: Config | null = null;
  /** Host, port and proxy of the listener now running (or last run by this backend). */
  private listening: ListenerSettings | null = null;
  private current: ServerState = 'stopped';
  private address: { host: string; port: number } | null = null;
  private startedAt: number | null = null;
  private lastError: { message: string; code: string | null } | null = null;
  private requests = { total: 0, failed: 0 };
  /** Set while a restore replaces the database file: nothing may open it meanwhile. */
  private databaseLocked = false;
  /** Start, stop and restore run one after another, never interleaved. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Counts the server's typed 'requestFinished' events (never log lines). */
  private readonly onRequestFinished = (event: LogEvent) => {
    if (this.current !== 'running') return;
    this.requests.total++;
    if (isFailedRequest(event)) this.requests.failed++;
  };

  constructor(options: ServerControllerOptions) {
    super();
    this.desired = { ...options.config };
    this.logger = options.logger;
    this.build = options.createServer ?? startSyncServer;
    this.clock = options.clock ?? Date.now;
  }

  get state(): ServerState {
    return this.current;
  }

  status(): ControllerStatus {
    return {
      state: this.current,
      listen: this.current === 'running' ? this.address : null,
      uptimeMs: this.current === 'running' && this.startedAt !== null ? this.clock() - this.startedAt : null,
      requests: { ...this.requests },
      lastError: this.lastError?.message ?? null,
      lastErrorCode: this.lastError?.code ?? null,
    };
  }

  /** The Config the next start uses. */
  get config(): Config {
    return this.desired;
  }

  /** The Config of the listener now running, or null when none is. */
  get runningConfig(): Config | null {
    if (this.current !== 'running' && this.current !== 'stopping') return null;
    if (!this.serverConfig) return null;
    return this.listening ? { ...this.serverConfig, ...this.listening } : this.serverConfig;
  }

  /** The certificate the running listener presents; null when it speaks plain HTTP or is not running. */
  certificate(): CertificateStatus | null {
    if (this.current !== 'running' || !this.server) return null;
    return this.server.certificate();
  }

  /** Replaces the Config; listener fields (host, port, proxy) take effect at the next start. */
  setConfig(next: Config): void {
    this.desired = { ...next };
  }

  /**
   * Changes fields the server reads at request time (public URL, sign-ups); the running
   * server reads them from the desired Config (SyncServerOptions.live), so they apply at once.
   */
  applyLive(patch: Partial<LiveSettings>): void {
    // A new object, never a change to the old one: the server sees new live settings by identity.
    this.desired = { ...this.desired, ...patch };
  }

  /**
   * The context of the current server, opening the database if no server exists yet. A
   * database that cannot open without waiting (a database server) is being opened after
   * this throws 'unavailable'; `openContext` waits for it.
   */
  context(): ServerContext {
    this.checkNotRestoring();
    return this.ensureServer().context;
  }

  /** The context of the current server, waiting for its database to open if need be. */
  async openContext(): Promise<ServerContext> {
    this.checkNotRestoring();
    return (await this.openServer()).context;
  }

  private checkNotRestoring(): void {
    if (this.databaseLocked) {
      throw new AdminError(
        'unavailable',
        'The database is being restored from a backup; try again in a moment.',
      );
    }
  }

  start(): Promise<ControllerStatus> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<ControllerStatus> {
    return this.enqueue(() => this.doStop());
  }

  /**
   * Stops and starts again with the desired Config. When only listener fields (host, port,
   * proxy) changed, only the listener restarts: the database, engine and caches stay open.
   */
  restart(): Promise<ControllerStatus> {
    return this.enqueue(async () => {
      await this.doStop({ keepBackend: this.canKeepBackend() });
      return this.doStart();
    });
  }

  /**
   * Moves the running listener to `next` (host, port, proxy) in one step: only the listener
   * restarts, the database and caches stay open. When `next` cannot be bound (port in use,
   * address not here) the old listener comes back and this rejects with an AdminError
   * ('conflict', field 'port') saying so in one line; when the new HTTPS setting cannot be
   * used (certificate files unreadable or not a pair), the same with 'invalid-argument' and
   * the HTTPS field. When no listener runs, nothing moves: the next start uses the desired Config.
   */
  moveListener(next: ListenerSettings): Promise<ControllerStatus> {
    return this.enqueue(async () => {
      const server = this.server;
      const old = this.listening;
      if (this.current !== 'running' || !server || !old) return this.status();
      if (sameListener(old, next)) return this.status();
      await server.stopListening();
      try {
        this.address = await server.listen(next);
        this.listening = { ...next };
      } catch (err) {
        let back = false;
        try {
          this.address = await server.listen(old);
          back = true;
        } catch (again) {
          this.fail(again);
        }
        const where = back ? ` Foxden still listens on port ${old.port}.` : '';
        const tls = tlsFailure(err, old, next);
        throw tls
          ? new AdminError('invalid-argument', `${messageOf(err)}${where}`, tls)
          : new AdminError('conflict', `${messageOf(err)}${where}`, 'port');
      }
      this.logger.info('lifecycle', `listener moved to ${next.host}:${this.address.port}`);
      this.setState('running');
      return this.status();
    });
  }

  /**
   * Runs `fn` with the server stopped and the database closed (restore replaces the file),
   * then starts again if it was running before.
   */
  withDatabaseClosed<T>(fn: () => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      const wasRunning = this.current === 'running';
      await this.doStop();
      this.databaseLocked = true;
      try {
        await this.closeServer();
        return await fn();
      } finally {
        this.databaseLocked = false;
        if (wasRunning) await this.doStart();
      }
    });
  }

  /** Stops serving and closes the database for good (Quit). */
  dispose(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      await this.closeServer();
    });
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private setState(state: ServerState): void {
    this.current = state;
    this.emit('state', this.status());
  }

  /** The open server, or one built now when its database opens without waiting. */
  private ensureServer(): SyncServer {
    if (this.server) return this.server;
    if (this.opening) {
      throw new AdminError('unavailable', 'The database is being opened; try again in a moment.');
    }
    const { config, built } = this.buildServer();
    if (built instanceof Promise) {
      this.track(config, built).catch(() => undefined);
      throw new AdminError('unavailable', 'The database is being opened; try again in a moment.');
    }
    return this.adopt(config, built);
  }

  /** The open server, waiting for its database (a database server) if need be. */
  private async openServer(): Promise<SyncServer> {
    if (this.server) return this.server;
    if (this.opening) return this.opening;
    const { config, built } = this.buildServer();
    return built instanceof Promise ? this.track(config, built) : this.adopt(config, built);
  }

  /** A server over the desired Config: built now, or the promise of one (a database server). */
  private buildServer(): { config: Config; built: SyncServer | Promise<SyncServer> } {
    const config = { ...this.desired };
    try {
      return { config, built: this.build(config, { logger: this.logger, live: () => this.desired }) };
    } catch (err) {
      throw openFailure(err);
    }
  }

  private track(config: Config, built: Promise<SyncServer>): Promise<SyncServer> {
    const opening = built.then(
      (server) => {
        this.opening = null;
        return this.adopt(config, server);
      },
      (err: unknown) => {
        this.opening = null;
        throw openFailure(err);
      },
    );
    this.opening = opening;
    return opening;
  }

  private adopt(config: Config, server: SyncServer): SyncServer {
    this.server = server;
    this.serverConfig = config;
    server.context.events.on('requestFinished', this.onRequestFinished);
    return server;
  }

  private async closeServer(): Promise<void> {
    // A database still being opened is closed once it is open, never left behind.
    if (this.opening) await this.opening.catch(() => undefined);
    const server = this.server;
    this.server = null;
    this.serverConfig = null;
    this.listening = null;
    if (!server) return;
    server.context.events.off('requestFinished', this.onRequestFinished);
    await server.close();
  }

  private async doStart(): Promise<ControllerStatus> {
    if (this.current === 'running') return this.status();
    this.setState('starting');
    try {
      if (this.server && !this.canKeepBackend()) await this.closeServer();
      // Listener fields may have changed while the idle backend was open: the desired ones
      // are handed to listen(). Live fields are read from the desired Config; a fresh object
      // makes them win over a close the sign-up gate made on the earlier run, as before.
      this.desired = { ...this.desired };
      const server = await this.openServer();
      const listener = listenerOf(this.desired);
      const address = await server.listen(listener);
      this.listening = listener;
      this.address = address;
      this.startedAt = this.clock();
      this.requests = { total: 0, failed: 0 };
      this.lastError = null;
      this.setState('running');
    } catch (err) {
      this.fail(err);
    }
    return this.status();
  }

  /** No listener could be started: the state says why. */
  private fail(err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code ?? null;
    this.lastError = { message: messageOf(err), code };
    this.address = null;
    this.startedAt = null;
    this.logger.error('lifecycle', 'The server could not start', { detail: this.lastError.message });
    this.setState('failed');
  }

  private canKeepBackend(): boolean {
    return this.serverConfig !== null && sameBackend(this.serverConfig, this.desired);
  }

  /** `keepBackend`: close only the listener (a restart that changed only listener fields). */
  private async doStop(options: { keepBackend?: boolean } = {}): Promise<ControllerStatus> {
    if (this.current !== 'running') {
      if (this.current === 'failed') this.setState('stopped');
      return this.status();
    }
    this.setState('stopping');
    try {
      // Both drop idle keep-alive sockets and cut busy ones after a grace period.
      if (options.keepBackend && this.server) await this.server.stopListening();
      else await this.closeServer();
    } finally {
      this.address = null;
      this.startedAt = null;
      this.setState('stopped');
    }
    return this.status();
  }
}

function sameListener(a: ListenerSettings, b: ListenerSettings): boolean {
  return (
    a.host === b.host &&
    a.port === b.port &&
    isDeepStrictEqual(a.trustProxy, b.trustProxy) &&
    isDeepStrictEqual(a.tls, b.tls)
  );
}

/** Errors of binding a socket (server/http/listen.ts keeps the code on its plain-words error). */
const SOCKET_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * The HTTPS field a failed move is about, or null when it is the socket's. When only the HTTPS
 * setting changed, the certificate (its files, or the household CA) is the cause whatever the
 * code (a key file's EACCES too); with a new address as well, a socket's code names the port.
 */
function tlsFailure(
  err: unknown,
  old: ListenerSettings,
  next: ListenerSettings,
): 'tlsCertFile' | 'tlsKeyFile' | 'https' | null {
  if (isDeepStrictEqual(old.tls, next.tls) || next.tls.mode === 'off') return null;
  const onlyTls = sameListener({ ...old, tls: next.tls }, next);
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (!onlyTls && typeof code === 'string' && SOCKET_ERRORS.has(code)) return null;
  if (next.tls.mode !== 'files') return 'https';
  // The form puts the line under the file at fault (the error names it); anything else, under the certificate.
  // By name: the certificate code is loaded only with HTTPS (http/sync-listener.ts).
  const file = err instanceof Error && err.name === 'TlsFileError' ? (err as TlsFileError).file : null;
  return file === next.tls.keyFile && file !== next.tls.certFile ? 'tlsKeyFile' : 'tlsCertFile';
}

/** Why the database could not be opened, as the admin surface answers it. */
function openFailure(err: unknown): AdminError {
  if (err instanceof AdminError) return err;
  // These already say in one plain line what is wrong and what to do.
  if (err instanceof FileSystemProblem || isPlainDatabaseProblem(err)) {
    // The cause stays: the dashboard tells an unreachable database server from other problems.
    return Object.assign(new AdminError('unavailable', err.message), { cause: err });
  }
  // A database that cannot be opened (corrupt file, a driver's own failure).
  return new AdminError('unavailable', `The database could not be opened: ${messageOf(err)}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
