import type { IpcMainLike } from './ipc.js';
import type { LoginItemApp, LoginItemEnv } from './login-item.js';
import type { NotificationApi } from './notifications.js';
import type { AppPaths } from './paths.js';
import type { DesktopBackend } from './desktop-backend.js';
import type { ElectronSettingsStore } from './settings.js';
import type { TrayElectron, TrayPresenter } from './tray-presenter.js';
import type { BrowserWindowLike, mainWindowOptions, SessionLike, WindowManager } from './window.js';

/** The Electron main-process API this app uses; index.ts passes the real one, tests a fake. */
export interface AppLike extends LoginItemApp {
  requestSingleInstanceLock(): boolean;
  quit(): void;
  whenReady(): Promise<unknown>;
  setPath(name: 'userData' | 'sessionData', value: string): void;
  /** Windows ties notifications to the Start menu shortcut through this id. */
  setAppUserModelId(id: string): void;
  getLoginItemSettings(): { wasOpenedAtLogin?: boolean };
  on(event: 'second-instance', listener: () => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'before-quit', listener: () => void): unknown;
  on(event: 'will-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  on(event: 'activate', listener: () => void): unknown;
}

export interface DesktopElectron {
  app: AppLike;
  ipcMain: IpcMainLike;
  /** session.defaultSession, which exists only once the app is ready. */
  defaultSession(): SessionLike;
  shell: {
    openExternal(url: string): Promise<void>;
    openPath(path: string): Promise<string>;
    showItemInFolder(path: string): void;
  };
  clipboard: { writeText(text: string): void };
  Notification: NotificationApi;
  createWindow(options: ReturnType<typeof mainWindowOptions>): BrowserWindowLike;
  tray: TrayElectron;
}

/** Where problems go that the owner does not need to see (the app log). */
export type DesktopLog = (message: string, detail?: string) => void;

export interface DesktopDeps {
  electron: DesktopElectron;
  platform: NodeJS.Platform;
  argv: readonly string[];
  dataDir: string;
  paths: AppPaths;
  loginEnv: LoginItemEnv;
  openSettingsStore(dataDir: string): Promise<ElectronSettingsStore>;
  createBackend(input: {
    dataDir: string;
    store: ElectronSettingsStore;
    nativeBinding: string | undefined;
  }): DesktopBackend;
  log?: DesktopLog;
  /** Quit waits at most this long for the server to stop before exiting anyway. */
  quitTimeoutMs?: number;
}

export interface DesktopHandle {
  readonly windows: WindowManager;
  readonly tray: TrayPresenter;
  readonly backend: DesktopBackend;
  /** Re-reads status, settings and warnings into the tray; resolves when it is drawn. */
  refreshTray(): Promise<void>;
  /** Resolves when every tray action clicked so far has finished. */
  trayIdle(): Promise<void>;
  /** Resolves once the account watcher has looked (tests wait on it). */
  checkAccounts(): Promise<void>;
  /** Resolves when Quit has stopped the server (tests wait on it). */
  stopped(): Promise<void>;
}
