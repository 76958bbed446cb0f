import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { replaceAll } from './guide-blocks.js';

/**
 * Real reverse proxies for the deploy-guide test: the guide's blocks with only the
 * placeholders replaced, started in the foreground on 127.0.0.1 with a throwaway certificate,
 * every wait bounded and every process stopped by the caller's `after` hook.
 */
const run = promisify(execFile);

/** Where Debian puts the binaries (nginx is in /usr/sbin, not on every user's PATH). */
export function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * `false` to run, or why the suite is skipped. Under CI=true a missing binary is not a skip:
 * `.ci/run` installs them, so their absence fails the test (the caller throws).
 */
export function skipUnless(...names: string[]): string | false {
  const missing = names.filter((n) => !findBinary(n));
  if (missing.length === 0 || process.env.CI === 'true') return false;
  return `${missing.join(', ')} not installed`;
}

export function requireBinary(name: string): string {
  const file = findBinary(name);
  if (!file) throw new Error(`${name} is not installed (CI installs it in .ci/run's apt-get line)`);
  return file;
}

export interface Certificate {
  cert: string;
  key: string;
  /** The certificate's PEM text, which clients trust as their only CA. */
  pem: string;
}

/** A one-day self-signed P-256 certificate for localhost and 127.0.0.1 (the `openssl` CLI). */
export async function throwawayCertificate(dir: string): Promise<Certificate> {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await run(
    requireBinary('openssl'),
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { timeout: 20_000 },
  );
  return { cert, key, pem: fs.readFileSync(cert, 'utf8') };
}

export interface Daemon {
  child: ChildProcess;
  output: string[];
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// Last resort if a test process dies between start and its after hook.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a proxy in the foreground and waits (bounded) until every port accepts connections. */
export async function startDaemon(
  command: string,
  args: string[],
  o: { ports: number[]; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<Daemon> {
  const child = spawn(command, args, {
    env: o.env ?? process.env,
    cwd: o.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const gone = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let exited = false;
  void gone.then(() => {
    exited = true;
    running.delete(child);
  });
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + (o.timeoutMs ?? 15_000);
  try {
    for (const port of o.ports) {
      for (;;) {
        if (exited) throw new Error(`${path.basename(command)} exited at start:\n${output.join('\n')}`);
        if (await accepts(port)) break;
        if (Date.now() > deadline)
          throw new Error(
            `${path.basename(command)} not listening on ${port} in time:\n${output.join('\n')}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { child, output, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** What the guide's placeholders become in the test. */
export interface Site {
  /** The HTTPS port the guide writes as 443. */
  httpsPort: number;
  /** The plain-HTTP port the guide writes as 80 (redirect only), if the block has one. */
  httpPort?: number;
  /** Foxden's port (the guide's 8173). */
  foxdenPort: number;
  certificate: Certificate;
}

const LETSENCRYPT = (file: string) => new RegExp(`/etc/letsencrypt/live/[^/\\s"]+/${file}`, 'g');

/**
 * An nginx server block from the guide for the test: `listen 443`/`listen 80` on 127.0.0.1
 * (the `[::]` lines dropped: CI machines may have no IPv6), the certificate, `localhost` and
 * Foxden's port. Nothing else is touched.
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
  return replaceAll(block, replacements);
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
  try {
    await run(nginx, [...args, '-t', '-g', globals], { timeout: 20_000 });
  } catch (err) {
    throw new Error(
      `nginx -t refused the guide's configuration:\n${(err as { stderr?: string }).stderr ?? err}`,
    );
  }
  return startDaemon(nginx, [...args, '-g', `daemon off; ${globals}`], { ports });
}

/**
 * A Caddyfile site from the guide for the test: the site address becomes
 * `https://localhost:PORT` with `tls <throwaway cert> <key>` (instead of a certificate from
 * Let's Encrypt), and Foxden's port. Nothing else is touched.
 */
export function caddySite(block: string, site: Site): string {
  return replaceAll(block, [
    [
      /^(?:sync\.)?example\.org \{$/gm,
      `https://localhost:${site.httpsPort} {\n\ttls ${site.certificate.cert} ${site.certificate.key}`,
    ],
    [/\b127\.0\.0\.1:8173\b/g, `127.0.0.1:${site.foxdenPort}`],
  ]);
}

/**
 * Global options for the test only: no admin endpoint, everything bound to 127.0.0.1, the
 * HTTP→HTTPS redirect on an ephemeral port instead of 80, no trust-store changes.
 */
export function caddyGlobals(httpPort: number): string {
  return [
    '{',
    '\tadmin off',
    '\tdefault_bind 127.0.0.1',
    `\thttp_port ${httpPort}`,
    '\tskip_install_trust',
    '}',
    '',
  ].join('\n');
}

/** `caddy validate`, then `caddy run` with its data and config homes inside the temp dir. */
export async function startCaddy(dir: string, caddyfile: string, ports: number[]): Promise<Daemon> {
  const caddy = requireBinary('caddy');
  const env = {
    ...process.env,
    HOME: dir,
    XDG_DATA_HOME: path.join(dir, 'data'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
  };
  const args = ['--config', caddyfile, '--adapter', 'caddyfile'];
  try {
    await run(caddy, ['validate', ...args], { env, timeout: 20_000 });
  } catch (err) {
    throw new Error(
      `caddy validate refused the guide's configuration:\n${(err as { stderr?: string }).stderr ?? err}`,
    );
  }
  return startDaemon(caddy, ['run', ...args], { ports, env, cwd: dir });
}

/**
 * Debian 12's `server.http-parseopts` (from /etc/lighttpd/lighttpd.conf when installed, else
 * a copy of it): the URL normalisation the guide's `url-normalize` line must undo.
 */
export function debianLighttpdParseopts(): string {
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
  return replaceAll(block, [
    ...socket,
    [
      /\$HTTP\["host"\] == "(?:sync\.)?example\.org"/g,
      `$HTTP["host"] =~ "^localhost:(${site.hostPorts.join('|')})$"`,
    ],
    [/"port" => 8173\b/g, `"port" => ${site.foxdenPort}`],
  ]);
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
  try {
    await run(lighttpd, ['-tt', '-f', conf], { timeout: 20_000 });
  } catch (err) {
    throw new Error(
      `lighttpd -tt refused the guide's configuration:\n${(err as { stderr?: string }).stderr ?? err}`,
    );
  }
  return withErrorLog(path.dirname(conf), startDaemon(lighttpd, ['-D', '-f', conf], { ports }));
}

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
  return replaceAll(block, replacements);
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
  try {
    await run(apache, ['-t', '-f', conf], { timeout: 20_000 });
  } catch (err) {
    throw new Error(
      `apache2 -t refused the guide's configuration:\n${(err as { stderr?: string }).stderr ?? err}`,
    );
  }
  return withErrorLog(path.dirname(conf), startDaemon(apache, ['-DFOREGROUND', '-f', conf], { ports }));
}

/**
 * lighttpd and Apache cannot log to a pipe's /dev/stderr (Node's child pipes are sockets):
 * their error.log in the temp dir goes into the start failure instead.
 */
async function withErrorLog(dir: string, started: Promise<Daemon>): Promise<Daemon> {
  try {
    return await started;
  } catch (err) {
    const file = path.join(dir, 'error.log');
    const log = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '(no error.log)';
    throw new Error(`${(err as Error).message}\nerror.log:\n${log}`);
  }
}
