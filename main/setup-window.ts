import type { DesktopDeps, DesktopLog } from './desktop-deps.js';
import { WindowManager } from './window.js';

/** The dashboard window's manager; the window itself opens on the first show(). */
export function setupWindow(
  deps: Pick<DesktopDeps, 'electron' | 'paths' | 'platform'>,
  isQuitting: () => boolean,
  log: DesktopLog,
): WindowManager {
  const { electron, paths } = deps;
  return new WindowManager({
    createWindow: electron.createWindow,
    preloadPath: paths.preload,
    iconPath: paths.windowIcon,
    rendererIndex: paths.rendererIndex,
    appEntryUrl: paths.rendererEntryUrl,
    platform: deps.platform,
    isQuitting,
    openExternal: (url) => electron.shell.openExternal(url),
    onLoadFailed: (err) => log('The dashboard could not be loaded', String(err)),
  });
}
