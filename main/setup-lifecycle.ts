import type { AppLike, DesktopHandle, DesktopLog } from './desktop-deps.js';
import { closeHidesToTray } from './window.js';

export interface AppLifecycle {
  /** True once the owner chose Quit: closing the window then really closes it. */
  isQuitting(): boolean;
  /** Resolves when Quit has stopped the server. */
  readonly stopped: Promise<void>;
  /** From here on Quit stops the server, even one still starting. */
  started(handle: DesktopHandle): void;
}

/**
 * The app events, registered before 'ready' so none is missed: a second launch or a dock
 * click shows the window, closing the last window quits only where no tray keeps the app,
 * and Quit waits (at most quitTimeoutMs) for the server to stop.
 */
export function setupAppLifecycle(
  app: AppLike,
  platform: NodeJS.Platform,
  options: { quitTimeoutMs: number; log: DesktopLog },
): AppLifecycle {
  let quitting = false;
  let handle: DesktopHandle | null = null;
  let stopping: Promise<void> | null = null;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));

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
      stopping = shutdown(handle, options.quitTimeoutMs, options.log).finally(() => {
        resolveStopped();
        app.quit();
      });
      return;
    }
    // Second will-quit, from the quit() above: let it through once the server is down.
  });

  return {
    isQuitting: () => quitting,
    stopped,
    started(h) {
      handle = h;
    },
  };
}

async function shutdown(handle: DesktopHandle, timeoutMs: number, log: DesktopLog): Promise<void> {
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
