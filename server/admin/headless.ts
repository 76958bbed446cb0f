import type { ConfigSourceKey } from '../config-load.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { AdminService } from './admin-service.js';
import type { AdminSettings } from './api.js';
import { startAdminHttp, type AdminHttp } from './http-transport.js';
import { createAdmin } from './index.js';
import type { ServerController } from './server-controller.js';
import { JsonFileSettingsStore, type SettingsStore } from './settings-store.js';
import { configToSettings, mergeHeadlessSettings } from './settings.js';

export interface HeadlessOptions {
  /** The validated Config from defaults ← ini ← environment ← flags. */
  config: Config;
  /** False when the public URL is the default, so it follows the port actually bound. */
  publicUrlGiven: boolean;
  /** Config fields given by the ini file, environment or flags: they win over saved settings. */
  explicit?: ReadonlySet<ConfigSourceKey>;
  logger: Logger;
  /** Admin listener port (0: any free port), or null for `--no-admin`. */
  adminPort: number | null;
  staticDir?: string;
  /** One warning line on stderr. */
  warn(message: string): void;
  /**
   * Settings the command line gave explicitly, which win over saved ones for this run even
   * when they equal the default (`--no-allow-new-users` must close sign-ups).
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
  /** Stops the admin listener and the sync server, closes the database. */
  close(): Promise<void>;
}

/**
 * Settings headless: the command line's explicit values win for this run only; what the
 * owner changes from the dashboard is saved to `<dataDir>/settings.json` for the next run.
 */
class HeadlessSettingsStore implements SettingsStore {
  constructor(
    private readonly file: JsonFileSettingsStore,
    private current: AdminSettings,
  ) {}

  load(): AdminSettings {
    return { ...this.current };
  }

  save(settings: AdminSettings): void {
    this.file.save(settings);
    this.current = { ...settings };
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
  const stored = file.exists() ? file.load() : configToSettings(config);
  const settings = mergeHeadlessSettings(stored, config, options.explicit ?? new Set());
  Object.assign(settings, options.overrides);
  const store = new HeadlessSettingsStore(file, settings);
  const { controller, service } = createAdmin({
    baseConfig: config,
    store,
    logger,
    publicUrlFollowsPort: !options.publicUrlGiven && settings.port === 0,
  });

  const status = await service.start();
  if (status.state !== 'running' || !status.listen) {
    const failure = new Error(
      status.lastError ?? 'The sync server could not start.',
    ) as NodeJS.ErrnoException;
    const code = controller.status().lastErrorCode;
    if (code) failure.code = code;
    service.detach();
    await controller.dispose();
    throw failure;
  }

  let admin: AdminHttp | null = null;
  if (options.adminPort !== null) {
    try {
      admin = await startAdminHttp({
        service,
        port: options.adminPort,
        dataDir: config.dataDir,
        logger,
        ...(options.staticDir ? { staticDir: options.staticDir } : {}),
      });
    } catch (err) {
      options.warn(
        `the admin dashboard is not available: ${err instanceof Error ? err.message : String(err)} Sync keeps running.`,
      );
    }
  }

  return {
    service,
    controller,
    admin,
    address: status.listen,
    async close() {
      await admin?.close();
      service.detach();
      await controller.dispose();
    },
  };
}
