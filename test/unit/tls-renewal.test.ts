import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openTlsSource, type TlsMaterial, type TlsSource } from '../../server/tls/index.js';
import { openAutoSource } from '../../server/tls/auto-certificate-source.js';

type Interfaces = ReturnType<typeof os.networkInterfaces>;
const DAY = 24 * 60 * 60 * 1000;

function wlan(...addresses: string[]): Interfaces {
  return {
    wlan0: addresses.map((address) => ({
      address,
      netmask: '255.255.255.0',
      family: 'IPv4' as const,
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: null,
    })),
  };
}

function tempDataDir(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-tls-renew-')), 'data');
}

/**
 * The next `changed`, or a failure after 5 s (the check runs every 20 ms). The source's timer is
 * unref'd, as a server's listener keeps the process alive; here this guard timer does.
 */
async function nextChange(source: TlsSource): Promise<TlsMaterial> {
  const controller = new AbortController();
  const guard = setTimeout(() => controller.abort(new Error('no changed event within 5 s')), 5000);
  try {
    const [material] = (await once(source, 'changed', { signal: controller.signal })) as [TlsMaterial];
    return material;
  } finally {
    clearTimeout(guard);
  }
}

function leaf(material: TlsMaterial): crypto.X509Certificate {
  return new crypto.X509Certificate(material.cert);
}

test('renewal: with under 60 days left a new certificate is issued, stored and announced', async () => {
  const dataDir = tempDataDir();
  let now = Date.now();
  const source = await openTlsSource(
    { mode: 'auto' },
    {
      dataDir,
      publicUrl: () => 'http://foxden.home/',
      hostname: () => 'laptop',
      readInterfaces: () => wlan('192.168.1.20'),
      clock: () => now,
      checkEveryMs: 20,
    },
  );
  try {
    const before = source.status();
    now += 310 * DAY;
    const material = await nextChange(source);
    const after = source.status();
    assert.notEqual(after.fingerprint256, before.fingerprint256);
    assert.equal(after.fingerprint256, leaf(material).fingerprint256);
    assert.deepEqual(source.current(), material);
    assert.ok(Date.parse(after.notAfter) - now > 360 * DAY, after.notAfter);
    assert.deepEqual(after.names, before.names);
    assert.equal(after.ca?.fingerprint256, before.ca?.fingerprint256, 'the same household CA issued it');
    assert.equal(fs.readFileSync(path.join(dataDir, 'tls', 'server.crt'), 'utf8'), material.cert);
    assert.equal(fs.readFileSync(path.join(dataDir, 'tls', 'server.key'), 'utf8'), material.key);
    assert.ok(leaf(material).verify(new crypto.X509Certificate(source.caCertificatePem() ?? '').publicKey));
  } finally {
    source.close();
  }
});

test('renewal: a new LAN address and a new public URL host each bring a certificate that names them', async () => {
  const dataDir = tempDataDir();
  let interfaces = wlan('192.168.1.20');
  let publicUrl = 'http://foxden.home:5000/';
  const source = await openTlsSource(
    { mode: 'auto' },
    {
      dataDir,
      publicUrl: () => publicUrl,
      hostname: () => 'laptop',
      readInterfaces: () => interfaces,
      checkEveryMs: 20,
    },
  );
  try {
    assert.ok(!source.status().names.includes('10.0.0.5'));
    interfaces = wlan('192.168.1.20', '10.0.0.5');
    await nextChange(source);
    assert.ok(source.status().names.includes('10.0.0.5'), source.status().names.join(', '));
    assert.ok(source.status().names.includes('192.168.1.20'));

    publicUrl = 'https://sync.lan:5000/';
    await nextChange(source);
    assert.ok(source.status().names.includes('sync.lan'), source.status().names.join(', '));
    assert.equal(leaf(source.current()).checkHost('sync.lan'), 'sync.lan');
  } finally {
    source.close();
  }
});

test('renewal: nothing new, nothing issued; a host outside the constraints is reported, not put in', async () => {
  const dataDir = tempDataDir();
  let publicUrl = 'http://foxden.home/';
  const source = await openAutoSource({
    dataDir,
    publicUrl: () => publicUrl,
    clock: Date.now,
    hostname: () => 'laptop',
    readInterfaces: () => wlan('192.168.1.20'),
    checkEveryMs: 60_000,
  });
  let changes = 0;
  source.on('changed', () => changes++);
  try {
    const fingerprint = source.status().fingerprint256;
    await source.check();
    assert.equal(changes, 0);
    assert.equal(source.status().fingerprint256, fingerprint);

    // The CA was made for foxden.home; a public name chosen later lies outside its constraints.
    publicUrl = 'https://sync.example.org/';
    await source.check();
    assert.equal(changes, 0, 'a certificate Firefox would refuse whole is not issued');
    const left = source.status().leftOut.filter((l) => l.name !== 'laptop');
    assert.deepEqual(
      left.map((l) => l.name),
      ['sync.example.org'],
    );
    assert.match(left[0]?.reason ?? '', /use your own certificate files/);
  } finally {
    source.close();
  }
});

/** A household laptop on foxden.home at 192.168.1.20, checked every minute, on `clock`. */
function laptopOptions(dataDir: string, clock: () => number) {
  return {
    dataDir,
    publicUrl: () => 'http://foxden.home/',
    clock,
    hostname: () => 'laptop',
    readInterfaces: () => wlan('192.168.1.20'),
    checkEveryMs: 60_000,
  };
}

/**
 * Makes the stored certificate impossible to save (or read) whoever runs the test, root
 * included: a non-empty folder where server.crt goes, which no rename can replace.
 */
function blockServerCertificate(tlsDir: string): void {
  fs.rmSync(path.join(tlsDir, 'server.crt'), { force: true });
  fs.mkdirSync(path.join(tlsDir, 'server.crt'));
  fs.writeFileSync(path.join(tlsDir, 'server.crt', 'keep'), 'x');
}

test('renewal with a data folder that cannot be written: the new certificate is served, the problem said once, no key made at every check, saved after the back-off once it can be', async () => {
  const dataDir = tempDataDir();
  let now = Date.now();
  const options = laptopOptions(dataDir, () => now);
  const { checkEveryMs } = options;
  const source = await openAutoSource(options);
  const warnings: string[] = [];
  source.on('warning', (line) => warnings.push(line));
  let changes = 0;
  source.on('changed', () => changes++);
  const tlsDir = path.join(dataDir, 'tls');
  try {
    const old = source.current();
    now += 320 * DAY;
    blockServerCertificate(tlsDir);
    await source.check();
    const renewed = source.current();
    assert.notDeepEqual(renewed, old, 'the renewed certificate is served although it could not be saved');
    assert.equal(changes, 1);
    for (let i = 0; i < 5; i++) {
      now += checkEveryMs;
      await source.check();
    }
    assert.deepEqual(source.current(), renewed, 'no new key at every check');
    assert.equal(changes, 1);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(
      warnings[0] ?? '',
      /^The household certificate is served but could not be saved, so the next start makes a new one: /,
    );
    assert.ok(!(warnings[0] ?? '').includes('\n'));
    assert.equal(source.status().problem, warnings[0]);

    fs.rmSync(path.join(tlsDir, 'server.crt'), { recursive: true });
    // Past the back-off the same certificate is saved; nothing new is issued.
    now += 20 * checkEveryMs;
    await source.check();
    assert.equal(fs.readFileSync(path.join(tlsDir, 'server.crt'), 'utf8'), renewed.cert);
    assert.equal(fs.readFileSync(path.join(tlsDir, 'server.key'), 'utf8'), renewed.key);
    assert.equal(changes, 1);
    assert.equal(source.status().problem, null);
  } finally {
    source.close();
  }
});

test('start with a stored certificate due for renewal and a data folder that cannot be written: it starts, serving a new one, and says so once', async () => {
  const dataDir = tempDataDir();
  let now = Date.now();
  const options = laptopOptions(dataDir, () => now);
  (await openAutoSource(options)).close();
  now += 320 * DAY;
  blockServerCertificate(path.join(dataDir, 'tls'));
  const source = await openAutoSource(options);
  try {
    const warnings: string[] = [];
    source.on('warning', (line) => warnings.push(line));
    assert.ok(Date.parse(source.status().notAfter) - now > 300 * DAY, source.status().notAfter);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /could not be saved/);
    assert.equal(source.status().problem, warnings[0]);
  } finally {
    source.close();
  }
});

test("renewal: in the CA's last 60 days the certificate lasts as long as the CA and is not issued again at every check; past its end, a warning", async () => {
  const dataDir = tempDataDir();
  let now = Date.now();
  const settings = laptopOptions(dataDir, () => now);
  (await openAutoSource(settings)).close();
  const caEnds = Date.parse(readCaNotAfter(dataDir));
  now = caEnds - 30 * DAY;
  const source = await openAutoSource(settings);
  const warnings: string[] = [];
  source.on('warning', (line) => warnings.push(line));
  let changes = 0;
  source.on('changed', () => changes++);
  try {
    assert.equal(Date.parse(source.status().notAfter), caEnds, 'never past the CA');
    await source.check();
    now += 10 * DAY;
    await source.check();
    assert.equal(changes, 0);
    assert.deepEqual(warnings, []);

    now = caEnds + DAY;
    await source.check();
    assert.equal(changes, 0);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /The household CA .*ca\.crt expired on .*move the folder .*tls away/);
  } finally {
    source.close();
  }
});

function readCaNotAfter(dataDir: string): string {
  return new crypto.X509Certificate(fs.readFileSync(path.join(dataDir, 'tls', 'ca.crt'))).validTo;
}
