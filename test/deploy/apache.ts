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
 * An Apache virtual host from the guide for the test: `*:443`/`*:80` become the test's
 * 127.0.0.1 ports (and the `"443"` of X-Forwarded-Port the HTTPS port), the certificate,
 * `localhost`, Foxden's port.
 */
export function apacheSite(block: string, site: Site): string {
  const replacements: [RegExp, string][] = [
    [/<VirtualHost \*:443>/g, `<VirtualHost 127.0.0.1:${site.httpsPort}>`],
    [/X-Forwarded-Port "443"/g, `X-Forwarded-Port "${site.httpsPort}"`],
    [LETSENCRYPT('fullchain.pem'), site.certificate.cert],
    [LETSENCRYPT('privkey.pem'), site.certificate.key],
    [/\bServerName (?:sync\.)?example\.org$/gm, 'ServerName localhost'],
    [/\b127\.0\.0\.1:8173\//g, `127.0.0.1:${site.foxdenPort}/`],
  ];
  if (site.httpPort !== undefined) {
    replacements.push([/<VirtualHost \*:80>/g, `<VirtualHost 127.0.0.1:${site.httpPort}>`]);
    replacements.push([/https:\/\/sync\.example\.org\//g, 'https://localhost/']);
  }
  return assertNoPrivilegedPorts('Apache', replaceAll(block, replacements));
}

/** Debian's module directory and the modules `a2enmod ssl proxy proxy_http headers http2` enables. */
const APACHE_MODULES = '/usr/lib/apache2/modules';
const APACHE_LOADS = [
  ['mpm_event_module', 'mod_mpm_event.so'],
  ['authz_core_module', 'mod_authz_core.so'],
  ['alias_module', 'mod_alias.so'],
  ['socache_shmcb_module', 'mod_socache_shmcb.so'],
  ['ssl_module', 'mod_ssl.so'],
  ['proxy_module', 'mod_proxy.so'],
  ['proxy_http_module', 'mod_proxy_http.so'],
  ['headers_module', 'mod_headers.so'],
  ['http2_module', 'mod_http2.so'],
];

/** A stand-alone apache2.conf for the test: loopback ports, files in the temp dir, the sites. */
export function apacheMain(dir: string, ports: number[], siteFiles: string[]): string {
  // As root, Apache refuses to serve without switching to another user.
  const asRoot = process.getuid?.() === 0;
  return [
    `ServerRoot ${dir}`,
    `DefaultRuntimeDir ${dir}`,
    `PidFile ${path.join(dir, 'apache2.pid')}`,
    `ErrorLog ${path.join(dir, 'error.log')}`,
    'LogLevel warn',
    'ServerName localhost',
    ...APACHE_LOADS.map(([name, file]) => `LoadModule ${name} ${APACHE_MODULES}/${file}`),
    ...(asRoot ? ['User nobody', 'Group nogroup'] : []),
    ...ports.map((port) => `Listen 127.0.0.1:${port}`),
    ...siteFiles.map((file) => `Include ${file}`),
    '',
  ].join('\n');
}

/** `apache2 -t`, then Apache in the foreground (-DFOREGROUND), its environment cleared of Debian's envvars. */
export async function startApache(conf: string, ports: number[]): Promise<Daemon> {
  const apache = requireBinary('apache2');
  await checkConfig('apache2 -t', apache, ['-t', '-f', conf]);
  return withErrorLog(path.dirname(conf), startDaemon(apache, ['-DFOREGROUND', '-f', conf], { ports }));
}
