import type { Config } from './config.js';
import { isLoopbackHost } from './admin/settings.js';
import { httpPublicUrlWithHttps } from './admin/tls-warnings.js';
import { FIREFOX_BLOCKED_PORTS, portWarnings } from './ports.js';

function urlPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * Settings that work but will probably surprise the owner (design.md "Product details"):
 * a port Firefox blocks, a public URL clients cannot reach. Pure, so the CLI prints these on
 * stderr and the GUI shows the same sentences.
 */
export function configWarnings(config: Config, platform: NodeJS.Platform = process.platform): string[] {
  const warnings = portWarnings(config.port, platform);
  const url = new URL(config.publicUrl);
  const publicPort = urlPort(url);

  if (config.port !== 0 && publicPort !== config.port && config.trustProxy === false) {
    warnings.push(
      `The public URL ${config.publicUrl} uses port ${publicPort} but Foxden listens on port ${config.port}. ` +
        'Clients will not reach it unless a reverse proxy forwards that port; if one does, set trust_proxy.',
    );
  }
  const prefix = url.pathname.replace(/\/+$/, '');
  if (prefix !== '' && config.trustProxy === false) {
    warnings.push(
      `The public URL ${config.publicUrl} ends in the path ${prefix}/, but Foxden answers at the root: ` +
        `requests to ${prefix}/… get 404 unless a reverse proxy removes ${prefix} first. ` +
        'If one does, set trust_proxy; otherwise remove the path from the public URL.',
    );
  }
  if (publicPort !== config.port && FIREFOX_BLOCKED_PORTS.has(publicPort)) {
    warnings.push(
      `The public URL uses port ${publicPort}, which Firefox and Pale Moon refuse to connect to.`,
    );
  }
  if (config.tls.mode !== 'off' && url.protocol === 'http:' && config.trustProxy === false) {
    const { message, hint } = httpPublicUrlWithHttps(config.publicUrl);
    warnings.push(`${message} ${hint}`);
  }
  if (!isLoopbackHost(config.host) && isLoopbackHost(url.hostname)) {
    warnings.push(
      `Foxden serves the network on ${config.host}, but the public URL ${config.publicUrl} points at this computer only: ` +
        "other devices would try to reach themselves. Set the public URL to this computer's network address.",
    );
  }
  return warnings;
}
