// The HTTPS settings as loadConfig reads them (issue 13): `[foxden] https`, `tls_cert`,
// `tls_key`, FOXDEN_HTTPS, FOXDEN_TLS_CERT, FOXDEN_TLS_KEY, --https, --tls-cert, --tls-key:
// which TlsSettings they give, where each came from, the https default public URL, the
// refusals in one line, the typo checker, and the warning for an http:// public URL.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../server/config-load.js';
import { configWarnings } from '../../server/config-warnings.js';
import { configFiles } from '../helpers/config-files.js';

const { tmp, iniFile, load, refuses } = configFiles('foxden-https-config-');

test('HTTPS is off by default and the public URL is http', () => {
  const { config } = load({ port: '8200' });
  assert.deepEqual(config.tls, { mode: 'off' });
  assert.equal(config.publicUrl, 'http://127.0.0.1:8200/');
});

test('https = auto from the ini file, the environment or a flag; the default public URL is then https', () => {
  const ini = iniFile('[foxden]\nhttps = auto\nport = 8201\n');
  const fromIni = load({ config: ini });
  assert.deepEqual(fromIni.config.tls, { mode: 'auto' });
  assert.equal(fromIni.config.publicUrl, 'https://127.0.0.1:8201/');
  assert.equal(fromIni.publicUrlGiven, false);
  assert.deepEqual(fromIni.origins.https, { layer: 'ini', from: `${path.basename(ini)} [foxden] https` });

  const fromEnv = load({}, { FOXDEN_HTTPS: 'AUTO', FOXDEN_HOST: '0.0.0.0' });
  assert.deepEqual(fromEnv.config.tls, { mode: 'auto' });
  assert.equal(fromEnv.config.publicUrl, 'https://127.0.0.1:8173/');
  assert.deepEqual(fromEnv.origins.https, { layer: 'env', from: 'environment variable FOXDEN_HTTPS' });

  const fromFlag = load({ https: 'auto', publicUrl: 'https://foxden.home.arpa:8173/' });
  assert.deepEqual(fromFlag.config.tls, { mode: 'auto' });
  assert.equal(fromFlag.config.publicUrl, 'https://foxden.home.arpa:8173/');
  assert.deepEqual(fromFlag.origins.https, { layer: 'flag', from: '--https' });

  // A flag turns off what the ini file turned on.
  assert.deepEqual(load({ config: ini, https: 'off' }).config.tls, { mode: 'off' });
});

test('both certificate files: the owner own certificate, paths relative to the ini file or the working directory', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'etc-'));
  const ini = iniFile('[foxden]\ntls_cert = certs/fullchain.pem\ntls_key = certs/privkey.pem\n', dir);
  const fromIni = load({ config: ini });
  assert.deepEqual(fromIni.config.tls, {
    mode: 'files',
    certFile: path.join(dir, 'certs', 'fullchain.pem'),
    keyFile: path.join(dir, 'certs', 'privkey.pem'),
  });
  assert.match(fromIni.config.publicUrl, /^https:\/\//);
  assert.equal(fromIni.origins.tlsCert?.layer, 'ini');
  assert.equal(fromIni.origins.tlsKey?.layer, 'ini');

  const fromFlags = load({ tlsCert: 'a.pem', tlsKey: '/abs/b.pem' });
  assert.deepEqual(fromFlags.config.tls, {
    mode: 'files',
    certFile: path.join(tmp, 'a.pem'),
    keyFile: '/abs/b.pem',
  });

  const fromEnv = load({}, { FOXDEN_TLS_CERT: 'c.pem', FOXDEN_TLS_KEY: 'k.pem' });
  assert.deepEqual(fromEnv.config.tls, {
    mode: 'files',
    certFile: path.join(tmp, 'c.pem'),
    keyFile: path.join(tmp, 'k.pem'),
  });

  // The files given on the command line win over https = off in the ini file, and the other way round.
  const offIni = iniFile('[foxden]\nhttps = off\n');
  assert.equal(load({ config: offIni, tlsCert: 'a.pem', tlsKey: 'b.pem' }).config.tls.mode, 'files');
  assert.equal(load({ config: ini, https: 'off' }).config.tls.mode, 'off');
  assert.equal(load({ config: ini, https: 'auto' }).config.tls.mode, 'auto');
});

test('refused in one line: one file without the other, https = off or auto beside both files in one layer, a bad value', () => {
  refuses(
    { tlsCert: 'a.pem' },
    {},
    /^--tls-cert is given without the key file \(tls_key, --tls-key, FOXDEN_TLS_KEY\)/,
  );
  refuses(
    {},
    { FOXDEN_TLS_KEY: 'k.pem' },
    /^environment variable FOXDEN_TLS_KEY is given without the certificate file/,
  );
  refuses(
    { tlsCert: 'a.pem', tlsKey: 'b.pem', https: 'off' },
    {},
    /^--https is "off" but --tls-cert and --tls-key name certificate files: give either https = off \(plain HTTP\) or the two files/,
  );
  const both = iniFile('[foxden]\nhttps = auto\ntls_cert = a.pem\ntls_key = b.pem\n');
  assert.throws(
    () => load({ config: both }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.message.startsWith(`${path.basename(both)} [foxden] https is "auto" but`) &&
      !err.message.includes('\n'),
  );
  refuses(
    { https: 'yes' },
    {},
    /^--https must be auto or off \(for your own certificate, give tls_cert and tls_key\), not "yes"\.$/,
  );
  refuses({}, { FOXDEN_HTTPS: 'on' }, /^environment variable FOXDEN_HTTPS: "on" is not auto or off/);
  const bad = iniFile('[foxden]\nhttps = files\n');
  refuses(
    { config: bad },
    {},
    new RegExp(`^${path.basename(bad)} \\[foxden\\] https: "files" is not auto or off`),
  );
});

test('the typo checker knows the three keys and suggests them', () => {
  const ok = load({ config: iniFile('[foxden]\nhttps = auto\n') });
  assert.deepEqual(ok.notes, []);
  const typo = load({ config: iniFile('[foxden]\nhttps = auto\ntls_cret = a.pem\n') });
  assert.equal(typo.notes.length, 1);
  assert.match(
    typo.notes[0] as string,
    /unknown setting \[foxden\] tls_cret is ignored; did you mean tls_cert\?/,
  );
});

test('an http:// public URL while Foxden speaks HTTPS itself is warned about; behind a proxy it is not', () => {
  const { config } = load({ https: 'auto', publicUrl: 'http://192.168.1.20:8173/', host: '0.0.0.0' });
  const warnings = configWarnings(config, 'linux');
  assert.deepEqual(
    warnings.filter((w) => /http:\/\//.test(w)),
    [
      'The public URL http://192.168.1.20:8173/ starts with http://, but Foxden\'s port speaks HTTPS: clients told to use it get a "plain HTTP is refused" answer. Change the public URL to https://192.168.1.20:8173/.',
    ],
  );
  assert.deepEqual(
    configWarnings(
      load({ https: 'auto', host: '0.0.0.0', publicUrl: 'https://192.168.1.20:8173/' }).config,
      'linux',
    ),
    [],
  );
  const proxied = load({
    https: 'auto',
    publicUrl: 'http://192.168.1.20:8173/',
    trustProxy: 'loopback',
  }).config;
  assert.ok(!configWarnings(proxied, 'linux').some((w) => /starts with http:\/\//.test(w)));
});
