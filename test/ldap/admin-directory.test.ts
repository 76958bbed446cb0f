import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type {
  AccountSummary,
  AdminErrorShape,
  DirectoryInfo,
  DirectoryTest,
} from '../../server/admin/api.js';
import type { AdminService } from '../../server/admin/admin-service.js';
import { startAdminHttp, type AdminHttp } from '../../server/admin/http-transport.js';
import { testDirectory } from '../../server/admin/directory-admin.js';
import { createAdmin } from '../../server/admin/index.js';
import type { ServerController } from '../../server/admin/server-controller.js';
import { MemorySettingsStore } from '../../server/admin/settings-store.js';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { defaultConfig } from '../../server/config.js';
import { stretchPassword, toHex } from '../../server/fxa/crypto/index.js';
import type { DirectorySettings } from '../../server/ldap/index.js';
import { Logger } from '../../server/log.js';
import { callAdmin } from '../helpers/admin-http.js';
import { freePort } from '../helpers/ports.js';
import { testDirectorySettings } from '../helpers/slapd-directory.js';
import {
  LDAP_BASE,
  LDAP_SERVICE,
  LDAP_SYNC_GROUP,
  PEOPLE,
  slapdSkipReason,
  startSlapd,
  type TestSlapd,
} from '../helpers/slapd.js';
import { basicAuth, raw } from '../helpers/sync11-client.js';

/**
 * The owner's side of directory accounts (issue 14 item 4) over the admin HTTP transport, with
 * a real server whose `[auth] backend = ldap` points at a real OpenLDAP: the accounts list,
 * the refusals, the directory's read-only settings and "Test connection" step by step.
 */

const SENTENCE = /^Sync 1\.1 accounts are managed by the household directory \(LDAP\)/;

interface DirectoryAdmin {
  controller: ServerController;
  service: AdminService;
  admin: AdminHttp;
  close(): Promise<void>;
}

/** An admin service with its HTTP transport over a running server of these directory settings. */
async function startDirectoryAdmin(directory: DirectorySettings): Promise<DirectoryAdmin> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-admin-ldap-'));
  const logger = new Logger();
  const { controller, service } = createAdmin({
    baseConfig: defaultConfig({ dataDir, host: '127.0.0.1', port: 0, directory }),
    store: new MemorySettingsStore({ ...DEFAULT_SETTINGS, port: 0 }),
    logger,
    lanAddresses: () => [],
    backupTimers: false,
  });
  assert.equal((await service.start()).state, 'running');
  const admin = await startAdminHttp({ service, port: 0, dataDir, staticDir: dataDir, logger });
  return {
    controller,
    service,
    admin,
    async close() {
      await admin.close();
      service.detach();
      await controller.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('admin over an LDAP directory', { skip: slapdSkipReason() }, () => {
  let slapd: TestSlapd;
  let stack: DirectoryAdmin;
  let controller: ServerController;
  let admin: AdminHttp;

  const settings = (over: Record<string, string> = {}) => testDirectorySettings(slapd, over);

  before(async () => {
    slapd = await startSlapd();
    stack = await startDirectoryAdmin(settings());
    ({ controller, admin } = stack);
  });
  after(async () => {
    await stack?.close();
    await slapd?.close();
  });

  function syncUrl(): string {
    const listen = controller.status().listen;
    assert.ok(listen);
    return `http://127.0.0.1:${listen.port}/`;
  }

  it('lists a directory person after a Sync 1.1 sign-in, as kind directory with the last sync', async () => {
    const before = await callAdmin<AccountSummary[]>(admin, 'listAccounts');
    assert.equal(before.status, 200);
    assert.deepEqual(before.body, []);

    const { uid, password } = PEOPLE.alice;
    const put = await raw(`${syncUrl()}1.1/${uid}/storage/bookmarks/rec1`, 'PUT', {
      headers: { Authorization: basicAuth(uid, password) },
      json: { id: 'rec1', payload: '{"ciphertext":"x"}' },
    });
    assert.equal(put.status, 200, put.text);
    const written = Number(put.text) * 1000;

    const { status, body } = await callAdmin<AccountSummary[]>(admin, 'listAccounts');
    assert.equal(status, 200);
    assert.equal(body.length, 1, JSON.stringify(body));
    const [alice] = body as [AccountSummary];
    assert.equal(alice.kind, 'directory');
    assert.match(alice.id, /^[0-9a-f-]{36}$/, 'the entryUUID names the person');
    assert.match(alice.label, /Alice Liddell/);
    assert.match(alice.label, /alice/);
    assert.equal(alice.collections, 1);
    assert.ok(alice.storageBytes > 0);
    assert.ok(
      alice.lastSync !== null && alice.lastSync >= Math.floor(written / 10) * 10 - 10,
      String(alice.lastSync),
    );
  });

  it('refuses create, delete and reset in one sentence, and changes nothing', async () => {
    const listed = (await callAdmin<AccountSummary[]>(admin, 'listAccounts')).body;
    const id = (listed[0] as AccountSummary).id;
    const attempts: Array<[string, unknown]> = [
      ['createAccount', { kind: 'sync11', name: 'newperson', password: 'a-long-password' }],
      ['deleteAccount', { kind: 'directory', id }],
      ['deleteAccount', { kind: 'sync11', id: 'alice' }],
      ['resetPassword', { kind: 'directory', id, password: 'a-long-password' }],
      ['resetPassword', { kind: 'sync11', id: 'alice', password: 'a-long-password' }],
    ];
    for (const [method, arg] of attempts) {
      const { status, body } = await callAdmin<{ error: AdminErrorShape }>(admin, method, arg);
      assert.equal(status, 400, `${method} ${JSON.stringify(arg)}`);
      assert.equal(body.error.code, 'invalid-argument');
      assert.match(body.error.message, SENTENCE);
      assert.equal(body.error.message.includes('\n'), false);
    }
    assert.deepEqual((await callAdmin<AccountSummary[]>(admin, 'listAccounts')).body, listed);
  });

  it("shows the directory's settings without the bind password", async () => {
    const { status, body } = await callAdmin<DirectoryInfo>(admin, 'directory');
    assert.equal(status, 200);
    assert.equal(body.url, slapd.url);
    assert.equal(body.startTls, false);
    assert.equal(body.searchBase, LDAP_BASE);
    assert.equal(body.requiredGroup, LDAP_SYNC_GROUP);
    assert.equal(body.bindDn, LDAP_SERVICE.dn);
    assert.match(body.accountsNote, SENTENCE);
    assert.match(body.accountsNote, /Local accounts are made by the household directory/);
    assert.equal(JSON.stringify(body).includes(LDAP_SERVICE.password), false);
  });

  it('Test connection passes every step for a member of the group, one line each', async () => {
    const { status, body } = await callAdmin<DirectoryTest>(admin, 'testDirectory', 'alice');
    assert.equal(status, 200);
    assert.equal(body.ok, true, JSON.stringify(body));
    assert.equal(body.failed, null);
    assert.equal(body.steps.length, 3, body.steps.join('\n'));
    assert.match(body.steps[0] as string, /bound as uid=foxden-reader/);
    assert.match(body.steps[1] as string, /^Found uid=alice,/);
    assert.match(body.steps[2] as string, /^Member of cn=sync/);
    for (const step of body.steps) assert.equal(step.includes('\n'), false);
  });

  it('Test connection names the failed step: no such user, not in the group', async () => {
    const cases: Array<[string, string, string, RegExp]> = [
      ['mallory', 'no-such-user', 'no such user', /No entry under .* matches "mallory"/],
      ['dave', 'not-in-group', 'not in the group', /is not a member of cn=sync/],
    ];
    for (const [name, failed, label, message] of cases) {
      const { body } = await callAdmin<DirectoryTest>(admin, 'testDirectory', name);
      assert.equal(body.ok, false);
      assert.equal(body.failed, failed);
      assert.equal(body.failedLabel, label);
      assert.match(body.message ?? '', message);
      assert.equal(body.steps.length, failed === 'no-such-user' ? 1 : 2, body.steps.join('\n'));
    }
  });

  it('Test connection names the failed step: wrong service password, unreachable port, TLS', async () => {
    const closedPort = await freePort();
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ bind_password: 'not-the-reader-secret' }, 'service-bind', /refused the service account/],
      [{ ldapuri: `ldap://127.0.0.1:${closedPort}` }, 'unreachable', /unreachable/],
      // StartTLS against the throwaway certificate, with no CA file: not trusted.
      [{ use_tls: 'true' }, 'tls', /TLS certificate is not trusted|TLS failed/],
    ];
    // Each through the admin HTTP transport of a server started with those settings.
    const testWith = async (over: Record<string, string>): Promise<DirectoryTest> => {
      const other = await startDirectoryAdmin(settings(over));
      try {
        const { status, body } = await callAdmin<DirectoryTest>(other.admin, 'testDirectory', 'alice');
        assert.equal(status, 200, JSON.stringify(body));
        return body;
      } finally {
        await other.close();
      }
    };
    for (const [over, failed, message] of cases) {
      const result = await testWith(over);
      assert.equal(result.ok, false, JSON.stringify(over));
      assert.equal(result.failed, failed, result.message ?? '');
      assert.match(result.message ?? '', message);
      assert.equal(result.steps.length, 0);
      assert.equal((result.message ?? '').includes('not-the-reader-secret'), false);
    }
    // With the CA file, StartTLS passes and says so.
    const secure = await testWith({ use_tls: 'true', ldap_ca_file: slapd.caFile });
    assert.equal(secure.ok, true, JSON.stringify(secure));
    assert.match(secure.steps[0] as string, /^StartTLS with .*certificate verified/);
    // The function the CLI shares answers the same without a server.
    assert.equal((await testDirectory(settings({ use_tls: 'true' }), 'alice')).failed, 'tls');
  });

  it("a directory person's local account is listed as managed; delete, reset and create refused", async () => {
    const { uid: name, mail, password } = PEOPLE.bjorn;
    const stretched = stretchPassword(mail, password);
    const res = await fetch(`${syncUrl()}auth/v1/account/directory/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name,
        email: mail,
        authPW: toHex(stretched.authPW),
        directoryPassword: password,
      }),
    });
    const signedIn = (await res.json()) as { uid?: string };
    assert.equal(res.status, 200, JSON.stringify(signedIn));

    const listed = (await callAdmin<AccountSummary[]>(admin, 'listAccounts')).body;
    const local = listed.find((a) => a.kind === 'local' && a.id === signedIn.uid);
    assert.ok(local, JSON.stringify(listed));
    assert.equal(local.managedByDirectory, true);
    assert.equal(local.label, mail);
    // Only Sync 1.1 storage is listed as kind directory: the local account is the person's Firefox row.
    assert.equal(listed.filter((a) => a.kind === 'directory').length, 1);

    for (const [method, arg] of [
      ['deleteAccount', { kind: 'local', id: local.id }],
      ['resetPassword', { kind: 'local', id: local.id, password: 'a-long-password' }],
    ] as const) {
      const { status, body } = await callAdmin<{ error: AdminErrorShape }>(admin, method, arg);
      assert.equal(status, 400, method);
      assert.match(body.error.message, /^This local account belongs to a person of the household directory/);
    }
    assert.ok((await callAdmin<AccountSummary[]>(admin, 'listAccounts')).body.some((a) => a.id === local.id));

    // Removed from the directory: the owner may delete what is left (bjorn's last use in this file).
    await slapd.asAdmin((ldap) => ldap.del(PEOPLE.bjorn.dn));
    const removed = await callAdmin(admin, 'deleteAccount', { kind: 'local', id: local.id });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    const after = (await callAdmin<AccountSummary[]>(admin, 'listAccounts')).body;
    assert.equal(
      after.some((a) => a.id === local.id),
      false,
    );

    // The sign-in page signs people in through the directory: an own local account could not sign in.
    const own = await callAdmin<{ error: AdminErrorShape }>(admin, 'createAccount', {
      kind: 'local',
      name: 'guest@example.org',
      password: 'a-long-password',
    });
    assert.equal(own.status, 400);
    assert.match(own.body.error.message, /^Local accounts are made by the household directory \(LDAP\)/);
    assert.equal((await callAdmin<AccountSummary[]>(admin, 'listAccounts')).body.length, after.length);
  });

  it('refuses a bad name argument in one line, naming the field', async () => {
    const { status, body } = await callAdmin<{ error: AdminErrorShape }>(admin, 'testDirectory', 42);
    assert.equal(status, 400);
    assert.equal(body.error.field, 'name');
    const listedOnly = await callAdmin<DirectoryTest>(admin, 'testDirectory');
    assert.equal(listedOnly.body.ok, true, JSON.stringify(listedOnly.body));
    assert.equal(listedOnly.body.steps.length, 1);
  });
});
