import type { Request } from 'express';
import type { LiveSettings } from '../config.js';
import type { Logger } from '../log.js';
import { forwardedHostPort, publicOriginCache, trustsPeer } from './hawk/signed-origin.js';

/** Distinct (forwarded, public) pairs said at most, so a stream of odd Host headers cannot flood the log. */
const MAX_SAID = 16;

function defaultPort(proto: string): number {
  return proto === 'https' ? 443 : 80;
}

/** host:port as a URL would write it, printable and at most 100 characters. */
function shownAddress(host: string, port: number): string {
  const text = `${host.includes(':') ? `[${host}]` : host}:${port}`.replace(/[^\x20-\x7e]/g, '?');
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

/**
 * Warns, once per distinct pair, when a trusted proxy says clients reach Foxden at another
 * host or port than the public URL's: every address Foxden gives clients (token server
 * endpoint, Sync 1.1 node, the sign-in page) is built from the public URL, so those clients
 * would be sent somewhere else. A request without X-Forwarded-Host, or with the same forwarded
 * headers as the last one that agreed, costs one or three header reads and nothing more.
 */
export function forwardedOriginWatch(live: () => LiveSettings, logger: Logger): (req: Request) => void {
  const publicOrigin = publicOriginCache();
  const said = new Set<string>();
  // The last forwarded headers (and public URL) found to agree, compared by identity of text.
  let agreed: { host: string; proto: unknown; port: unknown; url: string } | null = null;

  function check(req: Request, forwardedHost: string): void {
    const proto = req.headers['x-forwarded-proto'];
    const forwardedPort = req.headers['x-forwarded-port'];
    const { publicUrl } = live();
    if (
      agreed !== null &&
      agreed.host === forwardedHost &&
      agreed.proto === proto &&
      agreed.port === forwardedPort &&
      agreed.url === publicUrl
    ) {
      return;
    }
    // Headers from a peer the listener does not trust are ignored everywhere; Hawk's failure
    // messages name them.
    if (!trustsPeer(req)) return;
    const first = forwardedHost.split(',')[0]?.trim() ?? '';
    const forwarded = forwardedHostPort(req, first);
    if (!forwarded) return;
    let configured;
    try {
      configured = publicOrigin(publicUrl);
    } catch {
      return; // a malformed public URL has warnings of its own
    }
    if (forwarded.host === configured.host && forwarded.port === configured.port) {
      agreed = { host: forwardedHost, proto, port: forwardedPort, url: publicUrl };
      return;
    }
    const key = `${forwarded.host}:${forwarded.port} ${publicUrl}`;
    if (said.has(key) || said.size >= MAX_SAID) return;
    said.add(key);
    const scheme =
      String(proto ?? req.protocol)
        .split(',')[0]
        ?.trim() ?? 'http';
    const fwd = shownAddress(forwarded.host, forwarded.port);
    const clientsUse = `${scheme === 'https' ? 'https' : 'http'}://${forwarded.port === defaultPort(scheme) ? fwd.replace(/:\d+$/, '') : fwd}/`;
    logger.warn(
      'lifecycle',
      `The reverse proxy says clients reach Foxden at ${fwd} (X-Forwarded-Host/Proto/Port), but the public URL ${publicUrl} says ` +
        `${shownAddress(configured.host, configured.port)}: clients are given addresses from the public URL. ` +
        `If they use ${clientsUse}, set the public URL to it; otherwise make the proxy forward the host and port clients use.` +
        (said.size === MAX_SAID ? ' (Further differing addresses are not logged until restart.)' : ''),
    );
  }

  return (req: Request) => {
    const forwardedHost = req.headers['x-forwarded-host'];
    if (typeof forwardedHost === 'string') {
      try {
        check(req, forwardedHost);
      } catch {
        // Advice for the owner must never fail a request.
      }
    }
  };
}
