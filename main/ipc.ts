import type { AdminApi, AdminErrorShape } from '../server/admin/api.js';
import { dispatch } from '../server/admin/dispatch.js';
import { ADMIN_METHODS, channelFor, type IpcEnvelope } from './channels.js';
import { isAppUrl } from './app-url.js';

/** The parts of an ipcMain.handle event the checks read (Electron's IpcMainInvokeEvent). */
export interface InvokeEventLike {
  readonly sender: { readonly id: number };
  /** Null when the frame navigated away or was destroyed before the message was handled. */
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface SenderPolicy {
  /** webContents id of the app's own window, or null while it has none. */
  ownContentsId(): number | null;
  /** file:// URL of the renderer's index.html. */
  appEntryUrl: string;
}

/**
 * Only the main frame of our own window, showing our own index.html, may call the admin
 * surface. A subframe, another window (e.g. one a bug let open) or our window after it was
 * navigated elsewhere is refused even though the preload would be present there.
 */
export function isTrustedSender(event: InvokeEventLike, policy: SenderPolicy): boolean {
  const ownId = policy.ownContentsId();
  if (ownId === null || event.sender.id !== ownId) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  return isAppUrl(frame.url, policy.appEntryUrl);
}

export const REFUSED_SENDER: AdminErrorShape = Object.freeze({
  code: 'unavailable',
  message: 'This page is not allowed to manage Foxden.',
});

export interface AdminIpcOptions {
  ipcMain: IpcMainLike;
  service: AdminApi;
  policy: SenderPolicy;
  /** Told about refused senders and unexpected errors (the app log). */
  onProblem?: (message: string, detail: string) => void;
}

/**
 * Registers one ipcMain.handle per AdminApi method. Per call: the sender check (the IPC
 * transport's own concern), then dispatch() validates, calls and shapes errors as the HTTP
 * transport does. Returns a function that removes every handler.
 */
export function registerAdminIpc(options: AdminIpcOptions): () => void {
  const { ipcMain, service, policy, onProblem } = options;
  for (const method of ADMIN_METHODS) {
    ipcMain.handle(channelFor(method), async (event, ...args): Promise<IpcEnvelope> => {
      if (!isTrustedSender(event, policy)) {
        onProblem?.(
          'Refused an admin call from a foreign page',
          `${method} from ${event.senderFrame?.url ?? 'a closed frame'}`,
        );
        return { ok: false, error: REFUSED_SENDER };
      }
      const result = await dispatch(service, method, args);
      if (!result.ok && result.error.code === 'internal') {
        onProblem?.(`Admin call ${method} failed`, result.error.message);
      }
      return result;
    });
  }
  return () => {
    for (const method of ADMIN_METHODS) ipcMain.removeHandler(channelFor(method));
  };
}
