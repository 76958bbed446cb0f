import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupHelpFor } from '../../server/admin/setup-help.js';
import { formatSetupInfo, setupInfoFor } from '../../server/cli/setup-info.js';

/** Setup help with HTTPS (issue 13, item 2): trusting the household CA first, no allowHttp. */

const FINGERPRINT =
  'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99';
const ALLOW_HTTP = 'identity.fxaccounts.allowHttp';

test('plain http: no trust section, and the local-account steps set allowHttp', () => {
  const help = setupHelpFor('http://192.168.1.20:8173/');
  assert.equal(help.trustCa, null);
  assert.ok(help.localAccountsPrefs.some((p) => p.name === ALLOW_HTTP));
  assert.ok(help.localAccountsSteps.some((s) => s.includes(ALLOW_HTTP)));
});

test('HTTPS auto: the CA download URL, its fingerprint and the steps for each browser', () => {
  const help = setupHelpFor('https://192.168.1.20:8173', { https: 'auto', caFingerprint256: FINGERPRINT });
  const trust = help.trustCa;
  assert.ok(trust);
  // Over plain HTTP on the same port: no certificate warning before the CA is trusted.
  assert.equal(trust.caUrl, 'http://192.168.1.20:8173/ca.crt');
  assert.equal(trust.fingerprint256, FINGERPRINT);
  const desktop = trust.firefoxDesktopSteps.join('\n');
  assert.match(
    desktop,
    /Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import/,
  );
  assert.match(desktop, /“Trust this CA to identify websites”/);
  assert.match(
    trust.firefoxDesktopSteps[0] ?? '',
    /^Open http:\/\/192\.168\.1\.20:8173\/ca\.crt in Firefox: it asks whether to trust/,
  );
  assert.ok(trust.androidSteps[0]?.includes('http://192.168.1.20:8173/ca.crt'));
  assert.match(desktop, /security\.enterprise_roots\.enabled to true/);
  assert.match(desktop, /compare its SHA-256 fingerprint with the one above/);
  const android = trust.androidSteps.join('\n');
  assert.match(android, /Security → Encryption & credentials → Install a certificate → CA certificate/);
  assert.match(android, /tap the Firefox logo 5 times/);
  assert.match(android, /“Use third party CA certificates”/);
  assert.match(
    trust.paleMoonSteps.join('\n'),
    /Preferences → Advanced → Certificates → View Certificates → Authorities → Import/,
  );
  // With an https address Firefox signs in without allowHttp.
  assert.ok(!help.localAccountsPrefs.some((p) => p.name === ALLOW_HTTP));
  assert.ok(!help.localAccountsSteps.some((s) => s.includes(ALLOW_HTTP)));
});

test('HTTPS auto before the CA exists: the URL and steps, no number to compare yet', () => {
  const trust = setupHelpFor('https://foxden.local:8173/', { https: 'auto', caFingerprint256: null }).trustCa;
  assert.equal(trust?.fingerprint256, null);
  assert.match(trust?.firefoxDesktopSteps.join('\n') ?? '', /once Foxden has started with HTTPS/);
});

test('the CA address keeps the public URL path prefix and writes the https default port out for http', () => {
  const at = (publicUrl: string) =>
    setupHelpFor(publicUrl, { https: 'auto', caFingerprint256: FINGERPRINT }).trustCa?.caUrl;
  assert.equal(at('https://foxden.home/sync/'), 'http://foxden.home:443/sync/ca.crt');
  assert.equal(at('https://[fd00::20]:8173/'), 'http://[fd00::20]:8173/ca.crt');
});

test('own certificate files: no household CA to trust, and no allowHttp either', () => {
  const help = setupHelpFor('https://sync.example.org:8173/', { https: 'files', caFingerprint256: null });
  assert.equal(help.trustCa, null);
  assert.ok(!help.localAccountsPrefs.some((p) => p.name === ALLOW_HTTP));
});

test('foxden setup-info prints the trust section first, and says when the CA is not made yet', () => {
  const text = formatSetupInfo(
    setupInfoFor('https://192.168.1.20:8173/', { https: 'auto', caFingerprint256: FINGERPRINT }),
  ).split('\n');
  assert.equal(text[2], "Trust this server's certificate (once on each device):");
  assert.ok(text.includes('  CA certificate = http://192.168.1.20:8173/ca.crt'));
  assert.ok(text.includes(`  SHA-256 fingerprint = ${FINGERPRINT}`));
  assert.ok(text.indexOf('  Pale Moon:') < text.findIndex((l) => l.startsWith('Firefox desktop with')));
  assert.ok(!text.some((l) => l.includes(ALLOW_HTTP)));
  const early = setupInfoFor('https://192.168.1.20:8173/', { https: 'auto', caFingerprint256: null });
  assert.match(early.warnings.join('\n'), /does not exist yet/);
  assert.deepEqual(setupInfoFor('http://192.168.1.20:8173/').warnings, []);
  assert.ok(!formatSetupInfo(setupInfoFor('http://192.168.1.20:8173/')).includes('Trust this server'));
});
