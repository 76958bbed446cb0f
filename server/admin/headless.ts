import fs from 'node:fs';
import type { ConfigOrigin, ConfigSourceKey } from '../config-load.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { readNetworkInterfaces } from '../network-interfaces.js';
import type { AdminService } from './admin-service.js';
import type { AdminSettings } from './api.js';
import type { AdminHttp } from './http-transport.js';
import { lanAddresses } from './environment.js';
import type { ServerController } from './server-controller.js';
import { JsonFileSettingsStore, writeFileAtomic, type SettingsStore } from './settings-store.js';
import { changedFields, resolveHeadlessSettings, savedFields, type SettingOrigin } from './settings.js';

export interface HeadlessOptions {
  /** The validated Config from defaults ← ini ← environment ← flags. */
  config: Config;
  /** False when the public URL is the default, so it follows the port actually bound. */
  publicUrlGiven: boolean;
  /**
   * Where each Config field the ini file, environment or flags gave came from: environment
   * and flags win over saved settings, the ini file does not (loadConfig's `origins`).
   */
  origins?: Partial<Record<ConfigSourceKey, ConfigOrigin>>;
  logger: Logger;
  /** Admin listener port (0: any free port), or null for `--no-admin`. */
  adminPort: number | null;
  staticDir?: string;
  /** One warning line on stderr. */
  warn(message: string): void;
  /**
   * Settings the command line gave for this run only (never saved), e.g. `autoCloseSignups:
   * false` with `--allow-new-users`, whose cap is --max-new-users instead.
   */
  overrides?: Partial<Pick<AdminSettings, 'allowNewUsers' | 'autoCloseSignups'>>;
}

export interface Headless {
  service: AdminService;
  controller: ServerController;
  /** Null with `--no-admin`, or when its port was busy (a warning said so); print adminUrlLine(admin). */
  admin: AdminHttp | null;
  /** The address the sync server is listening on. */
  address: { host: string; port: number };
  /** Where the sign-up setting in force came from (for the start line). */
  signupsFrom: SettingOrigin;
  /** Stops the admin listener and the sync server, closes the database. */
  close(): Promise<void>;
}

/**
 * Settings headless: the command line's values apply for this run only; a save from the
 * dashboard writes to `<dataDir>/settings.json` only the fields that save changed, on top of
 * what the file held, so `--allow-new-users` is never written there by a later port change.
 */
class HeadlessSettingsStore implements SettingsStore {
  constructor(
    private readonly file: JsonFileSettingsStore,
    private current: AdminSettings,
    private saved: Partial<AdminSettings>,
  ) {}

  load(): AdminSettings {
    return { ...this.current };
  }

  save(settings: AdminSettings): void {
    const next = { ...this.saved, ...changedFields(this.current, settings) };
    writeFileAtomic(this.file.file, JSON.stringify(next, null, 2) + '\n');
    this.saved = next;
    this.current = { ...settings };
  }
}

/** What `<dataDir>/settings.json` holds; a missing or unreadable file holds nothing. */
export function readSaved(file: JsonFileSettingsStore): Partial<AdminSettings> {
  try {
    return savedFields(JSON.parse(fs.readFileSync(file.file, 'utf8')));
  } catch {
    return {};
  }
}

/**
 * `foxden serve`: the sync server runs through the ServerController (so Start/Stop from the
 * dashboard work) and the loopback admin listener serves the dashboard. Rejects with the
 * plain-words listen error when the sync server cannot start; a busy admin port only warns.
 */
export async function startHeadless(options: HeadlessOptions): Promise<Headless> {
  const { config, logger } = options;
  const file = new JsonFileSettingsStore(config.dataDir);
  const saved = readSaved(file);
  const resolved = resolveHeadlessSettings(saved, config, options.origins ?? {});
  const settings = { ...resolved.settings, ...options.overrides };
  const store = new HeadlessSettingsStore(file, settings, saved);
  // Loaded here, not at the top: the sync server's modules (Express, both protocols) load
  // once `foxden serve` has tuned the V8 heap (cli/serve.ts), and `foxden setup-info`, which
  // reads readSaved from this module, does not load them at all.
  const { createAdmin } = await import('./index.js');
  const { controller, service } = createAdmin({
    baseConfig: config,
    store,
    logger,
    publicUrlFollowsPort: !options.publicUrlGiven && settings.port === 0,
    // A system that refuses to list its interfaces (systemd without AF_NETLINK) shows none.
    lanAddresses: () => lanAddresses(readNetworkInterfaces(options.warn)),
  });

  // Whatever fails once the sync listener may be open closes everything opened so far, so
  // `foxden serve` never stays up half-started.
  let admin: AdminHttp | null = null;
  const closeAll = async () => {
    await admin?.close();
    service.detach();
    await controller.dispose();
  };
  let address: { host: string; port: number };
  try {
    const status = await service.start();
    if (status.state !== 'running' || !status.listen) {
      const failure = new Error(
        status.lastError ?? 'The sync server could not start.',
      ) as NodeJS.ErrnoException;
      const code = controller.status().lastErrorCode;
      if (code) failure.code = code;
      throw failure;
    }
    address = status.listen;
    if (options.adminPort !== null) admin = await startAdminOrWarn(options, service, address.port);
  } catch (err) {
    await closeAll().catch(() => undefined);
    throw err;
  }

  return {
    service,
    controller,
    admin,
    address,
    signupsFrom: resolved.origins.allowNewUsers,
    close: closeAll,
  };
}

/** The admin listener, or null with a warning when it cannot be had: sync keeps running. */
async function startAdminOrWarn(
  options: HeadlessOptions,
  service: AdminService,
  syncPort: number,
): Promise<AdminHttp | null> {
  const adminPort = options.adminPort ?? 0;
  try {
    const { startAdminHttp } = await import('./http-transport.js');
    return await startAdminHttp({
      service,
      port: adminPort,
      dataDir: options.config.dataDir,
      logger: options.logger,
      ...(options.staticDir ? { staticDir: options.staticDir } : {}),
    });
  } catch (err) {
    // The same port as the sync listener is refused by Foxden itself, not "another program".
    const ownPort =
      adminPort !== 0 && adminPort === syncPort && (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    const reason = ownPort
      ? `port ${adminPort} is Foxden's own sync port; give --admin-port a different port.`
      : err instanceof Error
        ? err.message
        : String(err);
    options.warn(`the admin dashboard is not available: ${reason} Sync keeps running.`);
    return null;
  }
}
