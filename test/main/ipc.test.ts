import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { AdminError } from '../../server/admin/api.js';
import { ADMIN_METHODS, channelFor } from '../../main/channels.js';
import { registerAdminIpc, type InvokeEventLike } from '../../main/ipc.js';
import { FakeIpcMain } from './fake-electron.js';
import { recordingService } from './recording-service.js';

const entryUrl = pathToFileURL('/opt/foxden/dist/renderer/index.html').href;
const OWN_ID = 7;

function setup(overrides: Parameters<typeof recordingService>[0] = {}) {
  const ipcMain = new FakeIpcMain();
  const { service, calls } = recordingService(overrides);
  const problems: string[] = [];
  const unregister = registerAdminIpc({
    ipcMain,
    service,
    policy: { ownContentsId: () => OWN_ID, appEntryUrl: entryUrl },
    onProblem: (message) => problems.push(message),
  });
  return { ipcMain, calls, problems, unregister };
}

function event(senderId: number, url: string | null, parent: unknown = null): InvokeEventLike {
  return { sender: { id: senderId }, senderFrame: url === null ? null : { url, parent } };
}

const own = event(OWN_ID, entryUrl);

describe('IPC channels', () => {
  it('registers exactly one handler per AdminApi method, and removes them all', () => {
    const { ipcMain, unregister } = setup();
    assert.deepEqual([...ipcMain.handlers.keys()].sort(), ADMIN_METHODS.map(channelFor).sort());
    assert.equal(ipcMain.handlers.size, 19);
    unregister();
    assert.equal(ipcMain.handlers.size, 0);
  });
});

describe('IPC sender checks', () => {
  it('the main frame of our own window showing our index.html is accepted', async () => {
    const { ipcMain, calls } = setup();
    assert.deepEqual(await ipcMain.invoke(channelFor('status'), own), {
      ok: true,
      value: 'result of status',
    });
    // A #fragment (client-side routing) is still our page.
    const routed = event(OWN_ID, entryUrl + '#/accounts');
    assert.deepEqual(await ipcMain.invoke(channelFor('listAccounts'), routed), {
      ok: true,
      value: 'result of listAccounts',
    });
    assert.deepEqual(
      calls.map((c) => c.method),
      ['status', 'listAccounts'],
    );
  });

  const refused: [string, InvokeEventLike][] = [
    ['another webContents', event(OWN_ID + 1, entryUrl)],
    ['a subframe of our window', event(OWN_ID, entryUrl, { url: entryUrl })],
    ['our window navigated to a web page', event(OWN_ID, 'https://evil.example/index.html')],
    ['our window showing another local file', event(OWN_ID, pathToFileURL('/tmp/evil/index.html').href)],
    [
      'a sibling file in our renderer folder',
      event(OWN_ID, pathToFileURL('/opt/foxden/dist/renderer/other.html').href),
    ],
    ['our entry with a query string', event(OWN_ID, entryUrl + '?x=1')],
    [
      'a traversal hidden behind encoded slashes',
      event(OWN_ID, entryUrl.replace('renderer/index.html', 'renderer/x%2F..%2Findex.html')),
    ],
    ['a frame that is already gone', event(OWN_ID, null)],
    ['a data: URL', event(OWN_ID, 'data:text/html,<script>1</script>')],
  ];
  for (const [name, ev] of refused) {
    it(`refuses ${name} without calling the service`, async () => {
      const { ipcMain, calls, problems } = setup();
      const reply = (await ipcMain.invoke(channelFor('deleteAccount'), ev, {
        kind: 'sync11',
        id: 'alice',
      })) as {
        ok: boolean;
        error: { code: string };
      };
      assert.equal(reply.ok, false);
      assert.equal(reply.error.code, 'unavailable');
      assert.equal(calls.length, 0);
      assert.equal(problems.length, 1);
    });
  }

  it('refuses everything while there is no window', async () => {
    const ipcMain = new FakeIpcMain();
    const { service, calls } = recordingService();
    registerAdminIpc({
      ipcMain,
      service,
      policy: { ownContentsId: () => null, appEntryUrl: entryUrl },
    });
    const reply = (await ipcMain.invoke(channelFor('stop'), own)) as { ok: boolean };
    assert.equal(reply.ok, false);
    assert.equal(calls.length, 0);
  });
});

describe('IPC argument validation', () => {
  it('bad arguments are refused with the field, before reaching the service', async () => {
    const { ipcMain, calls } = setup();
    const reply = await ipcMain.invoke(channelFor('createAccount'), own, {
      kind: 'sync11',
      name: 42,
      password: 'x',
    });
    assert.equal((reply as { ok: boolean }).ok, false);
    const error = (reply as { error: { code: string; field?: string; message: string } }).error;
    assert.equal(error.code, 'invalid-argument');
    assert.equal(typeof error.message, 'string');
    assert.ok(error.field, 'names the form field');
    assert.equal(calls.length, 0);
  });

  it('unknown settings and wrong types are refused', async () => {
    const { ipcMain, calls } = setup();
    for (const patch of [{ port: 'eighty' }, { evil: true }, null, [1, 2]]) {
      const reply = (await ipcMain.invoke(channelFor('updateSettings'), own, patch)) as {
        ok: boolean;
        error: { code: string };
      };
      assert.equal(reply.ok, false, JSON.stringify(patch));
      assert.equal(reply.error.code, 'invalid-argument');
    }
    assert.equal(calls.length, 0);
  });

  it('valid arguments reach the service as validated', async () => {
    const { ipcMain, calls } = setup();
    const reply = await ipcMain.invoke(channelFor('updateSettings'), own, { allowNewUsers: true });
    assert.deepEqual(reply, { ok: true, value: 'result of updateSettings' });
    assert.deepEqual(calls, [{ method: 'updateSettings', args: [{ allowNewUsers: true }] }]);
  });
});

describe('IPC error mapping', () => {
  it('an AdminError comes back as {code, message, field}', async () => {
    const { ipcMain } = setup({
      deleteAccount: async () => {
        throw new AdminError('not-found', 'No such account.', 'id');
      },
    });
    const reply = await ipcMain.invoke(channelFor('deleteAccount'), own, { kind: 'sync11', id: 'bob' });
    assert.deepEqual(reply, {
      ok: false,
      error: { code: 'not-found', message: 'No such account.', field: 'id' },
    });
  });

  it('any other error is "internal" and reported to the log', async () => {
    const { ipcMain, problems } = setup({
      status: async () => {
        throw new TypeError('boom');
      },
    });
    const reply = await ipcMain.invoke(channelFor('status'), own);
    assert.deepEqual(reply, { ok: false, error: { code: 'internal', message: 'boom' } });
    assert.deepEqual(problems, ['Admin call status failed']);
  });
});
