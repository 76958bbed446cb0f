import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { usernameFromEmail } from '../../server/accounts/index.js';
import { AdminAccounts } from '../../server/admin/accounts.js';
import { AdminError } from '../../server/admin/api.js';
import { parseDirectorySettings } from '../../server/ldap/index.js';
import type { LogEvent } from '../../server/log.js';
import {
  LDAP_BASE,
  LDAP_PEOPLE,
  LDAP_SERVICE,
  LDAP_SYNC_GROUP,
  PEOPLE,
  slapdSkipReason,
  startSlapd,
  type TestSlapd,
} from '../helpers/slapd.js';
import { testDirectorySettings } from '../helpers/slapd-directory.js';
import {
  basicAuth,
  raw,
  startClockedServer,
  type FakeClock,
  type Sync11Response,
} from '../helpers/sync11-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Sync 1.1 over the household directory (issue 14 item 2): a real server with `[auth] backend
 * = ldap` settings against a real OpenLDAP (test/helpers/slapd.ts), over real HTTP. Runs on
 * the backend FOXDEN_TEST_DATABASE names, since a person's storage is mapped in the database.
 */

const WBO = { id: 'rec1', payload: '{"ciphertext":"x"}' };

describe('Sync 1.1 over an LDAP directory', { skip: slapdSkipReason() }, () => {
  let slapd: TestSlapd;
  let server: TestServer & { clock: FakeClock };

  before(async () => {
    slapd = await startSlapd();
    server = await startClockedServer({
      directory: testDirectorySettings(slapd),
    });
  });
  after(async () => {
    await server?.close();
    await slapd?.close();
  });

  function as(
    name: string,
    password: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Sync11Response> {
    return raw(`${server.url}1.1/${name}/${path}`, method, {
      headers: { Authorization: basicAuth(name, password) },
      ...(body === undefined ? {} : { json: body }),
    });
  }

  function user(
    method: string,
    path: string,
    auth?: [string, string],
    body?: string,
  ): Promise<Sync11Response> {
    return raw(`${server.url}user/1.0/${path}`, method, {
      ...(auth ? { headers: { Authorization: basicAuth(...auth) } } : {}),
      ...(body === undefined ? {} : { body }),
    });
  }

  /** The request log's reason for the last answer to `path` (written when the response ends). */
  async function logDetail(path: string): Promise<string> {
    for (let i = 0; i < 50; i++) {
      const found = server.logger
        .tail()
        .filter((e: LogEvent) => e.kind === 'request' && e.path?.endsWith(path))
        .at(-1);
      if (found) return found.detail ?? '';
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return '';
  }

  function assertNoPasswordLogged(password: string): void {
    const text = JSON.stringify(server.logger.tail());
    assert.equal(text.includes(password), false, 'no password in the log');
  }

  it('signs a person in by a bind and keeps their records', async () => {
    const { uid, password } = PEOPLE.alice;
    const put = await as(uid, password, 'PUT', 'storage/bookmarks/rec1', WBO);
    assert.equal(put.status, 200, put.text);
    const got = await as(uid, password, 'GET', 'storage/bookmarks/rec1');
    assert.equal(got.status, 200);
    assert.equal((got.json() as { payload: string }).payload, WBO.payload);
    assertNoPasswordLogged(password);
  });

  it('refuses a wrong password with a 401 that asks nothing', async () => {
    const res = await as(PEOPLE.alice.uid, 'not-her-password', 'GET', 'info/collections');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), null);
    assert.match(await logDetail(`/${PEOPLE.alice.uid}/info/collections`), /wrong password/);
  });

  it('refuses disabled accounts (ppolicy lock, shadowExpire) like a wrong password, saying why in the log', async () => {
    for (const person of [PEOPLE.carol, PEOPLE.erin]) {
      const res = await as(person.uid, person.password, 'GET', 'info/collections');
      assert.equal(res.status, 401, person.uid);
      if (person === PEOPLE.erin) {
        // slapd lets erin bind; only Foxden's account-state check refuses her.
        assert.match(await logDetail(`/${person.uid}/info/collections`), /disabled/);
      }
      assertNoPasswordLogged(person.password);
    }
  });

  it('refuses a person outside required_group with a 401, the log naming the group', async () => {
    const res = await as(PEOPLE.dave.uid, PEOPLE.dave.password, 'GET', 'info/collections');
    assert.equal(res.status, 401);
    assert.match(await logDetail(`/${PEOPLE.dave.uid}/info/collections`), /required group/);
    assertNoPasswordLogged(PEOPLE.dave.password);
  });

  it('signs in an account typed as an e-mail (Firefox hashes it) through the address it stands for', async () => {
    const { mail, password } = PEOPLE.bjorn;
    const name = usernameFromEmail(mail);
    const put = await as(name, password, 'PUT', 'storage/tabs/rec1', WBO);
    assert.equal(put.status, 200, put.text);
    assert.equal((await as(name, 'wrong-password', 'GET', 'info/collections')).status, 401);
    const exists = await user('GET', name);
    assert.equal(exists.text, '1');
    // frank and grace share an address: its hash means nobody.
    const shared = usernameFromEmail(PEOPLE.frank.mail);
    assert.equal((await as(shared, PEOPLE.frank.password, 'GET', 'info/collections')).status, 401);
  });

  it('keeps a renamed person their data: the storage belongs to the entryUUID', async () => {
    const { uid, password, dn } = PEOPLE.alice;
    assert.equal((await as(uid, password, 'PUT', 'storage/history/h1', WBO)).status, 200);
    const before = (await as(uid, password, 'GET', 'info/collections')).json() as Record<string, number>;
    const renamedDn = `uid=alicia,${LDAP_PEOPLE}`;
    // The group names people by DN: it follows the rename, as OpenLDAP's refint overlay does.
    const member = (operation: 'add' | 'delete', value: string) =>
      new Change({ operation, modification: new Attribute({ type: 'member', values: [value] }) });
    await slapd.asAdmin(async (admin) => {
      await admin.modifyDN(dn, 'uid=alicia');
      await admin.modify(LDAP_SYNC_GROUP, [member('delete', dn), member('add', renamedDn)]);
    });
    try {
      const renamed = await as('alicia', password, 'GET', 'info/collections');
      assert.equal(renamed.status, 200, renamed.text);
      assert.deepEqual(Object.keys(renamed.json() as object).sort(), Object.keys(before).sort());
      const rec = await as('alicia', password, 'GET', 'storage/history/h1');
      assert.equal(rec.status, 200);
    } finally {
      await slapd.asAdmin(async (admin) => {
        await admin.modifyDN(renamedDn, `uid=${uid}`);
        await admin.modify(LDAP_SYNC_GROUP, [member('delete', renamedDn), member('add', dn)]);
      });
    }
  });

  it('never lets a name widen a search: filter characters cannot reach the directory', async () => {
    for (const name of ['*', 'a*', '(uid=*)', '\\2a', '%00', encodeURIComponent('björn'), 'ali*ce']) {
      const exists = await raw(`${server.url}user/1.0/${name}`, 'GET');
      assert.equal(exists.status, 404, `exists ${name}`);
      const res = await raw(`${server.url}1.1/${name}/info/collections`, 'GET', {
        headers: { Authorization: basicAuth('*', PEOPLE.alice.password) },
      });
      assert.equal(res.status, 404, `storage ${name}`);
    }
    // A wildcard in Basic auth under a real name is a different user: refused before any search.
    const res = await raw(`${server.url}1.1/alice/info/collections`, 'GET', {
      headers: { Authorization: basicAuth('al*', PEOPLE.alice.password) },
    });
    assert.equal(res.status, 401);
    assert.equal((await user('GET', 'ali')).text, '0', 'a prefix is not a match');
    assert.equal((await user('GET', 'alice')).text, '1');
  });

  it('answers the User API from the directory and refuses to change it', async () => {
    const { uid, password } = PEOPLE.alice;
    assert.equal((await user('GET', uid)).text, '1');
    assert.equal((await user('GET', 'nobody-here')).text, '0');
    assert.equal((await user('GET', `${uid}/node/weave`)).status, 200);
    assert.equal((await user('GET', 'nobody-here/node/weave')).status, 404);

    const signup = JSON.stringify({ email: 'new@foxden.test', password: 'a-long-password' });
    const taken = await user('PUT', uid, undefined, signup);
    assert.equal(taken.status, 400);
    assert.equal(taken.text, '4');
    const fresh = await user('PUT', 'newperson', undefined, signup);
    assert.equal(fresh.status, 503);
    assert.ok(fresh.headers.get('retry-after'));
    assert.match(fresh.text, /managed by the household directory/);

    const change = await user('POST', `${uid}/password`, [uid, password], 'another-long-password');
    assert.equal(change.status, 400);
    assert.equal(change.text, '11');
    assert.match(await logDetail(`/${uid}/password`), /managed by the household directory/);
    const wrong = await user('POST', `${uid}/password`, [uid, 'wrong-password'], 'another-long-password');
    assert.equal(wrong.status, 401);
    const weak = await user('POST', `${uid}/password`, [uid, password], 'short');
    assert.equal(weak.text, '9');
    const del = await user('DELETE', uid, [uid, password]);
    assert.equal(del.status, 400);
    assert.equal(del.text, '11');
    // Nothing changed in the directory: the password still binds.
    assert.equal((await as(uid, password, 'GET', 'info/collections')).status, 200);
  });

  it('the admin service refuses to create, delete or reset Sync 1.1 accounts, in one sentence', async () => {
    const admin = new AdminAccounts(() => server.server.context);
    const attempts = [
      () => admin.create({ kind: 'sync11', name: 'newperson', password: 'a-long-password' }),
      () => admin.delete({ kind: 'sync11', id: PEOPLE.alice.uid }),
      () => admin.resetPassword({ kind: 'sync11', id: PEOPLE.alice.uid, password: 'a-long-password' }),
    ];
    for (const attempt of attempts) {
      await assert.rejects(attempt, (err: unknown) => {
        assert.ok(err instanceof AdminError);
        assert.match(err.message, /^Sync 1\.1 accounts are managed by the household directory/);
        assert.equal(err.message.includes('\n'), false);
        return true;
      });
    }
    // Nothing changed in Foxden's own accounts.
    assert.deepEqual(await server.server.context.db.transaction('read', (tx) => tx.listSync11Users()), []);
  });

  it('signs in over ldaps:// and StartTLS, trusting the directory through ldap_ca_file', async () => {
    for (const tls of [{ ldapuri: slapd.ldapsUrl }, { ldapuri: slapd.url, use_tls: 'true' }]) {
      const secure = await startTestServer({
        directory: parseDirectorySettings({
          ...tls,
          ldap_ca_file: slapd.caFile,
          bind_user: LDAP_SERVICE.dn,
          bind_password: LDAP_SERVICE.password,
          search_root: LDAP_BASE,
          ldap_timeout: '5',
        }),
      });
      try {
        const res = await raw(`${secure.url}1.1/${PEOPLE.alice.uid}/info/collections`, 'GET', {
          headers: { Authorization: basicAuth(PEOPLE.alice.uid, PEOPLE.alice.password) },
        });
        assert.equal(res.status, 200, `${JSON.stringify(tls)}: ${res.text}`);
      } finally {
        await secure.close();
      }
    }
  });

  it('answers 503 with Retry-After while the directory is down; cached logins work until they expire', async () => {
    const { uid, password } = PEOPLE.alice;
    assert.equal((await as(uid, password, 'GET', 'info/collections')).status, 200);
    await slapd.stop();
    try {
      assert.equal((await as(uid, password, 'GET', 'info/collections')).status, 200, 'cached');
      const fresh = await as(PEOPLE.frank.uid, PEOPLE.frank.password, 'GET', 'info/collections');
      assert.equal(fresh.status, 503);
      assert.ok(Number(fresh.headers.get('retry-after')) > 0);
      const exists = await user('GET', PEOPLE.frank.uid);
      assert.equal(exists.status, 503);
      server.clock.advance(6 * 60 * 1000);
      const expired = await as(uid, password, 'GET', 'info/collections');
      assert.equal(expired.status, 503, 'an expired entry needs the directory again: 503, never 401');
    } finally {
      await slapd.start();
    }
    assert.equal((await as(uid, password, 'GET', 'info/collections')).status, 200);
    assert.equal((await as(PEOPLE.frank.uid, PEOPLE.frank.password, 'GET', 'info/collections')).status, 200);
  });

  it('limits unauthenticated directory lookups per address (the directory is searched once per name a minute)', async () => {
    // Another window for this address than the earlier tests' lookups.
    server.clock.advance(11 * 60 * 1000);
    let answered = 0;
    let refused: Awaited<ReturnType<typeof user>> | null = null;
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await user('GET', `nobody-${i % 3}`);
      if (res.status === 503) refused = res;
      else {
        assert.equal(res.text, '0');
        answered += 1;
      }
    }
    assert.ok(refused, 'the limit trips');
    assert.equal(answered, 30);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
  });

  it('shares one budget of failed binds per person with every spelling; past it no bind is sent', async () => {
    const { uid, password } = PEOPLE.frank;
    // Past the cached login of the earlier tests.
    server.clock.advance(6 * 60 * 1000);
    for (const name of [uid, uid.toUpperCase(), uid, uid.toUpperCase()])
      assert.equal((await as(name, 'not-the-password', 'GET', 'info/collections')).status, 401, name);
    const refused = await as(uid, password, 'GET', 'info/collections');
    assert.equal(refused.status, 401, 'the right password too: the bind was not sent');
    server.clock.advance(15 * 60 * 1000 + 1000);
    assert.equal((await as(uid, password, 'GET', 'info/collections')).status, 200);
  });
});
