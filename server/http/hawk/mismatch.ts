import type { Request } from 'express';
import {
  forwardedHostOf,
  forwardedHostPort,
  resourceFor,
  splitHostPort,
  trustsPeer,
  type SignedOrigin,
} from './signed-origin.js';

/** What a client may have signed besides the method, timestamp, nonce, hash and ext. */
export interface SignedTarget {
  host: string;
  port: number;
  resource: string;
}

/** A client-supplied value fit for a log line: printable ASCII, at most 100 characters. */
export function shown(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 100 ? `${clean.slice(0, 100)}…` : clean;
}

function headerText(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** "X-Forwarded-Host: a, X-Forwarded-Proto: https" for the forwarded headers the request has. */
function forwardedHeaders(req: Request): string {
  return (['X-Forwarded-Host', 'X-Forwarded-Proto', 'X-Forwarded-Port'] as const)
    .map((name) => [name, headerText(req, name.toLowerCase())] as const)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}: ${shown(value!)}`)
    .join(', ');
}

/**
 * Why a Hawk MAC did not match, for the owner's log (Sync 1.5 spec §4.4): tries the usual ways
 * a request gets signed for another address than the one checked and names the one that
 * matches. Runs only after a failed MAC, so a good request pays nothing for it. Never shows
 * the token, the key or the query string's contents (only that there was one).
 *
 * `checked` is the origin the MAC was computed for (signedOrigin's answer), `configured` the
 * public URL's, `matches` whether the client's MAC is the one for a target.
 */
export function explainMacMismatch(
  req: Request,
  checked: SignedOrigin,
  configured: SignedOrigin | null,
  matches: (target: SignedTarget) => boolean,
): string {
  const ours = shown(`${checked.host}:${checked.port}`);
  const resource = resourceFor(req, checked.prefix);
  const bare = req.originalUrl;
  const alternatives: { target: SignedTarget; explain: string }[] = [];

  // A trusted proxy's forwarded host/port were used: would the public URL's have matched?
  if (configured && checked !== configured) {
    const pub = `${configured.host}:${configured.port}`;
    alternatives.push({
      target: { host: configured.host, port: configured.port, resource: resourceFor(req, configured.prefix) },
      explain:
        `the client signed for ${pub}, the public URL's address, but the proxy's forwarded headers (${forwardedHeaders(req)}) say ${ours} — ` +
        'make the proxy forward the host and port clients use, or set the public URL to the address clients use',
    });
  }

  // Forwarded headers from a peer the listener does not trust were ignored.
  const forwardedHost = forwardedHostOf(req);
  const ignored = forwardedHost !== undefined && !trustsPeer(req);
  const peer = shown(req.socket.remoteAddress ?? 'an unknown address');
  if (ignored) {
    const hp = forwardedHostPort(req, forwardedHost);
    if (hp) {
      alternatives.push({
        target: { host: hp.host, port: hp.port, resource },
        explain:
          `the client signed for ${shown(`${hp.host}:${hp.port}`)}, which the forwarded headers (${forwardedHeaders(req)}) name, ` +
          `but they came from ${peer}, which is not a trusted proxy, so ${checked.source} was used (${ours}) — ` +
          "set trust_proxy to the proxy's address, or the public URL to the address clients use",
      });
    }
  }

  const hostHeader = req.headers.host ? splitHostPort(req.headers.host, req.protocol) : null;
  if (hostHeader) {
    for (const res of new Set([resource, bare])) {
      alternatives.push({
        target: { host: hostHeader.host, port: hostHeader.port, resource: res },
        explain: `the signed host was ${shown(`${hostHeader.host}:${hostHeader.port}`)} but ${checked.source} says ${ours} — check the public URL / proxy headers`,
      });
    }
  }
  if (resource !== bare) {
    alternatives.push({
      target: { host: checked.host, port: checked.port, resource: bare },
      explain: `the client signed the path without the public URL's prefix ${checked.prefix} — check the public URL`,
    });
  }
  for (const port of [80, 443]) {
    if (port === checked.port) continue;
    alternatives.push({
      target: { host: checked.host, port, resource },
      explain: `the client signed port ${port} but ${checked.source} says ${checked.port} — check the scheme/port of the public URL or X-Forwarded-Proto`,
    });
  }
  const hit = alternatives.find((alt) => matches(alt.target));
  if (hit) return `Hawk MAC mismatch: ${hit.explain}`;

  const query = bare.indexOf('?');
  const notes: string[] = [];
  if (ignored) {
    notes.push(`forwarded headers from ${peer} were ignored (not a trusted proxy: ${forwardedHeaders(req)})`);
  }
  if (query !== -1) {
    notes.push(
      `the URL has a query string (${bare.length - query - 1} bytes): a proxy that rewrites or re-encodes it (e.g. %2C into ",") breaks the signature`,
    );
  }
  return (
    `Hawk MAC mismatch for ${req.method} ${ours}${resource.split('?')[0]}: the request was signed for another address or with another key, or altered on the way` +
    (notes.length ? `; ${notes.join('; ')}` : '')
  );
}
