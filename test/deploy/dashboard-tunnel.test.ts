import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { spawnCli, tempCases, type CliProcess } from '../cli/cli-process.js';
import { request } from './tls-client.js';

/**
 * docs/deploy.md "The dashboard over SSH": `ssh -L LOCAL:127.0.0.1:8174 host` delivers the
 * browser's request to the admin listener from 127.0.0.1 with `Host: 127.0.0.1:LOCAL`. A TCP
 * forward on another loopback port does exactly that here. The guide promises any free local
 * port works (issue 11 #10); a host name that is not loopback is still refused.
 */
const { fresh } = tempCases('foxden-tunnel-', 'data');
const ADMIN = /admin: http:\/\/127\.0\.0\.1:(\d+)\/#token=([0-9a-f]+)/;

let cli: CliProcess;
let tunnel: net.Server;
let localPort: number;
let token: string;

before(async () => {
  cli = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0', '--admin-port', '0', '--data-dir', fresh()]);
  const [, adminPort, key] = ADMIN.exec(await cli.waitForLine(ADMIN, 30_000))!;
  token = key!;
  // What sshd does for -L: a new connection from 127.0.0.1 to the admin port per client.
  tunnel = net.createServer((client) => {
    const upstream = net.connect(Number(adminPort), '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => tunnel.listen(0, '127.0.0.1', resolve));
  localPort = (tunnel.address() as net.AddressInfo).port;
});

after(async () => {
  tunnel?.close();
  if (cli && cli.child.exitCode === null && cli.child.signalCode === null) {
    cli.child.kill('SIGTERM');
    const timer = setTimeout(() => cli.child.kill('SIGKILL'), 10_000);
    await cli.exit;
    clearTimeout(timer);
  }
});

const warnings = (host: string) =>
  request(`http://127.0.0.1:${localPort}/api/warnings`, {
    method: 'POST',
    headers: { host, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '[]',
  });

describe('the dashboard through an SSH tunnel on another local port', () => {
  it('answers for 127.0.0.1 and localhost on the tunnel port', async () => {
    for (const name of ['127.0.0.1', 'localhost']) {
      const res = await warnings(`${name}:${localPort}`);
      assert.equal(res.status, 200, `${name}: ${res.text()}`);
    }
  });

  it('still refuses a host name that is not loopback (DNS rebinding)', async () => {
    const res = await warnings(`sync.example.org:${localPort}`);
    assert.equal(res.status, 403, res.text());
  });
});
