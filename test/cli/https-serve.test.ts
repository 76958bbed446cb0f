// `foxden serve` with HTTPS (issue 13), as a person or systemd runs it: --https auto starts,
// prints https URLs and serves Sync 1.1 over HTTPS with a certificate from the household CA
// it made in the data directory; SIGTERM stops it. Certificate files that cannot be served
// (unreadable, mismatched, expired) stop the start with exit code 1 and one line on stderr.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { usernameFromEmail } from '../../server/accounts/index.js';
import { httpRequest } from '../helpers/http-request.js';
import { makeCertificates } from '../helpers/openssl-certificates.js';
import { basicAuth } from '../helpers/sync11-client.js';
import { serveRefused, spawnCli } from './cli-process.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-https-serve-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function dataDir(): string {
  return fs.mkdtempSync(path.join(tmp, 'data-'));
}

const LISTENING = /^\S+ INFO Foxden listening on (https?):\/\/127\.0\.0\.1:(\d+)\/ — clients use (\S+);/;

test('foxden serve --https auto: https URLs, the household CA in the data directory, Sync 1.1 over HTTPS, SIGTERM stops it', async () => {
  const dir = dataDir();
  const cli = spawnCli([
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--no-admin',
    '--data-dir',
    dir,
    '--https',
    'auto',
    '--allow-new-users',
  ]);
  try {
    const line = await cli.waitForLine(LISTENING);
    const [, scheme, port, clientsUse] = LISTENING.exec(line) as RegExpExecArray;
    assert.equal(scheme, 'https');
    assert.equal(clientsUse, `https://127.0.0.1:${port}/`);

    const caFile = path.join(dir, 'tls', 'ca.crt');
    assert.equal(fs.statSync(path.join(dir, 'tls', 'ca.key')).mode & 0o777, 0o600);
    const ca = fs.readFileSync(caFile, 'utf8');
    const base = `https://127.0.0.1:${port}/`;
    const email = `cli-https-${process.pid}@example.com`;
    const username = usernameFromEmail(email);
    const created = await httpRequest(
      `${base}user/1.0/${username}`,
      { method: 'PUT', ca, headers: { 'Content-Type': 'application/json' } },
      JSON.stringify({ email, password: 'correct horse battery' }),
    );
    assert.equal(created.status, 200, created.body);
    const stored = await httpRequest(
      `${base}1.1/${username}/storage/bookmarks/one`,
      {
        method: 'PUT',
        ca,
        headers: {
          'Content-Type': 'application/json',
          Authorization: basicAuth(username, 'correct horse battery'),
        },
      },
      JSON.stringify({ payload: 'over https' }),
    );
    assert.equal(stored.status, 200, stored.body);
    const read = await httpRequest(`${base}1.1/${username}/storage/bookmarks/one`, {
      ca,
      headers: { Authorization: basicAuth(username, 'correct horse battery') },
    });
    assert.equal(JSON.parse(read.body).payload, 'over https');
    // The CA is downloadable over plain HTTP on the same port (a device does that before it trusts it).
    const plainCa = await httpRequest(`http://127.0.0.1:${port}/ca.crt`, {});
    assert.equal(plainCa.body, ca);

    cli.child.kill('SIGTERM');
    assert.equal(await cli.exit, 0);
    assert.ok(cli.stdout.some((l) => /\bstopped$/.test(l)));
    assert.deepEqual(
      cli.stderr.filter((l) => l !== ''),
      [],
    );
  } finally {
    cli.child.kill('SIGKILL');
  }
});

test('certificate files that cannot be served: exit code 1 and one line on stderr, nothing left listening', async () => {
  const certs = makeCertificates(fs.mkdtempSync(path.join(tmp, 'certs-')), { name: 'good' });
  const other = makeCertificates(certs.dir, { name: 'other', newCa: false });
  const expired = makeCertificates(certs.dir, { name: 'expired', days: -1, newCa: false });
  const cases: { what: string; cert: string; key: string; line: RegExp }[] = [
    {
      what: 'unreadable (a directory)',
      cert: certs.dir,
      key: certs.keyFile,
      line: new RegExp(`^foxden: .*${escape(certs.dir)}`),
    },
    {
      what: 'missing',
      cert: path.join(certs.dir, 'nothing.pem'),
      key: certs.keyFile,
      line: /^foxden: .*nothing\.pem/,
    },
    {
      what: 'mismatched',
      cert: certs.certFile,
      key: other.keyFile,
      line: /^foxden: The key in .*other\.key does not belong to the certificate in .*good\.crt/,
    },
    {
      what: 'expired',
      cert: expired.certFile,
      key: expired.keyFile,
      line: /^foxden: The certificate in .*expired\.crt expired on /,
    },
  ];
  for (const c of cases) {
    const result = await serveRefused(['--data-dir', dataDir(), '--tls-cert', c.cert, '--tls-key', c.key]);
    assert.equal(result.code, 1, c.what);
    assert.equal(result.stderr.length, 1, `${c.what}: ${result.stderr.join('\n')}`);
    assert.match(result.stderr[0] as string, c.line, c.what);
    assert.ok(!result.stdout.some((l) => /Foxden listening/.test(l)), c.what);
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
