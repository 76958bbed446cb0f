import { coalesce } from './coalesce.js';
import type { DesktopBackend } from './desktop-backend.js';
import type { DesktopDeps, DesktopLog } from './desktop-deps.js';
import type { Notify } from './notifications.js';
import type { ElectronSettingsStore } from './settings.js';
import type { TrayState } from './tray.js';
import { createTrayActions } from './tray-actions.js';
import { TrayPresenter } from './tray-presenter.js';

export interface DesktopTray {
  readonly tray: TrayPresenter;
  /** Re-reads status, settings and warnings into the tray; resolves when it is drawn. */
  refreshTray(): Promise<void>;
  /** Resolves when every tray action clicked so far has finished. */
  trayIdle(): Promise<void>;
}

/**
 * The tray icon and menu. It redraws whenever what it shows may have changed: settings saved,
 * server state, or a scheduled backup that failed (or recovered) at night.
 */
export function setupTray(
  deps: Pick<DesktopDeps, 'electron' | 'paths' | 'platform'>,
  input: {
    backend: DesktopBackend;
    store: Pick<ElectronSettingsStore, 'onSaved'>;
    notify: Notify;
    showWindow: () => void;
    log: DesktopLog;
  },
): DesktopTray {
  const { electron } = deps;
  const { backend, showWindow, log } = input;
  const actions = createTrayActions({
    service: backend.service,
    clipboard: electron.clipboard,
    shell: electron.shell,
    showWindow,
    quit: () => electron.app.quit(),
    notify: input.notify,
  });
  let pendingActions: Promise<void> = Promise.resolve();
  const tray = new TrayPresenter({
    electron: electron.tray,
    iconsDir: deps.paths.trayIconsDir,
    platform: deps.platform,
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

  input.store.onSaved(() => void refreshTray());
  backend.onChange(() => void refreshTray());
  backend.service.backups.on('done', () => void refreshTray());
  void refreshTray();

  return { tray, refreshTray, trayIdle: () => pendingActions };
}
