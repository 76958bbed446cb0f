import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BIN, tempCases } from '../cli/cli-process.js';
import { apacheSite } from './apache.js';
import { caddySite } from './caddy.js';
import { assertNoPrivilegedPorts, guideBlock, replaceAll, serveArgs } from './guide-blocks.js';
import { lighttpdSite } from './lighttpd.js';
import { nginxSite } from './nginx.js';
import { findBinary, type Site } from './proxy-process.js';

/**
 * The parts of docs/deploy.md no proxy runs: the marker reader itself, and the systemd unit
 * (issue 11 #4), checked against the tested serve command and by `systemd-analyze verify`.
 */
const run = promisify(execFile);
const { tmp } = tempCases('foxden-guide-', 'unit');

describe('guideBlock', () => {
  it('takes the fenced block right after its marker, and refuses a missing or repeated one', () => {
    const text = 'x\n<!-- tested: a -->\n\n```sh\necho a\n```\n\n<!-- tested: b -->\n```\nb\n```\n';
    assert.equal(guideBlock('a', text), 'echo a\n');
    assert.equal(guideBlock('b', text), 'b\n');
    assert.throws(() => guideBlock('c', text), /has no <!-- tested: c -->/);
    assert.throws(() => guideBlock('a', text + text), /repeats/);
    assert.throws(() => guideBlock('a', '<!-- tested: a -->\nprose\n```\nx\n```\n'), /not followed/);
  });

  it('fails loudly when a placeholder is gone rather than running an unreplaced config', () => {
    assert.throws(() => replaceAll('listen 8443;', [[/listen 443/g, 'listen 1']]), /placeholder/);
  });
});

describe('the site rewriters never leave a privileged port to bind (the tests run as root in CI)', () => {
  const certificate = { cert: '/tmp/c.pem', key: '/tmp/k.pem', pem: '' };
  const site: Site = { httpsPort: 40443, foxdenPort: 40173, certificate };

  it("nginx: the guide's root block without an HTTP port refuses its listen 80", () => {
    assert.throws(() => nginxSite(guideBlock('nginx'), site), /privileged port \(listen 80\)/);
    assert.doesNotMatch(nginxSite(guideBlock('nginx'), { ...site, httpPort: 40080 }), /\b(80|443)\b/);
  });

  it('nginx: a server block with no listen (port 80 as root) is refused', () => {
    const block = `${guideBlock('nginx')}server {\n    server_name www.example.org;\n    return 204;\n}\n`;
    assert.throws(() => nginxSite(block, { ...site, httpPort: 40080 }), /without listen/);
  });

  it("Apache: the guide's root block without an HTTP port refuses <VirtualHost *:80>", () => {
    assert.throws(() => apacheSite(guideBlock('apache'), site), /privileged port \(:80\)/);
  });

  it('lighttpd: a second socket on :80 or [::]:443 is refused', () => {
    for (const socket of ['":80"', '"[::]:443"']) {
      const block = `${guideBlock('lighttpd')}$SERVER["socket"] == ${socket} { }\n`;
      assert.throws(() => lighttpdSite(block, { ...site, hostPorts: [40443] }), /privileged port/);
    }
  });

  it('Caddy: a site address without the test port is refused', () => {
    const block = `${guideBlock('caddy')}\nwww.example.org {\n\tredir https://sync.example.org{uri}\n}\n`;
    assert.throws(() => caddySite(block, site), /would bind ports 80 and 443/);
  });

  it('every form of 80 and 443, and no test port', () => {
    for (const config of [
      'listen 80;',
      '  Listen 443',
      'listen [::]:443 ssl;',
      '<VirtualHost *:443>',
      ':80 {',
      'server.port = 80',
      'http_port 80',
    ])
      assert.throws(() => assertNoPrivilegedPorts('x', config), /privileged port/, config);
    for (const config of [
      'listen 127.0.0.1:40443 ssl;',
      'proxy_pass http://127.0.0.1:8043;',
      ':8080 {',
      'port => 4430',
    ])
      assert.equal(assertNoPrivilegedPorts('x', config), config);
  });
});

/** `ExecStart=` with its continuation lines joined. */
function execStart(unit: string): string {
  const m = /^ExecStart=((?:.*\\\n)*.*)$/m.exec(unit);
  assert.ok(m, 'the unit has an ExecStart line');
  return m[1]!.replace(/\\\n\s*/g, ' ');
}

function directive(unit: string, name: string): string[] {
  const m = new RegExp(`^${name}=(.*)$`, 'm').exec(unit);
  assert.ok(m, `the unit sets ${name}`);
  return m[1]!.trim().split(/\s+/);
}

describe('the systemd unit in docs/deploy.md', () => {
  const unit = guideBlock('systemd-unit');

  it('runs the same serve command the proxy test runs, with the JSON log', () => {
    const args = serveArgs(execStart(unit));
    const tested = serveArgs(guideBlock('serve'));
    assert.deepEqual(args.slice(0, tested.length), tested);
    assert.deepEqual(args.slice(tested.length), ['--log-format', 'json']);
  });

  it('lets Node start under its sandbox: @pkey (pkey_alloc) and AF_NETLINK (os.networkInterfaces)', () => {
    assert.ok(directive(unit, 'SystemCallFilter').includes('@system-service'));
    assert.ok(directive(unit, 'SystemCallFilter').includes('@pkey'));
    assert.ok(directive(unit, 'RestrictAddressFamilies').includes('AF_NETLINK'));
    // ProtectSystem=strict leaves only these writable: the data folder must be one of them.
    assert.deepEqual(directive(unit, 'ProtectSystem'), ['strict']);
    assert.ok(directive(unit, 'ReadWritePaths').includes('/var/lib/foxden'));
  });

  it(
    'passes systemd-analyze verify',
    { skip: findBinary('systemd-analyze') ? false : 'no systemd-analyze' },
    async () => {
      // The installed node and this checkout stand in for /usr/bin/node and /opt/foxden.
      const local = replaceAll(unit, [
        [/\/usr\/bin\/node\b/g, process.execPath],
        [/\/opt\/foxden\/bin\/foxden\.js\b/g, BIN],
      ]);
      const file = path.join(tmp, 'foxden.service');
      fs.writeFileSync(file, local);
      const { stderr } = await run(findBinary('systemd-analyze')!, ['verify', file], { timeout: 30_000 });
      // Lines about the unit itself (unknown directives, bad values); the host's own units are not ours.
      const ours = stderr.split('\n').filter((line) => line.includes('foxden.service'));
      assert.deepEqual(ours, []);
    },
  );
});
