// HTTPS and plain HTTP on one port (server/http/https-listener.ts), with certificates made by
// the openssl CLI so the listener is checked apart from Foxden's own certificate code: the
// first byte decides, a silent connection is closed, a renewed certificate reaches new
// connections while an open keep-alive one carries on, handshake failures are said once per
// device and reason, and the graceful close covers the connections of both sides.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, test } from 'node:test';
import { HttpsListener } from '../../server/http/https-listener.js';
import { closeGracefully, listenOn } from '../../server/http/listen.js';
import { tlsHandshakeLog } from '../../server/http/tls-handshake-log.js';
import { makeCertificates, type OpensslCertificates } from '../helpers/openssl-certificates.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-https-'));
  dirs.push(dir);
  return dir;
}

interface Running {
  listener: HttpsListener;
  port: number;
  lines: string[];
  failures: number;
  /** Resolves when a request for /slow has arrived. */
  slowArrived: Promise<void>;
}

async function start(
  certs: OpensslCertificates,
  options: { firstByteTimeoutMs?: number } = {},
): Promise<Running> {
  let arrived = () => undefined as void;
  const running = {
    lines: [] as string[],
    failures: 0,
    slowArrived: new Promise<void>((resolve) => (arrived = resolve)),
  } as Running;
  const log = tlsHandshakeLog({ mode: () => 'files', say: (line) => running.lines.push(line) });
  running.listener = new HttpsListener({
    material: certs.material,
    app: (req, res) => {
      if (req.url === '/slow') {
        // Never answered: the graceful close must not wait for it.
        arrived();
        return;
      }
      res.setHeader('Content-Type', 'text/plain');
      res.end(`secure ${req.url}`);
    },
    plainAnswer: (req, res) => {
      res.statusCode = 400;
      res.end(`plain ${req.url}`);
    },
    onHandshakeError: (err, address) => {
      running.failures++;
      log(err, address);
    },
    keepAliveTimeoutMs: 5000,
    ...options,
  });
  running.port = (await listenOn(running.listener.server, '127.0.0.1', 0)).port;
  return running;
}

interface Reply {
  status: number;
  body: string;
  socket: net.Socket;
  fingerprint: string | null;
}

function get(url: string, options: https.RequestOptions = {}): Promise<Reply> {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(url, options, (res) => {
      let body = '';
      // Read now: a keep-alive socket goes back to its agent once the response has ended.
      const socket = res.socket;
      const fingerprint = socket instanceof tls.TLSSocket ? socket.getPeerCertificate().fingerprint256 : null;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket, fingerprint }));
    });
    req.on('error', reject);
  });
}

function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/** `openssl s_client`: a TLS client that refuses a certificate its CA file does not vouch for. */
function opensslClient(port: number, caFile: string, extra: string[] = []): Promise<void> {
  return new Promise((resolve) => {
    const child = execFile(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', caFile, '-verify_return_error', ...extra],
      { timeout: 10_000 },
      () => resolve(),
    );
    child.stdin?.end();
  });
}

/** Waits (bounded) until `done` holds; the event it waits for comes from another process. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(done(), `waited for ${what}`);
}

test('one port: a TLS ClientHello gets HTTPS, anything else the plain answer', async () => {
  const certs = makeCertificates(tempDir());
  const s = await start(certs);
  try {
    const secure = await get(`https://127.0.0.1:${s.port}/info?x=1`, { ca: certs.caPem });
    assert.equal(secure.status, 200);
    assert.equal(secure.body, 'secure /info?x=1');
    assert.equal(secure.fingerprint, fingerprintOf(certs.material.cert));

    const plain = await get(`http://127.0.0.1:${s.port}/info`);
    assert.equal(plain.status, 400);
    assert.equal(plain.body, 'plain /info');

    // A request body in the first packet reaches the inner server whole.
    const posted = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        `https://127.0.0.1:${s.port}/posted`,
        { method: 'POST', ca: certs.caPem },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.end('x'.repeat(100_000));
    });
    assert.equal(posted, 'secure /posted');
  } finally {
    await closeGracefully(s.listener, 1000);
  }
});

test('a connection that sends nothing, or stops half-way, is closed, never kept', async () => {
  const s = await start(makeCertificates(tempDir()), { firstByteTimeoutMs: 200 });
  try {
    const socket = net.connect(s.port, '127.0.0.1');
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    assert.equal(received, 0);
    // A TLS client that stops after its ClientHello is closed too (the handshake timeout).
    const half = net.connect(s.port, '127.0.0.1', () => half.write(Buffer.from([0x16, 0x03, 0x01])));
    half.on('error', () => undefined);
    await new Promise<void>((resolve) => half.once('close', () => resolve()));
    await until(() => s.lines.some((l) => /did not finish the handshake/.test(l)), 'the timeout line');
    // A plain-HTTP request that never ends its headers is let go as well.
    const slow = net.connect(s.port, '127.0.0.1', () => slow.write('GET / HTTP/1.1\r\nHost: x\r\n'));
    slow.on('error', () => undefined);
    let answer = '';
    slow.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await new Promise<void>((resolve) => slow.once('close', () => resolve()));
    assert.match(answer, /^HTTP\/1\.1 408 /);
  } finally {
    await closeGracefully(s.listener, 1000);
  }
});

test('a device that does not trust the certificate: one plain line per address and reason, not one per attempt', async () => {
  const certs = makeCertificates(tempDir());
  const stranger = makeCertificates(tempDir());
  const s = await start(certs);
  try {
    await opensslClient(s.port, stranger.caCertFile);
    await opensslClient(s.port, stranger.caCertFile);
    await until(() => s.failures === 2, 'both failed handshakes');
    assert.deepEqual(s.lines, [
      "the device at 127.0.0.1 does not trust Foxden's certificate (TLS alert: unknown CA): check that the certificate file holds the whole chain and that the device trusts the CA that issued it.",
    ]);
    // Another reason from the same device is said as well: TLS 1.1 is refused.
    await opensslClient(s.port, certs.caCertFile, ['-tls1_1']);
    await until(() => s.failures === 3, 'the TLS 1.1 handshake');
    assert.equal(s.lines.length, 2);
    assert.match(
      s.lines[1] as string,
      /^the device at 127\.0\.0\.1 offered an older TLS version than Foxden accepts \(TLS 1\.2 or newer\)/,
    );
  } finally {
    await closeGracefully(s.listener, 1000);
  }
});

test('a new certificate reaches new connections while an open keep-alive connection carries on', async () => {
  const dir = tempDir();
  const first = makeCertificates(dir, { name: 'first' });
  const second = makeCertificates(dir, { name: 'second', newCa: false });
  const s = await start(first);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: first.caPem });
  try {
    const before = await get(`https://127.0.0.1:${s.port}/one`, { agent });
    assert.equal(before.fingerprint, fingerprintOf(first.material.cert));

    s.listener.setSecureContext(second.material);

    const fresh = await get(`https://127.0.0.1:${s.port}/fresh`, { ca: first.caPem, agent: false });
    assert.equal(fresh.fingerprint, fingerprintOf(second.material.cert));
    const again = await get(`https://127.0.0.1:${s.port}/two`, { agent });
    assert.equal(again.body, 'secure /two');
    assert.equal(again.socket, before.socket, 'the same connection');
    assert.equal(again.fingerprint, fingerprintOf(first.material.cert));
  } finally {
    agent.destroy();
    await closeGracefully(s.listener, 1000);
  }
});

test('the graceful close drops idle connections of both sides and cuts a busy one after the grace period', async () => {
  const certs = makeCertificates(tempDir());
  const s = await start(certs);
  const agent = new https.Agent({ keepAlive: true, ca: certs.caPem });
  const plainAgent = new http.Agent({ keepAlive: true });
  const idle = await get(`https://127.0.0.1:${s.port}/idle`, { agent });
  const plain = await get(`http://127.0.0.1:${s.port}/idle`, { agent: plainAgent });
  const silent = net.connect(s.port, '127.0.0.1');
  await new Promise<void>((resolve) => silent.once('connect', () => resolve()));
  const closedSockets = [idle.socket, plain.socket, silent].map(
    (socket) =>
      new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve()))),
  );
  const busy = get(`https://127.0.0.1:${s.port}/slow`, { ca: certs.caPem, agent: false }).then(
    () => 'answered',
    (err: NodeJS.ErrnoException) => err.code,
  );
  await s.slowArrived;
  await closeGracefully(s.listener, 300);
  await Promise.all(closedSockets);
  assert.equal(await busy, 'ECONNRESET');
  assert.equal(s.listener.listening, false);
  agent.destroy();
  plainAgent.destroy();
});

test('handshake lines: once per address and reason per ten minutes, a bounded memory, plain words per alert', () => {
  let now = 0;
  const lines: string[] = [];
  const log = tlsHandshakeLog({ mode: () => 'auto', say: (line) => lines.push(line), clock: () => now });
  const alert = (reason: string, code: string) => Object.assign(new Error(reason), { reason, code });
  const unknownCa = alert('tlsv1 alert unknown ca', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
  log(unknownCa, '::ffff:192.168.1.23');
  log(unknownCa, '192.168.1.23');
  assert.deepEqual(lines, [
    "the device at 192.168.1.23 does not trust Foxden's certificate (TLS alert: unknown CA): import the household CA on it (Setup help shows how, and the fingerprint to compare).",
  ]);
  log(alert('sslv3 alert certificate unknown', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN'), '192.168.1.24');
  assert.match(
    lines[1] as string,
    /^the device at 192\.168\.1\.24 does not trust .*\(TLS alert: certificate unknown\)/,
  );
  now += 10 * 60 * 1000 - 1;
  log(unknownCa, '192.168.1.23');
  assert.equal(lines.length, 2, 'not again within ten minutes');
  now += 1;
  log(unknownCa, '192.168.1.23');
  assert.equal(lines.length, 3, 'again after ten minutes');

  // A flood from many addresses: at most 256 remembered, the rest unsaid until entries age out.
  lines.length = 0;
  for (let i = 0; i < 1000; i++) log(unknownCa, `10.0.${i >> 8}.${i & 255}`);
  assert.ok(lines.length <= 256, `${lines.length} lines`);
  now += 10 * 60 * 1000;
  lines.length = 0;
  log(unknownCa, '10.9.9.9');
  assert.equal(lines.length, 1, 'aged-out entries make room');

  for (const [err, pattern] of [
    [alert('tlsv1 alert protocol version', 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'), /older TLS version/],
    [alert('no shared cipher', 'ERR_SSL_NO_SHARED_CIPHER'), /no TLS cipher in common/],
    [
      Object.assign(new Error('TLS handshake timeout'), { code: 'ERR_TLS_HANDSHAKE_TIMEOUT' }),
      /did not finish the handshake/,
    ],
    [
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      /closed the connection during the TLS handshake/,
    ],
    [
      alert('sslv3 alert certificate expired', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED'),
      /says Foxden's certificate has expired/,
    ],
    [
      alert('http request', 'ERR_SSL_HTTP_REQUEST'),
      /^The TLS handshake with the device at 10\.1\.1\.1 failed \(http request\)\.$/,
    ],
  ] as const) {
    lines.length = 0;
    log(err, '10.1.1.1');
    assert.equal(lines.length, 1, String(pattern));
    assert.match(lines[0] as string, pattern);
  }
});
