import type { Request } from 'express';

/**
 * The client's address: Express's req.ip, i.e. the real client behind a proxy the config
 * trusts (`trust_proxy`), else the socket's peer. An IPv4 client of a dual-stack listener
 * appears as "::ffff:192.168.1.5"; it is shown and counted as "192.168.1.5".
 *
 * Without an X-Forwarded-For header req.ip is the socket's peer whatever `trust proxy` says
 * (proxy-addr walks the forwarded list only), so that case, nearly every request, reads the
 * socket directly instead of evaluating the trust setting and parsing an empty header.
 */
export function clientAddress(req: Request): string {
  const forwardedFor = req.headers['x-forwarded-for'];
  const ip =
    (forwardedFor === undefined || forwardedFor === '' ? req.socket.remoteAddress : req.ip) ??
    req.socket.remoteAddress ??
    'unknown';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
