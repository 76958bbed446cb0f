import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AdminSettings } from '../../server/admin/api.js';
import type { AdminService } from '../../server/admin/admin-service.js';
import { startAdminHttp, type AdminHttp } from '../../server/admin/http-transport.js';
import { createAdmin } from '../../server/admin/index.js';
import type { ServerController } from '../../server/admin/server-controller.js';
import { MemorySettingsStore } from '../../server/admin/settings-store.js';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { defaultConfig } from '../../server/config.js';
import { Logger } from '../../server/log.js';

/** Where an admin listener answers and the bearer token it wants. */
export type AdminEndpoint = Pick<AdminHttp, 'url' | 'token'>;

/** POST /api/<method> with the arguments as a JSON array, as the dashboard sends it. */
export function postAdmin(admin: AdminEndpoint, method: string, ...args: unknown[]): Promise<Response> {
  return fetch(`${admin.url}api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(args),
  });
}

/** An admin call's HTTP status and its JSON body (the result, or the AdminErrorShape). */
export async function callAdmin<T = unknown>(
  admin: AdminEndpoint,
  method: string,
  ...args: unknown[]
): Promise<{ status: number; body: T }> {
  const res = await postAdmin(admin, method, ...args);
  return { status: res.status, body: (await res.json()) as T };
}

/** A running admin service over a fresh data folder, with its HTTP transport: what the admin protocol tests start from. */
export interface AdminStack {
  dataDir: string;
  controller: ServerController;
  service: AdminService;
  admin: AdminHttp;
  logger: Logger;
  /** Closes the transport and the controller, and removes the data folder. */
  close(): Promise<void>;
}

/**
 * createAdmin on 127.0.0.1 and `port` (0: any) with the default settings and `settings` over
 * them, no LAN addresses and no backup timers; the sync server started (running, checked),
 * then the admin HTTP transport on an ephemeral port.
 */
export async function startAdminStack(
  options: { port?: number; settings?: Partial<AdminSettings>; dataDirPrefix?: string } = {},
): Promise<AdminStack> {
  const port = options.port ?? 0;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), options.dataDirPrefix ?? 'foxden-admin-'));
  const logger = new Logger();
  const { controller, service } = createAdmin({
    baseConfig: defaultConfig({ dataDir, host: '127.0.0.1', port }),
    store: new MemorySettingsStore({ ...DEFAULT_SETTINGS, port, ...options.settings }),
    logger,
    lanAddresses: () => [],
    backupTimers: false,
  });
  const started = await service.start();
  assert.equal(started.state, 'running');
  const admin = await startAdminHttp({ service, port: 0, dataDir, staticDir: dataDir, logger });
  return {
    dataDir,
    controller,
    service,
    admin,
    logger,
    async close() {
      await admin.close();
      service.detach();
      await controller.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
