import type { AdminMethod } from '../server/admin/api.js';
import type { AdminResult } from '../server/admin/dispatch.js';

/**
 * The one list of IPC channels: one per AdminApi method. `satisfies Record<AdminMethod, true>`
 * makes the compiler refuse a missing method and an extra one, so the list cannot drift from
 * the interface. main/preload.ts imports it too: vite.preload.config.ts bundles the two into
 * the one CommonJS file a sandboxed preload must be.
 */
const METHOD_FLAGS = {
  status: true,
  start: true,
  stop: true,
  restart: true,
  getSettings: true,
  updateSettings: true,
  listAccounts: true,
  createAccount: true,
  deleteAccount: true,
  resetPassword: true,
  directory: true,
  testDirectory: true,
  logs: true,
  warnings: true,
  setupHelp: true,
  backup: true,
  backupNow: true,
  backupStatus: true,
  restore: true,
} as const satisfies Record<AdminMethod, true>;

export const ADMIN_METHODS: readonly AdminMethod[] = Object.freeze(
  Object.keys(METHOD_FLAGS) as AdminMethod[],
);

export const CHANNEL_PREFIX = 'foxden:admin:';

export function channelFor(method: AdminMethod): string {
  return CHANNEL_PREFIX + method;
}

export function isAdminMethod(name: string): name is AdminMethod {
  return Object.hasOwn(METHOD_FLAGS, name);
}

/**
 * What a handler returns: dispatch()'s result as it is. Errors travel as data because a rejected ipcMain.handle promise
 * reaches the renderer as a bare message ("Error invoking remote method ..."), losing the
 * code and field the GUI needs; the preload turns `ok: false` back into a rejection.
 */
export type IpcEnvelope<T = unknown> = AdminResult<T>;
