// Issue 13's real-Firefox run over HTTPS: `foxden serve --https auto` with its household CA,
// each Firefox profile trusting that CA in its own certificate store (certutil, as a person's
// import in Settings → Certificates would), no `identity.fxaccounts.allowHttp`, and the same
// household scenario as the plain-HTTP test: sign-up, sync, sign-in on a second profile. A
// profile that never imported the CA is refused at the TLS handshake, and Foxden says why.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIREFOX, startFoxdenCli, until, type FoxdenProcess } from './firefox-harness.js';
import { CERTUTIL, caTrustInProfile, trustCaInProfile } from './firefox-profile-trust.js';
import { FirefoxSyncFlow, removeProfiles } from './firefox-sync-flow.js';
import { fetchTrusting, type Fetch } from './trusting-fetch.js';

/** The whole file's budget; a loaded 2-core CI machine needs most of it only when something is wrong. */
const FILE_DEADLINE_MS = 180_000;
/** Foxden's line for a device that refused its certificate (server/http/tls-handshake-log.ts). */
const UNTRUSTED_LINE = /does not trust Foxden's certificate \(TLS alert: unknown CA\)/;

const missing = [FIREFOX, CERTUTIL].filter((file) => !fs.existsSync(file));
const skip =
  missing.length === 0
    ? false
    : `${missing.join(' and ')} not installed (apt-get install -y firefox-esr libnss3-tools); skipping the real-Firefox HTTPS test.`;

describe(
  'Firefox ESR trusts the household CA, signs up and syncs over HTTPS',
  { skip, timeout: FILE_DEADLINE_MS },
  () => {
    let tmp: string;
    let foxden: FoxdenProcess;
    let flow: FirefoxSyncFlow;
    let caFile: string;
    let trusting: Fetch;

    before(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-firefox-https-'));
      const dataDir = path.join(tmp, 'data');
      foxden = await startFoxdenCli(dataDir, { https: 'auto' });
      caFile = path.join(dataDir, 'tls', 'ca.crt');
      trusting = fetchTrusting(fs.readFileSync(caFile, 'utf8'));
      flow = new FirefoxSyncFlow(tmp, foxden, {
        fetch: trusting,
        prepareProfile: (dir) => trustCaInProfile(dir, caFile),
      });
    });

    after(async () => {
      await flow?.closeAll();
      await foxden?.stop();
      removeProfiles(tmp);
    });

    test('the public URL is https and /ca.crt serves the CA kept in the data directory', async () => {
      assert.match(foxden.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
      assert.ok(
        foxden.output.some((line) => line.includes(`listening on ${foxden.url}`)),
        `Foxden does not say it listens on ${foxden.url}:\n${foxden.output.join('\n')}`,
      );
      const kept = new X509Certificate(fs.readFileSync(caFile));
      assert.equal(kept.ca, true, 'tls/ca.crt is a certificate authority');
      // Fetched over TLS verified against that CA alone: the served chain leads to it.
      const res = await trusting(`${foxden.url}ca.crt`);
      assert.equal(res.status, 200);
      const served = new X509Certificate(Buffer.from(await res.arrayBuffer()));
      assert.equal(served.fingerprint256, kept.fingerprint256);
    });

    test(
      'profile A trusts the CA in its own store and signs up without allowHttp',
      { timeout: 120_000 },
      async () => {
        const a = await flow.profileASignsUpAndSyncs();
        assert.ok(!('identity.fxaccounts.allowHttp' in a.prefs), 'allowHttp must not be set over https');
        // Every server URL Firefox was given comes from the https discovery document.
        const urls = Object.entries(a.prefs).filter(
          ([, v]) => typeof v === 'string' && /^[a-z]+:\/\//.test(v),
        );
        assert.ok(urls.length >= 5, `URL prefs: ${JSON.stringify(urls)}`);
        for (const [name, value] of urls) assert.ok(String(value).startsWith(foxden.url.slice(0, -1)), name);
      },
    );

    test('the seeded bookmark decrypts from the server with only the e-mail and password', () =>
      flow.canaryDecryptsFromServer());

    test(
      'profile B trusts the CA, signs in and ends up with the same bookmark',
      { timeout: 120_000 },
      async () => {
        await flow.profileBSignsInAndGetsBookmark();
        // Firefox kept the stores made before its first start: the trust outlived both runs.
        for (const profile of ['profile-a', 'profile-b']) {
          assert.equal(caTrustInProfile(path.join(tmp, profile)), 'C,,', `${profile} still trusts the CA`);
        }
        const refused = foxden.output.filter((line) => UNTRUSTED_LINE.test(line));
        assert.deepEqual(refused, [], 'no handshake from the trusting profiles was refused');
      },
    );

    test('a profile without the CA gets a certificate error, and Foxden logs the refusal', async () => {
      const c = await flow.openFirefox('profile-c', await flow.prefs(), { prepare: false });
      await assert.rejects(c.page.goto(foxden.url), /SEC_ERROR_UNKNOWN_ISSUER/);
      const shown = (await c.page.evaluate('document.documentURI')) as string;
      assert.match(shown, /^about:certerror\?e=nssBadCert/);
      await flow.closeFirefox(c.browser);
      // Written when the handshake fails, which may be after goto's rejection reached the test.
      const line = await until('Foxden to log the refused handshake', 10_000, async () =>
        foxden.output.find((l) => UNTRUSTED_LINE.test(l)),
      );
      assert.match(line, /127\.0\.0\.1/);
    });
  },
);
