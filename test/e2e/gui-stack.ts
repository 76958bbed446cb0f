import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../../server/config.js';
import type { DatabaseLocation } from '../../server/db/database-url.js';
import type { DirectorySettings } from '../../server/ldap/index.js';
import { Logger } from '../../server/log.js';
import {
  createAdmin,
  DEFAULT_SETTINGS,
  MemorySettingsStore,
  startAdminHttp,
  type AdminHttp,
  type AdminService,
  type ServerController,
} from '../../server/admin/index.js';
import { freePort } from '../helpers/ports.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface GuiStack {
  /** The sync server's base URL, ending in "/". */
  syncUrl: string;
  syncPort: number;
  admin: AdminHttp;
  service: AdminService;
  controller: ServerController;
  logger: Logger;
  dataDir: string;
  /** Where the GUI was built for this run. */
  staticDir: string;
  close(): Promise<void>;
}

/**
 * Builds the GUI from the current source with the project's vite.config.ts into a temp
 * directory, so the test never runs against a stale dist/ and never races a real build.
 */
async function buildGui(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: path.join(REPO, 'vite.config.ts'),
    root: path.join(REPO, 'renderer'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
}

/**
 * The real thing, headless: AdminService over a real sync server (real SQLite in a temp data
 * directory, or `database` when given) on one ephemeral loopback port, and the real admin
 * HTTP listener on another.
 */
export async function startGuiStack(
  options: { database?: DatabaseLocation; directory?: DirectorySettings } = {},
): Promise<GuiStack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-gui-'));
  const staticDir = path.join(dataDir, 'gui');
  await buildGui(staticDir);

  const logger = new Logger();
  const syncPort = await freePort();
  const syncUrl = `http://127.0.0.1:${syncPort}/`;
  const baseConfig = {
    ...defaultConfig({ dataDir, host: '127.0.0.1', port: syncPort, publicUrl: syncUrl }),
    ...(options.database ? { database: options.database } : {}),
    ...(options.directory ? { directory: options.directory } : {}),
  };
  const store = new MemorySettingsStore({
    ...DEFAULT_SETTINGS,
    port: syncPort,
    publicUrl: syncUrl,
    allowNewUsers: false,
    autoCloseSignups: false,
  });
  const { controller, service } = createAdmin({ store, logger, baseConfig, lanAddresses: () => [] });
  await service.start();
  const admin = await startAdminHttp({ service, port: 0, dataDir, staticDir, logger });

  return {
    syncUrl,
    syncPort,
    admin,
    service,
    controller,
    logger,
    dataDir,
    staticDir,
    async close() {
      await admin.close();
      service.detach();
      await controller.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
