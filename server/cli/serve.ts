import { hostInUrl } from '../http/listen.js';
import type { Headless } from '../admin/headless.js';
import type { AdminSettings } from '../admin/api.js';
import type { SettingOrigin } from '../admin/settings.js';
import { adminUrlLine, DEFAULT_ADMIN_PORT } from '../admin/admin-url.js';
import { loadConfig, type ConfigFlags } from '../config-load.js';
import { withDirectoryLibrary } from '../directory-library.js';
import { configWarnings } from '../config-warnings.js';
import { databaseFileOf, describeLocation } from '../db/server-database.js';
import { ensurePrivateDir } from '../fs/private-path.js';
import { tuneHeapForServer } from '../heap.js';
import { Logger } from '../log.js';
import { stdoutSink } from '../log-fd-sink.js';
import { parseCommandArgs, stringValue, UsageError } from './args.js';
import type { CliIo } from './io.js';

export const SERVE_OPTIONS = {
  config: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'public-url': { type: 'string' },
  'allow-new-users': { type: 'boolean' },
  'log-format': { type: 'string' },
  'trust-proxy': { type: 'string' },
  'quota-kb': { type: 'string' },
  'max-new-users': { type: 'string' },
  'fxa-jwks-file': { type: 'string' },
  'fxa-oauth-server': { type: 'string' },
  'master-secret-file': { type: 'string' },
  'database-url': { type: 'string' },
  'cors-origins': { type: 'string' },
  https: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'admin-port': { type: 'string' },
  admin: { type: 'boolean' },
} as const;

/** `--admin-port P` (0: any free port, default 8174) or `--no-admin`: null means no admin listener. */
export function adminPortFlag(args: string[]): number | null {
  const { values } = parseCommandArgs(args, SERVE_OPTIONS, 0);
  if (values.admin === false) return null;
  const text = stringValue(values, 'admin-port');
  if (text === undefined) return DEFAULT_ADMIN_PORT;
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) > 65535) {
    throw new UsageError(`--admin-port must be a port number from 0 to 65535, not "${text}".`);
  }
  return Number(text);
}

export function serveFlags(args: string[]): ConfigFlags {
  const { values } = parseCommandArgs(args, SERVE_OPTIONS, 0);
  const flags: ConfigFlags = {};
  const put = (key: keyof ConfigFlags, name: string) => {
    const value = stringValue(values, name);
    if (value !== undefined) (flags as Record<string, string>)[key] = value;
  };
  put('config', 'config');
  put('host', 'host');
  put('port', 'port');
  put('dataDir', 'data-dir');
  put('publicUrl', 'public-url');
  put('logFormat', 'log-format');
  put('trustProxy', 'trust-proxy');
  put('quotaKb', 'quota-kb');
  put('maxNewUsers', 'max-new-users');
  put('fxaJwksFile', 'fxa-jwks-file');
  put('fxaOauthServer', 'fxa-oauth-server');
  put('masterSecretFile', 'master-secret-file');
  put('databaseUrl', 'database-url');
  put('corsOrigins', 'cors-origins');
  put('https', 'https');
  put('tlsCert', 'tls-cert');
  put('tlsKey', 'tls-key');
  const allow = values['allow-new-users'];
  if (typeof allow === 'boolean') flags.allowNewUsers = allow;
  return flags;
}

/** `--admin-port N` (0: any free port), `--no-admin`, else FOXDEN_ADMIN_PORT, else 8174. */
export function adminPortOf(args: string[], env: NodeJS.ProcessEnv): number | null {
  const { values } = parseCommandArgs(args, SERVE_OPTIONS, 0);
  const flag = stringValue(values, 'admin-port');
  const text = flag ?? (env.FOXDEN_ADMIN_PORT || undefined);
  let port: number | null = DEFAULT_ADMIN_PORT;
  if (text === 'off') port = null;
  else if (text !== undefined) {
    port = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(port >= 0 && port <= 65535)) {
      const expected = 'a port number from 1 to 65535 (or 0 for any free port)';
      throw new UsageError(
        flag !== undefined
          ? `--admin-port must be ${expected}, not "${text}".`
          : `environment variable FOXDEN_ADMIN_PORT: "${text}" is not ${expected}.`,
      );
    }
  }
  return values.admin === false ? null : port;
}

/**
 * `foxden serve`: the sync server (through the same ServerController the desktop app uses)
 * plus the loopback admin dashboard. Runs until SIGINT/SIGTERM, then closes the server (open
 * requests finish, idle keep-alive sockets drop, the database closes) and resolves with 0.
 */
export async function serve(args: string[], io: CliIo): Promise<number> {
  const flags = serveFlags(args);
  const adminPort = adminPortOf(args, io.env);
  // The LDAP client is loaded only when the config names a directory (directory-library.ts).
  const { config, notes, publicUrlGiven, origins } = await withDirectoryLibrary(() =>
    loadConfig({ flags, env: io.env, cwd: io.cwd }),
  );
  for (const note of notes) io.warn(note);
  for (const warning of configWarnings(config)) io.warn(warning);

  ensurePrivateDir(config.dataDir);
  // Batched asynchronous writes on stdout's descriptor: no write system call per request;
  // everything waiting is written at exit (server/log-fd-sink.ts).
  const logger = new Logger([stdoutSink(io.stdout, config.logFormat, (message) => io.warn(message))]);

  // Handlers go in before anything is printed: whoever waits for the "listening" line may
  // signal the moment it appears.
  let stopRequested: NodeJS.Signals | null = null;
  let onStop = (signal: NodeJS.Signals) => {
    if (stopRequested !== null) process.exit(1);
    stopRequested = signal;
  };
  io.onSignal('SIGINT', (signal) => onStop(signal));
  io.onSignal('SIGTERM', (signal) => onStop(signal));

  // bin/foxden.js applied it before any module was compiled (server/heap.ts); here for a caller
  // of main() in its own process (tests). Idempotent.
  tuneHeapForServer();
  const { startHeadless } = await import('../admin/headless.js');

  let headless: Headless;
  try {
    headless = await startHeadless({
      config,
      publicUrlGiven,
      origins,
      logger,
      adminPort,
      // Sign-ups opened on the command line for this run close after --max-new-users accounts
      // (default 10), not after the first one.
      ...(flags.allowNewUsers === true ? { overrides: { autoCloseSignups: false } } : {}),
      warn: (message) => io.warn(message),
    });
  } catch (err) {
    // startHeadless closed what it opened; main prints the one line. A signal from now on
    // ends the process at once, whatever might still be closing.
    onStop = () => process.exit(1);
    throw err;
  }

  return new Promise<number>((resolve, reject) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second Ctrl-C means "now": skip waiting for open requests.
        io.warn(`${signal} again: exiting without waiting.`);
        process.exit(1);
      }
      stopping = true;
      logger.info('lifecycle', `${signal} received, stopping`);
      headless.close().then(
        () => resolve(0),
        (err: unknown) => {
          io.warn(`Stopping failed: ${err instanceof Error ? err.message : String(err)}`);
          resolve(1);
        },
      );
    };
    onStop = stop;
    if (stopRequested !== null) return stop(stopRequested);

    // A database server is named by its URL without the password; a file by its folder.
    const dataIn =
      databaseFileOf(config.database) !== null
        ? config.dataDir
        : `${config.dataDir} and ${describeLocation(config.database)}`;
    announce(headless, dataIn, config.maxNewUsers, logger).catch((err: unknown) => {
      // Still part of the start: never keep serving without having said where.
      if (stopping) return;
      stopping = true;
      onStop = () => process.exit(1);
      const failure = new Error(
        `Foxden stopped: reading the server status at start failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      const fail = () => reject(failure);
      headless.close().then(fail, fail);
    });
  });
}

/** The "listening" line: printed only once the server accepts connections. */
async function announce(
  headless: Headless,
  dataDir: string,
  maxNewUsers: number,
  logger: Logger,
): Promise<void> {
  const { address } = headless;
  const scheme = headless.controller.config.tls.mode === 'off' ? 'http' : 'https';
  const status = await headless.service.status();
  const settings = await headless.service.getSettings();
  logger.info(
    'lifecycle',
    `Foxden listening on ${scheme}://${hostInUrl(address.host)}:${address.port}/ — clients use ${status.publicUrl}; ` +
      `${signupState(settings, headless.signupsFrom, maxNewUsers)}; data in ${dataDir}`,
  );
  if (headless.admin) logger.info('lifecycle', adminUrlLine(headless.admin));
}

/**
 * "sign-ups open (saved from the dashboard; --no-allow-new-users closes them; …)": the state
 * in force, where it came from and how to change it, so the precedence rule is visible.
 */
export function signupState(
  settings: Pick<AdminSettings, 'allowNewUsers' | 'autoCloseSignups'>,
  from: SettingOrigin,
  maxNewUsers: number,
): string {
  if (!settings.allowNewUsers) {
    if (from.layer === 'flag' || from.layer === 'env') return `sign-ups closed (${from.from})`;
    if (from.layer === 'saved') return 'sign-ups closed (saved from the dashboard)';
    return 'sign-ups closed';
  }
  const source =
    from.layer === 'saved'
      ? 'saved from the dashboard'
      : from.layer === 'default'
        ? 'default'
        : from.layer === 'flag'
          ? `${from.from}, this run only`
          : from.from;
  const closes = from.layer === 'flag' ? [] : ['--no-allow-new-users closes them'];
  const cap = settings.autoCloseSignups
    ? 'they close after the first new account'
    : maxNewUsers > 0
      ? `they close by themselves after ${maxNewUsers} new account${maxNewUsers === 1 ? '' : 's'}`
      : 'no limit on new accounts (--max-new-users 0)';
  return `sign-ups open (${[source, ...closes, cap].join('; ')})`;
}
