import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { usernameFromEmail } from '../../server/accounts/index.js';
import { loadConfig } from '../../server/config-load.js';
import { startTestServer } from '../helpers/server.js';
import { createSync15User } from '../helpers/sync15-client.js';
import { startServe } from '../cli/cli-process.js';
import { assertCode, StorageClient } from './sync15-storage-helpers.js';

// Issue 8, finding 5: one account stored 40 MB with no limit. Every account now has a
// generous default quota (500 MB, README "Storage quota"), enforced by both protocols.

const DEFAULT_KB = 500 * 1024;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-quota-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const EMAIL = 'quota@example.org';
const USER = usernameFromEmail(EMAIL);
const AUTH = `Basic ${Buffer.from(`${USER}:correct horse battery`).toString('base64')}`;

async function signUp(url: string): Promise<void> {
  const res = await fetch(`${url}user/1.0/${USER}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ password: 'correct horse battery', email: EMAIL }),
  });
  assert.equal(res.status, 200);
}

function sync11(url: string, method: string, rel: string, body?: unknown): Promise<Response> {
  return fetch(`${url}1.1/${USER}/${rel}`, {
    method,
    headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

test(
  'foxden serve with no quota setting gives every account 500 MB (Sync 1.1 info/quota)',
  { timeout: 30_000 },
  async () => {
    assert.equal(loadConfig({ env: {} }).config.quotaKb, DEFAULT_KB);
    const serve = await startServe(['--data-dir', path.join(tmp, 'default'), '--allow-new-users']);
    try {
      await signUp(serve.url);
      assert.deepEqual(await (await sync11(serve.url, 'GET', 'info/quota')).json(), [0, DEFAULT_KB]);
    } finally {
      await serve.stop();
    }
  },
);

test(
  'a write over the quota is refused with Sync 1.1’s answer (400, code 14); --quota-kb 0 means none',
  { timeout: 30_000 },
  async () => {
    const serve = await startServe([
      '--data-dir',
      path.join(tmp, 'small'),
      '--allow-new-users',
      '--quota-kb',
      '4',
    ]);
    try {
      await signUp(serve.url);
      const big = { id: 'a', payload: 'x'.repeat(5000) };
      assert.equal((await sync11(serve.url, 'PUT', 'storage/forms/a', big)).status, 200);
      const over = await sync11(serve.url, 'PUT', 'storage/forms/b', { id: 'b', payload: 'x' });
      assert.equal(over.status, 400);
      assert.equal(await over.text(), '14');
    } finally {
      await serve.stop();
    }
    const none = await startServe([
      '--data-dir',
      path.join(tmp, 'none'),
      '--allow-new-users',
      '--quota-kb',
      '0',
    ]);
    try {
      await signUp(none.url);
      assert.deepEqual(await (await sync11(none.url, 'GET', 'info/quota')).json(), [0, null]);
    } finally {
      await none.stop();
    }
  },
);

test('Sync 1.5 advertises the default quota and refuses a write over a quota with 403/14', async () => {
  const server = await startTestServer({ quotaKb: loadConfig({ env: {} }).config.quotaKb });
  try {
    const c = new StorageClient(await createSync15User(server));
    const configuration = (await c.get('/info/configuration')).json<Record<string, number>>();
    assert.equal(configuration.max_quota_limit, DEFAULT_KB * 1024);
    assert.deepEqual((await c.get('/info/quota')).json(), [0, DEFAULT_KB]);
    // Filling 500 MB would take the test too long; the same check with a quota of 1 KB.
    server.config.quotaKb = 1;
    assert.equal((await c.put('/storage/forms/a', { payload: 'x'.repeat(1100) })).status, 200);
    assertCode(await c.put('/storage/forms/b', { payload: 'x' }), 403, 14);
  } finally {
    await server.close();
  }
});
