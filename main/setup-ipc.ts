import type { AdminApi } from '../server/admin/api.js';
import type { DesktopDeps, DesktopLog } from './desktop-deps.js';
import { registerAdminIpc } from './ipc.js';
import type { WindowManager } from './window.js';

/** The admin surface for our own window only; the owner's own account creations are not news. */
export function setupIpc(
  deps: Pick<DesktopDeps, 'electron' | 'paths'>,
  service: AdminApi,
  windows: WindowManager,
  afterCreateAccount: () => Promise<void>,
  log: DesktopLog,
): () => void {
  return registerAdminIpc({
    ipcMain: deps.electron.ipcMain,
    service: withAfterHooks(service, { createAccount: afterCreateAccount }),
    policy: { ownContentsId: () => windows.contentsId(), appEntryUrl: deps.paths.rendererEntryUrl },
    onProblem: (message, detail) => log(message, detail),
  });
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
