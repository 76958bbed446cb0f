import type { ConnectionCheckFailure } from '../ldap/result.js';
import type { LogEvent, LogLevel } from '../log.js';
import type { CertificateStatus } from '../tls/types.js';
import type { AdminSettings } from './settings-schema.js';

/**
 * The one typed surface for everything the owner does. The desktop app reaches it over
 * Electron IPC, headless mode and the browser tests over the loopback admin HTTP listener;
 * the renderer depends only on this interface and never knows which transport it has.
 */
export interface AdminApi {
  status(): Promise<AdminStatus>;
  start(): Promise<AdminStatus>;
  stop(): Promise<AdminStatus>;
  restart(): Promise<AdminStatus>;

  getSettings(): Promise<AdminSettings>;
  /** Validates and saves; a new port, address or proxy moves the running listener in the same call. */
  updateSettings(patch: Partial<AdminSettings>): Promise<SettingsUpdate>;

  listAccounts(): Promise<AccountSummary[]>;
  createAccount(input: CreateAccountInput): Promise<AccountSummary>;
  deleteAccount(ref: AccountRef): Promise<void>;
  resetPassword(input: ResetPasswordInput): Promise<void>;

  /**
   * `[auth] backend = ldap`: the household directory as the ini file gives it (never the bind
   * password), and the sentence the dashboard shows instead of create, delete and reset;
   * null with Foxden's own accounts.
   */
  directory(): Promise<DirectoryInfo | null>;
  /**
   * "Test connection": connect, TLS, the service bind and, with a name, that person's search
   * and group, one plain line per step and the one that failed (issue 14 item 4).
   */
  testDirectory(name?: string): Promise<DirectoryTest>;

  logs(query: LogQuery): Promise<LogEvent[]>;
  warnings(): Promise<Warning[]>;
  setupHelp(): Promise<SetupHelp>;

  /**
   * A backup to a file the owner chose: one self-contained SQLite file whatever the database
   * (SQLite's online backup, or a copy out of one snapshot of a database server). Never overwrites anything that is not a
   * Foxden backup; an existing Foxden backup is replaced only with `replace: true` (after the
   * GUI asked), else the call is refused with code 'conflict'.
   */
  backup(destination: string, options?: BackupOptions): Promise<BackupResult>;
  /** A dated backup into the backup folder now (the tray's and dashboard's "Back up now"). */
  backupNow(): Promise<BackupResult>;
  /** Scheduled backups: folder, schedule, the last good backup and the last failure. */
  backupStatus(): Promise<BackupStatus>;
  /**
   * Replaces the database with a backup (the server is stopped and started around it); into a
   * database server, in one transaction (all or nothing).
   */
  restore(source: string): Promise<RestoreResult>;
}

export type AdminMethod = keyof AdminApi;

export type BindScope = 'local' | 'lan';

export interface AdminStatus {
  state: 'running' | 'stopped' | 'starting' | 'stopping' | 'failed';
  /** The bound address while running. */
  listen: { host: string; port: number } | null;
  /** This machine's IPv4/IPv6 LAN addresses (shown when serving the home network). */
  lanAddresses: string[];
  publicUrl: string;
  /** The Firefox setup URL (tokenserver URL) for the current public URL. */
  setupUrl: string;
  uptimeMs: number | null;
  requests: { total: number; failed: number };
  /** Plain-words reason of the last failed start, if any. */
  lastError: string | null;
  dataDir: string;
  version: string;
  /** Settings saved but not applied yet. */
  restartRequired: boolean;
  /**
   * Set when sign-ups closed by themselves ("Sign-ups closed automatically after 10 new
   * accounts."), until the owner opens them again; shown by the dashboard and the tray.
   */
  signupsNote?: string | null;
  /** Which database is in use (never its password), and whether it can be reached now. */
  database?: DatabaseInUse;
  /** The certificate the sync port presents; null when it speaks plain HTTP or is not running. */
  certificate: CertificateStatus | null;
}

export type { CertificateStatus };

/** The database Foxden runs on, as Settings and Status show it. */
export interface DatabaseInUse {
  kind: 'sqlite' | 'postgres' | 'mysql';
  /** "SQLite", "PostgreSQL" or "MySQL/MariaDB". */
  name: string;
  /** The SQLite file, or the database URL without its password. */
  where: string;
  /** Set while the database server cannot be reached: since when, what, and what to check. */
  problem: { since: number; message: string; hint: string } | null;
}

/** The owner's settings; their keys and rules are defined once, in settings-schema.ts. */
export type { AdminSettings };

export interface SettingsUpdate {
  settings: AdminSettings;
  restartRequired: boolean;
  /** Which fields need a restart to take effect. */
  pendingRestart: (keyof AdminSettings)[];
  /** Where the running server listens now, when this save moved it (a new port or address). */
  listen?: { host: string; port: number } | null;
  /**
   * What the save changed besides what was asked, one plain sentence each (switching HTTPS
   * on or off also switches the public URL's http:// or https:// when it names this port).
   */
  notes?: string[];
}

/** `directory`: a person of the household directory who has synced (`[auth] backend = ldap`). */
export type AccountKind = 'sync11' | 'sync15' | 'local' | 'directory';

export interface AccountRef {
  kind: AccountKind;
  /** Username (sync11), uid (sync15), account id (local) or the directory's id (directory). */
  id: string;
}

export interface AccountSummary extends AccountRef {
  /** What the owner recognises: username, or e-mail when known. */
  label: string;
  email: string | null;
  storageBytes: number;
  collections: number;
  lastSync: number | null;
  created: number;
  devices?: string[];
  /**
   * The household directory holds this account (`[auth] backend = ldap`): no create, delete or
   * reset here; the dashboard shows that instead of the buttons.
   */
  managedByDirectory?: boolean;
}

export interface CreateAccountInput {
  kind: 'sync11' | 'local';
  /** Sync 1.1: a username or an e-mail (hashed to the username as clients do). Local: e-mail. */
  name: string;
  password: string;
}

export interface ResetPasswordInput extends AccountRef {
  password: string;
}

/** The directory's settings as Settings shows them, read-only (they come from the ini file). */
export interface DirectoryInfo {
  /** `ldap://host:port` or `ldaps://host:port`. */
  url: string;
  startTls: boolean;
  /** The service account searches run as; null: anonymous searches. */
  bindDn: string | null;
  searchBase: string;
  userFilter: string;
  requiredGroup: string | null;
  caFile: string | null;
  idAttribute: string;
  /** Shown instead of create, delete and reset: the directory manages accounts. */
  accountsNote: string;
}

export type DirectoryTestFailure = ConnectionCheckFailure;

/** What "Test connection" found: the steps that passed, and the one that failed. */
export interface DirectoryTest {
  ok: boolean;
  /** One plain line per step that passed, in order. */
  steps: string[];
  /** The step that failed (null when all passed). */
  failed: DirectoryTestFailure | null;
  /** That step in a few plain words ("unreachable", "no such user"…), null when all passed. */
  failedLabel: string | null;
  /** One plain line: what failed and what to check (null when all passed). */
  message: string | null;
}

export interface LogQuery {
  afterSeq?: number;
  level?: LogLevel;
  user?: string;
  /** Exact status, or a class: 200 matches 2xx when `statusClass` is set. */
  status?: number;
  statusClass?: boolean;
  limit?: number;
}

export interface Warning {
  code:
    | 'port-blocked-by-firefox'
    | 'port-privileged'
    | 'port-macos-airplay'
    | 'port-in-use'
    | 'listen-failed'
    | 'public-url-scheme'
    | 'public-url-invalid'
    | 'public-url-localhost-on-lan'
    | 'public-url-port-mismatch'
    | 'public-url-path-without-proxy'
    | 'signups-open-with-accounts'
    | 'disk-full'
    | 'disk-space-low'
    | 'database-unreachable'
    | 'backup-failed'
    | 'backup-stale'
    | 'backup-off'
    | 'certificate-name-missing'
    | 'certificate-expiring'
    | 'certificate-expired'
    | 'certificate-reload-failed'
    | 'public-url-http-with-https'
    | 'public-url-https-without-tls';
  severity: 'warning' | 'error';
  /** One sentence in plain words. */
  message: string;
  /** What to do about it. */
  hint?: string;
}

export interface SetupHelp {
  publicUrl: string;
  /** about:config entries for Firefox desktop. */
  desktopPrefs: { name: string; value: string; purpose: string }[];
  /** Steps for Firefox desktop around setting the pref (sign out, restart, sign in). */
  desktopSteps?: string[];
  /** Steps for Firefox for Android's secret settings. */
  androidSteps: string[];
  /** Sync 1.1 clients (Pale Moon): the server URL to type. */
  sync11ServerUrl: string;
  /**
   * Firefox without a Mozilla account (Foxden's local accounts, fxa-local spec §2.2): the
   * about:config entries, the steps around them, and the Android secret-settings steps.
   */
  localAccountsPrefs: { name: string; value: string; purpose: string }[];
  localAccountsSteps: string[];
  androidLocalSteps: string[];
  /**
   * HTTPS with a certificate from the household CA: what each device does once to trust it,
   * before any of the steps above; null otherwise.
   */
  trustCa?: TrustCaHelp | null;
}

/** Trusting the household certificate authority on each device (issue 13). */
export interface TrustCaHelp {
  /**
   * Where the CA certificate is downloaded: `http://<host>:<port>/<prefix>ca.crt`, the sync
   * port's plain-HTTP answer, so a device that does not trust the CA yet gets no warning.
   */
  caUrl: string;
  /** SHA-256 of the CA certificate to compare; null until Foxden has created the CA (first start). */
  fingerprint256: string | null;
  firefoxDesktopSteps: string[];
  androidSteps: string[];
  paleMoonSteps: string[];
}

export interface BackupResult {
  path: string;
  bytes: number;
  createdAt: number;
}

export interface BackupOptions {
  /** Replace an existing Foxden backup at the destination (never anything else). */
  replace?: boolean;
}

export interface BackupStatus {
  /** The folder scheduled backups go to now. */
  folder: string;
  /** False while the owner has not chosen one and the default in the data folder is used. */
  folderChosen: boolean;
  /** 0: scheduled backups are off. */
  everyHours: number;
  keep: number;
  lastGood: BackupResult | null;
  /** The last failed scheduled backup, if it came after the last good one. */
  lastFailure: { at: number; message: string } | null;
  /** When the next scheduled backup is due (null when off). */
  nextDue: number | null;
  /** What a backup carries besides the database, in one sentence. */
  secrets: string;
}

export interface RestoreResult {
  status: AdminStatus;
  /** Where the database replaced by the restore was kept, or null when there was none. */
  previousDatabase: string | null;
  /** One plain line per secret: put back, already the same, or why not. */
  secrets: string[];
}

/** A refused admin call: the GUI shows `message`; `field` points at the form input. */
export interface AdminErrorShape {
  code: 'invalid-argument' | 'not-found' | 'conflict' | 'io' | 'unavailable' | 'internal';
  message: string;
  field?: string;
}

export class AdminError extends Error implements AdminErrorShape {
  constructor(
    readonly code: AdminErrorShape['code'],
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }

  /** The plain object both transports send (an Error does not survive JSON or IPC intact). */
  toShape(): AdminErrorShape {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}
