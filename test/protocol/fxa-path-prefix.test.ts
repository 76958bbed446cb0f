import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fetchKb, hawk, signIn } from './fxa-client.js';

/**
 * Foxden under a path prefix (issue 11 #7): the public URL is http://127.0.0.1:PROXY/sync/ and
 * a loopback proxy strips `/sync` before forwarding, as nginx's `proxy_pass http://…/;` does.
 * Firefox signs local-account Hawk requests for the prefixed URL; the server must check them
 * against the same resource Sync 1.5's Hawk uses (prefix put back).
 */
let server: TestServer;
let proxy: http.Server;
let auth: string;

before(async () => {
  server = await startTestServer();
  proxy = http.createServer((req, res) => {
    const path = (req.url ?? '/').replace(/^\/sync(?=\/|$)/, '') || '/';
    const upstream = http.request(
      { host: '127.0.0.1', port: server.port, method: req.method, path, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as AddressInfo).port;
  server.config.publicUrl = `http://127.0.0.1:${port}/sync/`;
  auth = `${server.config.publicUrl}auth/v1/`;
});
after(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await server.close();
});

const email = (name: string) => `${name}-${randomBytes(3).toString('hex')}@example.org`;

describe('local-account Hawk behind a path-prefix proxy', () => {
  it('account/keys, session/status and devices succeed when signed for the prefixed URL', async () => {
    const s = await signIn(auth, 'create', email('prefix'), 'pw');
    const kb = await fetchKb(auth, s);
    assert.equal(kb.length, 32);

    const status = await hawk(auth, 'session/status', { token: s.sessionToken });
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assert.equal(status.body.uid, s.uid);

    const reg = await hawk(auth, 'account/device', {
      token: s.sessionToken,
      body: { name: 'Prefixed Firefox', type: 'desktop', availableCommands: {} },
    });
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    const devices = await hawk(auth, 'account/devices', { token: s.sessionToken });
    assert.equal(devices.status, 200, JSON.stringify(devices.body));
    assert.ok(devices.body.some((d) => (d as { id?: unknown }).id === reg.body.id));
  });
});
