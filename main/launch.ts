import type { DesktopBackend } from './desktop-backend.js';
import type { AppLike } from './desktop-deps.js';
import { HIDDEN_FLAG } from './login-item.js';
import type { AccountWatcher } from './notifications.js';
import type { WindowManager } from './window.js';

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

/** The last step: start serving, then show the dashboard unless this is a login launch. */
export async function launch(input: {
  app: Pick<AppLike, 'getLoginItemSettings'>;
  argv: readonly string[];
  platform: NodeJS.Platform;
  backend: DesktopBackend;
  accounts: AccountWatcher;
  windows: WindowManager;
  refreshTray: () => Promise<void>;
}): Promise<void> {
  await input.accounts.check();
  await input.backend.service.start();
  if (!launchedAtLogin(input.argv, input.platform, input.app)) input.windows.show();
  await input.refreshTray();
}
