import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SETTINGS_SCHEMA } from '../../main/settings.js';
import { AdminError } from '../../server/admin/api.js';
import {
  coerceSettings,
  configToSettings,
  DEFAULT_SETTINGS,
  publicUrlForHttps,
  resolveHeadlessSettings,
  savedFields,
  settingsToConfig,
} from '../../server/admin/settings.js';
import { settingsProblem } from '../../server/admin/settings-schema.js';
import { validateArgs } from '../../server/admin/validate.js';
import type { ConfigOrigin, ConfigSourceKey } from '../../server/config-load.js';
import { defaultConfig } from '../../server/config.js';
import { settingErrors } from '../../renderer/validate.js';

/** The HTTPS settings (issue 13): schema, stored files, Config.tls and the headless order. */

function refusal(patch: Record<string, unknown>): AdminError {
  try {
    validateArgs('updateSettings', [patch]);
  } catch (err) {
    assert.ok(err instanceof AdminError && err.code === 'invalid-argument');
    return err;
  }
  assert.fail(`accepted ${JSON.stringify(patch)}`);
}

const base = defaultConfig({ dataDir: '/tmp/foxden-https-settings' });
/** `--https ...` as config-load reports it (the file flags, tlsCert and tlsKey, count the same). */
const FLAG: ConfigOrigin = { layer: 'flag', from: '--https' };
const INI: ConfigOrigin = { layer: 'ini', from: 'f.conf [foxden] https' };
const originsOf = (origin: ConfigOrigin): Partial<Record<ConfigSourceKey, ConfigOrigin>> => ({
  https: origin,
});
const tlsFlag = originsOf(FLAG);
const tlsIni = originsOf(INI);

test('the three HTTPS fields: defaults off and no files, each checked by the one schema', () => {
  assert.equal(DEFAULT_SETTINGS.https, 'off');
  assert.equal(DEFAULT_SETTINGS.tlsCertFile, null);
  assert.equal(DEFAULT_SETTINGS.tlsKeyFile, null);
  assert.deepEqual(SETTINGS_SCHEMA.https.enum, ['off', 'auto', 'files']);
  for (const mode of ['off', 'auto', 'files']) {
    assert.deepEqual(validateArgs('updateSettings', [{ https: mode }]), [{ https: mode }]);
  }
  const bad = refusal({ https: 'on' });
  assert.equal(bad.field, 'https');
  assert.match(bad.message, /off, auto .* or files/);

  const relative = refusal({ tlsCertFile: 'certs/foxden.pem' });
  assert.equal(relative.field, 'tlsCertFile');
  assert.equal(
    relative.message,
    'The certificate file must be a full path (starting at the root of a drive).',
  );
  assert.equal(refusal({ tlsKeyFile: '' }).message, 'The key file must not be empty.');
  assert.equal(refusal({ tlsKeyFile: 'a\0b' }).field, 'tlsKeyFile');
  assert.equal(refusal({ tlsKeyFile: 42 }).message, 'The key file must be text.');
  assert.deepEqual(
    validateArgs('updateSettings', [{ tlsCertFile: '/etc/foxden/cert.pem', tlsKeyFile: null }]),
    [{ tlsCertFile: '/etc/foxden/cert.pem', tlsKeyFile: null }],
  );
  // The dashboard's inline checks are the same rules.
  assert.deepEqual(settingErrors({ tlsCertFile: 'cert.pem', https: 'auto' }), {
    tlsCertFile: 'The certificate file must be a full path (starting at the root of a drive).',
  });
});

test('own certificate files need both files: one plain sentence naming the missing field', () => {
  assert.equal(settingsProblem({ https: 'off', tlsCertFile: null, tlsKeyFile: null }), null);
  assert.equal(settingsProblem({ https: 'auto', tlsCertFile: null, tlsKeyFile: null }), null);
  assert.deepEqual(settingsProblem({ https: 'files', tlsCertFile: null, tlsKeyFile: '/k.pem' }), {
    message: 'Your own certificate needs a certificate file: give its full path.',
    field: 'tlsCertFile',
  });
  assert.equal(
    settingsProblem({ https: 'files', tlsCertFile: '/c.pem', tlsKeyFile: null })?.field,
    'tlsKeyFile',
  );
  assert.equal(settingsProblem({ https: 'files', tlsCertFile: '/c.pem', tlsKeyFile: '/k.pem' }), null);
});

test('a stored file: ill-typed HTTPS fields take their defaults, own files without both read as off', () => {
  assert.equal(coerceSettings({ https: 'sometimes' }).https, 'off');
  assert.equal(coerceSettings({ tlsCertFile: 'relative.pem' }).tlsCertFile, null);
  assert.equal(coerceSettings({ https: 'auto' }).https, 'auto');
  const half = coerceSettings({ https: 'files', tlsCertFile: '/c.pem' });
  assert.equal(half.https, 'off');
  assert.equal(half.tlsCertFile, '/c.pem', 'the path the owner gave stays for next time');
  const whole = coerceSettings({ https: 'files', tlsCertFile: '/c.pem', tlsKeyFile: '/k.pem' });
  assert.deepEqual([whole.https, whole.tlsCertFile, whole.tlsKeyFile], ['files', '/c.pem', '/k.pem']);
  // A half choice is not something the owner saved: the merge does not take it.
  assert.equal(savedFields({ https: 'files', tlsCertFile: '/c.pem' }).https, undefined);
  assert.equal(savedFields({ https: 'files', tlsCertFile: '/c.pem' }).tlsCertFile, '/c.pem');
});

test('AdminSettings <-> Config.tls: each mode both ways; paths survive HTTPS off', () => {
  const files = { ...DEFAULT_SETTINGS, https: 'files', tlsCertFile: '/c.pem', tlsKeyFile: '/k.pem' } as const;
  assert.deepEqual(settingsToConfig(files, base).tls, {
    mode: 'files',
    certFile: '/c.pem',
    keyFile: '/k.pem',
  });
  assert.deepEqual(settingsToConfig({ ...files, https: 'auto' }, base).tls, { mode: 'auto' });
  assert.deepEqual(settingsToConfig({ ...files, https: 'off' }, base).tls, { mode: 'off' });

  const back = configToSettings(settingsToConfig(files, base), DEFAULT_SETTINGS);
  assert.deepEqual([back.https, back.tlsCertFile, back.tlsKeyFile], ['files', '/c.pem', '/k.pem']);
  const off = configToSettings(settingsToConfig({ ...files, https: 'off' }, base), files);
  assert.deepEqual([off.https, off.tlsCertFile, off.tlsKeyFile], ['off', '/c.pem', '/k.pem']);
  assert.equal(configToSettings({ ...base, tls: { mode: 'auto' } }).https, 'auto');
});

test('headless order for HTTPS: defaults < ini < saved < environment/flags, the three as one', () => {
  const saved = { https: 'files', tlsCertFile: '/saved/c.pem', tlsKeyFile: '/saved/k.pem' } as const;
  // Nothing given: the default.
  const none = resolveHeadlessSettings({}, base, {});
  assert.equal(none.settings.https, 'off');
  assert.deepEqual(none.origins.https, { layer: 'default' });
  // The ini file alone, then saved settings over it.
  const iniAuto = { ...base, tls: { mode: 'auto' } } as const;
  assert.equal(resolveHeadlessSettings({}, iniAuto, tlsIni).settings.https, 'auto');
  assert.deepEqual(resolveHeadlessSettings({}, iniAuto, tlsIni).origins.https, INI);
  const overIni = resolveHeadlessSettings(saved, iniAuto, tlsIni);
  assert.deepEqual(
    [overIni.settings.https, overIni.settings.tlsCertFile, overIni.settings.tlsKeyFile],
    ['files', '/saved/c.pem', '/saved/k.pem'],
  );
  assert.deepEqual(overIni.origins.https, { layer: 'saved' });
  // A flag wins over saved files, even when it says off; the saved paths stay for later.
  const flagOff = resolveHeadlessSettings(saved, base, tlsFlag);
  assert.equal(flagOff.settings.https, 'off');
  assert.equal(flagOff.settings.tlsCertFile, '/saved/c.pem');
  assert.deepEqual(flagOff.origins.https, FLAG);
  const flagFiles = resolveHeadlessSettings(
    { https: 'auto' },
    { ...base, tls: { mode: 'files', certFile: '/flag/c.pem', keyFile: '/flag/k.pem' } },
    tlsFlag,
  );
  assert.deepEqual(
    [flagFiles.settings.https, flagFiles.settings.tlsCertFile, flagFiles.settings.tlsKeyFile],
    ['files', '/flag/c.pem', '/flag/k.pem'],
  );
  // A file flag decides the three as --https does.
  const certFlag = resolveHeadlessSettings(
    { https: 'auto' },
    { ...base, tls: { mode: 'files', certFile: '/flag/c.pem', keyFile: '/flag/k.pem' } },
    { tlsCert: { layer: 'flag', from: '--tls-cert' }, tlsKey: { layer: 'flag', from: '--tls-key' } },
  );
  assert.equal(certFlag.settings.https, 'files');
  assert.deepEqual(certFlag.origins.https, { layer: 'flag', from: '--tls-cert' });
  // The environment wins over saved settings as flags do.
  const env = originsOf({ layer: 'env', from: 'environment variable FOXDEN_HTTPS' });
  assert.equal(resolveHeadlessSettings({ https: 'off' }, iniAuto, env).settings.https, 'auto');
  // Only saved paths, the mode from the ini file's own files: the saved certificate replaces its.
  const iniFiles = {
    ...base,
    tls: { mode: 'files', certFile: '/ini/c.pem', keyFile: '/ini/k.pem' },
  } as const;
  const mixed = resolveHeadlessSettings({ tlsCertFile: '/saved/c.pem' }, iniFiles, tlsIni).settings;
  assert.deepEqual(
    [mixed.https, mixed.tlsCertFile, mixed.tlsKeyFile],
    ['files', '/saved/c.pem', '/ini/k.pem'],
  );
});

test('switching HTTPS flips the public URL when it names this port directly, and only then', () => {
  const on = { https: 'auto', port: 8173, behindProxy: false } as const;
  const off = { https: 'off' } as const;
  assert.equal(
    publicUrlForHttps(off, { ...on, publicUrl: 'http://192.168.1.20:8173/' }),
    'https://192.168.1.20:8173/',
  );
  assert.equal(
    publicUrlForHttps(
      { https: 'files' },
      { ...on, https: 'off', publicUrl: 'https://foxden.local:8173/sync/' },
    ),
    'http://foxden.local:8173/sync/',
  );
  assert.equal(
    publicUrlForHttps(off, { ...on, publicUrl: 'http://[fd00::20]:8173/' }),
    'https://[fd00::20]:8173/',
  );
  // The old scheme's default port stays written out: https://host/ would mean 443.
  assert.equal(
    publicUrlForHttps(off, { ...on, port: 80, publicUrl: 'http://foxden.lan/' }),
    'https://foxden.lan:80/',
  );
  // Not flipped: no switch (auto -> files), another port (a proxy's), behind a proxy, already right.
  assert.equal(
    publicUrlForHttps({ https: 'auto' }, { ...on, https: 'files', publicUrl: 'http://h:8173/' }),
    null,
  );
  assert.equal(publicUrlForHttps(off, { ...on, publicUrl: 'http://192.168.1.20:8080/' }), null);
  assert.equal(publicUrlForHttps(off, { ...on, behindProxy: true, publicUrl: 'http://h:8173/' }), null);
  assert.equal(publicUrlForHttps(off, { ...on, publicUrl: 'https://h:8173/' }), null);
});
