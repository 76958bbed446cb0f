import fs from 'node:fs';
import { startSyncServer } from '../server/app.js';
import { defaultConfig, type Config } from '../server/config.js';
import { Logger, type LogSink } from '../server/log.js';
import { AdminService } from '../server/admin/admin-service.js';
import { ServerController, type ControllerStatus } from '../server/admin/server-controller.js';
import type { SettingsStore } from '../server/admin/settings-store.js';

export interface DesktopBackendOptions {
  /** Electron's userData directory: database, settings, master secret, backups. */
  dataDir: string;
  store: SettingsStore;
  /** better-sqlite3 addon built for Electron (unpackaged runs only; see paths.ts). */
  nativeBinding?: string;
  logSinks?: LogSink[];
  platform?: NodeJS.Platform;
}

export interface DesktopBackend {
  readonly service: AdminService;
  readonly controller: ServerController;
  readonly logger: Logger;
  readonly config: Config;
  /** Something the tray shows changed: server state, or settings changed by themselves. */
  onChange(listener: () => void): () => void;
  onStateChange(listener: (status: ControllerStatus) => void): () => void;
  /** A stranger created an account through a sign-up door (the sign-up gate's event). */
  onAccountActivity(listener: () => void): () => void;
  /** Stops the server and closes the database: the last step of Quit. */
  dispose(): Promise<void>;
}

export function missingAddonMessage(file: string): string {
  return `The SQLite addon built for Electron is missing (${file}). Run "npm run build:electron-native" once, then start again.`;
}

/**
 * The desktop app's sync server: the same ServerController and AdminService as headless
 * mode, with the data in Electron's userData directory and the Electron build of the
 * SQLite addon. Nothing here imports Electron, so the tests run it under plain Node.
 */
export function createDesktopBackend(options: DesktopBackendOptions): DesktopBackend {
  const logger = new Logger(options.logSinks ?? []);
  const config = defaultConfig({ dataDir: options.dataDir });
  const nativeBinding = options.nativeBinding;
  const controller = new ServerController({
    config,
    logger,
    createServer: (cfg, serverOptions) => {
      if (!nativeBinding) return startSyncServer(cfg, serverOptions);
      if (!fs.existsSync(nativeBinding)) throw new Error(missingAddonMessage(nativeBinding));
      return startSyncServer(cfg, { ...serverOptions, nativeBinding });
    },
  });
  const service = new AdminService({
    controller,
    store: options.store,
    logger,
    baseConfig: config,
    platform: options.platform ?? process.platform,
    ...(nativeBinding ? { nativeBinding } : {}),
  });

  return {
    service,
    controller,
    logger,
    config,
    onChange(listener) {
      const onState = () => listener();
      const onSettings = () => listener();
      controller.on('state', onState);
      service.on('settings', onSettings);
      return () => {
        controller.off('state', onState);
        service.off('settings', onSettings);
      };
    },
    onStateChange(listener) {
      controller.on('state', listener);
      return () => controller.off('state', listener);
    },
    onAccountActivity(listener) {
      const onCreated = () => listener();
      service.on('accountCreated', onCreated);
      return () => service.off('accountCreated', onCreated);
    },
    async dispose() {
      service.detach();
      await controller.dispose();
    },
  };
}
