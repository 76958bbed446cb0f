import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, startServe, type RunningServe } from '../cli/cli-process.js';
import { freePort } from '../helpers/ports.js';
import {
  LDAP_BASE,
  LDAP_SERVICE,
  LDAP_SYNC_GROUP,
  PEOPLE,
  slapdSkipReason,
  startSlapd,
  type TestSlapd,
} from '../helpers/slapd.js';

/**
 * The CLI over the household directory (issue 14 item 4), as child processes of the compiled
 * `dist/` (run `npx tsc -p tsconfig.build.json` first) with an ini file of `[auth] backend =
 * ldap` against a real OpenLDAP: `foxden ldap test NAME` line by line and its exit codes, and
 * `foxden user` listing the directory's people and refusing add, passwd and delete.
 */

describe('foxden ldap test and foxden user with [auth] backend = ldap', { skip: slapdSkipReason() }, () => {
  let slapd: TestSlapd;
  let tmp: string;
  let counter = 0;

  before(async () => {
    slapd = await startSlapd();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-cli-ldap-'));
  });
  after(async () => {
    await slapd?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** An ini file with the directory's keys, `over` replacing (or, with null, removing) some. */
  function ini(over: Record<string, string | null> = {}): string {
    const keys: Record<string, string | null> = {
      backend: 'ldap',
      ldapuri: slapd.url,
      bind_user: LDAP_SERVICE.dn,
      bind_password: LDAP_SERVICE.password,
      search_root: LDAP_BASE,
      required_group: LDAP_SYNC_GROUP,
      ldap_timeout: '5',
      ...over,
    };
    const lines = Object.entries(keys)
      .filter((entry): entry is [string, string] => entry[1] !== null)
      .map(([key, value]) => `${key} = ${value}`);
    const file = path.join(tmp, `foxden-${++counter}.ini`);
    fs.writeFileSync(file, `[auth]\n${lines.join('\n')}\n`);
    return file;
  }

  const ldapTest = (config: string, ...names: string[]) =>
    runCli(['ldap', 'test', ...names, '--config', config]);

  it('passes every step for a member of the group: one line each, exit 0', async () => {
    const result = await ldapTest(ini(), 'alice');
    assert.equal(result.code, 0, result.stdout.concat(result.stderr).join('\n'));
    assert.deepEqual(result.stderr, []);
    assert.equal(result.stdout.length, 4, result.stdout.join('\n'));
    assert.match(
      result.stdout[0] as string,
      /^ok +Connected to ldap:\/\/127\.0\.0\.1:\d+, bound as uid=foxden-reader/,
    );
    assert.match(result.stdout[1] as string, /^ok +Found uid=alice,ou=people,dc=foxden,dc=test \(entryUUID /);
    assert.match(result.stdout[2] as string, /^ok +Member of cn=sync,ou=groups/);
    assert.match(result.stdout[3] as string, /^All steps passed: "alice" may sync/);
    assert.equal(result.stdout.join('\n').includes(LDAP_SERVICE.password), false);
  });

  it('StartTLS with the CA file passes and says the certificate was verified', async () => {
    const result = await ldapTest(ini({ use_tls: 'true', ldap_ca_file: slapd.caFile }), 'alice');
    assert.equal(result.code, 0, result.stdout.concat(result.stderr).join('\n'));
    assert.match(result.stdout[0] as string, /^ok +StartTLS with .*certificate verified/);
  });

  it('says exactly which step failed, in one line, and exits 1', async () => {
    const closedPort = await freePort();
    const cases: Array<[string, string, string, RegExp]> = [
      [ini(), 'mallory', 'no such user', /No entry under dc=foxden,dc=test matches "mallory"/],
      [ini(), 'dave', 'not in the group', /uid=dave,.* is not a member of cn=sync/],
      [
        ini({ bind_password: 'not-the-reader-secret' }),
        'alice',
        'service bind refused',
        /refused the service account/,
      ],
      [ini({ ldapuri: `ldap://127.0.0.1:${closedPort}` }), 'alice', 'unreachable', /is unreachable/],
      [ini({ use_tls: 'true' }), 'alice', 'TLS', /TLS/],
    ];
    for (const [config, name, label, message] of cases) {
      const result = await ldapTest(config, name);
      const all = result.stdout.concat(result.stderr).join('\n');
      assert.equal(result.code, 1, `${label}: ${all}`);
      const last = result.stdout.at(-1) as string;
      assert.ok(last.startsWith(`FAILED  ${label}: `), `${label}: ${all}`);
      assert.match(last, message);
      for (const line of result.stdout.slice(0, -1)) assert.match(line, /^ok /);
      assert.equal(all.includes('not-the-reader-secret'), false, 'no password printed');
    }
  });

  it('refuses without a directory (exit 2) and an unknown subcommand, in one line', async () => {
    const own = path.join(tmp, 'own.ini');
    fs.writeFileSync(own, '[auth]\nbackend = sql\n');
    const none = await ldapTest(own, 'alice');
    assert.equal(none.code, 2);
    assert.equal(none.stderr.length, 1);
    assert.match(none.stderr[0] as string, /^foxden: Foxden keeps its own accounts.*backend = ldap/);
    const unknown = await runCli(['ldap', 'probe']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr[0] as string, /Unknown ldap command "probe"/);
  });

  describe('foxden user', () => {
    let dataDir: string;
    let config: string;
    let serve: RunningServe;

    before(async () => {
      dataDir = path.join(tmp, 'data');
      config = ini();
      serve = await startServe(['--config', config, '--data-dir', dataDir]);
    });
    after(async () => {
      await serve?.stop();
    });

    const user = (args: string[], stdin = '') =>
      runCli(['user', ...args, '--config', config, '--data-dir', dataDir], { stdin });

    it('lists nobody before a sign-in, then the person with kind directory and last sync', async () => {
      const empty = await user(['list']);
      assert.equal(empty.code, 0, empty.stderr.join('\n'));
      assert.match(empty.stdout.join('\n'), /Nobody from the directory has synced yet/);

      const { uid, password } = PEOPLE.alice;
      const res = await fetch(`${serve.url}1.1/${uid}/storage/bookmarks/rec1`, {
        method: 'PUT',
        headers: {
          Authorization: `Basic ${Buffer.from(`${uid}:${password}`).toString('base64')}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ id: 'rec1', payload: '{"ciphertext":"x"}' }),
      });
      assert.equal(res.status, 200, await res.text());
      const day = new Date().toISOString().slice(0, 10);

      const listed = await user(['list']);
      assert.equal(listed.code, 0, listed.stderr.join('\n'));
      assert.match(listed.stdout[0] as string, /^NAME +DISPLAY NAME +KIND +CREATED +LAST SYNC \(UTC\)$/);
      assert.equal(listed.stdout.length, 2, listed.stdout.join('\n'));
      assert.match(
        listed.stdout[1] as string,
        new RegExp(`^alice +Alice Liddell +directory +${day} +${day} \\d\\d:\\d\\d$`),
      );
    });

    it('refuses add, passwd and delete in one line (exit 2) and asks for no password', async () => {
      for (const args of [
        ['add', 'bob'],
        ['passwd', 'alice'],
        ['delete', 'alice'],
      ]) {
        const result = await user(args, 'a-long-password\n');
        assert.equal(result.code, 2, args.join(' '));
        assert.deepEqual(result.stdout, []);
        assert.equal(result.stderr.length, 1, result.stderr.join('\n'));
        assert.match(
          result.stderr[0] as string,
          /^foxden: Sync 1\.1 accounts are managed by the household directory \(LDAP\)/,
        );
      }
      // alice still syncs: nothing was deleted.
      const listed = await user(['list']);
      assert.match(listed.stdout.join('\n'), /alice +Alice Liddell +directory/);
    });
  });
});
