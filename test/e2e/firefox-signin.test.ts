// Real Firefox ESR, headless over WebDriver BiDi, signs up and in to a real `foxden serve`
// child process on loopback, then syncs (fxa-local.md §10). What is asserted is server state
// and what Firefox leaves on disk, each with a deadline; nothing waits on a bare sleep.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIREFOX, startFoxdenCli, type FoxdenProcess } from './firefox-harness.js';
import { FirefoxSyncFlow, removeProfiles } from './firefox-sync-flow.js';

/** The whole file's budget; a loaded 2-core CI machine needs most of it only when something is wrong. */
const FILE_DEADLINE_MS = 180_000;

const skip = fs.existsSync(FIREFOX)
  ? false
  : `Firefox ESR is not installed at ${FIREFOX} (apt-get install -y firefox-esr); skipping the real-Firefox sign-in test.`;

describe(
  'Firefox ESR signs in to Foxden local accounts and syncs',
  { skip, timeout: FILE_DEADLINE_MS },
  () => {
    let tmp: string;
    let foxden: FoxdenProcess;
    let flow: FirefoxSyncFlow;

    before(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-firefox-'));
      foxden = await startFoxdenCli(path.join(tmp, 'data'));
      flow = new FirefoxSyncFlow(tmp, foxden);
    });

    after(async () => {
      await flow?.closeAll();
      await foxden?.stop();
      removeProfiles(tmp);
    });

    test(
      'profile A signs up on the page and its first sync reaches the server',
      { timeout: 120_000 },
      async () => {
        const a = await flow.profileASignsUpAndSyncs();
        assert.equal(
          a.prefs['identity.fxaccounts.allowHttp'],
          true,
          'an http accounts server needs allowHttp',
        );
      },
    );

    test('the seeded bookmark decrypts from the server with only the e-mail and password', () =>
      flow.canaryDecryptsFromServer());

    test(
      'profile B signs in with the same password and ends up with the same bookmark',
      { timeout: 120_000 },
      () => flow.profileBSignsInAndGetsBookmark(),
    );

    test('a Firefox not pointed at Foxden gets "No Such Channel" and the page explains about:config', async () => {
      const root = foxden.url.replace(/\/$/, '');
      // Only what a user sets before restarting; remote.root is still Mozilla's, so the channel is refused.
      const c = await flow.openFirefox('profile-c', {
        'identity.fxaccounts.autoconfig.uri': root,
        'identity.fxaccounts.allowHttp': true,
      });
      await c.page.goto(foxden.url);
      await c.page.waitForSelector('body[data-state="setup"]', { timeout: 20_000 });
      const text = (await c.page.evaluate("document.getElementById('setup').textContent")) as string;
      assert.match(text, /different accounts server/);
      assert.match(text, /identity\.fxaccounts\.autoconfig\.uri/);
      assert.ok(text.includes(root));
      assert.match(text, /identity\.fxaccounts\.allowHttp/);
      await flow.closeFirefox(c.browser);
    });
  },
);
