import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { usernameFromEmail } from '../../server/accounts/index.js';
import { startHeadless, type Headless } from '../../server/admin/headless.js';
import { defaultConfig, type Config } from '../../server/config.js';
import { ERRNO } from '../../server/fxa/errors.js';
import { Logger } from '../../server/log.js';
import { FakeFxaKeys, keyId, newFxaUid } from '../helpers/fxa-tokens.js';

// Issue 8, finding 5: with sign-ups open an anonymous LAN user created 300 local accounts and
// 50 Sync 1.1 accounts. Now every door shares one cap per opening (default 10), enforced at
// creation, after which sign-ups close by themselves and say so.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-signup-cap-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let counter = 0;

const fxa = new FakeFxaKeys();
const jwksFile = fxa.writeJwksFile(tmp);

/** `foxden serve --allow-new-users [--max-new-users N]` as the CLI starts it, on real sockets. */
async function startOpen(
  overrides: Partial<Config>,
): Promise<{ headless: Headless; url: string; config: Config }> {
  const dataDir = path.join(tmp, `data-${++counter}`);
  const base = defaultConfig({ dataDir, host: '127.0.0.1', port: 0 });
  const config = defaultConfig({
    ...base,
    allowNewUsers: true,
    sharedSecret: 'owner-secret',
    sync15: { ...base.sync15, fxaJwksFile: jwksFile, fxaOauthServerUrl: 'http://127.0.0.1:9/v1' },
    ...overrides,
  });
  const headless = await startHeadless({
    config,
    publicUrlGiven: false,
    origins: { allowNewUsers: { layer: 'flag', from: '--allow-new-users' } },
    overrides: { autoCloseSignups: false },
    logger: new Logger(),
    adminPort: null,
    warn: () => undefined,
  });
  return { headless, url: `http://127.0.0.1:${headless.address.port}/`, config };
}

function localSignup(url: string, email: string): Promise<Response> {
  return fetch(`${url}auth/v1/account/create`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, authPW: randomBytes(32).toString('hex') }),
  });
}

function sync11Signup(url: string, email: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}user/1.0/${usernameFromEmail(email)}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ password: 'correct horse battery', email }),
  });
}

function tokenExchange(url: string, sub: string): Promise<Response> {
  return fetch(`${url}1.0/sync/1.5`, {
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${fxa.accessToken({ sub, generation: 1 })}`,
      'x-keyid': keyId(1).header,
    },
  });
}

test(
  '300 parallel local sign-ups and 50 Sync 1.1 sign-ups create 10 accounts in all; then each door refuses in its own words',
  { timeout: 120_000 },
  async () => {
    const { headless, url, config } = await startOpen({});
    assert.equal(config.maxNewUsers, 10, 'the default cap');
    try {
      const requests = [
        ...Array.from({ length: 300 }, (_, i) => ({
          door: 'local',
          res: localSignup(url, `p${i}@example.org`),
        })),
        ...Array.from({ length: 50 }, (_, i) => ({
          door: 'sync11',
          res: sync11Signup(url, `s${i}@example.org`),
        })),
      ];
      const answers = await Promise.all(
        requests.map(async ({ door, res }) => {
          const r = await res;
          return { door, status: r.status, body: await r.text(), retryAfter: r.headers.get('retry-after') };
        }),
      );
      const created = answers.filter((a) => a.status === 200);
      assert.equal(created.length, 10, 'exactly the cap, whatever the interleaving');
      for (const refused of answers.filter((a) => a.status !== 200)) {
        if (refused.door === 'local') {
          // As when sign-ups are closed: 403, FxA's FEATURE_NOT_ENABLED errno.
          assert.equal(refused.status, 403);
          assert.equal((JSON.parse(refused.body) as { errno: number }).errno, ERRNO.FEATURE_NOT_ENABLED);
        } else {
          // Spec 1.1 §5.2 step 8: closed registration is 503 with a JSON string and Retry-After.
          assert.equal(refused.status, 503);
          assert.equal(refused.body, '"server issue: new accounts are not accepted on this server"');
          assert.equal(refused.retryAfter, String(config.retryAfter));
        }
      }
      const accounts = await headless.service.listAccounts();
      assert.equal(accounts.length, 10, 'no more accounts than the cap exist');

      // Sign-ups closed themselves: running server, saved settings, status for dashboard and tray.
      assert.equal((await headless.service.getSettings()).allowNewUsers, false);
      const saved = JSON.parse(fs.readFileSync(path.join(config.dataDir, 'settings.json'), 'utf8')) as {
        allowNewUsers?: boolean;
      };
      assert.equal(saved.allowNewUsers, false, 'saved for the next run');
      assert.equal(
        (await headless.service.status()).signupsNote,
        'Sign-ups closed automatically after 10 new accounts.',
      );
      assert.equal((await localSignup(url, 'late@example.org')).status, 403);
      assert.equal((await tokenExchange(url, newFxaUid())).status, 403, 'a new Mozilla account too');

      // The owner's own doors do not count and still work: dashboard and X-Weave-Secret.
      await headless.service.createAccount({ kind: 'sync11', name: 'owner', password: 'correct horse' });
      const trusted = await sync11Signup(url, 'guest@example.org', { 'X-Weave-Secret': 'owner-secret' });
      assert.equal(trusted.status, 200);
      assert.equal((await headless.service.listAccounts()).length, 12);

      // Opening sign-ups again is a new opening with its own 10 places.
      await headless.service.updateSettings({ allowNewUsers: true });
      assert.equal((await headless.service.status()).signupsNote, null);
      const again = await Promise.all(
        Array.from({ length: 15 }, (_, i) => localSignup(url, `again${i}@example.org`)),
      );
      assert.equal(again.filter((r) => r.status === 200).length, 10);
      assert.equal((await headless.service.getSettings()).allowNewUsers, false);
    } finally {
      await headless.close();
    }
  },
);

test('a new Mozilla-account user at the tokenserver takes a place too; the cap holds there', async () => {
  const { headless, url } = await startOpen({ maxNewUsers: 2 });
  try {
    const answers = await Promise.all(Array.from({ length: 6 }, () => tokenExchange(url, newFxaUid())));
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 200, 403, 403, 403, 403]);
    const refused = answers.find((r) => r.status === 403) as Response;
    assert.equal(((await refused.json()) as { status: string }).status, 'new-users-disabled');
    assert.equal((await headless.service.getSettings()).allowNewUsers, false);
    assert.equal(
      (await headless.service.status()).signupsNote,
      'Sign-ups closed automatically after 2 new accounts.',
    );
  } finally {
    await headless.close();
  }
});

test('--max-new-users 0 means no cap (load tests, benchmarks)', { timeout: 60_000 }, async () => {
  const { headless, url } = await startOpen({ maxNewUsers: 0 });
  try {
    const answers = await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => localSignup(url, `n${i}@example.org`)),
      ...Array.from({ length: 10 }, (_, i) => sync11Signup(url, `m${i}@example.org`)),
    ]);
    assert.deepEqual(
      answers.filter((r) => r.status !== 200).map((r) => r.status),
      [],
    );
    assert.equal((await headless.service.listAccounts()).length, 50);
    assert.equal((await headless.service.getSettings()).allowNewUsers, true);
  } finally {
    await headless.close();
  }
});
