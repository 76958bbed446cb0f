import type { ConfigOrigin, ConfigSourceKey } from '../config-load.js';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../config.js';
import type { TlsSettings } from '../tls/types.js';
import { DEFAULT_PORT } from '../config.js';
import * as z from 'zod/mini';
import type { AdminSettings, BindScope } from './api.js';
import { BACKUP_LIMITS, settingsProblem, storedSettingRules } from './settings-schema.js';

export { BACKUP_LIMITS };

/** Settings a fresh install starts with: this computer only, sign-ups closed. */
export const DEFAULT_SETTINGS: Readonly<AdminSettings> = Object.freeze({
  port: DEFAULT_PORT,
  bindScope: 'local',
  publicUrl: `http://127.0.0.1:${DEFAULT_PORT}/`,
  allowNewUsers: false,
  autoCloseSignups: true,
  openAtLogin: false,
  behindProxy: false,
  backupFolder: null,
  backupEveryHours: 24,
  backupKeep: 7,
  https: 'off',
  tlsCertFile: null,
  tlsKeyFile: null,
});

/** The settings of scheduled backups (GUI-only: the command line does not set them). */
export const BACKUP_SETTING_KEYS = ['backupFolder', 'backupEveryHours', 'backupKeep'] as const;
export type BackupSettings = Pick<AdminSettings, (typeof BACKUP_SETTING_KEYS)[number]>;

/** Settings that only take effect when the listener is rebuilt. */
export const RESTART_FIELDS: readonly (keyof AdminSettings)[] = [
  'port',
  'bindScope',
  'behindProxy',
  'https',
  'tlsCertFile',
  'tlsKeyFile',
];

/** The settings that say how the sync port speaks; the command line gives them as one (Config.tls). */
export const TLS_SETTING_KEYS = ['https', 'tlsCertFile', 'tlsKeyFile'] as const;
export type TlsSettingFields = Pick<AdminSettings, (typeof TLS_SETTING_KEYS)[number]>;

/** Config.tls from the owner's three fields (a `files` choice always holds both: coerceSettings). */
export function tlsOf(settings: TlsSettingFields): TlsSettings {
  if (settings.https === 'files' && settings.tlsCertFile && settings.tlsKeyFile) {
    return { mode: 'files', certFile: settings.tlsCertFile, keyFile: settings.tlsKeyFile };
  }
  return settings.https === 'auto' ? { mode: 'auto' } : { mode: 'off' };
}

/** The three fields for Config.tls; paths not in it (HTTPS off or automatic) stay as `rest` has them. */
export function tlsFieldsOf(tls: TlsSettings, rest: Partial<TlsSettingFields>): TlsSettingFields {
  if (tls.mode === 'files') return { https: 'files', tlsCertFile: tls.certFile, tlsKeyFile: tls.keyFile };
  return { https: tls.mode, tlsCertFile: rest.tlsCertFile ?? null, tlsKeyFile: rest.tlsKeyFile ?? null };
}

/**
 * Settings the running server reads at request time (SyncServerOptions.live), so changing
 * them needs no restart; the same names in AdminSettings and Config.
 */
export const LIVE_FIELDS = ['publicUrl', 'allowNewUsers'] as const;

/** "Home network" listens on every IPv4 interface; "this computer only" on 127.0.0.1. */
const LAN_HOST = '0.0.0.0';
const LOCAL_HOST = '127.0.0.1';
/** With a proxy, trust the addresses a household proxy can have: this machine or the LAN. */
const PROXY_TRUST = 'loopback, linklocal, uniquelocal';

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  if (bare.startsWith('::ffff:')) return isLoopbackHost(bare.slice(7));
  return net.isIPv4(bare) && bare.startsWith('127.');
}

/** Public URLs always end in "/" so that `publicUrl + '1.0/sync/1.5'` is right. */
export function normalisePublicUrl(url: string): string {
  return url.endsWith('/') ? url : url + '/';
}

/**
 * The public URL after a save that switches HTTPS on or off: one that names this server's own
 * port directly (no reverse proxy) with the other scheme would send clients to the wrong
 * protocol, so it takes the new one (http://192.168.1.20:8173/ -> https://192.168.1.20:8173/).
 * Null when it stays as it is.
 */
export function publicUrlForHttps(
  before: Pick<AdminSettings, 'https'>,
  next: Pick<AdminSettings, 'https' | 'publicUrl' | 'port' | 'behindProxy'>,
): string | null {
  if ((before.https === 'off') === (next.https === 'off') || next.behindProxy) return null;
  let url: URL;
  try {
    url = new URL(next.publicUrl);
  } catch {
    return null;
  }
  const scheme = next.https === 'off' ? 'http:' : 'https:';
  if (url.protocol === scheme || !/^https?:$/.test(url.protocol)) return null;
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  if (port !== next.port) return null;
  // Written out again so the port stays explicit when it was the old scheme's default.
  return normalisePublicUrl(new URL(`${scheme}//${url.hostname}:${port}${url.pathname}`).href);
}

export function bindScopeOf(host: string): BindScope {
  return isLoopbackHost(host) ? 'local' : 'lan';
}

/** Applies the owner's settings to a full Config; everything settings do not cover stays. */
export function settingsToConfig(settings: AdminSettings, base: Config): Config {
  // An address the base config already names (e.g. `--host ::1` or `--host 192.168.1.20`)
  // is kept when it fits the scope; otherwise the scope's default address is used.
  const host =
    settings.bindScope === 'local'
      ? isLoopbackHost(base.host)
        ? base.host
        : LOCAL_HOST
      : isLoopbackHost(base.host)
        ? LAN_HOST
        : base.host;
  const trustProxy = settings.behindProxy
    ? base.trustProxy === false
      ? PROXY_TRUST
      : base.trustProxy
    : false;
  return {
    ...base,
    host,
    port: settings.port,
    publicUrl: normalisePublicUrl(settings.publicUrl),
    allowNewUsers: settings.allowNewUsers,
    trustProxy,
    tls: tlsOf(settings),
  };
}

/** The settings a Config expresses; the GUI-only fields (and paths HTTPS off keeps) come from `rest`. */
export function configToSettings(
  config: Config,
  rest: Pick<AdminSettings, 'autoCloseSignups' | 'openAtLogin'> &
    Partial<BackupSettings> &
    Partial<TlsSettingFields> = DEFAULT_SETTINGS,
): AdminSettings {
  return {
    port: config.port,
    bindScope: bindScopeOf(config.host),
    publicUrl: config.publicUrl,
    allowNewUsers: config.allowNewUsers,
    autoCloseSignups: rest.autoCloseSignups,
    openAtLogin: rest.openAtLogin,
    behindProxy: config.trustProxy !== false,
    backupFolder: rest.backupFolder ?? DEFAULT_SETTINGS.backupFolder,
    backupEveryHours: rest.backupEveryHours ?? DEFAULT_SETTINGS.backupEveryHours,
    backupKeep: rest.backupKeep ?? DEFAULT_SETTINGS.backupKeep,
    ...tlsFieldsOf(config.tls, rest),
  };
}

/** Which Config field expresses each setting the command line can also give. */
const SETTING_SOURCES = {
  port: 'port',
  bindScope: 'host',
  publicUrl: 'publicUrl',
  allowNewUsers: 'allowNewUsers',
  behindProxy: 'trustProxy',
} as const satisfies Partial<Record<keyof AdminSettings, ConfigSourceKey>>;

/** A setting the command line, environment or ini file can also give. */
export type SourcedSetting = keyof typeof SETTING_SOURCES | 'https';

/** Where the value a headless run uses came from, for the start line ("saved from the dashboard"). */
export type SettingOrigin = { layer: 'default' } | { layer: 'saved' } | ConfigOrigin;

/**
 * Headless start, in one order (README "Which setting wins"): defaults < ini file < settings
 * saved from the dashboard < environment < flags. `saved` holds only the fields the owner
 * saved; environment and flags win even when they equal the default (`--host 127.0.0.1` is
 * never overridden by a saved "home network", `--no-allow-new-users` closes saved sign-ups).
 */
export function resolveHeadlessSettings(
  saved: Partial<AdminSettings>,
  config: Config,
  origins: Partial<Record<ConfigSourceKey, ConfigOrigin>>,
): { settings: AdminSettings; origins: Record<SourcedSetting, SettingOrigin> } {
  const rest = { ...DEFAULT_SETTINGS, ...saved };
  const fromConfig = configToSettings(config, rest);
  const merged: AdminSettings = { ...rest };
  const from = {} as Record<SourcedSetting, SettingOrigin>;
  for (const [setting, source] of Object.entries(SETTING_SOURCES) as [SourcedSetting, ConfigSourceKey][]) {
    const origin = origins[source];
    const commandLine = origin !== undefined && (origin.layer === 'env' || origin.layer === 'flag');
    let value: unknown;
    if (!commandLine && saved[setting] !== undefined) {
      value = saved[setting];
      from[setting] = { layer: 'saved' };
    } else {
      value = fromConfig[setting];
      from[setting] = origin ?? { layer: 'default' };
    }
    (merged as unknown as Record<string, unknown>)[setting] = value;
  }
  const https = resolveTls(saved, config, origins);
  Object.assign(merged, https.fields);
  return { settings: merged, origins: { ...from, https: https.origin } };
}

/** The config-load keys that together make Config.tls (`--https`, `--tls-cert`, `--tls-key`). */
const TLS_SOURCES = ['https', 'tlsCert', 'tlsKey'] as const satisfies readonly ConfigSourceKey[];

/**
 * The three HTTPS fields in the same order as the others. The command line gives them as one
 * Config.tls, so an environment variable or flag for any of them decides all three
 * (`--https auto` is never mixed with certificate paths saved from the dashboard).
 */
function resolveTls(
  saved: Partial<AdminSettings>,
  config: Config,
  origins: Partial<Record<ConfigSourceKey, ConfigOrigin>>,
): { fields: TlsSettingFields; origin: SettingOrigin } {
  const given = TLS_SOURCES.map((key) => origins[key]).filter((o): o is ConfigOrigin => o !== undefined);
  const commandLine = given.find((o) => o.layer === 'flag') ?? given.find((o) => o.layer === 'env');
  const fromConfig = tlsFieldsOf(config.tls, saved);
  if (commandLine) return { fields: fromConfig, origin: commandLine };
  const fields = { ...fromConfig };
  for (const key of TLS_SETTING_KEYS) {
    if (saved[key] !== undefined) (fields as Record<string, unknown>)[key] = saved[key];
  }
  const fromSaved = TLS_SETTING_KEYS.some((key) => saved[key] !== undefined);
  return {
    // A saved choice of own files whose paths are missing here reads as off (as coerceSettings does).
    fields: { ...fields, https: tlsOf(fields).mode },
    origin: fromSaved ? { layer: 'saved' } : (given[0] ?? { layer: 'default' }),
  };
}

export function mergeHeadlessSettings(
  saved: Partial<AdminSettings>,
  config: Config,
  origins: Partial<Record<ConfigSourceKey, ConfigOrigin>>,
): AdminSettings {
  return resolveHeadlessSettings(saved, config, origins).settings;
}

/** The fields of a settings file the owner actually saved (valid ones only), for merging. */
export function savedFields(raw: unknown): Partial<AdminSettings> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
  const full = coerceSettings(raw);
  const out: Partial<AdminSettings> = {};
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(full) as (keyof AdminSettings)[]) {
    if (key in r && r[key] === full[key]) (out as Record<string, unknown>)[key] = full[key];
  }
  return out;
}

/** The fields of `next` that differ from `current`: what the owner changed in one save. */
export function changedFields(current: AdminSettings, next: AdminSettings): Partial<AdminSettings> {
  const patch: Partial<AdminSettings> = {};
  for (const key of Object.keys(next) as (keyof AdminSettings)[]) {
    if (next[key] !== current[key]) (patch as Record<string, unknown>)[key] = next[key];
  }
  return patch;
}

/**
 * A settings file's schema: each field its stored rule and its default. `withDefault` wraps a
 * rule: z._default for the JSON schema (electron-store fills gaps from it), z.catch to read.
 */
function storedShape(withDefault: (rule: z.ZodMiniType, fallback: unknown) => z.ZodMiniType) {
  const rules: Record<keyof AdminSettings, z.ZodMiniType> = storedSettingRules(path.isAbsolute);
  return Object.fromEntries(
    (Object.keys(rules) as (keyof AdminSettings)[]).map((key) => [
      key,
      withDefault(rules[key], DEFAULT_SETTINGS[key]),
    ]),
  );
}

/** Reading a file: an absent or ill-typed field takes its default; unknown fields are dropped. */
const STORED_SETTINGS = z.object(storedShape((rule, fallback) => z.catch(rule, fallback)));

/**
 * The JSON schema of a settings file's fields (electron-store's `schema` option: it checks every
 * write, and a hand-edited file that breaks it is set aside), generated from the same rules.
 * Refinements such as "an absolute path" cannot be expressed and are left to coerceSettings.
 */
export function settingsJsonSchema(): Record<keyof AdminSettings, Record<string, unknown>> {
  const schema = z.toJSONSchema(z.object(storedShape((rule, fallback) => z._default(rule, fallback))), {
    target: 'draft-07',
    io: 'input',
  });
  return schema.properties as Record<keyof AdminSettings, Record<string, unknown>>;
}

/**
 * Fills gaps and drops unknown or ill-typed fields of settings read from disk. A file that
 * asks for the owner's own certificate without both files (hand-edited: the dashboard refuses
 * it) reads as HTTPS off rather than a server that cannot start; its paths stay.
 */
export function coerceSettings(raw: unknown): AdminSettings {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { ...DEFAULT_SETTINGS };
  // Every field has a rule of its AdminSettings type and a default, so the cast holds.
  const settings = STORED_SETTINGS.parse(raw) as AdminSettings;
  return settingsProblem(settings) ? { ...settings, https: 'off' } : settings;
}
