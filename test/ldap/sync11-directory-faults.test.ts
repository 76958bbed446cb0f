import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseDirectorySettings } from '../../server/ldap/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basicAuth, raw } from '../helpers/sync11-client.js';

/**
 * Sync 1.1 with a directory that accepts connections and never answers (issue 14, faults): a
 * login waits at most `ldap_timeout` and is answered 503 + Retry-After, never 401, while the
 * server keeps answering everyone else. No slapd needed: a loopback socket that says nothing.
 */
describe('Sync 1.1 with a silent directory', () => {
  let silent: net.Server;
  const sockets = new Set<net.Socket>();
  let server: TestServer;

  before(async () => {
    silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    server = await startTestServer({
      directory: parseDirectorySettings({
        ldapuri: `ldap://127.0.0.1:${port}`,
        search_root: 'dc=foxden,dc=test',
        ldap_timeout: '3',
      }),
    });
  });
  after(async () => {
    await server?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it('answers 503 with Retry-After after ldap_timeout, and other requests meanwhile', async () => {
    const login = raw(`${server.url}1.1/alice/info/collections`, 'GET', {
      headers: { Authorization: basicAuth('alice', 'alice-secret-1') },
    });
    let loginDone = false;
    void login.then(() => (loginDone = true));
    for (let i = 0; i < 100 && sockets.size === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(sockets.size, 1, 'the login is talking to the directory');
    // While the directory keeps the login waiting, the event loop serves other requests.
    const other = await raw(`${server.url}1.1/alice/no-such-route`, 'GET');
    assert.equal(other.status, 404);
    assert.equal(loginDone, false, 'the login is still waiting for the directory');
    const res = await login;
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    const exists = await raw(`${server.url}user/1.0/alice`, 'GET');
    assert.equal(exists.status, 503);
  });
});
