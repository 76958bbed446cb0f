import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { AdminErrorShape } from '../../server/admin/api.js';
import type { AdminService } from '../../server/admin/admin-service.js';
import { startAdminHttp, type AdminHttp } from '../../server/admin/http-transport.js';
import { createAdmin } from '../../server/admin/index.js';
import type { ServerController } from '../../server/admin/server-controller.js';
import { MemorySettingsStore } from '../../server/admin/settings-store.js';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { defaultConfig } from '../../server/config.js';
import { Logger } from '../../server/log.js';

// The admin transport reads bodies with express.raw (issue 9, item 9): the same answers as
// the hand-written reader it replaced, and a plain 400 for a body it cannot read.

describe('admin HTTP request bodies', () => {
  let dataDir: string;
  let controller: ServerController;
  let service: AdminService;
  let admin: AdminHttp;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-admin-body-'));
    const logger = new Logger();
    ({ controller, service } = createAdmin({
      baseConfig: defaultConfig({ dataDir, host: '127.0.0.1', port: 0 }),
      store: new MemorySettingsStore({ ...DEFAULT_SETTINGS, port: 0 }),
      logger,
      lanAddresses: () => [],
    }));
    admin = await startAdminHttp({ service, port: 0, dataDir, staticDir: dataDir, logger });
  });

  after(async () => {
    await admin.close();
    service.detach();
    await controller.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (method: string, body: string | Buffer | undefined, headers: Record<string, string> = {}) =>
    fetch(`${admin.url}api/${method}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json', ...headers },
      ...(body !== undefined ? { body } : {}),
    });

  test('no body, an empty body and a JSON array are all calls', async () => {
    assert.equal((await post('getSettings', undefined)).status, 200);
    assert.equal((await post('getSettings', '')).status, 200);
    const res = await post('getSettings', '[]');
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { port: number }).port, 0);
  });

  test('a body over 1 MB is a 413 with the plain line, and the connection still answers', async () => {
    const res = await post('getSettings', `[${' '.repeat(1024 * 1024 + 10)}]`);
    assert.equal(res.status, 413);
    const { error } = (await res.json()) as { error: AdminErrorShape };
    assert.deepEqual(error, { code: 'invalid-argument', message: 'The request is too large.' });
    assert.equal((await post('getSettings', '[]')).status, 200);
  });

  test('a gzip body is read as JSON; an unknown Content-Encoding is a 400, not a 500', async () => {
    const gz = await post('getSettings', zlib.gzipSync('[]'), { 'Content-Encoding': 'gzip' });
    assert.equal(gz.status, 200);
    const odd = await post('getSettings', '[]', { 'Content-Encoding': 'br-unknown' });
    assert.equal(odd.status, 400);
    const { error } = (await odd.json()) as { error: AdminErrorShape };
    assert.deepEqual(error, { code: 'invalid-argument', message: 'The request body could not be read.' });
  });

  test('bad JSON is still the 400 it was', async () => {
    const res = await post('getSettings', '[');
    assert.equal(res.status, 400);
    const { error } = (await res.json()) as { error: AdminErrorShape };
    assert.equal(error.message, 'The arguments are not valid JSON.');
  });
});
