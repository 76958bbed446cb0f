import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startHeadless, type Headless } from '../../server/admin/headless.js';
import { defaultConfig } from '../../server/config.js';
import { Logger } from '../../server/log.js';
import { httpRequest, type HttpReply } from '../helpers/http-request.js';

// Issue 11 item 10: the dashboard through an SSH tunnel whose local port differs from the
// admin port (`ssh -L 9000:127.0.0.1:8174 server`, then http://localhost:9000/): the browser
// sends its own port in Host and Origin. Loopback host names are accepted on any port; every
// other host is still refused (DNS rebinding), and so is a page from another origin.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-admin-tunnel-'));
let headless: Headless;
let tunnel: net.Server;
let tunnelPort: number;
const sockets = new Set<net.Socket>();

before(async () => {
  headless = await startHeadless({
    config: defaultConfig({ dataDir: path.join(tmp, 'data'), host: '127.0.0.1', port: 0 }),
    publicUrlGiven: false,
    logger: new Logger(),
    adminPort: 0,
    warn: () => {},
  });
  // What `ssh -L` does on this side: bytes from a local port to the admin port, untouched.
  const adminPort = headless.admin!.port;
  tunnel = net.createServer((client) => {
    const upstream = net.connect(adminPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => tunnel.listen(0, '127.0.0.1', resolve));
  tunnelPort = (tunnel.address() as net.AddressInfo).port;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => tunnel.close(resolve));
  await headless.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function viaTunnel(method: string, urlPath: string, headers: Record<string, string>): Promise<HttpReply> {
  return httpRequest(
    `http://127.0.0.1:${tunnelPort}${urlPath}`,
    { method, headers, agent: false },
    method === 'POST' ? '[]' : undefined,
  );
}

const auth = () => ({ Authorization: `Bearer ${headless.admin!.token}`, 'Content-Type': 'application/json' });

test('through a tunnel on another local port: the page loads and the API answers its own origin', async () => {
  const host = `localhost:${tunnelPort}`;
  const page = await viaTunnel('GET', '/', { Host: host });
  assert.equal(page.status, 200, page.body);
  const status = await viaTunnel('POST', '/api/status', {
    ...auth(),
    Host: host,
    Origin: `http://${host}`,
    'Sec-Fetch-Site': 'same-origin',
  });
  assert.equal(status.status, 200, status.body);
  assert.equal((JSON.parse(status.body) as { state: string }).state, 'running');
});

test('every loopback host name is accepted on any port', async () => {
  for (const host of [
    `127.0.0.1:${tunnelPort}`,
    `[::1]:${tunnelPort}`,
    'localhost',
    'LOCALHOST:9000',
    '127.8.9.10:1',
  ]) {
    const res = await viaTunnel('POST', '/api/status', { ...auth(), Host: host });
    assert.equal(res.status, 200, host);
  }
});

test('other hosts are still refused, whatever the port (DNS rebinding)', async () => {
  for (const host of [
    `evil.example:${tunnelPort}`,
    `localhost.evil.example:${tunnelPort}`,
    `127.0.0.1.nip.io:${tunnelPort}`,
    `192.168.1.20:${headless.admin!.port}`,
    `[::2]:${tunnelPort}`,
    'localhost:99999',
    `localhost:${tunnelPort}:1`,
  ]) {
    const res = await viaTunnel('POST', '/api/status', { ...auth(), Host: host });
    assert.equal(res.status, 403, host);
    assert.match(res.body, /Unexpected Host header/);
  }
});

test("a page from another loopback port is refused: the Origin must be the tunnel's own", async () => {
  for (const origin of [
    `http://localhost:${tunnelPort + 1}`,
    'http://localhost:3000',
    'http://evil.example',
  ]) {
    const res = await viaTunnel('POST', '/api/status', {
      ...auth(),
      Host: `localhost:${tunnelPort}`,
      Origin: origin,
    });
    assert.equal(res.status, 403, origin);
    assert.match(res.body, /other web sites/);
  }
});
