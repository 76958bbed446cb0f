import path from 'node:path';
import { assertNoPrivilegedPorts, replaceAll } from './guide-blocks.js';
import { checkConfig, requireBinary, startDaemon, type Daemon, type Site } from './proxy-process.js';

/**
 * A Caddyfile site from the guide for the test: the site address becomes
 * `https://localhost:PORT` with `tls <throwaway cert> <key>` (instead of a certificate from
 * Let's Encrypt), and Foxden's port. Nothing else is touched. Throws if a site address is left
 * without the test's port (Caddy would bind 443 and 80 for it).
 */
export function caddySite(block: string, site: Site): string {
  const out = replaceAll(block, [
    [
      /^(?:sync\.)?example\.org \{$/gm,
      `https://localhost:${site.httpsPort} {\n\ttls ${site.certificate.cert} ${site.certificate.key}`,
    ],
    [/\b127\.0\.0\.1:8173\b/g, `127.0.0.1:${site.foxdenPort}`],
  ]);
  // Top-level lines opening a block are site addresses (the test's globals are added apart).
  for (const address of out.match(/^\S[^\n]*\{[ \t]*$/gm) ?? [])
    if (!/^https:\/\/localhost:\d+ \{$/.test(address))
      throw new Error(`Caddy: site address "${address}" would bind ports 80 and 443:\n${out}`);
  return assertNoPrivilegedPorts('Caddy', out);
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
  await checkConfig('caddy validate', caddy, ['validate', ...args], env);
  return startDaemon(caddy, ['run', ...args], { ports, env, cwd: dir });
}
