import fs from 'node:fs';
import path from 'node:path';
import { assertNoPrivilegedPorts, replaceAll } from './guide-blocks.js';
import {
  LETSENCRYPT,
  checkConfig,
  requireBinary,
  startDaemon,
  type Daemon,
  type Site,
} from './proxy-process.js';

/**
 * An nginx server block from the guide for the test: `listen 443`/`listen 80` on 127.0.0.1
 * (the `[::]` lines dropped: CI machines may have no IPv6), the certificate, `localhost` and
 * Foxden's port. Nothing else is touched. Throws if the result would still bind port 80 or
 * 443 (a `listen 80` with no `httpPort` to put there, a `server` block with no `listen`, which
 * nginx binds to port 80 as root).
 */
export function nginxSite(block: string, site: Site): string {
  const replacements: [RegExp, string][] = [
    [/^[ \t]*listen \[::\]:\d+[^;\n]*;\n/gm, ''],
    [/\blisten 443\b/g, `listen 127.0.0.1:${site.httpsPort}`],
    [LETSENCRYPT('fullchain.pem'), site.certificate.cert],
    [LETSENCRYPT('privkey.pem'), site.certificate.key],
    [/\bserver_name (?:sync\.)?example\.org;/g, 'server_name localhost;'],
    [/\b127\.0\.0\.1:8173\b/g, `127.0.0.1:${site.foxdenPort}`],
  ];
  if (site.httpPort !== undefined) replacements.push([/\blisten 80;/g, `listen 127.0.0.1:${site.httpPort};`]);
  const out = assertNoPrivilegedPorts('nginx', replaceAll(block, replacements));
  for (const server of out.split(/^\s*server\s*\{/m).slice(1))
    if (!/^\s*listen\s/m.test(server))
      throw new Error(`nginx: a server block without listen would bind port 80:\n${out}`);
  return out;
}

/**
 * The main configuration the test runs nginx with: Debian's /etc/nginx/nginx.conf reduced to
 * what a foreground nginx in a temp dir needs, `include`-ing the guide's blocks at http level
 * as sites-enabled/ is.
 */
export function nginxMain(dir: string, siteFiles: string[]): string {
  const temp = (name: string) => path.join(dir, 'temp', name);
  for (const name of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    fs.mkdirSync(temp(name), { recursive: true });
  return [
    // As root, the workers would switch to nobody, who cannot enter the 0700 temp dir.
    process.getuid?.() === 0 ? 'user root;' : '',
    'worker_processes 1;',
    'events { worker_connections 256; }',
    'http {',
    `    client_body_temp_path ${temp('body')};`,
    `    proxy_temp_path ${temp('proxy')};`,
    `    fastcgi_temp_path ${temp('fastcgi')};`,
    `    uwsgi_temp_path ${temp('uwsgi')};`,
    `    scgi_temp_path ${temp('scgi')};`,
    `    access_log ${path.join(dir, 'access.log')};`,
    ...siteFiles.map((file) => `    include ${file};`),
    '}',
    '',
  ].join('\n');
}

/** `nginx -t` then nginx in the foreground; error_log to stderr, pid in the temp dir. */
export async function startNginx(dir: string, mainFile: string, ports: number[]): Promise<Daemon> {
  const nginx = requireBinary('nginx');
  const args = ['-p', dir, '-e', 'stderr', '-c', mainFile];
  const globals = `pid ${path.join(dir, 'nginx.pid')}; error_log stderr;`;
  await checkConfig('nginx -t', nginx, [...args, '-t', '-g', globals]);
  return startDaemon(nginx, [...args, '-g', `daemon off; ${globals}`], { ports });
}
