import type { LogEvent, LogLevel } from '../log.js';

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
  /** Validates and saves; says which changes only apply after a restart. */
  updateSettings(patch: Partial<AdminSettings>): Promise<SettingsUpdate>;

  listAccounts(): Promise<AccountSummary[]>;
  createAccount(input: CreateAccountInput): Promise<AccountSummary>;
  deleteAccount(ref: AccountRef): Promise<void>;
  resetPassword(input: ResetPasswordInput): Promise<void>;

  logs(query: LogQuery): Promise<LogEvent[]>;
  warnings(): Promise<Warning[]>;
  setupHelp(): Promise<SetupHelp>;

  /** SQLite online backup to a file the owner chose. */
  backup(destination: string): Promise<BackupResult>;
  /** Replaces the database with a backup (the server is stopped and started around it). */
  restore(source: string): Promise<AdminStatus>;
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
}

export interface AdminSettings {
  port: number;
  bindScope: BindScope;
  publicUrl: string;
  allowNewUsers: boolean;
  /** Close sign-ups automatically once the first account exists. */
  autoCloseSignups: boolean;
  openAtLogin: boolean;
  /** The server sits behind a reverse proxy that sets X-Forwarded-*. */
  behindProxy: boolean;
}

export interface SettingsUpdate {
  settings: AdminSettings;
  restartRequired: boolean;
  /** Which fields need a restart to take effect. */
  pendingRestart: (keyof AdminSettings)[];
}

export type AccountKind = 'sync11' | 'sync15' | 'local';

export interface AccountRef {
  kind: AccountKind;
  /** Username (sync11), uid (sync15) or account id (local). */
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
    | 'signups-open-with-accounts';
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
}

export interface BackupResult {
  path: string;
  bytes: number;
  createdAt: number;
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
