import type { AdminApi, AdminSettings } from '../server/admin/api.js';
import { ensurePrivateDir } from '../server/db/sqlite/open.js';
import { registerAdminIpc, type IpcMainLike, type ValidateArgs } from './ipc.js';
import { applyOpenAtLogin, HIDDEN_FLAG, type LoginItemApp, type LoginItemEnv } from './login-item.js';
import {
  AccountWatcher,
  createNotifier,
  FailureWatcher,
  type NotificationApi,
  type Notify,
} from './notifications.js';
import { sessionDataDir, type AppPaths } from './paths.js';
import type { DesktopBackend } from './server-controller.js';
import type { ElectronSettingsStore } from './settings.js';
import type { TrayState } from './tray.js';
import { createTrayActions } from './tray-actions.js';
import { TrayPresenter, type TrayElectron } from './tray-presenter.js';
import {
  closeHidesToTray,
  lockSession,
  WindowManager,
  type BrowserWindowLike,
  type SessionLike,
  type mainWindowOptions,
} from './window.js';

/** Must equal electron-builder.yml's appId, which the installer gives the Start menu shortcut. */
export const APP_USER_MODEL_ID = 'org.foxden.desktop';

/**
 * A login launch starts with the window hidden: Windows and Linux pass our flag; macOS login
 * items take no arguments, but Electron can tell whether the system opened us at login.
 */
export function launchedAtLogin(
  argv: readonly string[],
  platform: NodeJS.Platform,
  app: Pick<AppLike, 'getLoginItemSettings'>,
): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true;
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true;
}

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

export interface DesktopDeps {
  electron: DesktopElectron;
  platform: NodeJS.Platform;
  argv: readonly string[];
  dataDir: string;
  paths: AppPaths;
  loginEnv: LoginItemEnv;
  validateArgs: ValidateArgs;
  openSettingsStore(dataDir: string): Promise<ElectronSettingsStore>;
  createBackend(input: {
    dataDir: string;
    store: ElectronSettingsStore;
    nativeBinding: string | undefined;
  }): DesktopBackend;
  /** Where problems go that the owner does not need to see (the app log). */
  log?: (message: string, detail?: string) => void;
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

/**
 * The app's life, as electron/fiddle does it: everything that must happen before 'ready'
 * (paths, single-instance lock, app events), then setupX() steps in order. Returns null in
 * a second instance, which only wakes the first one and quits.
 */
export async function runDesktop(deps: DesktopDeps): Promise<DesktopHandle | null> {
  const { electron, platform } = deps;
  const { app } = electron;
  const log = deps.log ?? (() => undefined);

  // Before the lock: Electron keeps the lock file in userData.
  app.setPath('userData', deps.dataDir);
  app.setPath('sessionData', sessionDataDir(deps.dataDir));
  if (platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }

  let quitting = false;
  let handle: DesktopHandle | null = null;
  let stopping: Promise<void> | null = null;
  let resolveStopped: () => void = () => undefined;
  const stoppedPromise = new Promise<void>((resolve) => (resolveStopped = resolve));

  app.on('second-instance', () => handle?.windows.show());
  app.on('activate', () => handle?.windows.show());
  app.on('window-all-closed', () => {
    // Elsewhere the tray keeps the app (and the server) alive with no window.
    if (!closeHidesToTray(platform)) app.quit();
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('will-quit', (event) => {
    if (!handle) return; // Nothing started yet, nothing to stop.
    if (!stopping) {
      event.preventDefault();
      stopping = shutdown(handle, deps.quitTimeoutMs ?? 10_000, log).finally(() => {
        resolveStopped();
        app.quit();
      });
      return;
    }
    // Second will-quit, from the quit() above: let it through once the server is down.
  });

  await app.whenReady();
  const ready = await onReady(deps, () => quitting, stoppedPromise);
  // From here on Quit stops the server, even one still starting.
  handle = ready.handle;
  await ready.launch();
  return handle;
}

async function shutdown(
  handle: DesktopHandle,
  timeoutMs: number,
  log: (m: string, d?: string) => void,
): Promise<void> {
  handle.tray.destroy();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      log('Quit did not wait any longer for the server to stop');
      resolve();
    }, timeoutMs);
  });
  try {
    await Promise.race([
      handle.backend.dispose().catch((err: unknown) => log('Stopping the server failed', String(err))),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function onReady(
  deps: DesktopDeps,
  isQuitting: () => boolean,
  stopped: Promise<void>,
): Promise<{ handle: DesktopHandle; launch(): Promise<void> }> {
  const { electron, platform, paths } = deps;
  const log = deps.log ?? (() => undefined);

  // setupSecurity: before any window exists.
  lockSession(electron.defaultSession(), paths.rendererDirUrl);

  // setupData: the data folder is private, like headless mode's.
  ensurePrivateDir(deps.dataDir);
  const store = await deps.openSettingsStore(deps.dataDir);

  // setupServer
  const backend = deps.createBackend({ dataDir: deps.dataDir, store, nativeBinding: paths.nativeBinding });

  // setupWindow
  const windows = new WindowManager({
    createWindow: electron.createWindow,
    preloadPath: paths.preload,
    iconPath: paths.windowIcon,
    rendererIndex: paths.rendererIndex,
    appEntryUrl: paths.rendererEntryUrl,
    platform,
    isQuitting,
    openExternal: (url) => electron.shell.openExternal(url),
    onLoadFailed: (err) => log('The dashboard could not be loaded', String(err)),
  });
  const showWindow = () => windows.show();

  // setupNotifications
  const notify: Notify = createNotifier(electron.Notification);
  const failures = new FailureWatcher(notify, showWindow);
  const accounts = new AccountWatcher(() => backend.service.listAccounts(), notify, showWindow);

  // setupIpc: the owner's own account creations are not news.
  const service = withAfterHooks(backend.service, { createAccount: () => accounts.resync() });
  registerAdminIpc({
    ipcMain: electron.ipcMain,
    service,
    validateArgs: deps.validateArgs,
    policy: { ownContentsId: () => windows.contentsId(), appEntryUrl: paths.rendererEntryUrl },
    onProblem: (message, detail) => log(message, detail),
  });

  // setupTray
  const actions = createTrayActions({
    service: backend.service,
    clipboard: electron.clipboard,
    shell: electron.shell,
    showWindow,
    quit: () => electron.app.quit(),
    notify,
  });
  let pendingActions: Promise<void> = Promise.resolve();
  const tray = new TrayPresenter({
    electron: electron.tray,
    iconsDir: paths.trayIconsDir,
    platform,
    onAction: (action) => {
      // One after another, so a quick double toggle lands as two toggles, in order.
      pendingActions = pendingActions.then(() => actions(action)).then(() => refreshTray());
    },
    onClick: showWindow,
  });
  const refreshTray = coalesce(async () => {
    try {
      const [status, settings, warnings] = await Promise.all([
        backend.service.status(),
        backend.service.getSettings(),
        backend.service.warnings(),
      ]);
      const state: TrayState = {
        status,
        allowNewUsers: settings.allowNewUsers,
        signupsNote: status.signupsNote ?? null,
        openAtLogin: settings.openAtLogin,
        warnings,
      };
      tray.update(state);
    } catch (err) {
      log('The tray could not be refreshed', String(err));
    }
  });

  // setupLoginItem: follow the saved setting, whoever changed it.
  let openAtLogin: boolean | null = null;
  const followSettings = (settings: AdminSettings) => {
    if (settings.openAtLogin !== openAtLogin) {
      openAtLogin = settings.openAtLogin;
      try {
        applyOpenAtLogin(settings.openAtLogin, electron.app, deps.loginEnv);
      } catch (err) {
        log('Open at login could not be changed', String(err));
      }
    }
    void refreshTray();
  };
  store.onSaved(followSettings);
  backend.onChange(() => void refreshTray());
  // A scheduled backup that failed (or recovered) at night changes the tray's warning.
  backend.service.backups.on('done', () => void refreshTray());
  backend.onStateChange((status) => failures.observe(status));
  backend.onAccountActivity(() => void accounts.check());
  followSettings(store.load());

  const handle: DesktopHandle = {
    windows,
    tray,
    backend,
    refreshTray,
    checkAccounts: () => accounts.check(),
    trayIdle: () => pendingActions,
    stopped: () => stopped,
  };
  return {
    handle,
    // setupLaunch: start serving, then show the dashboard unless this is a login launch.
    async launch() {
      await accounts.check();
      await backend.service.start();
      if (!launchedAtLogin(deps.argv, platform, electron.app)) windows.show();
      await refreshTray();
    },
  };
}

/** Runs `fn` once at a time; calls meanwhile fold into one more run after it. */
function coalesce(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const loop = async () => {
    do {
      again = false;
      await fn();
    } while (again);
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = loop().finally(() => {
      running = null;
    });
    return running;
  };
}

/** The same service, with a callback after some methods succeed. */
function withAfterHooks(service: AdminApi, hooks: { createAccount: () => Promise<void> }): AdminApi {
  return new Proxy(service, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      if (name !== 'createAccount') return bound;
      return async (...args: unknown[]) => {
        const result = await bound(...args);
        await hooks.createAccount();
        return result;
      };
    },
  });
}
