import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { AdminError } from '../../server/admin/api.js';
import { dispatch } from '../../server/admin/dispatch.js';
import { startAdminHttp, type AdminHttp } from '../../server/admin/http-transport.js';
import { Logger } from '../../server/log.js';
import { channelFor } from '../../main/channels.js';
import { registerAdminIpc } from '../../main/ipc.js';
import { callAdmin } from '../helpers/admin-http.js';
import { FakeIpcMain } from './fake-electron.js';
import { recordingService } from './recording-service.js';

describe('dispatch: the one admin call path', () => {
  it('calls the method with the validated arguments and returns its value', async () => {
    const { service, calls } = recordingService();
    const result = await dispatch(service, 'deleteAccount', [{ kind: 'sync11', id: 'bob' }]);
    assert.deepEqual(result, { ok: true, value: 'result of deleteAccount' });
    assert.deepEqual(calls, [{ method: 'deleteAccount', args: [{ kind: 'sync11', id: 'bob' }] }]);
  });

  it('bad arguments are invalid-argument and the service is not called', async () => {
    const { service, calls } = recordingService();
    const result = await dispatch(service, 'deleteAccount', [{ kind: 'nope', id: 'bob' }]);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.code, 'invalid-argument');
    const notAList = await dispatch(service, 'status', { 0: 1 });
    assert.equal(!notAList.ok && notAList.error.code, 'invalid-argument');
    assert.equal(calls.length, 0);
  });

  it('an unknown method is not-found and nothing is called', async () => {
    const { service, calls } = recordingService();
    for (const name of ['nope', 'constructor', '__proto__', 'toString']) {
      const result = await dispatch(service, name, []);
      assert.equal(!result.ok && result.error.code, 'not-found', name);
    }
    assert.equal(calls.length, 0);
  });

  it('an AdminError keeps its code, message and field; anything else is internal', async () => {
    const { service } = recordingService({
      deleteAccount: async () => {
        throw new AdminError('not-found', 'No such account.', 'id');
      },
      status: async () => {
        throw new TypeError('boom');
      },
      stop: async () => {
        throw 'not an Error';
      },
    });
    assert.deepEqual(await dispatch(service, 'deleteAccount', [{ kind: 'sync11', id: 'bob' }]), {
      ok: false,
      error: { code: 'not-found', message: 'No such account.', field: 'id' },
    });
    assert.deepEqual(await dispatch(service, 'status', []), {
      ok: false,
      error: { code: 'internal', message: 'boom' },
    });
    assert.deepEqual(await dispatch(service, 'stop', []), {
      ok: false,
      error: { code: 'internal', message: 'Something went wrong.' },
    });
  });
});

describe('IPC and HTTP answer the same call with the same error', () => {
  const entryUrl = pathToFileURL('/opt/foxden/dist/renderer/index.html').href;
  const own = { sender: { id: 7 }, senderFrame: { url: entryUrl, parent: null } };
  const { service } = recordingService({
    status: async () => {
      throw new TypeError('boom');
    },
    deleteAccount: async () => {
      throw new AdminError('not-found', 'No such account.', 'id');
    },
  });
  const ipcMain = new FakeIpcMain();
  registerAdminIpc({ ipcMain, service, policy: { ownContentsId: () => 7, appEntryUrl: entryUrl } });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-dispatch-'));
  let admin: AdminHttp;
  before(async () => {
    admin = await startAdminHttp({ service, port: 0, dataDir, staticDir: dataDir, logger: new Logger([]) });
  });
  after(async () => {
    await admin.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const cases: { method: 'status' | 'deleteAccount'; args: unknown[]; status: number }[] = [
    { method: 'status', args: [], status: 500 },
    { method: 'deleteAccount', args: [{ kind: 'sync11', id: 'bob' }], status: 404 },
    { method: 'deleteAccount', args: [{ kind: 'sync11' }], status: 400 },
  ];
  for (const c of cases) {
    it(`${c.method} ${JSON.stringify(c.args)}: HTTP ${c.status}, same AdminErrorShape`, async () => {
      const reply = (await ipcMain.invoke(channelFor(c.method), own, ...c.args)) as {
        ok: boolean;
        error?: unknown;
      };
      assert.equal(reply.ok, false);
      const http = await callAdmin<{ error: unknown }>(admin, c.method, ...c.args);
      assert.equal(http.status, c.status);
      assert.deepEqual(http.body.error, reply.error);
    });
  }
});
