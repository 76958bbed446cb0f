import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import {
  findBinary,
  requireBinary,
  skipUnless,
  startDaemon,
  throwawayCertificate,
  type Daemon,
} from '../deploy/proxy-process.js';
import { freePort } from './ports.js';

/**
 * A throwaway OpenLDAP for the directory-accounts tests (issue 14): Debian's slapd with its own
 * slapd.conf in a temporary directory, an mdb database loaded by slapadd from
 * test/fixtures/ldap/people.ldif before it starts, a plain listener (StartTLS-capable) and an
 * ldaps:// one on loopback ports, and a one-day self-signed certificate for 127.0.0.1 that the
 * tests give as the CA file. `stop()` and `start()` take it down and bring it back on the same
 * ports with the same data; `close()` stops it and removes the directory.
 * Skipped when slapd is not installed, except under CI=true (`.ci/run` installs it), where the
 * start fails instead.
 */
const run = promisify(execFile);
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/ldap');

export const LDAP_BASE = 'dc=foxden,dc=test';
export const LDAP_PEOPLE = `ou=people,${LDAP_BASE}`;
export const LDAP_SYNC_GROUP = `cn=sync,ou=groups,${LDAP_BASE}`;
/** The service account Foxden searches as (reads people and groups, not passwords). */
export const LDAP_SERVICE = { dn: `uid=foxden-reader,ou=services,${LDAP_BASE}`, password: 'reader-secret' };
/** The root DN, for the tests' own renames and edits. */
export const LDAP_ADMIN = { dn: `cn=admin,${LDAP_BASE}`, password: 'admin-secret' };

export interface TestPerson {
  uid: string;
  dn: string;
  password: string;
  mail: string;
  cn: string;
}

function person(uid: string, password: string, mail: string, cn: string): TestPerson {
  return { uid, dn: `uid=${uid},${LDAP_PEOPLE}`, password, mail, cn };
}

/** The people of people.ldif (see its header for who is locked, expired or outside the group). */
export const PEOPLE = {
  alice: person('alice', 'alice-secret-1', 'alice@foxden.test', 'Alice Liddell'),
  bjorn: person('björn', 'björn-pässwörd', 'bjorn@foxden.test', 'Björn Ångström'),
  /** Disabled: pwdAccountLockedTime 000001010000Z (ppolicy refuses her binds too). */
  carol: person('carol', 'carol-secret-3', 'carol@foxden.test', 'Carol Locked'),
  /** Not in cn=sync. */
  dave: person('dave', 'dave-secret-4', 'dave@foxden.test', 'Dave Outside'),
  /** Disabled: shadowExpire 1 (slapd still lets her bind: only Foxden's check refuses her). */
  erin: person('erin', 'erin-secret-5', 'erin@foxden.test', 'Erin Expired'),
  /** frank and grace share mail shared@foxden.test. */
  frank: person('frank', 'frank-secret-6', 'shared@foxden.test', 'Frank Shared'),
  grace: person('grace', 'grace-secret-7', 'shared@foxden.test', 'Grace Shared'),
} as const;

export interface TestSlapd {
  /** ldap://127.0.0.1:<port>, which also offers StartTLS. */
  url: string;
  /** ldaps://127.0.0.1:<port>. */
  ldapsUrl: string;
  /** The server's self-signed certificate (PEM), to trust as the only CA. */
  caFile: string;
  dir: string;
  /** Milliseconds from nothing to answering binds, the first time (certificate, slapadd, start). */
  startMs: number;
  /** Stops the process only; `start()` brings it back on the same ports with the same data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
  /** Runs `work` on a client bound as the root DN (plain connection), then unbinds. */
  asAdmin<T>(work: (client: Client) => Promise<T>): Promise<T>;
}

/** `false` to run, or why the LDAP suites are skipped (never a skip under CI=true). */
export function slapdSkipReason(): string | false {
  return skipUnless('slapd', 'slapadd', 'openssl');
}

/** How long the first start may take before the test fails (CI machines can be slow). */
const START_TIMEOUT_MS = 20_000;

export async function startSlapd(): Promise<TestSlapd> {
  const began = performance.now();
  const slapd = requireBinary('slapd');
  const slapadd = findBinary('slapadd') ?? requireBinary('slapadd');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-slapd-'));
  try {
    await throwawayCertificate(dir);
    const conf = path.join(dir, 'slapd.conf');
    fs.writeFileSync(
      conf,
      fs.readFileSync(path.join(FIXTURES, 'slapd.conf'), 'utf8').replaceAll('@DIR@', dir),
    );
    fs.mkdirSync(path.join(dir, 'db'), { mode: 0o700 });
    try {
      // -q: no per-entry checks beyond the schema's; the fixture is ours. entryUUID is added here.
      await run(slapadd, ['-q', '-f', conf, '-l', path.join(FIXTURES, 'people.ldif')], { timeout: 20_000 });
    } catch (err) {
      throw new Error(`slapadd refused the fixture: ${(err as { stderr?: string }).stderr ?? String(err)}`);
    }
    const url = { plain: '', secure: '' };
    let daemon: Daemon | null = null;

    const launch = async (ports: { plain: number; secure: number }) => {
      daemon = await startDaemon(
        slapd,
        // -d stats: foreground, and start failures (a port in use, a bad line) on stderr.
        [
          '-f',
          conf,
          '-h',
          `ldap://127.0.0.1:${ports.plain}/ ldaps://127.0.0.1:${ports.secure}/`,
          '-d',
          'stats',
        ],
        { ports: [ports.plain, ports.secure], timeoutMs: START_TIMEOUT_MS },
      );
      url.plain = `ldap://127.0.0.1:${ports.plain}`;
      url.secure = `ldaps://127.0.0.1:${ports.secure}`;
      await untilBindAnswers(url.plain, Date.now() + START_TIMEOUT_MS);
    };

    // Ports free a moment ago can be taken before slapd binds them: a second pair then.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await launch({ plain: await freePort(), secure: await freePort() });
        break;
      } catch (err) {
        if (attempt >= 3 || !/Address already in use/u.test((err as Error).message)) throw err;
      }
    }
    const ports = { plain: Number(new URL(url.plain).port), secure: Number(new URL(url.secure).port) };
    const startMs = Math.round(performance.now() - began);

    const stop = async () => {
      const running = daemon;
      daemon = null;
      await running?.stop();
    };
    return {
      url: url.plain,
      ldapsUrl: url.secure,
      caFile: path.join(dir, 'cert.pem'),
      dir,
      startMs,
      stop,
      async start() {
        if (daemon) return;
        await launch(ports);
      },
      async close() {
        await stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
      async asAdmin(work) {
        const client = new Client({ url: url.plain, timeout: 10_000, connectTimeout: 10_000 });
        try {
          await client.bind(LDAP_ADMIN.dn, LDAP_ADMIN.password);
          return await work(client);
        } finally {
          await client.unbind().catch(() => undefined);
        }
      },
    };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * slapd accepts connections a moment before its database answers: a root bind, tried until it
 * succeeds or the deadline passes (each try bounded by the client's timeouts).
 */
async function untilBindAnswers(url: string, deadline: number): Promise<void> {
  for (;;) {
    const client = new Client({ url, timeout: 2_000, connectTimeout: 2_000 });
    try {
      await client.bind(LDAP_ADMIN.dn, LDAP_ADMIN.password);
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`slapd at ${url} did not answer a bind in time: ${String(err)}`);
    } finally {
      await client.unbind().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
