import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type {
  AdminErrorShape,
  AdminSettings,
  AdminStatus,
  SettingsUpdate,
  SetupHelp,
  Warning,
} from '../../server/admin/api.js';
import type { ServerController } from '../../server/admin/server-controller.js';
import { Logger } from '../../server/log.js';
import { startHeadless } from '../../server/admin/headless.js';
import { loadConfig } from '../../server/config-load.js';
import { readHouseholdCa } from '../../server/tls/household-ca.js';
import { callAdmin, startAdminStack, type AdminStack } from '../helpers/admin-http.js';
import { httpRequest } from '../helpers/http-request.js';
import { freePort, occupyPort } from '../helpers/ports.js';

// Issue 13, items 2 and 3: HTTPS chosen from the dashboard moves the running listener, the
// public URL follows, Status carries the certificate, Setup help the household CA to trust;
// bad certificate files are refused in one line with the old listener still serving.

describe('HTTPS from the dashboard', () => {
  let stack: AdminStack;
  let dataDir: string;
  let controller: ServerController;
  let port: number;
  const call = <T>(method: string, ...args: unknown[]) => callAdmin<T>(stack.admin, method, ...args);

  before(async () => {
    port = await freePort();
    stack = await startAdminStack({
      port,
      settings: { publicUrl: `http://127.0.0.1:${port}/` },
      dataDirPrefix: 'foxden-admin-https-',
    });
    ({ dataDir, controller } = stack);
    assert.equal((await stack.service.status()).certificate, null, 'plain HTTP has no certificate');
  });

  after(() => stack.close());

  test('Automatic: the port speaks HTTPS at once, the public URL follows, Status and Setup show the CA', async () => {
    const saved = await call<SettingsUpdate>('updateSettings', { https: 'auto' });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.restartRequired, false);
    assert.equal(saved.body.settings.https, 'auto');
    assert.equal(saved.body.settings.publicUrl, `https://127.0.0.1:${port}/`);
    assert.deepEqual(saved.body.notes, [
      `The public URL is now https://127.0.0.1:${port}/, so clients are told to use HTTPS.`,
    ]);

    const ca = readHouseholdCa(dataDir);
    assert.ok(ca, 'the household CA exists in the data folder');
    // The chain verifies against the CA alone, for the public URL's address.
    const beat = await httpRequest(`https://127.0.0.1:${port}/__heartbeat__`, { ca: ca.pem, agent: false });
    assert.equal(beat.status, 200);
    const download = await httpRequest(`https://127.0.0.1:${port}/ca.crt`, { ca: ca.pem, agent: false });
    assert.equal(download.status, 200);
    assert.equal(download.body.trim(), ca.pem.trim());

    const status = (await call<AdminStatus>('status')).body;
    assert.equal(status.publicUrl, `https://127.0.0.1:${port}/`);
    assert.equal(status.certificate?.mode, 'auto');
    assert.ok(status.certificate?.names.includes('127.0.0.1'), String(status.certificate?.names));
    assert.equal(status.certificate?.ca?.fingerprint256, ca.fingerprint256);
    assert.ok(Date.parse(status.certificate?.notAfter ?? '') > Date.now() + 30 * 24 * 3600 * 1000);

    const warnings = (await call<Warning[]>('warnings')).body.map((w) => w.code);
    assert.deepEqual(
      warnings.filter((c) => c.startsWith('certificate') || c.startsWith('public-url')),
      [],
      'the certificate holds the public URL host and is months from its end',
    );

    const help = (await call<SetupHelp>('setupHelp')).body;
    assert.equal(help.trustCa?.caUrl, `http://127.0.0.1:${port}/ca.crt`);
    // The address given works over plain HTTP on the HTTPS port: no certificate warning first.
    const plainDownload = await httpRequest(help.trustCa?.caUrl ?? '', {});
    assert.equal(plainDownload.status, 200);
    assert.equal(plainDownload.body.trim(), ca.pem.trim());
    assert.equal(help.trustCa?.fingerprint256, ca.fingerprint256);
    assert.ok(!help.localAccountsPrefs.some((p) => p.name === 'identity.fxaccounts.allowHttp'));
  });

  test('own files without the key file: one sentence on that field, nothing saved', async () => {
    const refused = await call<{ error: AdminErrorShape }>('updateSettings', {
      https: 'files',
      tlsCertFile: path.join(dataDir, 'cert.pem'),
    });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.error, {
      code: 'invalid-argument',
      message: 'Your own certificate needs its key file: give its full path.',
      field: 'tlsKeyFile',
    });
    assert.equal((await call<AdminSettings>('getSettings')).body.https, 'auto');
  });

  test('certificate files that cannot be used: refused on the file at fault, nothing saved, the old listener serves', async () => {
    const notCert = path.join(dataDir, 'not-a-cert.pem');
    const notKey = path.join(dataDir, 'not-a-key.pem');
    fs.writeFileSync(notCert, 'this is not a certificate\n');
    fs.writeFileSync(notKey, 'this is not a key\n');
    const sitePem = path.join(dataDir, 'site.pem');
    fs.writeFileSync(sitePem, 'this is not a certificate either\n');
    const cases = [
      { tlsCertFile: notCert, tlsKeyFile: path.join(dataDir, 'missing-key.pem'), field: 'tlsKeyFile' },
      { tlsCertFile: path.join(dataDir, 'missing-cert.pem'), tlsKeyFile: notKey, field: 'tlsCertFile' },
      { tlsCertFile: notCert, tlsKeyFile: notKey, field: 'tlsCertFile' },
      // One path the start of the other: the error's own file decides, not a search of its text.
      { tlsCertFile: sitePem, tlsKeyFile: `${sitePem}.key`, field: 'tlsKeyFile' },
    ];
    const ca = readHouseholdCa(dataDir);
    assert.ok(ca);
    for (const { field, ...files } of cases) {
      const refused = await call<{ error: AdminErrorShape }>('updateSettings', { https: 'files', ...files });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'invalid-argument');
      assert.equal(refused.body.error.field, field, refused.body.error.message);
      assert.doesNotMatch(refused.body.error.message, /\n/, 'one line');
      assert.match(refused.body.error.message, new RegExp(`Foxden still listens on port ${port}\\.$`));

      const settings = (await call<AdminSettings>('getSettings')).body;
      assert.deepEqual([settings.https, settings.tlsCertFile, settings.tlsKeyFile], ['auto', null, null]);
      assert.equal(
        (await httpRequest(`https://127.0.0.1:${port}/__heartbeat__`, { ca: ca.pem, agent: false })).status,
        200,
      );
      assert.equal((await call<AdminStatus>('status')).body.certificate?.mode, 'auto');
    }
  });

  test('Off: plain HTTP again, the public URL back to http://, no certificate, no trust steps', async () => {
    const saved = await call<SettingsUpdate>('updateSettings', { https: 'off' });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.settings.publicUrl, `http://127.0.0.1:${port}/`);
    assert.equal((await fetch(`http://127.0.0.1:${port}/__heartbeat__`)).status, 200);
    const status = (await call<AdminStatus>('status')).body;
    assert.equal(status.certificate, null);
    assert.equal((await call<SetupHelp>('setupHelp')).body.trustCa, null);
  });
  test('HTTPS on with a port in use in the same save: the port is named (conflict), plain HTTP keeps serving', async () => {
    const busy = await occupyPort();
    try {
      const refused = await call<{ error: AdminErrorShape }>('updateSettings', {
        https: 'auto',
        port: busy.port,
      });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'conflict');
      assert.equal(refused.body.error.field, 'port');
      assert.match(refused.body.error.message, new RegExp(`Port ${busy.port} is already in use`));
    } finally {
      await busy.release();
    }
    const settings = (await call<AdminSettings>('getSettings')).body;
    assert.deepEqual([settings.https, settings.port], ['off', port]);
    assert.equal((await fetch(`http://127.0.0.1:${port}/__heartbeat__`)).status, 200);
  });
  test('HTTPS saved while stopped applies at Start on the same open database', async () => {
    assert.equal((await call<AdminStatus>('stop')).body.state, 'stopped');
    // While stopped the database stays open for the owner's tools (accounts, backups).
    const before = controller.context();
    const saved = await call<SettingsUpdate>('updateSettings', { https: 'auto' });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    const started = (await call<AdminStatus>('start')).body;
    assert.equal(started.state, 'running');
    assert.equal(started.certificate?.mode, 'auto');
    assert.equal(controller.context(), before, 'only the listener was rebuilt');
    assert.equal((await call<SettingsUpdate>('updateSettings', { https: 'off' })).status, 200);
  });
});

describe('HTTPS headless (foxden serve): ini < saved from the dashboard < environment', () => {
  let dataDir: string;
  let ini: string;

  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-headless-https-'));
    ini = path.join(dataDir, 'foxden.ini');
    fs.writeFileSync(ini, '[foxden]\nhttps = off\n');
    fs.writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ https: 'auto' }));
  });

  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  async function serve(env: NodeJS.ProcessEnv): Promise<AdminStatus> {
    const loaded = loadConfig({ flags: { config: ini, dataDir, host: '127.0.0.1', port: '0' }, env });
    const headless = await startHeadless({
      config: loaded.config,
      publicUrlGiven: loaded.publicUrlGiven,
      origins: loaded.origins,
      logger: new Logger(),
      adminPort: null,
      warn: () => undefined,
    });
    try {
      return await headless.service.status();
    } finally {
      await headless.close();
    }
  }

  test('HTTPS saved from the dashboard wins over the ini file; the followed public URL is https://', async () => {
    const status = await serve({});
    assert.equal(status.certificate?.mode, 'auto');
    assert.equal(status.publicUrl, `https://127.0.0.1:${status.listen?.port}/`);
  });

  test('FOXDEN_HTTPS=off wins over the saved choice', async () => {
    const status = await serve({ FOXDEN_HTTPS: 'off' });
    assert.equal(status.certificate, null);
    assert.equal(status.publicUrl, `http://127.0.0.1:${status.listen?.port}/`);
  });
});
