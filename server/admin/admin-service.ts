import { EventEmitter } from 'node:events';
import { listenerOf, type Config } from '../config.js';
import type { LogEvent, Logger } from '../log.js';
import type { AccountCreatedEvent, SignupGate } from '../signups.js';
import { AdminAccounts } from './accounts.js';
import {
  AdminError,
  type AccountRef,
  type AccountSummary,
  type AdminApi,
  type AdminSettings,
  type AdminStatus,
  type BackupOptions,
  type BackupResult,
  type BackupStatus,
  type RestoreResult,
  type CreateAccountInput,
  type DirectoryInfo,
  type DirectoryTest,
  type LogQuery,
  type ResetPasswordInput,
  type SettingsUpdate,
  type SetupHelp,
  type Warning,
} from './api.js';
import {
  backupDatabase,
  discardStaged,
  installRestore,
  restoreIntoDatabase,
  stageRestore,
} from './backup.js';
import { BackupSchedule } from './backup-schedule.js';
import { collectSecrets, describeSecrets, restoreSecrets } from './backup-secrets.js';
import { describeDirectory, testDirectory } from './directory-admin.js';
import { foxdenVersion, lanAddresses } from './environment.js';
import { queryLogs } from './logs.js';
import type { ServerController } from './server-controller.js';
import {
  configToSettings,
  normalisePublicUrl,
  publicUrlForHttps,
  RESTART_FIELDS,
  settingsToConfig,
} from './settings.js';
import { settingsProblem } from './settings-schema.js';
import { householdCaFingerprint } from './household-ca-info.js';
import type { SettingsStore } from './settings-store.js';
import { setupHelpFor, tokenserverUrl } from './setup-help.js';
import { computeWarnings } from './warnings.js';
import { DatabaseReachability, unavailableCause, unreachableSentence } from './database-reachability.js';
import { DatabaseUnavailableError } from '../db/errors.js';
import type { StorageHealthStatus } from '../storage-health.js';
import {
  databaseFileOf,
  describeLocation,
  openServerDatabase,
  storageHealthOf,
} from '../db/server-database.js';

/** The status probe of a database server runs at most this often (the dashboard polls every 2 s). */
const PROBE_EVERY_MS = 4000;
/** A database server that does not answer the probe within this long counts as unreachable. */
const PROBE_TIMEOUT_MS = 3000;

export interface AdminServiceOptions {
  controller: ServerController;
  store: SettingsStore;
  logger: Logger;
  /** Everything the settings do not cover (data directory, quotas, secrets, limits). */
  baseConfig: Config;
  platform?: NodeJS.Platform;
  version?: string;
  lanAddresses?: () => string[];
  /**
   * Headless with the default public URL: it follows the port actually bound (e.g. with
   * `--port 0`) instead of naming a port nobody listens on.
   */
  publicUrlFollowsPort?: boolean;
  clock?: () => number;
  /** better-sqlite3 addon built for Electron, for reading a backup file in `npm start` runs. */
  nativeBinding?: string;
  /** Scheduled backups' timers (tests shorten them); false: no timers (checks run on demand). */
  backupTimers?: { firstCheckMs?: number; checkEveryMs?: number } | false;
}

/**
 * The one typed surface for everything the owner does (design.md "One engine, several
 * doors"), composed from small modules: the controller (life of the server), settings,
 * accounts, logs, warnings, setup help and backup. Emits 'settings' when they change by
 * themselves (sign-ups closing automatically) so the tray can follow.
 */
export class AdminService
  extends EventEmitter<{ settings: [AdminSettings]; accountCreated: [AccountCreatedEvent] }>
  implements AdminApi
{
  private readonly controller: ServerController;
  private readonly store: SettingsStore;
  private readonly logger: Logger;
  private readonly base: Config;
  private readonly nativeBinding: string | undefined;
  /** Scheduled backups into the owner's folder; its timers live as long as this service. */
  readonly backups: BackupSchedule;
  private readonly platform: NodeJS.Platform;
  private readonly version: string;
  private readonly addresses: () => string[];
  /** Cleared once the owner sets a public URL of their own. */
  private followPort: boolean;
  private followedPort: number | null = null;
  private readonly clock: () => number;
  private readonly accounts: AdminAccounts;
  private settings: AdminSettings;
  /** The sign-up gate of the server now built; a restarted server brings a new one. */
  private gate: SignupGate | null = null;
  /** Accounts strangers created since sign-ups were last opened (carried to a new gate). */
  private signupsCreated = 0;
  /** Why sign-ups are closed when they closed by themselves, for the dashboard and tray. */
  private signupsClosedNote: string | null = null;
  private readonly onAccountCreated = (event: AccountCreatedEvent) => this.accountCreated(event);
  /** Whether the database server answers, from this surface's own reads of it. */
  private readonly reachability: DatabaseReachability;
  private lastProbe = 0;

  constructor(options: AdminServiceOptions) {
    super();
    this.controller = options.controller;
    this.store = options.store;
    this.logger = options.logger;
    this.base = options.baseConfig;
    this.nativeBinding = options.nativeBinding;
    this.platform = options.platform ?? process.platform;
    this.version = options.version ?? foxdenVersion();
    this.addresses = options.lanAddresses ?? (() => lanAddresses());
    this.followPort = options.publicUrlFollowsPort ?? false;
    this.clock = options.clock ?? Date.now;
    this.settings = this.store.load();
    this.reachability = new DatabaseReachability(this.clock);
    this.backups = new BackupSchedule({
      dataDir: this.base.dataDir,
      settings: () => this.settings,
      write: (file, replace) => this.backup(file, { replace }),
      logger: this.logger,
      clock: this.clock,
      ...(options.backupTimers ? options.backupTimers : {}),
      ...(this.nativeBinding ? { nativeBinding: this.nativeBinding } : {}),
    });
    if (options.backupTimers !== false) this.backups.start();
    this.accounts = new AdminAccounts(() => this.controller.openContext());
    this.controller.setConfig(this.desiredConfig());
    this.controller.on('state', (status) => {
      if (status.state === 'running') this.attachGate();
      if (status.state === 'running' && this.followPort && status.listen) {
        this.followedPort = status.listen.port;
        this.controller.applyLive({ publicUrl: this.desiredConfig().publicUrl });
      }
    });
  }

  /** Stops listening to the server's sign-ups (the controller is disposed separately). */
  detach(): void {
    this.backups.stop();
    this.gate?.off('accountCreated', this.onAccountCreated);
    this.gate = null;
  }

  async status(): Promise<AdminStatus> {
    const s = this.controller.status();
    const publicUrl = this.controller.config.publicUrl;
    return {
      state: s.state,
      listen: s.listen,
      lanAddresses: this.addresses(),
      publicUrl,
      setupUrl: tokenserverUrl(publicUrl),
      uptimeMs: s.uptimeMs,
      requests: s.requests,
      lastError: s.lastError,
      dataDir: this.base.dataDir,
      version: this.version,
      restartRequired: this.pendingRestart().length > 0,
      signupsNote: this.settings.allowNewUsers ? null : this.signupsClosedNote,
      database: await this.databaseInUse(s.state),
      certificate: this.controller.certificate(),
    };
  }

  /**
   * The database line of Settings and Status. A database server is asked (one empty read
   * transaction, at most every few seconds) while the server runs, so an outage shows and
   * clears by itself; an SQLite file has no server to lose.
   */
  private async databaseInUse(state: AdminStatus['state']): Promise<AdminStatus['database']> {
    const location = this.controller.config.database;
    if (location.kind === 'sqlite' || state !== 'running') {
      if (state === 'stopped') this.reachability.clear();
    } else if (this.clock() - this.lastProbe >= PROBE_EVERY_MS) {
      // Also while the server is away: a status poll waits for at most one probe in a period.
      this.lastProbe = this.clock();
      await this.probeDatabase();
    }
    return this.reachability.view(location);
  }

  private async probeDatabase(): Promise<void> {
    let db;
    try {
      db = this.controller.context().db;
    } catch {
      return; // being opened or restored: nothing to ask yet
    }
    const where = describeLocation(this.controller.config.database);
    let timer: NodeJS.Timeout | undefined;
    const read = db.transaction('read', () => undefined);
    read.catch(() => undefined);
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new DatabaseUnavailableError(`${where}: no answer within ${PROBE_TIMEOUT_MS / 1000} seconds`),
          ),
        PROBE_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([read, late]);
      this.reachability.succeeded();
    } catch (err) {
      this.reachability.failed(err);
    } finally {
      clearTimeout(timer);
    }
  }

  async start(): Promise<AdminStatus> {
    await this.controller.start();
    return this.status();
  }

  async stop(): Promise<AdminStatus> {
    await this.controller.stop();
    return this.status();
  }

  async restart(): Promise<AdminStatus> {
    await this.controller.restart();
    return this.status();
  }

  async getSettings(): Promise<AdminSettings> {
    return { ...this.settings };
  }

  async updateSettings(patch: Partial<AdminSettings>): Promise<SettingsUpdate> {
    const next: AdminSettings = { ...this.settings, ...patch };
    if (patch.publicUrl !== undefined) next.publicUrl = normalisePublicUrl(patch.publicUrl);
    const problem = settingsProblem(next);
    if (problem) throw new AdminError('invalid-argument', problem.message, problem.field);
    const notes: string[] = [];
    // Clients are told the public URL: switching HTTPS switches its http:// or https:// too.
    const flipped = publicUrlForHttps(this.settings, next);
    if (flipped) {
      notes.push(
        `The public URL is now ${flipped}, so clients are told to use ${next.https === 'off' ? 'plain HTTP' : 'HTTPS'}.`,
      );
      next.publicUrl = flipped;
    }
    // A new port, address or proxy: the running listener moves first (the database stays
    // open), so a port in use rejects here with nothing saved and the old port still serving.
    const before = this.controller.status().listen;
    const moved = await this.controller.moveListener(listenerOf(this.desiredConfig(next)));
    try {
      if (patch.publicUrl !== undefined) this.followPort = false;
      const openingSignups = next.allowNewUsers && !this.settings.allowNewUsers;
      if (openingSignups) {
        // A new opening: its places count from zero (README "Sign-ups").
        this.signupsCreated = 0;
        this.signupsClosedNote = null;
        this.gate?.reopen(0);
      }
      this.saveSettings(next);
    } catch (err) {
      // Not saved: the listener goes back to what the saved settings say.
      await this.controller.moveListener(listenerOf(this.desiredConfig())).catch(() => undefined);
      throw err;
    }
    const pendingRestart = this.pendingRestart();
    const listen = moved.listen && !sameAddress(moved.listen, before) ? moved.listen : null;
    return {
      settings: { ...next },
      restartRequired: pendingRestart.length > 0,
      pendingRestart,
      listen,
      ...(notes.length > 0 ? { notes } : {}),
    };
  }

  listAccounts(): Promise<AccountSummary[]> {
    return this.accounts.list();
  }

  async createAccount(input: CreateAccountInput): Promise<AccountSummary> {
    // The owner's own additions do not pass the sign-up gate: they never close sign-ups.
    return this.accounts.create(input);
  }

  async deleteAccount(ref: AccountRef): Promise<void> {
    await this.accounts.delete(ref);
  }

  resetPassword(input: ResetPasswordInput): Promise<void> {
    return this.accounts.resetPassword(input);
  }

  async directory(): Promise<DirectoryInfo | null> {
    const settings = this.controller.config.directory;
    return settings ? describeDirectory(settings) : null;
  }

  /** Works while the server is stopped too: it needs only the ini's settings. */
  async testDirectory(name?: string): Promise<DirectoryTest> {
    const settings = this.controller.config.directory;
    if (!settings)
      throw new AdminError(
        'invalid-argument',
        'Foxden keeps its own accounts: there is no directory to test ([auth] backend = ldap in the ini file sets one).',
      );
    return testDirectory(settings, name);
  }

  async logs(query: LogQuery): Promise<LogEvent[]> {
    return queryLogs(this.logger.tail(query.afterSeq ?? 0), query);
  }

  async warnings(): Promise<Warning[]> {
    const s = this.controller.status();
    let accountCount = 0;
    let countFailure: unknown = null;
    try {
      accountCount = await this.accounts.count();
      if (s.state === 'running') this.reachability.succeeded();
    } catch (err) {
      // No database (it failed to open): the status already says why.
      countFailure = err;
      this.reachability.failed(err);
    }
    let listenError =
      s.state === 'failed' && s.lastError ? { code: s.lastErrorCode, message: s.lastError } : null;
    // A start that failed because the database server is away is said once, with what to check.
    if (listenError && unavailableCause(countFailure) && this.reachability.unreachable) listenError = null;
    let storage: StorageHealthStatus;
    try {
      storage = this.controller.context().storageHealth.status();
    } catch {
      // No open database: its disk's free space still tells the owner something.
      storage = storageHealthOf(this.controller.config.database).status();
    }
    const schedule = this.backups.view();
    return computeWarnings(this.settings, this.platform, {
      tls: { certificate: this.controller.certificate(), now: this.clock() },
      database: this.reachability.warnings(),
      listenError,
      accountCount,
      storage,
      backup: {
        now: this.clock(),
        folder: schedule.folder,
        lastGoodAt: schedule.lastGood?.createdAt ?? null,
        lastFailure: schedule.lastFailure,
      },
    });
  }

  async setupHelp(): Promise<SetupHelp> {
    const https = this.controller.config.tls.mode;
    // The running certificate names its CA; while stopped, the CA file in the data folder does.
    const caFingerprint256 =
      https !== 'auto'
        ? null
        : (this.controller.certificate()?.ca?.fingerprint256 ??
          (await householdCaFingerprint(this.base.dataDir)));
    return setupHelpFor(this.controller.config.publicUrl, { https, caFingerprint256 });
  }

  async backup(destination: string, options: BackupOptions = {}): Promise<BackupResult> {
    const { database } = this.controller.config;
    const dbFile = databaseFileOf(database);
    const context = await this.controller.openContext();
    try {
      return await backupDatabase(context.db, destination, {
        ...(dbFile === null ? { workDir: this.base.dataDir } : { dbFile }),
        replace: options.replace === true,
        secrets: collectSecrets(this.base),
        clock: this.clock,
        version: this.version,
        ...(this.nativeBinding ? { nativeBinding: this.nativeBinding } : {}),
      });
    } catch (err) {
      this.reachability.failed(err);
      throw err;
    }
  }

  backupNow(): Promise<BackupResult> {
    return this.backups.runNow();
  }

  async backupStatus(): Promise<BackupStatus> {
    return { ...this.backups.view(), secrets: describeSecrets(collectSecrets(this.base)) };
  }

  async restore(source: string): Promise<RestoreResult> {
    const { database } = this.controller.config;
    const dbFile = databaseFileOf(database);
    const staged = await stageRestore(source, dbFile ?? { workDir: this.base.dataDir }, this.nativeBinding);
    let previousDatabase: string | null = null;
    let secrets: string[] = [];
    try {
      await this.controller.withDatabaseClosed(async () => {
        if (dbFile === null) {
          // A database server: the backup is copied into it in one transaction (all or nothing).
          await this.restoreIntoServer(staged.file);
          secrets = restoreSecrets(staged.secrets, this.base);
          return;
        }
        try {
          previousDatabase = installRestore(staged.file, dbFile);
          // Before the server starts again, so it reads the restored secrets.
          secrets = restoreSecrets(staged.secrets, this.base);
        } catch (err) {
          throw new AdminError(
            'io',
            `The backup could not be put in place: ${err instanceof Error ? err.message : String(err)}`,
            'path',
          );
        }
      });
    } finally {
      // Gone after a successful rename; a leftover after a failure is removed here.
      discardStaged(staged.file);
    }
    this.logger.info('lifecycle', 'Database restored from a backup', {
      detail: previousDatabase ? `${source}; the previous database is kept as ${previousDatabase}` : source,
    });
    return { status: await this.status(), previousDatabase, secrets };
  }

  /** Copies a staged backup into the configured database server (the server is stopped). */
  private async restoreIntoServer(staged: string): Promise<void> {
    let target;
    try {
      target = await openServerDatabase(this.controller.config.database);
    } catch (err) {
      this.reachability.failed(err);
      const cause = unavailableCause(err);
      throw new AdminError(
        'unavailable',
        `The backup could not be restored: ${cause ? unreachableSentence(cause) : err instanceof Error ? err.message : String(err)}`,
      );
    }
    try {
      await restoreIntoDatabase(target.db, staged, this.nativeBinding);
    } finally {
      await target.close();
    }
  }

  /** Listener fields whose saved value the running listener does not use yet. */
  private pendingRestart(): (keyof AdminSettings)[] {
    const running = this.controller.runningConfig;
    if (!running) return [];
    const applied = configToSettings(running, this.settings);
    return RESTART_FIELDS.filter((field) => applied[field] !== this.settings[field]);
  }

  private saveSettings(next: AdminSettings): void {
    try {
      this.store.save(next);
    } catch (err) {
      throw new AdminError(
        'io',
        `The settings could not be saved: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    this.settings = next;
    const config = this.desiredConfig();
    this.controller.setConfig(config);
    // The running server reads both at request time from the controller (a getter): apply now.
    this.controller.applyLive({ allowNewUsers: config.allowNewUsers, publicUrl: config.publicUrl });
    if (this.gate) this.gate.closeAfterFirst = next.autoCloseSignups;
  }

  /** Follows the sign-up gate of the server the controller runs now. */
  private attachGate(): void {
    let gate: SignupGate;
    try {
      gate = this.controller.context().signups;
    } catch {
      return; // no database (a restore holds it): the next start attaches
    }
    if (gate === this.gate) return;
    this.gate?.off('accountCreated', this.onAccountCreated);
    this.gate = gate;
    gate.closeAfterFirst = this.settings.autoCloseSignups;
    // A restart within one opening keeps its count: the cap is per opening, not per start.
    gate.reopen(this.signupsCreated);
    gate.on('accountCreated', this.onAccountCreated);
  }

  /** A stranger's account exists; when it used the last place, save sign-ups as closed. */
  private accountCreated(event: AccountCreatedEvent): void {
    this.signupsCreated = event.count;
    this.emit('accountCreated', event);
    if (!event.closed || !this.settings.allowNewUsers) return;
    const note =
      event.limit === 1
        ? 'Sign-ups closed automatically after the first new account.'
        : `Sign-ups closed automatically after ${event.count} new accounts.`;
    try {
      this.saveSettings({ ...this.settings, allowNewUsers: false });
    } catch (err) {
      // The running server is closed already (the gate did it); only the saved file lags.
      this.logger.error('error', 'Closing sign-ups could not be saved', { detail: String(err) });
    }
    this.signupsClosedNote = note;
    this.logger.info('lifecycle', note);
    this.emit('settings', { ...this.settings });
  }

  private desiredConfig(settings: AdminSettings = this.settings): Config {
    const config = settingsToConfig(settings, this.base);
    if (this.followPort && this.followedPort !== null) {
      config.publicUrl = `${settings.https === 'off' ? 'http' : 'https'}://127.0.0.1:${this.followedPort}/`;
    }
    return config;
  }
}

function sameAddress(a: { host: string; port: number }, b: { host: string; port: number } | null): boolean {
  return b !== null && a.host === b.host && a.port === b.port;
}
