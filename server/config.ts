import os from 'node:os';
import path from 'node:path';
import type { DatabaseLocation } from './db/database-url.js';
import type { DirectorySettings } from './ldap/settings.js';
import type { TlsSettings } from './tls/types.js';

/** Everything the server needs to run, already validated and normalised. */
export interface Config {
  /** Listen address: 127.0.0.1 ("this computer only") or 0.0.0.0/:: ("home network"). */
  host: string;
  port: number;
  /** The URL clients use to reach this server, always ending in "/". */
  publicUrl: string;
  dataDir: string;
  /**
   * Where the data lives (`[storage] sqluri`, FOXDEN_DATABASE_URL, --database-url; default the
   * SQLite file `<dataDir>/foxden.db`). A networked location's `url` may hold the password:
   * only its `display` may be logged or shown.
   */
  database: DatabaseLocation;
  allowNewUsers: boolean;
  /**
   * Accounts strangers may create through the sign-up doors (Sync 1.1 User API, the sign-in
   * page, a new Mozilla account at the tokenserver) before sign-ups close by themselves; the
   * count starts again whenever sign-ups are opened. 0: no cap (load tests, benchmarks).
   */
  maxNewUsers: number;
  /** Sync 1.1: the e-mail's hash must equal the username (spec 1.1 §5.2 step 4). */
  strictUsernames: boolean;
  /**
   * `[auth] backend = ldap` (issue 14): Sync 1.1 accounts are the household directory's people,
   * checked by a bind; null: Foxden's own accounts.
   */
  directory: DirectorySettings | null;
  /** Per-user quota in KB (default DEFAULT_QUOTA_KB); null when quotas are off. */
  quotaKb: number | null;
  /** Express `trust proxy` value: false, true, a hop count or a list of addresses. */
  trustProxy: boolean | number | string;
  /**
   * HTTPS on the sync port (`[foxden] https`, `tls_cert`, `tls_key`; --https, --tls-cert,
   * --tls-key): off, a certificate from the household CA, or the owner's own files.
   */
  tls: TlsSettings;
  logFormat: 'text' | 'json';
  /** Seconds sent in Retry-After with a 503. */
  retryAfter: number;
  /**
   * Web origins whose pages may call Sync 1.5 (storage, tokenserver) and the heartbeats
   * cross-origin (http/cors.ts): '*' for any (syncstorage-rs's default), a list of origins, or
   * null for no CORS at all.
   */
  corsOrigins: '*' | string[] | null;
  /** Optional value of `X-Weave-Secret` that bypasses sign-up checks (spec 1.1 §5.2 step 7). */
  sharedSecret: string | null;
  sync11: {
    batchMaxCount: number;
    batchMaxBytes: number;
  };
  /**
   * Secret that signs Sync 1.5 tokens (tokenlib format). Null here means "resolve at start":
   * FOXDEN_MASTER_SECRET, a secret file, or one generated on first run in the data directory.
   */
  masterSecret: string | null;
  /** File holding the master secret (one line); read at start when masterSecret is null. */
  masterSecretFile: string | null;
  sync15: {
    /** Seconds a tokenserver token stays valid. */
    tokenDuration: number;
    /** JWKS file for verifying FxA OAuth access tokens offline (tests, air-gapped homes). */
    fxaJwksFile: string | null;
    /** FxA OAuth server base, e.g. https://oauth.accounts.firefox.com/v1 (JWKS and /verify). */
    fxaOauthServerUrl: string;
    /** If set, only these FxA e-mail addresses may be created as new Sync 1.5 users. */
    allowedEmails: string[] | null;
    maxPostRecords: number;
    maxPostBytes: number;
    maxRecordPayloadBytes: number;
    maxRequestBytes: number;
    maxTotalRecords: number;
    maxTotalBytes: number;
  };
}

/** Settings a running server reads at request time (the owner may change them while it runs). */
export type LiveSettings = Pick<Config, 'publicUrl' | 'allowNewUsers'>;

/** Settings a new listener picks up without reopening the database. */
export type ListenerSettings = Pick<Config, 'host' | 'port' | 'trustProxy' | 'tls'>;

export function listenerOf(config: ListenerSettings): ListenerSettings {
  return { host: config.host, port: config.port, trustProxy: config.trustProxy, tls: config.tls };
}

/** A value nothing may write to, nested objects and arrays included. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The Config a running server was given: it reads it, never writes it. */
export type ServerConfig = DeepReadonly<Config>;

/** The per-user quota in bytes, as the engine and both protocols use it; undefined when off. */
export function quotaBytesOf(config: { readonly quotaKb: number | null }): number | undefined {
  return config.quotaKb === null ? undefined : config.quotaKb * 1024;
}

/** Port 8173: not in Firefox's blocked list, above 1024, and not macOS AirPlay's 5000/7000. */
export const DEFAULT_PORT = 8173;

/** Sign-ups close by themselves after this many new accounts (README "Sign-ups"). */
export const DEFAULT_MAX_NEW_USERS = 10;

/**
 * 500 MB per account. From measured Firefox records (README "Storage quota"): a heavy
 * household profile (60 days of history at 1,000 pages a day, 10,000 bookmarks, 2,000
 * passwords, 20,000 form entries, ten devices' tabs) is about 110 MB of ciphertext, so this
 * leaves room four times over while one account can no longer fill the disk.
 */
export const DEFAULT_QUOTA_KB = 500 * 1024;

/** The platform's per-user data directory for Foxden. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Foxden');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Foxden');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'foxden');
}

/** The SQLite file in the data directory, where the data lives unless a database URL says otherwise. */
export function defaultDatabase(dataDir: string): DatabaseLocation {
  return { kind: 'sqlite', file: path.join(dataDir, 'foxden.db') };
}

export function defaultConfig(overrides: Partial<Config> = {}): Config {
  const dataDir = overrides.dataDir ?? defaultDataDir();
  const port = overrides.port ?? DEFAULT_PORT;
  const host = overrides.host ?? '127.0.0.1';
  return {
    host,
    port,
    publicUrl: `http://127.0.0.1:${port}/`,
    dataDir,
    database: defaultDatabase(dataDir),
    allowNewUsers: false,
    maxNewUsers: DEFAULT_MAX_NEW_USERS,
    strictUsernames: true,
    directory: null,
    quotaKb: DEFAULT_QUOTA_KB,
    trustProxy: false,
    tls: { mode: 'off' },
    logFormat: 'text',
    retryAfter: 1800,
    corsOrigins: '*',
    sharedSecret: null,
    sync11: { batchMaxCount: 100, batchMaxBytes: 1048576 },
    masterSecret: null,
    masterSecretFile: null,
    sync15: {
      tokenDuration: 3600,
      fxaJwksFile: null,
      fxaOauthServerUrl: 'https://oauth.accounts.firefox.com/v1',
      allowedEmails: null,
      maxPostRecords: 100,
      maxPostBytes: 2 * 1024 * 1024,
      maxRecordPayloadBytes: 2 * 1024 * 1024,
      maxRequestBytes: 2 * 1024 * 1024 + 4096,
      maxTotalRecords: 10_000,
      maxTotalBytes: 200 * 1024 * 1024,
    },
    ...overrides,
  };
}
