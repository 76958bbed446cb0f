import { sessionDataDir } from './paths.js';
import type { AppLike } from './desktop-deps.js';

/** Must equal electron-builder.yml's appId, which the installer gives the Start menu shortcut. */
export const APP_USER_MODEL_ID = 'org.foxden.desktop';

/**
 * Claims the single-instance lock. Returns false in a second instance, which has only woken
 * the first one (through its 'second-instance' event) and quits.
 */
export function setupSingleInstance(app: AppLike, dataDir: string, platform: NodeJS.Platform): boolean {
  // Before the lock: Electron keeps the lock file in userData.
  app.setPath('userData', dataDir);
  app.setPath('sessionData', sessionDataDir(dataDir));
  if (platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  return true;
}
