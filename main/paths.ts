import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultDataDir } from '../server/config.js';

export interface AppPaths {
  /** app.getAppPath(): the project folder unpackaged, resources/app.asar packaged. */
  appRoot: string;
  preload: string;
  rendererIndex: string;
  /** file:// URL of index.html: the only page the window may show and IPC may come from. */
  rendererEntryUrl: string;
  /** file:// URL of the renderer folder (ends with "/"): the files the CSP header goes on. */
  rendererDirUrl: string;
  trayIconsDir: string;
  windowIcon: string;
  /** The Electron build of the SQLite addon, unpackaged runs only (see scripts/build-electron-native.js). */
  nativeBinding: string | undefined;
}

export const ELECTRON_NATIVE_ADDON = path.join('build', 'electron-native', 'better_sqlite3.node');

/**
 * Where everything is. `mainDir` is the folder of the compiled main entry (dist/main); the
 * renderer is built beside it (dist/renderer), assets stay at the app root.
 */
export function resolveAppPaths(input: { mainDir: string; appRoot: string; isPackaged: boolean }): AppPaths {
  const rendererDir = path.resolve(input.mainDir, '..', 'renderer');
  const rendererIndex = path.join(rendererDir, 'index.html');
  return {
    appRoot: input.appRoot,
    preload: path.join(input.mainDir, 'preload.cjs'),
    rendererIndex,
    rendererEntryUrl: pathToFileURL(rendererIndex).href,
    rendererDirUrl: pathToFileURL(rendererDir + path.sep).href,
    trayIconsDir: path.join(input.appRoot, 'assets', 'tray'),
    windowIcon: path.join(input.appRoot, 'assets', 'icons', '256x256.png'),
    // Packaged, electron-builder has rebuilt node_modules/better-sqlite3 for Electron itself.
    nativeBinding: input.isPackaged ? undefined : path.join(input.appRoot, ELECTRON_NATIVE_ADDON),
  };
}

/**
 * The desktop app keeps its data where headless mode does, so `foxden user add` and
 * `foxden serve` see the same accounts; FOXDEN_DATA_DIR moves both (and gives every test
 * run a folder of its own).
 */
export function desktopDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  const fromEnv = env.FOXDEN_DATA_DIR;
  if (fromEnv && path.isAbsolute(fromEnv)) return fromEnv;
  return defaultDataDir(env, platform);
}

/** Chromium's own profile (caches, local storage) in a subfolder, away from the database. */
export function sessionDataDir(dataDir: string): string {
  return path.join(dataDir, 'electron-session');
}

export function backupFileName(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `foxden-backup-${stamp}.db`;
}
