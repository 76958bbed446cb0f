import type { Request } from 'express';

/**
 * Where a Hawk client believed it was talking to (Sync 1.5 spec §4.4, fxa-local spec §4.0):
 * host, port and the public URL's path prefix. Both Hawk protocols (Sync 1.5 storage and the
 * local accounts API) compute the MAC for the same origin and resource, so a server under a
 * path prefix (`https://host/sync/`) accepts both the same way.
 */
export interface SignedOrigin {
  host: string;
  port: number;
  /** The public URL's path without its trailing slash ('' at the root). */
  prefix: string;
  /** How we know, for log messages. */
  source: string;
}

/** The port a scheme implies (`https`/`https:` 443, else 80). */
export function defaultPort(protocol: string): number {
  return protocol === 'https:' || protocol === 'https' ? 443 : 80;
}

/** Firefox signs IPv6 hosts without brackets (asciiHost). */
function bareHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

export function splitHostPort(value: string, protocol: string): { host: string; port: number } | null {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return null;
  return { host: bareHost(m[1]!), port: m[2] ? Number(m[2]) : defaultPort(protocol) };
}

/** A forwarded header's first value (a chain of proxies appends its own), trimmed. */
export function firstHeader(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.split(',')[0]?.trim() || undefined;
}

function parsePublicOrigin(publicUrl: string): SignedOrigin {
  const url = new URL(publicUrl);
  return {
    host: bareHost(url.hostname),
    port: url.port ? Number(url.port) : defaultPort(url.protocol),
    prefix: url.pathname.replace(/\/+$/, ''),
    source: `this server's public URL (${url.origin}${url.pathname})`,
  };
}

/** Remembers the last public URL's parsed origin: one cache per server, never per process. */
export function publicOriginCache(): (publicUrl: string) => SignedOrigin {
  let last: { url: string; origin: SignedOrigin } | null = null;
  return (publicUrl) => {
    if (last?.url !== publicUrl) last = { url: publicUrl, origin: parsePublicOrigin(publicUrl) };
    return last.origin;
  };
}

/** The listener's own proxy setting (Express compiles `false` to a function trusting no one). */
export function trustsPeer(req: Request): boolean {
  const trust = req.app.get('trust proxy fn') as ((addr: string, i: number) => boolean) | undefined;
  return trust?.(req.socket.remoteAddress ?? '', 0) ?? false;
}

/**
 * Host and port from X-Forwarded-Host (its own port, else X-Forwarded-Port, else the
 * default of X-Forwarded-Proto's scheme), whoever sent them; null when unusable.
 */
export function forwardedHostPort(
  req: Request,
  forwardedHost: string,
): { host: string; port: number } | null {
  const proto = firstHeader(req, 'x-forwarded-proto') ?? req.protocol;
  const hp = splitHostPort(forwardedHost, proto);
  if (!hp) return null;
  const forwardedPort = firstHeader(req, 'x-forwarded-port');
  if (!/:\d+$/.test(forwardedHost) && forwardedPort && /^\d{1,5}$/.test(forwardedPort)) {
    return { host: hp.host, port: Number(forwardedPort) };
  }
  return hp;
}

/** The first X-Forwarded-Host value, if the request has one. */
export function forwardedHostOf(req: Request): string | undefined {
  return firstHeader(req, 'x-forwarded-host');
}

const FORWARDED_SOURCE = 'the X-Forwarded-Host/Proto headers from the proxy';

/**
 * The origin the MAC must be computed for: the trusted proxy's X-Forwarded-Host/Proto/Port,
 * else the public URL (`configured`). The path prefix always comes from the public URL.
 */
export function signedOrigin(req: Request, configured: SignedOrigin): SignedOrigin {
  const forwardedHost = forwardedHostOf(req);
  if (forwardedHost && trustsPeer(req)) {
    const hp = forwardedHostPort(req, forwardedHost);
    if (hp) return { host: hp.host, port: hp.port, prefix: configured.prefix, source: FORWARDED_SOURCE };
  }
  return configured;
}

/** The request target as sent, with the public path prefix a stripping proxy removed put back. */
export function resourceFor(req: Request, prefix: string): string {
  const raw = req.originalUrl;
  if (!prefix || raw === prefix || raw.startsWith(prefix + '/')) return raw;
  return prefix + raw;
}
