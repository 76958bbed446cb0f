import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdminApi } from '../../server/admin/api.js';
import { ADMIN_CSP, startAdminHttp, type AdminHttp } from '../../server/admin/http-transport.js';
import { Logger } from '../../server/log.js';
import { httpRequest } from '../helpers/http-request.js';

describe('admin listener: the dashboard files', () => {
  let dir: string;
  let admin: AdminHttp;
  const get = (urlPath: string, headers: Record<string, string> = {}) =>
    httpRequest(`http://127.0.0.1:${admin.port}${urlPath}`, { headers, agent: false });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-admin-static-'));
    const staticDir = path.join(dir, 'gui');
    fs.mkdirSync(staticDir);
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Foxden GUI</title>');
    fs.writeFileSync(path.join(staticDir, 'app.js'), 'console.log("0123456789")');
    // Only static files are asked for here: no admin API call reaches the service.
    const service = {} as AdminApi;
    admin = await startAdminHttp({ service, port: 0, dataDir: dir, staticDir, logger: new Logger() });
  });
  after(async () => {
    await admin.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a file the browser already has is answered 304, with the same strict headers', async () => {
    const first = await get('/app.js');
    assert.equal(first.status, 200);
    assert.equal(first.headers['cache-control'], 'public, max-age=3600');
    assert.ok(first.headers.etag, 'an ETag to revalidate with');
    const again = await get('/app.js', { 'If-None-Match': first.headers.etag });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers['content-security-policy'], ADMIN_CSP);
    const page = await get('/');
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.equal((await get('/', { 'If-None-Match': String(page.headers.etag) })).status, 304);
  });

  test('a byte range of a file is served as 206', async () => {
    const part = await get('/app.js', { Range: 'bytes=0-6' });
    assert.equal(part.status, 206);
    assert.equal(part.body, 'console');
    assert.match(String(part.headers['content-type']), /text\/javascript/);
  });

  test('NUL bytes, dotfiles and escapes are a 404 or the app, never a file outside the folder', async () => {
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'SECRET');
    fs.writeFileSync(path.join(dir, 'gui', '.env'), 'SECRET');
    assert.equal((await get('/%00')).status, 404);
    assert.equal((await get('/.env')).status, 404);
    for (const escape of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/gui/../../secret.txt',
    ])
      assert.ok(!(await get(escape)).body.includes('SECRET'), escape);
  });
});
