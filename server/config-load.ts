import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { defaultConfig, defaultDataDir, type Config } from './config.js';
import type { TlsSettings } from './tls/types.js';
import {
  DatabaseUrlError,
  parseDatabaseUrl,
  withPassword,
  type DatabaseLocation,
} from './db/database-url.js';
import { configTypoWarnings } from './config-typos.js';
import { readDirectorySettings } from './directory-config.js';
import { DirectoryConfigError } from './ldap/errors.js';
import type { DirectorySettings } from './ldap/settings.js';
import { IniError, parseIniDocument, type IniDocument, type IniValue } from './ini.js';

/**
 * Builds the one validated Config: defaults ← ini file ← environment ← flags (design.md).
 * Headless, the settings saved from the dashboard come between the ini file and the
 * environment (server/admin/settings.ts mergeHeadlessSettings), using `origins` below.
 * Secrets come from the environment or a file, never from argv: there is no flag for them.
 */

/** A problem a person can fix; the CLI prints the message as one line and exits non-zero. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Command-line values as parsed by the CLI, still unvalidated. */
export interface ConfigFlags {
  config?: string;
  host?: string;
  port?: string;
  dataDir?: string;
  publicUrl?: string;
  allowNewUsers?: boolean;
  logFormat?: string;
  trustProxy?: string;
  quotaKb?: string;
  maxNewUsers?: string;
  fxaJwksFile?: string;
  masterSecretFile?: string;
  fxaOauthServer?: string;
  databaseUrl?: string;
  corsOrigins?: string;
  https?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface ConfigSources {
  flags?: ConfigFlags;
  env?: NodeJS.ProcessEnv;
  /** Base for relative paths given on the command line or in the environment. */
  cwd?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Non-fatal remarks about the sources (ignored seed settings, unknown keys). */
  notes: string[];
  /** False when the public URL is the default, so it may follow the real port after listen. */
  publicUrlGiven: boolean;
  /** Config fields an ini file, the environment or a flag set (even to the default value). */
  explicit: ReadonlySet<ConfigSourceKey>;
  /** Where each explicit field came from: its layer and words naming it ("--allow-new-users"). */
  origins: Partial<Record<ConfigSourceKey, ConfigOrigin>>;
}

/** The source layer of one setting, lowest precedence first. */
export type ConfigLayer = 'ini' | 'env' | 'flag';

export interface ConfigOrigin {
  layer: ConfigLayer;
  /** E.g. `sync.conf [auth] allow_new_users`, `environment variable FOXDEN_PORT`, `--port`. */
  from: string;
}

/** Environment variables Foxden reads (documented in README.md and docs/deploy.md). */
export const ENV = {
  config: 'FOXDEN_CONFIG',
  host: 'FOXDEN_HOST',
  port: 'FOXDEN_PORT',
  dataDir: 'FOXDEN_DATA_DIR',
  publicUrl: 'FOXDEN_PUBLIC_URL',
  allowNewUsers: 'FOXDEN_ALLOW_NEW_USERS',
  maxNewUsers: 'FOXDEN_MAX_NEW_USERS',
  quotaKb: 'FOXDEN_QUOTA_KB',
  logFormat: 'FOXDEN_LOG_FORMAT',
  trustProxy: 'FOXDEN_TRUST_PROXY',
  masterSecret: 'FOXDEN_MASTER_SECRET',
  masterSecretFile: 'FOXDEN_MASTER_SECRET_FILE',
  databaseUrl: 'FOXDEN_DATABASE_URL',
  corsOrigins: 'FOXDEN_CORS_ORIGINS',
  https: 'FOXDEN_HTTPS',
  tlsCert: 'FOXDEN_TLS_CERT',
  tlsKey: 'FOXDEN_TLS_KEY',
  /** A file whose first line is the database password (kept out of argv and of the URL). */
  databasePasswordFile: 'FOXDEN_DATABASE_PASSWORD_FILE',
} as const;

/** A setting the ini file, environment or flags can give. */
export type ConfigSourceKey = Key;

type Key =
  | 'host'
  | 'port'
  | 'dataDir'
  | 'database'
  | 'publicUrl'
  | 'allowNewUsers'
  | 'maxNewUsers'
  | 'strictUsernames'
  | 'quotaKb'
  | 'trustProxy'
  | 'logFormat'
  | 'retryAfter'
  | 'corsOrigins'
  | 'sharedSecret'
  | 'batchMaxCount'
  | 'batchMaxBytes'
  | 'masterSecretFile'
  | 'fxaJwksFile'
  | 'fxaOauthServerUrl'
  // Config.tls comes from these three together (tlsOf below).
  | 'https'
  | 'tlsCert'
  | 'tlsKey';

/** One raw value and where it came from, so an error can name the line to fix. */
interface Setting {
  value: IniValue;
  from: string;
  /** Directory that relative paths in this value are relative to. */
  base: string;
  layer: ConfigLayer;
}

type Layer = Partial<Record<Key, Setting>>;

export function loadConfig(sources: ConfigSources = {}): LoadedConfig {
  const env = sources.env ?? process.env;
  const flags = sources.flags ?? {};
  const cwd = sources.cwd ?? process.cwd();
  const notes: string[] = [];

  const iniPath = flags.config ?? nonEmptyEnv(env, ENV.config);
  const found: IniExtras = { directory: null };
  const iniLayer = iniPath ? readIniLayer(path.resolve(cwd, iniPath), env, notes, found) : {};
  const merged: Layer = { ...iniLayer, ...envLayer(env, cwd), ...flagLayer(flags, cwd) };
  const config = validate(merged, env);
  config.directory = found.directory;
  const explicit = new Set(Object.keys(merged) as Key[]);
  const origins: LoadedConfig['origins'] = {};
  for (const [key, setting] of Object.entries(merged) as [Key, Setting][]) {
    origins[key] = { layer: setting.layer, from: setting.from };
  }
  return { config, notes, publicUrlGiven: merged.publicUrl !== undefined, explicit, origins };
}

// ---------------------------------------------------------------------------------------
// Sources

function nonEmptyEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function envLayer(env: NodeJS.ProcessEnv, cwd: string): Layer {
  const layer: Layer = {};
  const take = (key: Key, name: string) => {
    const value = nonEmptyEnv(env, name);
    if (value !== undefined)
      layer[key] = { value, from: `environment variable ${name}`, base: cwd, layer: 'env' };
  };
  take('host', ENV.host);
  take('port', ENV.port);
  take('dataDir', ENV.dataDir);
  take('publicUrl', ENV.publicUrl);
  take('allowNewUsers', ENV.allowNewUsers);
  take('maxNewUsers', ENV.maxNewUsers);
  take('quotaKb', ENV.quotaKb);
  take('logFormat', ENV.logFormat);
  take('trustProxy', ENV.trustProxy);
  take('masterSecretFile', ENV.masterSecretFile);
  take('database', ENV.databaseUrl);
  take('corsOrigins', ENV.corsOrigins);
  take('https', ENV.https);
  take('tlsCert', ENV.tlsCert);
  take('tlsKey', ENV.tlsKey);
  return layer;
}

function flagLayer(flags: ConfigFlags, cwd: string): Layer {
  const layer: Layer = {};
  const take = (key: Key, flag: string, value: string | boolean | undefined) => {
    if (value !== undefined) layer[key] = { value, from: `--${flag}`, base: cwd, layer: 'flag' };
  };
  take('host', 'host', flags.host);
  take('port', 'port', flags.port);
  take('dataDir', 'data-dir', flags.dataDir);
  take('publicUrl', 'public-url', flags.publicUrl);
  take(
    'allowNewUsers',
    flags.allowNewUsers === false ? 'no-allow-new-users' : 'allow-new-users',
    flags.allowNewUsers,
  );
  take('logFormat', 'log-format', flags.logFormat);
  take('trustProxy', 'trust-proxy', flags.trustProxy);
  take('quotaKb', 'quota-kb', flags.quotaKb);
  take('maxNewUsers', 'max-new-users', flags.maxNewUsers);
  take('fxaJwksFile', 'fxa-jwks-file', flags.fxaJwksFile);
  take('masterSecretFile', 'master-secret-file', flags.masterSecretFile);
  take('fxaOauthServerUrl', 'fxa-oauth-server', flags.fxaOauthServer);
  take('database', 'database-url', flags.databaseUrl);
  take('corsOrigins', 'cors-origins', flags.corsOrigins);
  take('https', 'https', flags.https);
  take('tlsCert', 'tls-cert', flags.tlsCert);
  take('tlsKey', 'tls-key', flags.tlsKey);
  return layer;
}

/** `[foxden]` keys and the Config key each one sets. */
const FOXDEN_KEYS: Record<string, Key> = {
  host: 'host',
  port: 'port',
  data_dir: 'dataDir',
  public_url: 'publicUrl',
  log_format: 'logFormat',
  trust_proxy: 'trustProxy',
  master_secret_file: 'masterSecretFile',
  fxa_jwks_file: 'fxaJwksFile',
  fxa_oauth_server: 'fxaOauthServerUrl',
  cors_origins: 'corsOrigins',
  https: 'https',
  tls_cert: 'tlsCert',
  tls_key: 'tlsKey',
};

/** The seed's settings that keep their meaning (spec 1.1 §8.2 [REC]). */
const SEED_KEYS: Record<string, Record<string, Key>> = {
  nodes: { fallback_node: 'publicUrl' },
  auth: {
    allow_new_users: 'allowNewUsers',
    strict_usernames: 'strictUsernames',
    max_new_users: 'maxNewUsers',
  },
  global: { shared_secret: 'sharedSecret', retry_after: 'retryAfter' },
  storage: { batch_max_count: 'batchMaxCount', batch_max_bytes: 'batchMaxBytes' },
  // server-full's development.ini (Paste); [foxden] host/port win over these.
  'server:main': { host: 'host', port: 'port' },
};

/** What the ini file gives beside the layer's one-value settings. */
interface IniExtras {
  /** `[auth] backend = ldap` and its keys (directory-config.ts); only the ini file gives them. */
  directory: DirectorySettings | null;
}

function readIniLayer(file: string, env: NodeJS.ProcessEnv, notes: string[], found: IniExtras): Layer {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `Cannot read the config file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}.`,
    );
  }
  let doc: IniDocument;
  try {
    doc = parseIniDocument(text, { file, env });
  } catch (err) {
    if (err instanceof IniError) throw new ConfigError(err.message);
    throw err;
  }
  const ini = doc.sections;
  notes.push(...configTypoWarnings(doc, file));
  const base = path.dirname(file);
  const name = path.basename(file);
  try {
    found.directory = readDirectorySettings(doc, name, base);
  } catch (err) {
    if (err instanceof DirectoryConfigError) throw new ConfigError(err.message);
    throw err;
  }
  const layer: Layer = {};
  const set = (key: Key, section: string, option: string, value: IniValue) => {
    layer[key] = { value, from: `${name} [${section}] ${option}`, base, layer: 'ini' };
  };

  for (const [section, mapping] of Object.entries(SEED_KEYS)) {
    for (const [option, key] of Object.entries(mapping)) {
      const value = ini[section]?.[option];
      if (value !== undefined) set(key, section, option, value);
    }
  }
  const foxden = ini.foxden ?? {};
  for (const [option, value] of Object.entries(foxden)) {
    // Unknown keys were reported above with their line and the nearest known key.
    const key = FOXDEN_KEYS[option];
    if (key) set(key, 'foxden', option, value);
  }

  const storage = ini.storage ?? {};
  if (storage.sqluri !== undefined) {
    // Read (and refused if wrong) in validate(), like the environment's and the flag's URL.
    layer.database = { value: storage.sqluri, from: `${name} [storage] sqluri`, base, layer: 'ini' };
  }
  const authUri = ini.auth?.sqluri;
  if (authUri !== undefined && storage.sqluri !== undefined && authUri !== storage.sqluri) {
    notes.push(
      `${name}: [auth] sqluri is ignored; accounts and storage share the [storage] sqluri database.`,
    );
  }
  // Quotas are on by default now: quota_size alone sets the size, use_quota = false turns it off.
  if (storage.use_quota !== undefined) {
    const from = `${name} [storage] use_quota`;
    const use = toBoolean({ value: storage.use_quota, from, base, layer: 'ini' });
    if (!use) layer.quotaKb = { value: 0, from, base, layer: 'ini' };
    else if (storage.quota_size === undefined) {
      throw new ConfigError(`${from} is true but [storage] quota_size (in KB) is missing.`);
    }
  }
  if (storage.quota_size !== undefined && layer.quotaKb === undefined) {
    layer.quotaKb = { value: storage.quota_size, from: `${name} [storage] quota_size`, base, layer: 'ini' };
  }
  if (ini.captcha?.use === true) {
    notes.push(`${name}: [captcha] use is not supported; [auth] allow_new_users controls sign-ups.`);
  }
  return layer;
}

// ---------------------------------------------------------------------------------------
// Validation

function validate(layer: Layer, env: NodeJS.ProcessEnv): Config {
  const port = layer.port
    ? toInteger(layer.port, 0, 65535, 'a port number from 1 to 65535 (or 0 for any free port)')
    : undefined;
  const host = layer.host ? toHost(layer.host) : '127.0.0.1';
  const dataDir = layer.dataDir ? toPath(layer.dataDir) : defaultDataDir(env);
  const config = defaultConfig({ dataDir, host, ...(port !== undefined ? { port } : {}) });
  config.tls = toTls(layer);

  config.publicUrl = layer.publicUrl
    ? toPublicUrl(layer.publicUrl)
    : defaultPublicUrl(host, config.port, config.tls.mode !== 'off');
  if (layer.database) config.database = toDatabase(layer.database);
  const passwordFile = nonEmptyEnv(env, ENV.databasePasswordFile);
  if (passwordFile !== undefined) config.database = withPasswordFile(config.database, passwordFile);
  if (layer.allowNewUsers) config.allowNewUsers = toBoolean(layer.allowNewUsers);
  if (layer.strictUsernames) config.strictUsernames = toBoolean(layer.strictUsernames);
  if (layer.quotaKb) {
    const kb = toInteger(layer.quotaKb, 0, 1024 * 1024 * 1024, 'a size in KB (0 for no quota)');
    config.quotaKb = kb === 0 ? null : kb;
  }
  if (layer.maxNewUsers) {
    config.maxNewUsers = toInteger(layer.maxNewUsers, 0, 1_000_000, 'a number of accounts (0 for no limit)');
  }
  if (layer.trustProxy) config.trustProxy = toTrustProxy(layer.trustProxy);
  if (layer.logFormat) config.logFormat = toLogFormat(layer.logFormat);
  if (layer.retryAfter) config.retryAfter = toInteger(layer.retryAfter, 0, 86400 * 7, 'a number of seconds');
  if (layer.sharedSecret) config.sharedSecret = toText(layer.sharedSecret);
  if (layer.corsOrigins) config.corsOrigins = toCorsOrigins(layer.corsOrigins);
  if (layer.batchMaxCount) {
    config.sync11.batchMaxCount = toInteger(layer.batchMaxCount, 1, 100_000, 'a positive number of records');
  }
  if (layer.batchMaxBytes) {
    config.sync11.batchMaxBytes = toInteger(
      layer.batchMaxBytes,
      1,
      1024 * 1024 * 1024,
      'a positive number of bytes',
    );
  }
  if (layer.fxaJwksFile) config.sync15.fxaJwksFile = toExistingFile(layer.fxaJwksFile);
  if (layer.fxaOauthServerUrl)
    config.sync15.fxaOauthServerUrl = toHttpUrl(layer.fxaOauthServerUrl).replace(/\/+$/, '');

  const secret = env[ENV.masterSecret];
  if (secret !== undefined) {
    if (secret.trim() === '') throw new ConfigError(`${ENV.masterSecret} is set but empty.`);
    config.masterSecret = secret.trim();
  }
  if (layer.masterSecretFile) {
    config.masterSecretFile = toExistingFile(layer.masterSecretFile);
    if (config.masterSecret === null)
      config.masterSecret = readSecretFile(config.masterSecretFile, layer.masterSecretFile.from);
  }
  return config;
}

/** One line naming the setting, what it must be and what it was. */
function fail(s: Setting, expected: string): never {
  if (s.layer === 'flag') throw new ConfigError(`${s.from} must be ${expected}, not "${String(s.value)}".`);
  throw new ConfigError(`${s.from}: "${String(s.value)}" is not ${expected}.`);
}

function toText(s: Setting): string {
  if (Array.isArray(s.value)) fail(s, 'a single value');
  const text = String(s.value).trim();
  if (text === '') fail(s, 'a non-empty value');
  return text;
}

function toInteger(s: Setting, min: number, max: number, expected: string): number {
  const n =
    typeof s.value === 'number' ? s.value : /^\s*-?\d+\s*$/.test(String(s.value)) ? Number(s.value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) fail(s, expected);
  return n;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

function toBoolean(s: Setting): boolean {
  if (typeof s.value === 'boolean') return s.value;
  const word = String(s.value).trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  fail(s, 'true or false');
}

function toPath(s: Setting): string {
  return path.resolve(s.base, toText(s));
}

function toExistingFile(s: Setting): string {
  const file = toPath(s);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) fail(s, 'an existing file');
  return file;
}

function readSecretFile(file: string, from: string): string {
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret === '') throw new ConfigError(`${from}: the secret file ${file} is empty.`);
  return secret;
}

/** A database URL (any scheme Foxden supports); a relative sqlite:/// path is relative to `base`. */
function toDatabase(s: Setting): DatabaseLocation {
  if (typeof s.value !== 'string') fail(s, 'a database URI such as sqlite:////var/lib/foxden/foxden.db');
  try {
    return parseDatabaseUrl(s.value, { from: s.from, base: s.base });
  } catch (err) {
    // Its message names the setting and never holds the password.
    if (err instanceof DatabaseUrlError) throw new ConfigError(err.message);
    throw err;
  }
}

/** The password from the first line of FOXDEN_DATABASE_PASSWORD_FILE, put into the URL. */
function withPasswordFile(location: DatabaseLocation, file: string): DatabaseLocation {
  const from = `environment variable ${ENV.databasePasswordFile}`;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${from}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}).`,
    );
  }
  try {
    // The first line as it stands: a password may begin or end with a space.
    return withPassword(location, text.split(/\r?\n/)[0] ?? '');
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw new ConfigError(`${from}: ${err.message}`);
    throw err;
  }
}

function toHost(s: Setting): string {
  const host = toText(s).replace(/^\[(.*)\]$/, '$1');
  if (!/^[A-Za-z0-9.:%_-]+$/.test(host)) fail(s, 'an IP address or host name');
  // Only digits and dots is an IPv4 address or nothing (no top-level domain is numeric):
  // 999.1.1.1 would otherwise fail later as "Invalid URL".
  if (/^[0-9.]+$/.test(host) && !net.isIPv4(host))
    fail(s, 'a valid IPv4 address (four numbers from 0 to 255, e.g. 192.168.1.20)');
  if (host.includes(':') && !net.isIPv6(host.replace(/%.*$/, ''))) fail(s, 'a valid IPv6 address (e.g. ::1)');
  return host;
}

function toHttpUrl(s: Setting): string {
  const text = toText(s);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(s, 'a URL starting with http:// or https://');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    fail(s, 'a URL starting with http:// or https://');
  if (url.username || url.password) fail(s, 'a URL without a user name or password');
  if (url.search || url.hash) fail(s, 'a URL without ?query or #fragment');
  return url.href;
}

/** Clients append `user/1.0/…` to it, so it always ends in "/". */
function toPublicUrl(s: Setting): string {
  const href = toHttpUrl(s);
  return href.endsWith('/') ? href : `${href}/`;
}

function defaultPublicUrl(host: string, port: number, https: boolean): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === 'localhost';
  const shown = wildcard ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `${https ? 'https' : 'http'}://${shown}:${port}/`;
}

const LAYER_RANK: Record<ConfigLayer, number> = { ini: 0, env: 1, flag: 2 };

/** `auto` or `off`: the own-files choice is made by giving both files instead. */
function toHttpsWord(s: Setting): 'auto' | 'off' {
  if (typeof s.value === 'boolean' && !s.value) return 'off';
  const word = toText(s).toLowerCase();
  if (word !== 'auto' && word !== 'off')
    fail(s, 'auto or off (for your own certificate, give tls_cert and tls_key)');
  return word;
}

/**
 * Config.tls from `https`, `tls_cert` and `tls_key`. Both files: the owner's own certificate;
 * one alone is refused. When `https` and the pair disagree, the higher layer wins (flags over
 * environment over ini file, as for every setting); in the same layer they contradict each
 * other and are refused, since neither can be meant to win.
 */
function toTls(layer: Layer): TlsSettings {
  const { https, tlsCert, tlsKey } = layer;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    const given = (tlsCert ?? tlsKey) as Setting;
    const missing = tlsCert
      ? 'the key file (tls_key, --tls-key, FOXDEN_TLS_KEY)'
      : 'the certificate file (tls_cert, --tls-cert, FOXDEN_TLS_CERT)';
    throw new ConfigError(
      `${given.from} is given without ${missing}: HTTPS with your own certificate needs both.`,
    );
  }
  const word = https ? toHttpsWord(https) : undefined;
  if (!tlsCert || !tlsKey) return word === 'auto' ? { mode: 'auto' } : { mode: 'off' };
  const files: TlsSettings = { mode: 'files', certFile: toPath(tlsCert), keyFile: toPath(tlsKey) };
  if (!https || word === undefined) return files;
  const pairRank = Math.max(LAYER_RANK[tlsCert.layer], LAYER_RANK[tlsKey.layer]);
  const httpsRank = LAYER_RANK[https.layer];
  if (httpsRank === pairRank) {
    throw new ConfigError(
      `${https.from} is "${word}" but ${tlsCert.from} and ${tlsKey.from} name certificate files: ` +
        `give either ${word === 'off' ? 'https = off (plain HTTP)' : 'https = auto (a household certificate)'} or the two files (your own certificate), not both.`,
    );
  }
  if (httpsRank > pairRank) return word === 'auto' ? { mode: 'auto' } : { mode: 'off' };
  return files;
}

function toLogFormat(s: Setting): 'text' | 'json' {
  const format = toText(s).toLowerCase();
  if (format !== 'text' && format !== 'json') fail(s, 'text or json');
  return format;
}

const CORS_EXPECTED =
  '* (any origin), none, or origins such as "https://app.example.org, http://192.168.1.20:8080"';

/** `*`, `none`/`off`/`false` (no CORS), or a comma list of `scheme://host[:port]` origins. */
function toCorsOrigins(s: Setting): '*' | string[] | null {
  const text = Array.isArray(s.value) ? s.value.join(',') : String(s.value).trim();
  const lower = text.toLowerCase();
  if (lower === '*') return '*';
  if (lower === 'none' || (FALSE_WORDS.has(lower) && lower !== '0')) return null;
  const origins = text
    .split(/[\s,]+/)
    .filter((part) => part !== '')
    // Browsers send an origin in lower case and without a path; a pasted URL's "/" is forgiven.
    .map((part) => part.replace(/\/$/, '').toLowerCase());
  if (origins.length === 0) fail(s, CORS_EXPECTED);
  for (const origin of origins) {
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s]+$/.test(origin)) fail(s, CORS_EXPECTED);
  }
  return origins;
}

const TRUST_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Express `trust proxy`: true/false, a hop count, or addresses/subnets/names (comma list). */
function toTrustProxy(s: Setting): boolean | number | string {
  if (typeof s.value === 'boolean' || typeof s.value === 'number') {
    if (typeof s.value === 'number' && s.value < 0)
      fail(s, 'true, false, a hop count or a list of addresses');
    return s.value;
  }
  const text = Array.isArray(s.value) ? s.value.join(',') : toText(s);
  const lower = text.toLowerCase();
  if (TRUE_WORDS.has(lower) && lower !== '1') return true;
  if (FALSE_WORDS.has(lower) && lower !== '0') return false;
  if (/^\d+$/.test(text)) return Number(text);
  const parts = text.split(',').map((p) => p.trim());
  for (const part of parts) {
    const [address, bits] = part.split('/');
    const valid =
      TRUST_NAMES.has(part) ||
      (net.isIP(address ?? '') !== 0 &&
        (bits === undefined || /^\d{1,3}$/.test(bits) || net.isIP(bits) !== 0));
    if (!valid) fail(s, 'true, false, a hop count, or addresses/subnets such as "loopback, 10.0.0.0/8"');
  }
  return parts.join(', ');
}
