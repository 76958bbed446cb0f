import type { DesktopDeps, DesktopHandle } from './desktop-deps.js';
import { launch } from './launch.js';
import { setupAppLifecycle, type AppLifecycle } from './setup-lifecycle.js';
import { setupBackend } from './setup-backend.js';
import { setupIpc } from './setup-ipc.js';
import { setupLoginItem } from './setup-login-item.js';
import { setupNotifications } from './setup-notifications.js';
import { setupSecurity } from './setup-security.js';
import { setupSingleInstance } from './setup-single-instance.js';
import { setupTray } from './setup-tray.js';
import { setupWindow } from './setup-window.js';

/**
 * The app's life, as electron/fiddle does it: what must happen before 'ready' (paths and the
 * single-instance lock, app events), then onReady()'s setupX() steps in order, then launch.
 * Returns null in a second instance, which only wakes the first one and quits.
 */
export async function runDesktop(deps: DesktopDeps): Promise<DesktopHandle | null> {
  const { app } = deps.electron;
  const log = deps.log ?? (() => undefined);

  if (!setupSingleInstance(app, deps.dataDir, deps.platform)) return null;
  const lifecycle = setupAppLifecycle(app, deps.platform, {
    quitTimeoutMs: deps.quitTimeoutMs ?? 10_000,
    log,
  });

  await app.whenReady();
  const ready = await onReady(deps, lifecycle);
  lifecycle.started(ready.handle);
  await ready.launch();
  return ready.handle;
}

/** Each step is one concern in its own file; the order matters and is only here. */
async function onReady(
  deps: DesktopDeps,
  lifecycle: AppLifecycle,
): Promise<{ handle: DesktopHandle; launch(): Promise<void> }> {
  const { electron, paths } = deps;
  const log = deps.log ?? (() => undefined);

  setupSecurity(electron, paths.rendererDirUrl);
  const { store, backend } = await setupBackend(deps, paths.nativeBinding);
  const windows = setupWindow(deps, lifecycle.isQuitting, log);
  const showWindow = () => windows.show();
  const { notify, accounts } = setupNotifications(electron.Notification, backend, showWindow);
  setupIpc(deps, backend.service, windows, () => accounts.resync(), log);
  setupLoginItem(store, electron.app, deps.loginEnv, log);
  const { tray, refreshTray, trayIdle } = setupTray(deps, { backend, store, notify, showWindow, log });

  const handle: DesktopHandle = {
    windows,
    tray,
    backend,
    refreshTray,
    trayIdle,
    checkAccounts: () => accounts.check(),
    stopped: () => lifecycle.stopped,
  };
  return {
    handle,
    launch: () =>
      launch({
        app: electron.app,
        argv: deps.argv,
        platform: deps.platform,
        backend,
        accounts,
        windows,
        refreshTray,
      }),
  };
}
