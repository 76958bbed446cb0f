import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  DirectoryClient,
  DirectoryConfigError,
  DirectoryUnavailableError,
  type AuthResult,
} from '../../server/ldap/index.js';
import { occupyPort } from '../helpers/ports.js';
import { testDirectorySettings } from '../helpers/slapd-directory.js';
import { LDAP_PEOPLE, PEOPLE, slapdSkipReason, startSlapd, type TestSlapd } from '../helpers/slapd.js';

/**
 * The directory client (server/ldap) against a real OpenLDAP started for this file
 * (test/helpers/slapd.ts, people from test/fixtures/ldap/people.ldif).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('LDAP directory client against slapd', { skip: slapdSkipReason() }, () => {
  let slapd: TestSlapd;

  before(async () => {
    slapd = await startSlapd();
  });
  after(async () => {
    if (!slapd) return;
    await slapd.close();
    assert.equal(fs.existsSync(slapd.dir), false, 'close() removes the directory');
  });

  function client(over: Record<string, string> = {}): DirectoryClient {
    return new DirectoryClient(testDirectorySettings(slapd, over));
  }

  function refused(result: AuthResult): string {
    assert.equal(result.ok, false, `expected a refusal, got ${JSON.stringify(result)}`);
    return result.ok ? '' : result.reason;
  }

  it('runs on loopback with its own certificate (start time as a diagnostic)', (t) => {
    t.diagnostic(`slapd start (certificate, slapadd, listening, first bind): ${slapd.startMs} ms`);
    assert.match(slapd.url, /^ldap:\/\/127\.0\.0\.1:\d+$/);
    assert.match(slapd.ldapsUrl, /^ldaps:\/\/127\.0\.0\.1:\d+$/);
    assert.match(fs.readFileSync(slapd.caFile, 'utf8'), /BEGIN CERTIFICATE/);
  });

  it('signs in with the right password, by uid and by mail, with entryUUID as the id', async () => {
    const byUid = await client().authenticate('alice', PEOPLE.alice.password);
    assert.ok(byUid.ok, JSON.stringify(byUid));
    assert.match(byUid.id, UUID);
    assert.equal(byUid.dn, PEOPLE.alice.dn);
    assert.equal(byUid.name, 'alice');
    assert.equal(byUid.mail, 'alice@foxden.test');
    assert.equal(byUid.displayName, 'Alice Liddell');
    const byMail = await client().authenticate('alice@foxden.test', PEOPLE.alice.password);
    assert.ok(byMail.ok);
    assert.equal(byMail.id, byUid.id);
  });

  it('signs in a person whose uid, name and password are not ASCII', async () => {
    const result = await client().authenticate('björn', PEOPLE.bjorn.password);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.name, 'björn');
    assert.equal(result.displayName, 'Björn Ångström');
    assert.equal(result.dn, PEOPLE.bjorn.dn);
    // The directory's own case-insensitive match, through the escaped UTF-8 bytes.
    const upper = await client().authenticate('BJÖRN', PEOPLE.bjorn.password);
    assert.ok(upper.ok);
    assert.equal(upper.id, result.id);
  });

  it('refuses a wrong password, and another person’s password', async () => {
    assert.equal(refused(await client().authenticate('alice', 'alice-secret-2')), 'wrong-password');
    assert.equal(refused(await client().authenticate('alice', PEOPLE.bjorn.password)), 'wrong-password');
    assert.equal(refused(await client().authenticate('björn', 'bjorn-passwort')), 'wrong-password');
  });

  it('refuses an empty password before any bind (no connection is even opened)', async () => {
    assert.equal(refused(await client().authenticate('alice', '')), 'wrong-password');
    // Pointed at a closed port: a connection attempt would throw DirectoryUnavailableError.
    const closed = await occupyPort();
    await closed.release();
    const nowhere = client({ ldapuri: `ldap://127.0.0.1:${closed.port}` });
    assert.equal(refused(await nowhere.authenticate('alice', '')), 'wrong-password');
  });

  it('refuses an unknown name', async () => {
    assert.equal(refused(await client().authenticate('mallory', 'whatever')), 'no-such-user');
    assert.equal(refused(await client().authenticate('', 'whatever')), 'no-such-user');
    assert.equal(await client().lookup('mallory'), null);
  });

  it('refuses a name that matches two entries (shared mail), without choosing one', async () => {
    assert.equal(
      refused(await client().authenticate('shared@foxden.test', PEOPLE.frank.password)),
      'ambiguous',
    );
    assert.equal(await client().lookup('shared@foxden.test'), null);
    // Each by uid is fine.
    assert.ok((await client().authenticate('frank', PEOPLE.frank.password)).ok);
  });

  it('refuses a filter that matches more entries than it asks for (the size-limit path), as ambiguous', async () => {
    const wide = client({ user_filter: '(|(uid={name})(objectClass=inetOrgPerson))', required_group: '' });
    assert.equal(refused(await wide.authenticate('alice', PEOPLE.alice.password)), 'ambiguous');
  });

  it('answers concurrent sign-ins each on its own connection, none mixed up', async () => {
    const attempts = Array.from({ length: 24 }, (_, i) => {
      const [name, password, expected] = [
        ['alice', PEOPLE.alice.password, 'alice'],
        ['björn', PEOPLE.bjorn.password, 'björn'],
        ['alice', PEOPLE.bjorn.password, 'wrong-password'],
        ['dave', PEOPLE.dave.password, 'not-in-group'],
      ][i % 4] as [string, string, string];
      return client()
        .authenticate(name, password)
        .then((result) => [expected, result.ok ? result.name : result.reason]);
    });
    for (const [expected, got] of await Promise.all(attempts)) assert.equal(got, expected);
  });

  it('refuses a person locked by ppolicy (pwdAccountLockedTime) as disabled', async () => {
    assert.equal(refused(await client().authenticate('carol', PEOPLE.carol.password)), 'disabled');
    // Without Foxden's check, slapd's own ppolicy still refuses her bind.
    const unchecked = client({ check_account_state: 'false' });
    assert.equal(refused(await unchecked.authenticate('carol', PEOPLE.carol.password)), 'wrong-password');
    const person = await client().lookup('carol');
    assert.equal(person?.disabled, true);
  });

  it('refuses a person whose shadowExpire has passed as disabled, unless check_account_state is off', async () => {
    assert.equal(refused(await client().authenticate('erin', PEOPLE.erin.password)), 'disabled');
    const unchecked = await client({ check_account_state: 'no' }).authenticate('erin', PEOPLE.erin.password);
    assert.ok(unchecked.ok, JSON.stringify(unchecked));
  });

  it('refuses a person outside required_group, but only once the password is right', async () => {
    assert.equal(refused(await client().authenticate('dave', PEOPLE.dave.password)), 'not-in-group');
    assert.equal(refused(await client().authenticate('dave', 'not-his')), 'wrong-password');
    const anyone = await client({ required_group: '' }).authenticate('dave', PEOPLE.dave.password);
    assert.ok(anyone.ok);
    const person = await client().lookup('dave');
    assert.equal(person?.inRequiredGroup, false);
    assert.equal((await client().lookup('alice'))?.inRequiredGroup, true);
  });

  it('never lets a name widen the search: wildcards, parentheses, backslash, NUL, non-ASCII', async () => {
    const names = [
      '*',
      '**',
      'a*',
      '*e',
      'al*ce',
      '*)(uid=*',
      'alice)(|(uid=*',
      '*)(|(objectClass=*)',
      '(uid=alice)',
      '\\',
      '\\2a',
      'alice\\',
      '\0',
      'alice\0',
      '\0alice',
      'älice',
      'björn*',
      'b*rn',
    ];
    for (const name of names) {
      for (const password of [PEOPLE.alice.password, PEOPLE.bjorn.password]) {
        const result = await client().authenticate(name, password);
        assert.equal(result.ok, false, `${JSON.stringify(name)} signed in: ${JSON.stringify(result)}`);
        assert.equal(refused(result), 'no-such-user', `name ${JSON.stringify(name)}`);
      }
      assert.equal(await client().lookup(name), null, `lookup ${JSON.stringify(name)}`);
    }
  });

  it('keeps the same entryUUID id when a person is renamed (modrdn), and uidNumber or the DN on request', async () => {
    const before = await client().lookup('dave');
    assert.ok(before);
    assert.match(before.id, UUID);
    await slapd.asAdmin((admin) => admin.modifyDN(PEOPLE.dave.dn, 'uid=davy'));
    try {
      assert.equal(await client().lookup('dave'), null);
      const after = await client().lookup('davy');
      assert.ok(after);
      assert.equal(after.id, before.id);
      assert.equal(after.dn, `uid=davy,${LDAP_PEOPLE}`);
      const signIn = await client({ required_group: '' }).authenticate('davy', PEOPLE.dave.password);
      assert.ok(signIn.ok);
      assert.equal(signIn.id, before.id);
      assert.equal((await client({ id_attribute: 'uidNumber' }).lookup('davy'))?.id, '10004');
      assert.equal((await client({ id_attribute: 'dn' }).lookup('davy'))?.id, `uid=davy,${LDAP_PEOPLE}`);
    } finally {
      await slapd.asAdmin((admin) => admin.modifyDN(`uid=davy,${LDAP_PEOPLE}`, 'uid=dave'));
    }
  });

  it('signs in over StartTLS with the CA file, and refuses the certificate without it', async () => {
    const ok = await client({ use_tls: 'true', ldap_ca_file: slapd.caFile }).authenticate(
      'alice',
      PEOPLE.alice.password,
    );
    assert.ok(ok.ok, JSON.stringify(ok));
    await assert.rejects(client({ use_tls: 'true' }).authenticate('alice', PEOPLE.alice.password), (err) => {
      assert.ok(err instanceof DirectoryConfigError, String(err));
      assert.equal(err.step, 'tls');
      assert.match(err.message, /not trusted/);
      assert.doesNotMatch(err.message, /alice-secret/);
      return true;
    });
  });

  it('signs in over ldaps:// with the CA file, and refuses the certificate without it', async () => {
    const ok = await client({ ldapuri: slapd.ldapsUrl, ldap_ca_file: slapd.caFile }).authenticate(
      'björn',
      PEOPLE.bjorn.password,
    );
    assert.ok(ok.ok, JSON.stringify(ok));
    await assert.rejects(client({ ldapuri: slapd.ldapsUrl }).lookup('alice'), (err) => {
      assert.ok(err instanceof DirectoryConfigError, String(err));
      assert.equal(err.step, 'tls');
      return true;
    });
  });

  it('says the service account was refused (wrong bind_password) as a DirectoryConfigError', async () => {
    await assert.rejects(
      client({ bind_password: 'not-the-secret' }).authenticate('alice', PEOPLE.alice.password),
      (err) => {
        assert.ok(err instanceof DirectoryConfigError, String(err));
        assert.equal(err.step, 'service-bind');
        assert.match(err.message, /refused the service account/);
        assert.doesNotMatch(err.message, /not-the-secret/);
        return true;
      },
    );
  });

  it('without the service account, says the search root cannot be read (the directory shows anonymous nothing)', async () => {
    const anonymous = client({ bind_user: '', bind_password: '' });
    await assert.rejects(anonymous.authenticate('alice', PEOPLE.alice.password), (err) => {
      assert.ok(err instanceof DirectoryConfigError, String(err));
      assert.equal(err.step, 'search');
      assert.match(err.message, /anonymous may not read it/);
      return true;
    });
  });

  it('says a missing search root or required group is a DirectoryConfigError', async () => {
    await assert.rejects(client({ search_root: 'ou=nobody,dc=foxden,dc=test' }).lookup('alice'), (err) => {
      assert.ok(err instanceof DirectoryConfigError, String(err));
      assert.equal(err.step, 'search');
      return true;
    });
    await assert.rejects(
      client({ required_group: 'cn=nogroup,ou=groups,dc=foxden,dc=test' }).lookup('alice'),
      (err) => {
        assert.ok(err instanceof DirectoryConfigError, String(err));
        assert.equal(err.step, 'group');
        return true;
      },
    );
  });

  it('throws DirectoryUnavailableError for a closed port', async () => {
    const closed = await occupyPort();
    await closed.release();
    await assert.rejects(
      client({ ldapuri: `ldap://127.0.0.1:${closed.port}` }).authenticate('alice', PEOPLE.alice.password),
      (err) => {
        assert.ok(err instanceof DirectoryUnavailableError, String(err));
        assert.equal(err.step, 'connect');
        assert.match(err.message, /unreachable/);
        return true;
      },
    );
  });

  it('throws DirectoryUnavailableError when the directory accepts but never answers (ldap_timeout)', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const plainAndTls: Array<Record<string, string>> = [
        {},
        { use_tls: 'true', ldap_ca_file: slapd.caFile },
      ];
      for (const over of plainAndTls) {
        await assert.rejects(
          client({ ldapuri: `ldap://127.0.0.1:${port}`, ldap_timeout: '1', ...over }).authenticate(
            'alice',
            PEOPLE.alice.password,
          ),
          (err) => {
            assert.ok(err instanceof DirectoryUnavailableError, String(err));
            assert.match(err.message, /within 1 s/);
            return true;
          },
        );
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('throws DirectoryUnavailableError while slapd is stopped, and signs in again once it is back', async () => {
    await slapd.stop();
    try {
      await assert.rejects(client().authenticate('alice', PEOPLE.alice.password), (err) => {
        assert.ok(err instanceof DirectoryUnavailableError, String(err));
        return true;
      });
      const check = await client().testConnection('alice');
      assert.equal(check.ok, false);
      assert.equal(check.ok ? '' : check.failed, 'unreachable');
    } finally {
      await slapd.start();
    }
    assert.ok((await client().authenticate('alice', PEOPLE.alice.password)).ok);
  });

  it('testConnection says which step failed, or lists the steps that worked', async () => {
    const good = await client({ use_tls: 'true', ldap_ca_file: slapd.caFile }).testConnection('alice');
    assert.ok(good.ok, JSON.stringify(good));
    assert.equal(good.person?.dn, PEOPLE.alice.dn);
    assert.equal(good.steps.length, 4, good.steps.join('\n'));
    const noName = await client().testConnection();
    assert.ok(noName.ok);
    assert.equal(noName.person, null);

    const failures: Array<[Record<string, string>, string | undefined, string]> = [
      [{ use_tls: 'true' }, 'alice', 'tls'],
      [{ bind_password: 'wrong' }, 'alice', 'service-bind'],
      [{}, 'mallory', 'no-such-user'],
      [{}, 'dave', 'not-in-group'],
      [{}, 'carol', 'disabled'],
      [{}, 'shared@foxden.test', 'ambiguous'],
      [{ search_root: 'ou=nobody,dc=foxden,dc=test' }, 'alice', 'search'],
    ];
    for (const [over, name, failed] of failures) {
      const check = await client(over).testConnection(name);
      assert.equal(check.ok, false, `${failed}: ${JSON.stringify(check)}`);
      if (!check.ok) {
        assert.equal(check.failed, failed, check.message);
        assert.doesNotMatch(check.message, /\n/);
      }
    }
  });
});
