import type { Request } from 'express';
import type { LiveSettings } from '../config.js';
import type { Logger } from '../log.js';
import { shown } from './hawk/mismatch.js';
import {
  defaultPort,
  firstHeader,
  forwardedHostOf,
  forwardedHostPort,
  publicOriginCache,
  trustsPeer,
} from './hawk/signed-origin.js';

/**
 * Distinct (forwarded, public) pairs said per period at most: X-Forwarded-Host is often the
 * client's own Host header, so a stream of invented ones cannot flood the log, and cannot use
 * the budget up for good either (a real misconfiguration found later is still said).
 */
const MAX_SAID = 16;
const SAID_PERIOD_MS = 60 * 60 * 1000;

/** host:port as a URL would write it, printable and at most 100 characters. */
function shownAddress(host: string, port: number): string {
  return shown(`${host.includes(':') ? `[${host}]` : host}:${port}`);
}

/**
 * Warns, once per distinct pair, when a trusted proxy says clients reach Foxden at another
 * host or port than the public URL's: every address Foxden gives clients (token server
 * endpoint, Sync 1.1 node, the sign-in page) is built from the public URL, so those clients
 * would be sent somewhere else. A request without X-Forwarded-Host, or with the same forwarded
 * headers as the last one that agreed, costs one or three header reads and nothing more.
 */
export function forwardedOriginWatch(
  live: () => LiveSettings,
  logger: Logger,
  now: () => number = Date.now,
): (req: Request) => void {
  const publicOrigin = publicOriginCache();
  const said = new Set<string>();
  let saidSince = 0;
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
    const forwarded = forwardedHostPort(req, forwardedHostOf(req) ?? '');
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
    const time = now();
    if (time - saidSince >= SAID_PERIOD_MS) {
      said.clear();
      saidSince = time;
    }
    if (said.has(key) || said.size >= MAX_SAID) return;
    said.add(key);
    const scheme = firstHeader(req, 'x-forwarded-proto') ?? req.protocol;
    const fwd = shownAddress(forwarded.host, forwarded.port);
    const clientsUse = `${scheme === 'https' ? 'https' : 'http'}://${forwarded.port === defaultPort(scheme) ? fwd.replace(/:\d+$/, '') : fwd}/`;
    logger.warn(
      'lifecycle',
      `The reverse proxy says clients reach Foxden at ${fwd} (X-Forwarded-Host/Proto/Port), but the public URL ${publicUrl} says ` +
        `${shownAddress(configured.host, configured.port)}: clients are given addresses from the public URL. ` +
        `If they use ${clientsUse}, set the public URL to it; otherwise make the proxy forward the host and port clients use.` +
        (said.size === MAX_SAID ? ' (Further differing addresses are not logged for an hour.)' : ''),
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
