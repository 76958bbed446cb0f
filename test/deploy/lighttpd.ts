import fs from 'node:fs';
import path from 'node:path';
import { assertNoPrivilegedPorts, replaceAll } from './guide-blocks.js';
import {
  LETSENCRYPT,
  checkConfig,
  requireBinary,
  startDaemon,
  withErrorLog,
  type Daemon,
  type Site,
} from './proxy-process.js';

/**
 * Debian 12's `server.http-parseopts` (from /etc/lighttpd/lighttpd.conf when installed, else
 * a copy of it): the URL normalisation the guide's `url-normalize` line must undo.
 */
function debianLighttpdParseopts(): string {
  try {
    const conf = fs.readFileSync('/etc/lighttpd/lighttpd.conf', 'utf8');
    const m = /^server\.http-parseopts\s*=\s*\([\s\S]*?^\)/m.exec(conf);
    if (m) return m[0];
  } catch {
    // not installed: the copy below
  }
  return [
    'server.http-parseopts = (',
    '  "header-strict"           => "enable",',
    '  "host-strict"             => "enable",',
    '  "host-normalize"          => "enable",',
    '  "url-normalize-unreserved"=> "enable",',
    '  "url-normalize-required"  => "enable",',
    '  "url-ctrls-reject"        => "enable",',
    '  "url-path-2f-decode"      => "enable",',
    '  "url-path-dotseg-remove"  => "enable",',
    ')',
  ].join('\n');
}

/**
 * A lighttpd block from the guide for the test: the `:443` socket on 127.0.0.1, the
 * certificate, the host condition matching `localhost` on the test's ports (lighttpd's Host
 * includes a non-default port), and Foxden's port.
 */
export function lighttpdSite(block: string, site: Site & { hostPorts: number[] }): string {
  const socket: [RegExp, string][] = block.includes('$SERVER["socket"]')
    ? [
        [/\$SERVER\["socket"\] == ":443"/g, `$SERVER["socket"] == "127.0.0.1:${site.httpsPort}"`],
        [LETSENCRYPT('fullchain.pem'), site.certificate.cert],
        [LETSENCRYPT('privkey.pem'), site.certificate.key],
      ]
    : [];
  const out = replaceAll(block, [
    ...socket,
    [
      /\$HTTP\["host"\] == "(?:sync\.)?example\.org"/g,
      `$HTTP["host"] =~ "^localhost:(${site.hostPorts.join('|')})$"`,
    ],
    [/"port" => 8173\b/g, `"port" => ${site.foxdenPort}`],
  ]);
  return assertNoPrivilegedPorts('lighttpd', out);
}

/**
 * The base configuration lighttpd runs with: what Debian's lighttpd.conf sets that matters
 * here (mod_redirect loaded, its http-parseopts), on 127.0.0.1, files in the temp dir, then the
 * guide's block as conf-enabled/ includes it, then `extra` (the prefix site on its own port).
 */
export function lighttpdMain(dir: string, httpPort: number, siteFile: string, extra: string): string {
  const www = path.join(dir, 'www');
  fs.mkdirSync(www, { recursive: true });
  return [
    `server.document-root = "${www}"`,
    `server.bind = "127.0.0.1"`,
    `server.port = ${httpPort}`,
    `server.pid-file = "${path.join(dir, 'lighttpd.pid')}"`,
    `server.errorlog = "${path.join(dir, 'error.log')}"`,
    'server.modules = ( "mod_indexfile", "mod_access", "mod_alias", "mod_redirect" )',
    debianLighttpdParseopts(),
    `include "${siteFile}"`,
    extra,
    '',
  ].join('\n');
}

/** `lighttpd -tt`, then lighttpd in the foreground (-D). */
export async function startLighttpd(conf: string, ports: number[]): Promise<Daemon> {
  const lighttpd = requireBinary('lighttpd');
  await checkConfig('lighttpd -tt', lighttpd, ['-tt', '-f', conf]);
  return withErrorLog(path.dirname(conf), startDaemon(lighttpd, ['-D', '-f', conf], { ports }));
}
