// The sync server speaking HTTPS itself (issue 13): `auto` with its own household CA, plain
// HTTP on the same port answered clearly (a page for a browser, an FxA-style 400 for a sync
// client), /ca.crt over both, Sync 1.1 over HTTPS, certificate() for the dashboard, a device
// that does not trust the CA said once in the log, and the owner's files reloaded from disk
// while an open keep-alive connection keeps its certificate.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, test } from 'node:test';
import { usernameFromEmail } from '../../server/accounts/index.js';
import { httpRequest, type HttpReply } from '../helpers/http-request.js';
import { makeCertificates } from '../helpers/openssl-certificates.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basicAuth } from '../helpers/sync11-client.js';

let s: TestServer;
let caPem: string;
let plainUrl: string;

before(async () => {
  s = await startTestServer({ tls: { mode: 'auto' } });
  caPem = fs.readFileSync(path.join(s.dataDir, 'tls', 'ca.crt'), 'utf8');
  plainUrl = `http://127.0.0.1:${s.port}/`;
});
after(() => s.close());

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function secure(pathAndQuery: string, options: https.RequestOptions = {}, body?: string): Promise<HttpReply> {
  return httpRequest(`https://127.0.0.1:${s.port}/${pathAndQuery}`, { ca: caPem, ...options }, body);
}

function plain(pathAndQuery: string, options: https.RequestOptions = {}, body?: string): Promise<HttpReply> {
  return httpRequest(`${plainUrl}${pathAndQuery}`, options, body);
}

/** Waits (bounded) until `done` holds; what it waits for happens in another process or on a timer. */
async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`waited for ${what}`);
}

test('the server presents a certificate from its household CA for 127.0.0.1; certificate() describes it', async () => {
  assert.equal(s.url, `https://127.0.0.1:${s.port}/`);
  const status = s.server.certificate();
  assert.ok(status);
  assert.equal(status.mode, 'auto');
  assert.ok(status.names.includes('127.0.0.1'), status.names.join(' '));
  assert.equal(status.ca?.fingerprint256, new X509Certificate(caPem).fingerprint256);
  const heartbeat = await secure('__heartbeat__');
  assert.equal(heartbeat.status, 200);
  assert.ok(
    s.logger
      .tail()
      .some((e) => e.kind === 'lifecycle' && e.message === `listening on https://127.0.0.1:${s.port}/`),
  );
});

test('Sync 1.1 over HTTPS: an account is created and its storage answers', async () => {
  const email = `https-${process.pid}@example.com`;
  const username = usernameFromEmail(email);
  const created = await secure(
    `user/1.0/${username}`,
    { method: 'PUT', headers: { 'Content-Type': 'application/json' } },
    JSON.stringify({ email, password: 'correct horse battery' }),
  );
  assert.equal(created.status, 200, created.body);
  const info = await secure(`1.1/${username}/info/collections`, {
    headers: { Authorization: basicAuth(username, 'correct horse battery') },
  });
  assert.equal(info.status, 200);
  assert.equal(info.body, '{}');
});

test('plain HTTP from a browser: a page linking to the same path over https and to /ca.crt, without a fingerprint', async () => {
  const reply = await plain('sync/setup?x=1&y=<b>', {
    headers: { Accept: 'text/html,application/xhtml+xml;q=0.9' },
  });
  assert.equal(reply.status, 400);
  assert.match(reply.headers['content-type'] ?? '', /^text\/html/);
  const csp = String(reply.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe/);
  const link = `https://127.0.0.1:${s.port}/sync/setup?x=1&amp;y=%3Cb%3E`;
  assert.ok(reply.body.includes(`<a href="${link}">${link}</a>`), reply.body);
  assert.ok(reply.body.includes('<a href="/ca.crt">'));
  // Plain HTTP can be changed on the way: the number to compare comes from the owner's own view.
  const fingerprint = s.server.certificate()?.ca?.fingerprint256 as string;
  assert.ok(!reply.body.includes(fingerprint) && !reply.body.includes(fingerprint.replace(/:/g, '')));
  assert.match(reply.body, /dashboard's Setup view/);
  assert.match(reply.body, /foxden setup-info/);
  // Nothing loaded from elsewhere: no script, image, stylesheet link or frame.
  assert.doesNotMatch(reply.body, /<(script|img|link|iframe)\b|src=/i);
  const head = await plain('', { method: 'HEAD', headers: { Accept: 'text/html' } });
  assert.equal(head.status, 400);
  assert.equal(head.body, '');
});

test('plain HTTP from a browser asking for a path that looks like another site: the link stays on this Foxden', async () => {
  const origin = `https://127.0.0.1:${s.port}/`;
  for (const asked of ['/https://evil.example/x', '//evil.example/x', '/javascript:alert(1)']) {
    const reply = await rawRequest(`GET ${asked} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n`);
    assert.match(reply, /^HTTP\/1\.1 400 /);
    const href = /<a href="([^"]*)">/.exec(reply)?.[1] ?? '';
    assert.ok(href.startsWith(origin), `${asked} -> ${href}`);
  }
});

/** Writes `request` on a fresh plain TCP connection and reads until the server closes it. */
function rawRequest(request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(s.port, '127.0.0.1', () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
  });
}

test('plain HTTP with a request target URL cannot read (GET http://[): a 400, and the server carries on', async () => {
  const reply = await rawRequest('GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(reply, /^HTTP\/1\.1 400 /);
  assert.match(reply, /could not be read/);
  assert.equal((await secure('__heartbeat__')).status, 200);
  assert.equal((await plain('__heartbeat__')).status, 400);
});

test('plain HTTP POST with a 10 KB body: the body is read, then the 400 is sent and the connection closed', async () => {
  const body = Buffer.alloc(10 * 1024, 'x');
  const head = `POST /1.5/1/storage/tabs HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
  let bodySent = false;
  let answeredBeforeBody = false;
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(s.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => {
      if (!bodySent) answeredBeforeBody = true;
      chunks.push(c);
    });
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
    // The headers, then the body once the server has had them (another request answered since).
    socket.write(head, () => {
      void secure('__heartbeat__').then(
        () => {
          bodySent = true;
          socket.end(body);
        },
        (err: unknown) => socket.destroy(err as Error),
      );
    });
  });
  assert.equal(answeredBeforeBody, false, 'the answer waited for the body');
  assert.match(reply, /^HTTP\/1\.1 400 /);
  assert.match(reply, /This Foxden speaks HTTPS/);
});

test('plain HTTP from a sync client: a 400 in the FxA error shape that names the https URL', async () => {
  for (const [method, where] of [
    ['GET', '1.0/sync/1.5'],
    ['POST', '1.5/1/storage/tabs'],
    ['GET', '1.1/someone/info/collections'],
  ] as const) {
    const reply = await plain(
      where,
      { method, headers: { Accept: 'application/json' } },
      method === 'POST' ? '[]' : undefined,
    );
    assert.equal(reply.status, 400);
    assert.match(reply.headers['content-type'] ?? '', /^application\/json/);
    assert.deepEqual(JSON.parse(reply.body), {
      code: 400,
      errno: 999,
      error: 'Bad Request',
      message: `This Foxden speaks HTTPS: use https://127.0.0.1:${s.port}/ (plain HTTP is refused)`,
    });
  }
});

test('/ca.crt over plain HTTP and over HTTPS: the household CA, which Firefox offers to trust', async () => {
  for (const reply of [await plain('ca.crt'), await secure('ca.crt')]) {
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/x-x509-ca-cert');
    assert.equal(reply.body, caPem);
  }
  const head = await secure('ca.crt', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal((await plain('ca.crt', { method: 'POST' }, 'x')).status, 404);
});

test('plain HTTP only: no /ca.crt and no certificate', async () => {
  const off = await startTestServer({ tls: { mode: 'off' } });
  try {
    assert.equal(off.url, `http://127.0.0.1:${off.port}/`);
    assert.equal(off.server.certificate(), null);
    assert.equal((await httpRequest(`${off.url}ca.crt`, {})).status, 404);
  } finally {
    await off.close();
  }
});

test('a device that does not trust the CA: one plain log line for its address, not one per attempt', async () => {
  const stranger = makeCertificates(fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-https-')));
  dirs.push(stranger.dir);
  const lines = () =>
    s.logger
      .tail()
      .filter((e) => e.level === 'warn' && /does not trust Foxden's certificate/.test(e.message));
  const before = lines().length;
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => {
      const child = execFile(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${s.port}`,
          '-CAfile',
          stranger.caCertFile,
          '-verify_return_error',
        ],
        { timeout: 10_000 },
        () => resolve(),
      );
      child.stdin?.end();
    });
  }
  await until(() => lines().length > before, 'the log line');
  // The three alerts were sent before this request's connection was opened: by its answer,
  // the server has handled all of them.
  assert.equal((await secure('__heartbeat__')).status, 200);
  const said = lines().slice(before);
  assert.equal(said.length, 1);
  assert.equal(
    said[0]?.message,
    "the device at 127.0.0.1 does not trust Foxden's certificate (TLS alert: unknown CA): import the household CA on it (Setup help shows how, and the fingerprint to compare).",
  );
  assert.equal(said[0]?.address, '127.0.0.1');
});

/** The certificate a new TLS connection is shown, as its SHA-256 fingerprint. */
function presented(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

test("the owner's files: changed on disk, new connections get the new certificate while an open keep-alive connection carries on", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-https-files-'));
  dirs.push(dir);
  const first = makeCertificates(dir, { name: 'first' });
  const certFile = path.join(dir, 'fullchain.pem');
  const keyFile = path.join(dir, 'privkey.pem');
  fs.copyFileSync(first.certFile, certFile);
  fs.copyFileSync(first.keyFile, keyFile);
  const files = await startTestServer({ tls: { mode: 'files', certFile, keyFile } });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: first.caPem });
  try {
    assert.equal(files.server.certificate()?.mode, 'files');
    assert.equal((await httpRequest(`${files.url}ca.crt`, { agent })).status, 404);
    const firstPrint = new X509Certificate(first.material.cert).fingerprint256;
    assert.equal(await presented(files.port, first.caPem), firstPrint);
    let kept = null as tls.TLSSocket | null;
    const open = await new Promise<number>((resolve, reject) => {
      https
        .get(`${files.url}__heartbeat__`, { agent }, (res) => {
          kept = res.socket as tls.TLSSocket;
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
        .on('error', reject);
    });
    assert.equal(open, 200);

    // Renewed the way certbot does it: new files written beside, then renamed over the old.
    const second = makeCertificates(dir, { name: 'second', newCa: false });
    fs.copyFileSync(second.certFile, `${certFile}.new`);
    fs.copyFileSync(second.keyFile, `${keyFile}.new`);
    fs.renameSync(`${keyFile}.new`, keyFile);
    fs.renameSync(`${certFile}.new`, certFile);
    const secondPrint = new X509Certificate(second.material.cert).fingerprint256;
    await until(
      async () => (await presented(files.port, first.caPem)) === secondPrint,
      'the reloaded certificate',
    );
    assert.equal(files.server.certificate()?.fingerprint256, secondPrint.toUpperCase());

    const again = await new Promise<{ status: number; socket: tls.TLSSocket }>((resolve, reject) => {
      https
        .get(`${files.url}__heartbeat__`, { agent }, (res) => {
          const socket = res.socket as tls.TLSSocket;
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, socket }));
        })
        .on('error', reject);
    });
    assert.equal(again.status, 200);
    assert.equal(again.socket, kept, 'the same keep-alive connection');
    assert.equal(again.socket.getPeerCertificate().fingerprint256, firstPrint);
    assert.ok(files.logger.tail().some((e) => /renewed certificate/.test(e.message)));
  } finally {
    agent.destroy();
    await files.close();
  }
});

test('Sync 1.5 storage over HTTPS (served before Express): even a refused request carries X-Weave-Timestamp', async () => {
  // Spec 1.5 §X-Weave-Timestamp: on every storage response, with two decimals.
  const refused = await secure('1.5/1/info/collections');
  assert.equal(refused.status, 401);
  assert.match(String(refused.headers['x-weave-timestamp']), /^\d+\.\d{2}$/);
});
