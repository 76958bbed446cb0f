/**
 * Electron main entry (package.json "main" → dist/main/index.js). Only wiring lives here:
 * every decision is in a module that takes the Electron API as a parameter and is tested
 * against a fake (test/main/). This file is the one place that imports 'electron'.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, clipboard, ipcMain, Menu, Notification, session, shell, Tray } from 'electron';
import { streamSink } from '../server/log.js';
import type { DesktopElectron } from './desktop-deps.js';
import { runDesktop } from './desktop.js';
import { desktopDataDir, resolveAppPaths } from './paths.js';
import { createDesktopBackend } from './desktop-backend.js';
import { ElectronSettingsStore, openElectronStore } from './settings.js';

const mainDir = path.dirname(fileURLToPath(import.meta.url));
const paths = resolveAppPaths({ mainDir, appRoot: app.getAppPath(), isPackaged: app.isPackaged });

const electron: DesktopElectron = {
  app,
  ipcMain,
  defaultSession: () => session.defaultSession,
  shell,
  clipboard,
  Notification,
  createWindow: (options) => new BrowserWindow(options),
  tray: {
    createTray: (iconPath) => new Tray(iconPath),
    buildMenu: (template) => Menu.buildFromTemplate(template),
  },
};

function log(message: string, detail?: string): void {
  console.error(detail ? `${message}: ${detail}` : message);
}

runDesktop({
  electron,
  platform: process.platform,
  argv: process.argv,
  dataDir: desktopDataDir(process.env, process.platform),
  paths,
  loginEnv: {
    platform: process.platform,
    execPath: process.execPath,
    env: process.env,
    homeDir: os.homedir(),
  },
  async openSettingsStore(dataDir) {
    const store = new ElectronSettingsStore(await openElectronStore({ cwd: dataDir }));
    // electron-store answers any renderer on this sync channel; our page never needs it.
    ipcMain.removeAllListeners('electron-store-get-data');
    return store;
  },
  createBackend: ({ dataDir, store, nativeBinding }) =>
    createDesktopBackend({
      dataDir,
      store,
      ...(nativeBinding ? { nativeBinding } : {}),
      // Unpackaged runs print the log to the terminal that ran `npm start`.
      logSinks: app.isPackaged ? [] : [streamSink(process.stdout, 'text')],
    }),
  log,
}).catch((err: unknown) => {
  log('Foxden could not start', err instanceof Error ? (err.stack ?? err.message) : String(err));
  app.exit(1);
});
