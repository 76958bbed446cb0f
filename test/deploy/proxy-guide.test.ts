import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { usernameFromEmail } from '../../server/accounts/index.js';
import { spawnCli, tempCases, type CliProcess } from '../cli/cli-process.js';
import { occupyPort } from '../helpers/ports.js';
import { basicAuth } from '../helpers/sync11-client.js';
import { guideBlock, serveArgs, withFlag } from './guide-blocks.js';
import { apacheMain, apacheSite, startApache } from './apache.js';
import { caddyGlobals, caddySite, startCaddy } from './caddy.js';
import { lighttpdMain, lighttpdSite, startLighttpd } from './lighttpd.js';
import { nginxMain, nginxSite, startNginx } from './nginx.js';
import {
  killOnExit,
  requireBinary,
  skipUnless,
  throwawayCertificate,
  type Certificate,
  type Daemon,
} from './proxy-process.js';
import { localAccountSignIn, storage, storageHawk, sync15Token, type Through } from './sync-flows.js';
import { request, requestH2 } from './tls-client.js';

/**
 * docs/deploy.md, run (issue 11 #6): the guide's `foxden serve` command and its nginx, Caddy,
 * lighttpd and Apache blocks, verbatim but for the server name, certificate paths and ports, in
 * front of the real CLI on loopback with a throwaway certificate. Through each proxy, at the root
 * and under the guide's path prefix: the discovery document, the sign-in page, Sync 1.1 with
 * Basic auth, a local-account sign-in, the tokenserver and Hawk-signed Sync 1.5 storage requests
 * whose targets carry percent-escapes (a proxy that rewrites them breaks the signature: 401),
 * one of them over HTTP/2; and each proxy's plain-HTTP redirect.
 * Skipped when a proxy is not installed, except under CI=true, where that fails.
 */
const { tmp } = tempCases('foxden-deploy-', 'case');

interface Foxden {
  cli: CliProcess;
  port: number;
  stop(): Promise<void>;
}

const LISTENING = /Foxden listening on http:\/\/\S+:(\d+)\//;

/** The guide's serve command with Foxden's port, the test's public URL and its own data dir. */
async function startFoxden(publicUrl: string, dataDir: string): Promise<Foxden> {
  let args = serveArgs(guideBlock('serve'));
  args = withFlag(args, '--port', '0');
  args = withFlag(args, '--public-url', publicUrl);
  // Test-only: its own data folder, no dashboard, sign-ups open for the local account.
  const cli = spawnCli(['serve', ...args, '--data-dir', dataDir, '--no-admin', '--allow-new-users']);
  killOnExit(cli.child);
  const stop = async () => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.child.kill('SIGTERM');
      const timer = setTimeout(() => cli.child.kill('SIGKILL'), 10_000);
      await cli.exit;
      clearTimeout(timer);
    }
  };
  try {
    const line = await cli.waitForLine(LISTENING, 30_000);
    return { cli, port: Number(LISTENING.exec(line)![1]), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Ports free a moment ago for the proxy to listen on, held together so no two are the same. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const held = await Promise.all(Array.from({ length: count }, () => occupyPort()));
  await Promise.all(held.map((h) => h.release()));
  return held.map((h) => h.port);
}

interface Deployment {
  root: Through;
  prefix: Through;
  /** Plain-HTTP port of the redirect the guide sets up. */
  httpPort: number;
}

/** Starts both Foxdens (root and /sync/) and the proxy; everything is stopped by `after`. */
function deploy(
  name: string,
  startProxy: (dir: string, certificate: Certificate, ports: Ports) => Promise<Daemon>,
): () => Deployment {
  let deployment: Deployment | undefined;
  const stops: (() => Promise<void>)[] = [];
  before(async () => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { mode: 0o700 });
    const certificate = await throwawayCertificate(dir);
    const [rootHttps, http, prefixHttps] = await distinctFreePorts(3);
    const ports: Ports = {
      rootHttps: rootHttps!,
      http: http!,
      prefixHttps: prefixHttps!,
      rootFoxden: 0,
      prefixFoxden: 0,
    };
    const root = { publicUrl: `https://localhost:${ports.rootHttps}/`, ca: certificate.pem };
    const prefix = { publicUrl: `https://localhost:${ports.prefixHttps}/sync/`, ca: certificate.pem };
    const started = await Promise.allSettled([
      startFoxden(root.publicUrl, path.join(dir, 'data-root')),
      startFoxden(prefix.publicUrl, path.join(dir, 'data-prefix')),
    ]);
    for (const s of started) if (s.status === 'fulfilled') stops.push(s.value.stop);
    const [rootFoxden, prefixFoxden] = started.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    }) as [Foxden, Foxden];
    ports.rootFoxden = rootFoxden.port;
    ports.prefixFoxden = prefixFoxden.port;
    const proxy = await startProxy(dir, certificate, ports);
    stops.unshift(proxy.stop);
    deployment = { root, prefix, httpPort: ports.http };
  });
  after(async () => {
    // Every process, even when one stop fails.
    await Promise.allSettled(stops.map((stop) => stop()));
  });
  return () => {
    if (!deployment) throw new Error(`the ${name} deployment did not start`);
    return deployment;
  };
}

interface Ports {
  rootHttps: number;
  http: number;
  prefixHttps: number;
  rootFoxden: number;
  prefixFoxden: number;
}

/** The checks every proxy must pass, at the root and under the prefix. */
function throughTheProxy(get: () => Deployment) {
  for (const where of ['root', 'prefix'] as const) {
    describe(`at the ${where === 'root' ? 'root' : 'path prefix /sync/'}`, () => {
      it('serves the discovery document with addresses under the public URL', async () => {
        const t = get()[where];
        const res = await request(`${t.publicUrl}.well-known/fxa-client-configuration`, { ca: t.ca });
        assert.equal(res.status, 200, res.text());
        const doc = res.json<Record<string, string>>();
        const publicRoot = t.publicUrl.replace(/\/$/, '');
        assert.equal(doc.auth_server_base_url, `${publicRoot}/auth`);
        assert.equal(doc.sync_tokenserver_base_url, publicRoot);
        for (const value of Object.values(doc)) assert.ok(value.startsWith(publicRoot), value);
      });

      it('serves the sign-in page Firefox opens, and its script', async () => {
        const t = get()[where];
        const page = await request(`${t.publicUrl}signin`, { ca: t.ca });
        assert.equal(page.status, 200, `${page.text()} (npm run build makes dist/fxa-page)`);
        const script = /<script[^>]* src="([^"]+)"/.exec(page.text())?.[1];
        assert.ok(script?.startsWith(new URL(t.publicUrl).pathname), script);
        const origin = t.publicUrl.replace(/^(https:\/\/[^/]+)\/.*$/, '$1');
        const js = await request(`${origin}${script}`, { ca: t.ca });
        assert.equal(js.status, 200, script);
        assert.match(String(js.headers['content-type']), /javascript/);
      });

      it('syncs over Sync 1.1 with Basic auth (Pale Moon), node/weave under the public URL', async () => {
        const t = get()[where];
        const email = `palemoon-${where}@example.org`;
        const user = usernameFromEmail(email);
        const password = 'correct horse battery';
        const created = await request(`${t.publicUrl}user/1.0/${user}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password, 'captcha-challenge': null, 'captcha-response': null }),
          ca: t.ca,
        });
        assert.equal(created.status, 200, created.text());
        const auth = { authorization: basicAuth(user, password) };
        const node = await request(`${t.publicUrl}user/1.0/${user}/node/weave`, { headers: auth, ca: t.ca });
        assert.equal(node.text(), t.publicUrl);

        const storageUrl = `${t.publicUrl}1.1/${user}/storage/bookmarks`;
        const post = await request(storageUrl, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(['a', 'b', 'c'].map((id) => ({ id, payload: `{"p":"${id}"}` }))),
          ca: t.ca,
        });
        assert.equal(post.status, 200, post.text());
        const some = await request(`${storageUrl}?ids=a%2Cb`, { headers: auth, ca: t.ca });
        assert.equal(some.status, 200, some.text());
        assert.deepEqual(some.json<string[]>().sort(), ['a', 'b']);
        const refused = await request(`${storageUrl}?ids=a`, {
          headers: { authorization: basicAuth(user, 'wrong') },
          ca: t.ca,
        });
        assert.equal(refused.status, 401);
      });

      it('signs in to a local account and syncs over Sync 1.5, escapes intact', async () => {
        const t = get()[where];
        const signedIn = await localAccountSignIn(t);
        const node = await sync15Token(t, signedIn);
        assert.match(node.endpoint, new RegExp(`^${t.publicUrl.replace(/[.]/g, '\\.')}1\\.5/\\d+$`));

        const meta = '{"syncID":"proxyproxy01","storageVersion":5}';
        const put = await storage(t, node, 'PUT', 'storage/meta/global', { payload: meta });
        assert.equal(put.status, 200, put.text());

        const records = ['a', 'b', 'c'].map((id) => ({ id, payload: `{"ciphertext":"${id}"}` }));
        const post = await storage(t, node, 'POST', 'storage/history', records);
        assert.equal(post.status, 200, post.text());
        assert.deepEqual(post.json<{ success: string[] }>().success.sort(), ['a', 'b', 'c']);

        // A first sync's upload: 1.8 MB in one POST, over nginx's default 1 MB body limit.
        const big = Array.from({ length: 20 }, (_, i) => ({
          id: `big${i}`,
          payload: JSON.stringify({ ciphertext: 'x'.repeat(90_000) }),
        }));
        const bigPost = await storage(t, node, 'POST', 'storage/tabs', big);
        assert.equal(bigPost.status, 200, bigPost.text());
        assert.equal(bigPost.json<{ success: string[] }>().success.length, 20);

        // The query as Firefox sends it: a comma escaped. A proxy that unescaped it would make
        // the signed target differ from the received one: 401.
        const some = await storage(t, node, 'GET', 'storage/history?ids=a%2Cb&full=1');
        assert.equal(some.status, 200, some.text());
        assert.deepEqual(
          some
            .json<{ id: string }[]>()
            .map((r) => r.id)
            .sort(),
          ['a', 'b'],
        );

        // An id with reserved characters, escaped in the path.
        const odd = await storage(t, node, 'PUT', 'storage/history/%7Bx%2Cy%7D', { payload: '{"odd":1}' });
        assert.equal(odd.status, 200, odd.text());
        const back = await storage(t, node, 'GET', 'storage/history/%7Bx%2Cy%7D');
        assert.equal(back.status, 200, back.text());
        assert.equal(back.json<{ id: string }>().id, '{x,y}');

        const got = await storage(t, node, 'GET', 'storage/meta/global');
        assert.equal(got.json<{ payload: string }>().payload, meta);

        // Browsers speak HTTP/2 to the proxy.
        const url = `${node.endpoint}/info/collections`;
        const h2 = await requestH2(url, {
          headers: { authorization: storageHawk(node, 'GET', url) },
          ca: t.ca,
        });
        assert.equal(h2.alpn, 'h2');
        assert.equal(h2.status, 200, h2.text());
        assert.deepEqual(Object.keys(h2.json()).sort(), ['history', 'meta', 'tabs']);
      });
    });
  }
}

/** The HTTP site's redirect to HTTPS, path and query kept; `location` as the proxy writes it. */
function redirectsPlainHttp(get: () => Deployment, status: number, location: () => string | RegExp) {
  it('redirects plain HTTP to HTTPS, path and query kept', async () => {
    const res = await request(`http://localhost:${get().httpPort}/1.0/sync/1.5?x=%2C`);
    assert.equal(res.status, status);
    const expected = location();
    if (typeof expected === 'string') assert.equal(res.headers.location, expected);
    else assert.match(String(res.headers.location), expected);
  });
}

/** The prefix block's redirect of `/sync` (no slash) to `/sync/`, with the proxy's status. */
function sendsPrefixToSlash(get: () => Deployment, status: number) {
  it('sends /sync to /sync/', async () => {
    const t = get().prefix;
    const res = await request(t.publicUrl.replace(/\/$/, ''), { ca: t.ca });
    assert.equal(res.status, status, res.text());
    assert.match(String(res.headers.location), /\/sync\/$/);
  });
}

describe('docs/deploy.md: nginx', { skip: skipUnless('nginx', 'openssl') }, () => {
  const get = deploy('nginx', async (dir, certificate, ports) => {
    requireBinary('nginx');
    const rootSite = path.join(dir, 'site-root.conf');
    fs.writeFileSync(
      rootSite,
      nginxSite(guideBlock('nginx'), {
        httpsPort: ports.rootHttps,
        httpPort: ports.http,
        foxdenPort: ports.rootFoxden,
        certificate,
      }),
    );
    const prefixSite = path.join(dir, 'site-prefix.conf');
    fs.writeFileSync(
      prefixSite,
      nginxSite(guideBlock('nginx-prefix'), {
        httpsPort: ports.prefixHttps,
        foxdenPort: ports.prefixFoxden,
        certificate,
      }),
    );
    const main = path.join(dir, 'nginx.conf');
    fs.writeFileSync(main, nginxMain(dir, [rootSite, prefixSite]));
    return startNginx(dir, main, [ports.rootHttps, ports.http, ports.prefixHttps]);
  });

  throughTheProxy(get);

  redirectsPlainHttp(get, 301, () => 'https://localhost/1.0/sync/1.5?x=%2C');

  sendsPrefixToSlash(get, 301);
});

describe('docs/deploy.md: Caddy', { skip: skipUnless('caddy', 'openssl') }, () => {
  const get = deploy('caddy', async (dir, certificate, ports) => {
    requireBinary('caddy');
    const caddyfile = path.join(dir, 'Caddyfile');
    fs.writeFileSync(
      caddyfile,
      [
        caddyGlobals(ports.http),
        caddySite(guideBlock('caddy'), {
          httpsPort: ports.rootHttps,
          foxdenPort: ports.rootFoxden,
          certificate,
        }),
        caddySite(guideBlock('caddy-prefix'), {
          httpsPort: ports.prefixHttps,
          foxdenPort: ports.prefixFoxden,
          certificate,
        }),
      ].join('\n'),
    );
    return startCaddy(dir, caddyfile, [ports.rootHttps, ports.prefixHttps, ports.http]);
  });

  throughTheProxy(get);

  // Both test sites are named localhost (on two ports): Caddy redirects to one of them.
  redirectsPlainHttp(get, 308, () => {
    const ports = [get().root, get().prefix].map((t) => new URL(t.publicUrl).port).join('|');
    return new RegExp(`^https://localhost:(${ports})/1\\.0/sync/1\\.5\\?x=%2C$`);
  });

  sendsPrefixToSlash(get, 302);
});

describe('docs/deploy.md: lighttpd', { skip: skipUnless('lighttpd', 'openssl') }, () => {
  const get = deploy('lighttpd', async (dir, certificate, ports) => {
    requireBinary('lighttpd');
    const rootSite = path.join(dir, 'foxden.conf');
    fs.writeFileSync(
      rootSite,
      lighttpdSite(guideBlock('lighttpd'), {
        httpsPort: ports.rootHttps,
        foxdenPort: ports.rootFoxden,
        certificate,
        hostPorts: [ports.rootHttps, ports.http],
      }),
    );
    const prefixSite = path.join(dir, 'foxden-prefix.conf');
    fs.writeFileSync(
      prefixSite,
      lighttpdSite(guideBlock('lighttpd-prefix'), {
        httpsPort: ports.prefixHttps,
        foxdenPort: ports.prefixFoxden,
        certificate,
        hostPorts: [ports.prefixHttps],
      }),
    );
    // The prefix site on a port of its own; the guide's :443 socket block serves every host.
    const prefixSocket = [
      `$SERVER["socket"] == "127.0.0.1:${ports.prefixHttps}" {`,
      '    ssl.engine  = "enable"',
      `    ssl.pemfile = "${certificate.cert}"`,
      `    ssl.privkey = "${certificate.key}"`,
      '}',
      `include "${prefixSite}"`,
    ].join('\n');
    const conf = path.join(dir, 'lighttpd.conf');
    fs.writeFileSync(conf, lighttpdMain(dir, ports.http, rootSite, prefixSocket));
    return startLighttpd(conf, [ports.http, ports.rootHttps, ports.prefixHttps]);
  });

  throughTheProxy(get);

  // ${url.authority} keeps the port the browser used (none in the guide's :80 case).
  redirectsPlainHttp(get, 301, () => /^https:\/\/localhost(:\d+)?\/1\.0\/sync\/1\.5\?x=%2C$/);

  sendsPrefixToSlash(get, 301);
});

describe('docs/deploy.md: Apache', { skip: skipUnless('apache2', 'openssl') }, () => {
  const get = deploy('apache', async (dir, certificate, ports) => {
    requireBinary('apache2');
    const rootSite = path.join(dir, 'foxden.conf');
    fs.writeFileSync(
      rootSite,
      apacheSite(guideBlock('apache'), {
        httpsPort: ports.rootHttps,
        httpPort: ports.http,
        foxdenPort: ports.rootFoxden,
        certificate,
      }),
    );
    const prefixSite = path.join(dir, 'foxden-prefix.conf');
    fs.writeFileSync(
      prefixSite,
      apacheSite(guideBlock('apache-prefix'), {
        httpsPort: ports.prefixHttps,
        foxdenPort: ports.prefixFoxden,
        certificate,
      }),
    );
    const conf = path.join(dir, 'apache2.conf');
    const listen = [ports.rootHttps, ports.http, ports.prefixHttps];
    fs.writeFileSync(conf, apacheMain(dir, listen, [rootSite, prefixSite]));
    return startApache(conf, listen);
  });

  throughTheProxy(get);

  redirectsPlainHttp(get, 301, () => 'https://localhost/1.0/sync/1.5?x=%2C');

  sendsPrefixToSlash(get, 301);
});
