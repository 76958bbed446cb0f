import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { openTlsSource, readHouseholdCa, HouseholdCaError } from '../../server/tls/index.js';
import { openHouseholdCa } from '../../server/tls/household-ca.js';
import { issueServerCertificate } from '../../server/tls/server-certificate.js';

type Interfaces = ReturnType<typeof os.networkInterfaces>;

function entry(address: string, family: 'IPv4' | 'IPv6', internal = false): os.NetworkInterfaceInfo {
  const common = {
    address,
    netmask: family === 'IPv4' ? '255.255.255.0' : 'ffff:ffff:ffff:ffff::',
    mac: '02:00:00:00:00:01',
    internal,
    cidr: null,
  };
  return family === 'IPv4' ? { ...common, family } : { ...common, family, scopeid: 0 };
}

/** A household machine: Wi-Fi with IPv4, a ULA, a link-local and a global IPv6, and a public IPv4 on a second card. */
const INTERFACES: Interfaces = {
  lo: [entry('127.0.0.1', 'IPv4', true), entry('::1', 'IPv6', true)],
  wlan0: [
    entry('192.168.1.20', 'IPv4'),
    entry('fd00:0:0:0::20', 'IPv6'),
    entry('fe80::1c2b:3aff:fe4d:5e6f', 'IPv6'),
    entry('2001:db8::5', 'IPv6'),
  ],
  eth1: [entry('203.0.113.7', 'IPv4')],
};

function tempDataDir(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-tls-ca-')), 'data');
}

function options(dataDir: string) {
  return {
    dataDir,
    publicUrl: () => 'http://foxden.home:5000/',
    hostname: () => 'laptop',
    readInterfaces: () => INTERFACES,
  };
}

async function withServer<T>(
  material: { cert: string; key: string },
  fn: (port: number) => Promise<T>,
): Promise<T> {
  const server = tls.createServer({ cert: material.cert, key: material.key }, (socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    return await fn((server.address() as AddressInfo).port);
  } finally {
    server.close();
  }
}

/** Connects to 127.0.0.1 trusting only `ca`, checking the certificate for `name`; resolves with `authorized` or the error. */
function connectAs(port: number, ca: string, name: string): Promise<{ authorized: boolean } | Error> {
  const isIp = /^[\d.]+$|:/.test(name);
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca: [ca],
      ...(isIp
        ? { checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert) }
        : { servername: name }),
    });
    socket.once('secureConnect', () => {
      resolve({ authorized: socket.authorized });
      socket.destroy();
    });
    socket.once('error', (err) => {
      resolve(err);
      socket.destroy();
    });
  });
}

function opensslVerify(dir: string, caPem: string, leafPem: string): { ok: boolean; output: string } {
  fs.writeFileSync(path.join(dir, 'verify-ca.pem'), caPem);
  fs.writeFileSync(path.join(dir, 'verify-leaf.pem'), leafPem);
  try {
    const output = execFileSync('openssl', ['verify', '-CAfile', 'verify-ca.pem', 'verify-leaf.pem'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, output };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

test('auto: the certificate names every household name and address, and each verifies against the household CA over real TLS', async () => {
  const dataDir = tempDataDir();
  const source = await openTlsSource({ mode: 'auto' }, options(dataDir));
  try {
    const status = source.status();
    const caPem = source.caCertificatePem();
    assert.ok(caPem !== null && caPem.startsWith('-----BEGIN CERTIFICATE-----'));
    assert.equal(status.mode, 'auto');
    for (const name of [
      'localhost',
      'laptop.local',
      'foxden.home',
      '127.0.0.1',
      '::1',
      '192.168.1.20',
      'fd00::20',
    ]) {
      assert.ok(status.names.includes(name), `${name} missing from ${status.names.join(', ')}`);
    }
    // Link-local (needs a %scope) and global IPv6 (rotates) are not wanted; a public IPv4 is, but the CA may not vouch for it.
    for (const name of ['fe80::1c2b:3aff:fe4d:5e6f', '2001:db8::5', '203.0.113.7'])
      assert.ok(!status.names.includes(name), name);
    // A host name without a dot could be a top-level domain (dev, app): never a subtree of the CA.
    assert.deepEqual(
      status.leftOut.map((l) => l.name),
      ['laptop', '203.0.113.7'],
    );
    assert.match(
      status.leftOut[0]?.reason ?? '',
      /^a name without a dot could be an Internet top-level domain/,
    );
    assert.match(status.leftOut[1]?.reason ?? '', /outside the names the household CA may vouch for/);
    assert.equal(status.problem, null);
    assert.equal(status.ca?.fingerprint256, new crypto.X509Certificate(caPem).fingerprint256);
    assert.match(status.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    await withServer(source.current(), async (port) => {
      for (const name of status.names) {
        const result = await connectAs(port, caPem, name);
        assert.ok(!(result instanceof Error), `${name}: ${result instanceof Error ? result.message : ''}`);
        assert.equal(result.authorized, true, name);
      }
      const wrongName = await connectAs(port, caPem, 'evil.example.com');
      assert.ok(
        wrongName instanceof Error &&
          /ERR_TLS_CERT_ALTNAME_INVALID/.test(String((wrongName as NodeJS.ErrnoException).code)),
      );
      const wrongIp = await connectAs(port, caPem, '10.9.9.9');
      assert.ok(wrongIp instanceof Error, 'an address outside the certificate must fail');
      // A client that trusts some other CA refuses the chain itself.
      const other = await openHouseholdCa(tempDataDir(), {
        hostname: 'laptop',
        publicUrl: 'http://foxden.home/',
        now: Date.now(),
      });
      const untrusted = await connectAs(port, other.info.pem, 'laptop.local');
      assert.ok(
        untrusted instanceof Error &&
          /SELF_SIGNED|ISSUER|VERIFY/.test(String((untrusted as NodeJS.ErrnoException).code)),
        String(untrusted),
      );
    });
  } finally {
    source.close();
  }
});

test('auto: OpenSSL enforces the CA name constraints (a leaf for example.com or 8.8.8.8 signed with the CA key fails)', async () => {
  const dataDir = tempDataDir();
  const now = Date.now();
  const ca = await openHouseholdCa(dataDir, { hostname: 'laptop', publicUrl: 'http://foxden.home/', now });
  const workDir = path.dirname(dataDir);

  const good = await issueServerCertificate(
    ca,
    { dns: ['laptop.local', 'localhost'], ips: ['192.168.1.20', '::1'] },
    now,
  );
  const goodResult = opensslVerify(
    workDir,
    ca.info.pem,
    good.cert.split(/(?<=-----END CERTIFICATE-----)/)[0] ?? '',
  );
  assert.ok(goodResult.ok, goodResult.output);

  // issueServerCertificate signs what it is given: handing it names outside the constraints is how a stolen key would be misused.
  for (const names of [
    { dns: ['example.com'], ips: [] },
    { dns: ['laptop.local'], ips: ['8.8.8.8'] },
    { dns: ['www.bank.example', 'localhost'], ips: [] },
  ]) {
    const bad = await issueServerCertificate(ca, names, now);
    const result = opensslVerify(
      workDir,
      ca.info.pem,
      bad.cert.split(/(?<=-----END CERTIFICATE-----)/)[0] ?? '',
    );
    assert.ok(!result.ok, `OpenSSL accepted ${JSON.stringify(names)}`);
    assert.match(result.output, /subtree violation|name constraint/i);
    // Node's TLS (OpenSSL too) refuses it on a real connection as well.
    await withServer(bad, async (port) => {
      const outcome = await connectAs(
        port,
        ca.info.pem,
        names.dns.includes('laptop.local') ? 'laptop.local' : (names.dns[0] ?? ''),
      );
      assert.ok(outcome instanceof Error, `TLS accepted ${JSON.stringify(names)}`);
    });
  }
});

test('auto: 0700 folder and 0600 files even with umask 000; the CA and certificate are reused; no key in status', async () => {
  const dataDir = tempDataDir();
  const previous = process.umask(0);
  let first;
  try {
    first = await openTlsSource({ mode: 'auto' }, options(dataDir));
  } finally {
    process.umask(previous);
  }
  const firstStatus = first.status();
  const firstMaterial = first.current();
  first.close();

  const dir = path.join(dataDir, 'tls');
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['ca.crt', 'ca.key', 'server.crt', 'server.key']);
  for (const name of fs.readdirSync(dir)) {
    assert.equal(fs.statSync(path.join(dir, name)).mode & 0o777, 0o600, name);
  }
  assert.match(fs.readFileSync(path.join(dir, 'ca.key'), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);

  const second = await openTlsSource({ mode: 'auto' }, options(dataDir));
  try {
    assert.equal(second.status().ca?.fingerprint256, firstStatus.ca?.fingerprint256);
    assert.equal(
      second.status().fingerprint256,
      firstStatus.fingerprint256,
      'the stored certificate is served again',
    );
    assert.deepEqual(second.current(), firstMaterial);
    const shown = JSON.stringify(second.status());
    const caKeyBody = fs.readFileSync(path.join(dir, 'ca.key'), 'utf8').split('\n')[1] ?? 'missing';
    const serverKeyBody = second.current().key.split('\n')[1] ?? 'missing';
    assert.ok(!shown.includes('PRIVATE KEY') && !shown.includes(caKeyBody) && !shown.includes(serverKeyBody));
    assert.ok(!(second.caCertificatePem() ?? '').includes('PRIVATE KEY'));
  } finally {
    second.close();
  }
});

test('readHouseholdCa: null before any CA, then the CA the source serves', async () => {
  const dataDir = tempDataDir();
  assert.equal(readHouseholdCa(dataDir), null);
  assert.ok(!fs.existsSync(dataDir), 'reading creates nothing');
  const source = await openTlsSource({ mode: 'auto' }, options(dataDir));
  try {
    const info = readHouseholdCa(dataDir);
    assert.ok(info);
    assert.equal(info.pem, source.caCertificatePem());
    assert.equal(info.fingerprint256, source.status().ca?.fingerprint256);
    assert.match(info.subject, /^Foxden household CA \(laptop\) [0-9a-f]{8}$/);
    assert.equal(info.notAfter, source.status().ca?.notAfter);
    const years = (Date.parse(info.notAfter) - Date.now()) / (365.25 * 24 * 3600 * 1000);
    assert.ok(years > 9.9 && years < 10.1, String(years));
  } finally {
    source.close();
  }
});

test('two households never share a CA subject', async () => {
  const a = await openTlsSource({ mode: 'auto' }, options(tempDataDir()));
  const b = await openTlsSource({ mode: 'auto' }, options(tempDataDir()));
  try {
    assert.notEqual(a.status().ca?.subject, b.status().ca?.subject);
  } finally {
    a.close();
    b.close();
  }
});

test('a damaged or mismatched household CA is a one-line error naming the file, and is never replaced', async () => {
  const dataDir = tempDataDir();
  (await openTlsSource({ mode: 'auto' }, options(dataDir))).close();
  const caFile = path.join(dataDir, 'tls', 'ca.crt');
  const keyFile = path.join(dataDir, 'tls', 'ca.key');
  const goodCert = fs.readFileSync(caFile, 'utf8');
  const goodKey = fs.readFileSync(keyFile, 'utf8');

  const cases: { file: string; text: string | null; pattern: RegExp }[] = [
    { file: caFile, text: 'not a certificate\n', pattern: /ca\.crt is damaged \(not a PEM certificate\)/ },
    { file: caFile, text: goodCert.slice(0, 200), pattern: /ca\.crt is damaged/ },
    { file: keyFile, text: 'garbage\n', pattern: /ca\.key is damaged \(not a PEM private key\)/ },
    {
      file: keyFile,
      text: crypto
        .generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      pattern: /ca\.key is damaged \(it is not the key of .*ca\.crt\)/,
    },
    { file: keyFile, text: null, pattern: /ca\.key is missing/ },
  ];
  for (const { file, text, pattern } of cases) {
    if (text === null) fs.rmSync(file);
    else fs.writeFileSync(file, text);
    await assert.rejects(openTlsSource({ mode: 'auto' }, options(dataDir)), (err: Error) => {
      assert.ok(err instanceof HouseholdCaError, String(err));
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('\n'), err.message);
      return true;
    });
    if (text !== null) assert.equal(fs.readFileSync(file, 'utf8'), text, 'Foxden left the file as it was');
    else assert.ok(!fs.existsSync(file));
    if (file === caFile) assert.throws(() => readHouseholdCa(dataDir), HouseholdCaError);
    fs.writeFileSync(caFile, goodCert);
    fs.writeFileSync(keyFile, goodKey);
  }
  const again = await openTlsSource({ mode: 'auto' }, options(dataDir));
  assert.equal(again.caCertificatePem(), goodCert);
  again.close();
});

test('the CA is made good for a machine name, never for a whole domain: example.com and www.example.com are left out with the reason', async () => {
  const { householdConstraints } = await import('../../server/tls/name-constraints.js');
  const extra = (hostname: string, publicUrl: string) =>
    householdConstraints(hostname, publicUrl).dns.filter((n) => n.includes('example'));
  assert.deepEqual(extra('pc', 'https://example.com/'), []);
  assert.deepEqual(extra('example.com', 'https://www.example.com/'), []);
  assert.deepEqual(extra('pc.example.com', 'https://sync.example.co.uk:5000/'), [
    'pc.example.com',
    'sync.example.co.uk',
  ]);

  const dataDir = tempDataDir();
  const source = await openTlsSource(
    { mode: 'auto' },
    { ...options(dataDir), publicUrl: () => 'https://example.com/', hostname: () => 'www.example.com' },
  );
  try {
    const ca = readHouseholdCa(dataDir);
    assert.ok(ca);
    const status = source.status();
    assert.ok(!status.names.some((n) => n.includes('example')), status.names.join(' '));
    const left = status.leftOut.filter((l) => l.name.includes('example'));
    assert.deepEqual(
      left.map((l) => l.name),
      ['example.com', 'www.example.com'],
    );
    for (const l of left) assert.match(l.reason, /^a whole Internet domain/);
  } finally {
    source.close();
  }
});
