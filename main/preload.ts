/**
 * The preload of the dashboard window: exposes the AdminApi as `window.foxden` and nothing
 * else (no ipcRenderer, no channel names, no Node). It runs sandboxed, so it must be
 * CommonJS (hence .cts, compiled to preload.cjs) and may require nothing but 'electron':
 * that is why the method list is repeated here instead of imported from channels.ts.
 */
import type { AdminApi, AdminErrorShape, AdminMethod } from '../server/admin/api.js';
import electron = require('electron');

// Same compile-time check as channels.ts: exactly the AdminApi methods, no more, no less.
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
  logs: true,
  warnings: true,
  setupHelp: true,
  backup: true,
  backupNow: true,
  backupStatus: true,
  restore: true,
} as const satisfies Record<AdminMethod, true>;

const CHANNEL_PREFIX = 'foxden:admin:';

type Envelope = { ok: true; value: unknown } | { ok: false; error: AdminErrorShape };

function isEnvelope(value: unknown): value is Envelope {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

async function call(method: AdminMethod, args: unknown[]): Promise<unknown> {
  const reply: unknown = await electron.ipcRenderer.invoke(CHANNEL_PREFIX + method, ...args);
  if (!isEnvelope(reply)) throw { code: 'internal', message: 'Foxden sent an unexpected reply.' };
  if (reply.ok) return reply.value;
  // A plain object, not an Error: contextBridge drops an Error's extra properties (code, field).
  const { code, message, field } = reply.error;
  throw field === undefined ? { code, message } : { code, message, field };
}

const api: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
for (const method of Object.keys(METHOD_FLAGS) as AdminMethod[]) {
  // Each function passes its arguments on and nothing else: the page cannot pick a channel.
  api[method] = (...args: unknown[]) => call(method, args);
}

electron.contextBridge.exposeInMainWorld('foxden', Object.freeze(api) as unknown as AdminApi);
