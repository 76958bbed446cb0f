import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openTlsSource, TlsFileError, type TlsMaterial, type TlsSource } from '../../server/tls/index.js';
import { openFilesSource } from '../../server/tls/files-certificate-source.js';
import { generateKeyPair, privateKeyPem, randomSerial } from '../../server/tls/key-material.js';
import { ECDSA_P256, x509 } from '../../server/tls/x509-library.js';

const DAY = 24 * 60 * 60 * 1000;

/** A self-signed certificate for `names`, as a household CA or Let's Encrypt would hand over (leaf PEM, key PEM). */
async function makeCertificate(
  names: string[],
  notBefore = new Date(Date.now() - DAY),
  notAfter = new Date(Date.now() + 90 * DAY),
): Promise<TlsMaterial> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [names[0] ?? 'x'] }],
    notBefore,
    notAfter,
    signingAlgorithm: ECDSA_P256,
    keys,
    extensions: [
      new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns' as const, value }))),
    ],
  });
  return { cert: `${cert.toString('pem')}\n`, key: privateKeyPem(keys.privateKey) };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-tls-files-'));
}

/** Writes `text` beside `file` and renames it over it, as certbot and acme.sh do. */
function replaceFile(file: string, text: string): void {
  const temp = `${file}.new`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

function write(dir: string, material: TlsMaterial, names = { cert: 'fullchain.pem', key: 'privkey.pem' }) {
  const certFile = path.join(dir, names.cert);
  const keyFile = path.join(dir, names.key);
  fs.writeFileSync(certFile, material.cert);
  fs.writeFileSync(keyFile, material.key);
  return { certFile, keyFile };
}

/** The next `event` of the source, or a failure after 5 s (the files are polled every 20 ms). */
async function next<E extends 'changed' | 'warning'>(source: TlsSource, event: E): Promise<unknown> {
  const controller = new AbortController();
  const guard = setTimeout(() => controller.abort(new Error(`no ${event} within 5 s`)), 5000);
  try {
    return (await once(source, event, { signal: controller.signal }))[0];
  } finally {
    clearTimeout(guard);
  }
}

const open = (certFile: string, keyFile: string, publicUrl = 'https://sync.example.org/') =>
  openTlsSource(
    { mode: 'files', certFile, keyFile },
    { dataDir: '/nonexistent', publicUrl: () => publicUrl, checkEveryMs: 20 },
  );

test('files: a good pair is served as given, with its chain, and the status says what it covers', async () => {
  const dir = tempDir();
  const leaf = await makeCertificate(['sync.example.org', 'www.example.org']);
  const issuer = await makeCertificate(['issuer.example']);
  const { certFile, keyFile } = write(dir, { cert: leaf.cert + issuer.cert, key: leaf.key });
  const source = await open(certFile, keyFile);
  try {
    assert.equal(source.current().key, leaf.key);
    assert.equal((source.current().cert.match(/BEGIN CERTIFICATE/g) ?? []).length, 2, 'the chain is kept');
    const status = source.status();
    assert.equal(status.mode, 'files');
    assert.deepEqual(status.names, ['sync.example.org', 'www.example.org']);
    assert.equal(status.ca, null);
    assert.equal(source.caCertificatePem(), null);
    assert.deepEqual(status.leftOut, []);
    assert.equal(status.fingerprint256, new crypto.X509Certificate(leaf.cert).fingerprint256);
  } finally {
    source.close();
  }
  const elsewhere = await open(certFile, keyFile, 'https://other.example.net:5000/');
  try {
    assert.deepEqual(
      elsewhere.status().leftOut.map((l) => l.name),
      ['other.example.net'],
    );
  } finally {
    elsewhere.close();
  }
});

test('files: a certificate made by openssl req -x509 is read too', async () => {
  const dir = tempDir();
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'k.pem',
      '-out',
      'c.pem',
    ].concat([
      '-days',
      '30',
      '-subj',
      '/CN=sync.example.org',
      '-addext',
      'subjectAltName=DNS:sync.example.org',
    ]),
    { cwd: dir, stdio: 'ignore' },
  );
  const source = await open(path.join(dir, 'c.pem'), path.join(dir, 'k.pem'));
  assert.deepEqual(source.status().names, ['sync.example.org']);
  source.close();
});

test('files: every bad file at open is a TlsFileError whose one line names the file', async () => {
  const dir = tempDir();
  const good = await makeCertificate(['sync.example.org']);
  const other = await makeCertificate(['sync.example.org']);
  const expired = await makeCertificate(
    ['sync.example.org'],
    new Date(Date.now() - 100 * DAY),
    new Date(Date.now() - DAY),
  );
  const future = await makeCertificate(
    ['sync.example.org'],
    new Date(Date.now() + DAY),
    new Date(Date.now() + 100 * DAY),
  );
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  execFileSync(
    'openssl',
    [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-aes256',
      '-pass',
      'pass:secret',
      '-out',
      'locked.pem',
    ],
    {
      cwd: dir,
      stdio: 'ignore',
    },
  );
  fs.mkdirSync(path.join(dir, 'a-folder'));

  const goodCert = file('good.crt', good.cert);
  const goodKey = file('good.key', good.key);
  const cases: { cert: string; key: string; pattern: RegExp; names: string }[] = [
    {
      cert: path.join(dir, 'missing.crt'),
      key: goodKey,
      pattern: /certificate file .*missing\.crt does not exist; check tls_cert/,
      names: 'missing.crt',
    },
    {
      cert: goodCert,
      key: path.join(dir, 'missing.key'),
      pattern: /key file .*missing\.key does not exist; check tls_key/,
      names: 'missing.key',
    },
    {
      cert: path.join(dir, 'a-folder'),
      key: goodKey,
      pattern: /a-folder is a folder, not a file/,
      names: 'a-folder',
    },
    {
      cert: file('text.crt', 'hello\n'),
      key: goodKey,
      pattern: /text\.crt holds no PEM certificate/,
      names: 'text.crt',
    },
    {
      cert: file('broken.crt', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
      key: goodKey,
      pattern: /broken\.crt is damaged: certificate 1 in it cannot be read/,
      names: 'broken.crt',
    },
    {
      cert: goodCert,
      key: file('text.key', 'hello\n'),
      pattern: /text\.key holds no PEM private key/,
      names: 'text.key',
    },
    { cert: goodCert, key: goodCert, pattern: /good\.crt holds no PEM private key/, names: 'good.crt' },
    {
      cert: goodCert,
      key: path.join(dir, 'locked.pem'),
      pattern: /locked\.pem is protected by a passphrase/,
      names: 'locked.pem',
    },
    {
      cert: goodCert,
      key: file('other.key', other.key),
      pattern: /The key in .*other\.key does not belong to the certificate in .*good\.crt/,
      names: 'other.key',
    },
    {
      cert: file('expired.crt', expired.cert),
      key: file('expired.key', expired.key),
      pattern: /expired\.crt expired on \d{4}-/,
      names: 'expired.crt',
    },
    {
      cert: file('future.crt', future.cert),
      key: file('future.key', future.key),
      pattern: /future\.crt is not valid before \d{4}-/,
      names: 'future.crt',
    },
  ];
  for (const { cert, key, pattern, names } of cases) {
    await assert.rejects(open(cert, key), (err: Error) => {
      assert.ok(err instanceof TlsFileError, `${names}: ${String(err)}`);
      assert.match(err.message, pattern);
      assert.ok(err.message.includes(names));
      assert.ok(!err.message.includes('\n'), err.message);
      return true;
    });
  }
});

test(
  'files: a file nobody may read is said in plain words',
  { skip: process.getuid?.() === 0 ? 'root reads every file' : false },
  async () => {
    const dir = tempDir();
    const { certFile, keyFile } = write(dir, await makeCertificate(['sync.example.org']));
    fs.chmodSync(keyFile, 0o000);
    await assert.rejects(
      open(certFile, keyFile),
      /not allowed to read the TLS key file .*privkey\.pem \(permission denied\)/,
    );
  },
);

test("files: a replaced pair is reloaded and announced; a symlink swap (Let's Encrypt live/) too", async () => {
  const dir = tempDir();
  const first = await makeCertificate(['sync.example.org']);
  const { certFile, keyFile } = write(dir, first);
  const source = await open(certFile, keyFile);
  try {
    const second = await makeCertificate(['sync.example.org', 'new.example.org']);
    const changed = next(source, 'changed');
    replaceFile(keyFile, second.key);
    replaceFile(certFile, second.cert);
    assert.deepEqual(await changed, { cert: second.cert, key: second.key });
    assert.equal(source.status().fingerprint256, new crypto.X509Certificate(second.cert).fingerprint256);
    assert.deepEqual(source.status().names, ['sync.example.org', 'new.example.org']);
  } finally {
    source.close();
  }

  const live = tempDir();
  const archive = tempDir();
  const one = write(archive, first, { cert: 'fullchain1.pem', key: 'privkey1.pem' });
  fs.symlinkSync(one.certFile, path.join(live, 'fullchain.pem'));
  fs.symlinkSync(one.keyFile, path.join(live, 'privkey.pem'));
  const linked = await open(path.join(live, 'fullchain.pem'), path.join(live, 'privkey.pem'));
  try {
    const renewed = await makeCertificate(['sync.example.org']);
    const two = write(archive, renewed, { cert: 'fullchain2.pem', key: 'privkey2.pem' });
    const changed = next(linked, 'changed');
    for (const [target, link] of [
      [two.certFile, 'fullchain.pem'],
      [two.keyFile, 'privkey.pem'],
    ] as const) {
      fs.symlinkSync(target, path.join(live, `${link}.tmp`));
      fs.renameSync(path.join(live, `${link}.tmp`), path.join(live, link));
    }
    assert.deepEqual(await changed, renewed);
  } finally {
    linked.close();
  }
});

test('files: a bad file on reload keeps the old certificate, sets the problem and warns once; a good one clears it', async () => {
  const dir = tempDir();
  const first = await makeCertificate(['sync.example.org']);
  const { certFile, keyFile } = write(dir, first);
  const source = openFilesSource({
    certFile,
    keyFile,
    publicUrl: () => 'https://sync.example.org/',
    clock: Date.now,
    checkEveryMs: 20,
  });
  const warnings: string[] = [];
  source.on('warning', (line) => warnings.push(line));
  let changes = 0;
  source.on('changed', () => changes++);
  try {
    const warned = next(source, 'warning');
    replaceFile(certFile, (await makeCertificate(['sync.example.org'])).cert);
    const line = String(await warned);
    assert.match(
      line,
      /The key in .*privkey\.pem does not belong to the certificate in .*fullchain\.pem.*\(the certificate read before is still served\)$/,
    );
    assert.ok(!line.includes('\n'));
    // The same fault read again (another poll, a touch of the file) is not said again.
    source.reload();
    source.reload();
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.deepEqual(source.current(), first);
    assert.equal(source.status().problem, line);
    assert.equal(changes, 0);

    fs.writeFileSync(certFile, 'oops');
    source.reload();
    assert.equal(warnings.length, 2, 'a different fault is said');
    assert.match(warnings[1] ?? '', /fullchain\.pem holds no PEM certificate/);

    const fixed = await makeCertificate(['sync.example.org']);
    replaceFile(keyFile, fixed.key);
    replaceFile(certFile, fixed.cert);
    source.reload();
    assert.equal(changes, 1);
    assert.deepEqual(source.current(), fixed);
    assert.equal(source.status().problem, null);
  } finally {
    source.close();
  }
});
