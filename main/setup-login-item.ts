import type { AdminSettings } from '../server/admin/api.js';
import type { DesktopLog } from './desktop-deps.js';
import { applyOpenAtLogin, type LoginItemApp, type LoginItemEnv } from './login-item.js';
import type { ElectronSettingsStore } from './settings.js';

/** The login item follows the saved setting, whoever changed it (dashboard, tray or CLI). */
export function setupLoginItem(
  store: Pick<ElectronSettingsStore, 'load' | 'onSaved'>,
  app: LoginItemApp,
  env: LoginItemEnv,
  log: DesktopLog,
): void {
  let openAtLogin: boolean | null = null;
  const follow = (settings: AdminSettings) => {
    if (settings.openAtLogin === openAtLogin) return;
    openAtLogin = settings.openAtLogin;
    try {
      applyOpenAtLogin(settings.openAtLogin, app, env);
    } catch (err) {
      log('Open at login could not be changed', String(err));
    }
  };
  store.onSaved(follow);
  follow(store.load());
}
