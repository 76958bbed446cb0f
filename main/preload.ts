/**
 * The preload of the dashboard window: exposes the AdminApi as `window.foxden` and nothing
 * else (no ipcRenderer, no channel names, no Node). It runs sandboxed, where require() knows
 * only 'electron', so vite.preload.config.ts bundles it (with the channel list it imports)
 * into one CommonJS file, dist/main/preload.cjs.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { AdminApi, AdminMethod } from '../server/admin/api.js';
import { ADMIN_METHODS, channelFor, type IpcEnvelope } from './channels.js';

function isEnvelope(value: unknown): value is IpcEnvelope {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

async function call(method: AdminMethod, args: unknown[]): Promise<unknown> {
  const reply: unknown = await ipcRenderer.invoke(channelFor(method), ...args);
  if (!isEnvelope(reply)) throw { code: 'internal', message: 'Foxden sent an unexpected reply.' };
  if (reply.ok) return reply.value;
  // A plain object, not an Error: contextBridge drops an Error's extra properties (code, field).
  const { code, message, field } = reply.error;
  throw field === undefined ? { code, message } : { code, message, field };
}

const api: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
for (const method of ADMIN_METHODS) {
  // Each function passes its arguments on and nothing else: the page cannot pick a channel.
  api[method] = (...args: unknown[]) => call(method, args);
}

contextBridge.exposeInMainWorld('foxden', Object.freeze(api) as unknown as AdminApi);
