import type { AdminApi, AdminErrorShape, AdminMethod } from '../server/admin/api.js';
import { AdminError } from '../server/admin/api.js';
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

/** Checks a method's arguments; throws AdminError('invalid-argument', ..., field). May return them normalised. */
export type ValidateArgs = (method: AdminMethod, args: unknown[]) => unknown;

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

/** Maps anything a service call threw to the shape the GUI shows. */
export function toErrorShape(err: unknown): AdminErrorShape {
  if (err instanceof AdminError) return err.toShape();
  const message = err instanceof Error && err.message ? err.message : 'Something went wrong.';
  return { code: 'internal', message };
}

export interface AdminIpcOptions {
  ipcMain: IpcMainLike;
  service: AdminApi;
  validateArgs: ValidateArgs;
  policy: SenderPolicy;
  /** Told about refused senders and unexpected errors (the app log). */
  onProblem?: (message: string, detail: string) => void;
}

/**
 * Registers one ipcMain.handle per AdminApi method. Order per call: sender check, argument
 * validation, then the service. Returns a function that removes every handler.
 */
export function registerAdminIpc(options: AdminIpcOptions): () => void {
  const { ipcMain, service, validateArgs, policy, onProblem } = options;
  for (const method of ADMIN_METHODS) {
    ipcMain.handle(channelFor(method), async (event, ...args): Promise<IpcEnvelope> => {
      if (!isTrustedSender(event, policy)) {
        onProblem?.(
          'Refused an admin call from a foreign page',
          `${method} from ${event.senderFrame?.url ?? 'a closed frame'}`,
        );
        return { ok: false, error: REFUSED_SENDER };
      }
      try {
        const checked = validateArgs(method, args);
        const callArgs = Array.isArray(checked) ? checked : args;
        const fn = service[method] as (...a: unknown[]) => Promise<unknown>;
        const value = await fn.apply(service, callArgs);
        return { ok: true, value };
      } catch (err) {
        const error = toErrorShape(err);
        if (error.code === 'internal') onProblem?.(`Admin call ${method} failed`, error.message);
        return { ok: false, error };
      }
    });
  }
  return () => {
    for (const method of ADMIN_METHODS) ipcMain.removeHandler(channelFor(method));
  };
}
