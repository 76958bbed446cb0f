import { createHmac } from 'node:crypto';
import type { Request } from 'express';
import type { ServerContext } from '../context.js';
import {
  hawkPayloadHash,
  macsEqual,
  missingHawkAttributes,
  normalizedRequestString,
  parseHawkHeader,
  type HawkRequest,
} from '../http/hawk/signing.js';
import { explainMacMismatch, type SignedTarget } from '../http/hawk/mismatch.js';
import { NonceCache } from '../http/hawk/nonce-cache.js';
import {
  publicOriginCache,
  resourceFor,
  signedOrigin,
  splitHostPort,
  type SignedOrigin,
} from '../http/hawk/signed-origin.js';
import { ERRNO, FxaError, invalidToken } from './errors.js';

/** ±60 s (fxa-local spec §4.0). */
const SKEW_MS = 60_000;

export interface HawkVerified {
  /** The token's Hawk id (64 hex): the key its row is stored under. */
  id: string;
}

/**
 * Host, port and resource pairs the client may have signed (spec §4.0): the origin Sync 1.5's
 * Hawk uses (trusted proxy headers, else the public URL, with the public URL's path prefix put
 * back when a proxy stripped it), then the Host header with the path as received.
 */
function candidates(
  req: Request,
  publicUrl: string,
  publicOrigin: (publicUrl: string) => SignedOrigin,
): { host: string; port: number; resource: string }[] {
  const out: { host: string; port: number; resource: string }[] = [];
  try {
    const origin = signedOrigin(req, publicOrigin(publicUrl));
    out.push({ host: origin.host, port: origin.port, resource: resourceFor(req, origin.prefix) });
  } catch {
    // A malformed public URL leaves only the Host header.
  }
  const hp = splitHostPort(req.headers.host ?? '', `${req.protocol}:`);
  if (hp) out.push({ ...hp, resource: req.originalUrl });
  return out;
}

/**
 * Hawk for the accounts API (spec §4.0): MAC keyed with the raw 32-byte reqHMACkey derived
 * from a session or key-fetch token, payload hash checked against the raw body, ±60 s skew
 * (401/111), replayed nonces refused (401/115), unknown id 401/110.
 */
export class AccountsHawk {
  private readonly nonces = new NonceCache(2 * SKEW_MS);
  private readonly publicOrigin = publicOriginCache();

  constructor(private readonly context: ServerContext) {}

  async verify(req: Request, lookupKey: (id: string) => Promise<Uint8Array | null>): Promise<HawkVerified> {
    const parsed = parseHawkHeader(req.headers.authorization);
    if (!parsed.ok) throw invalidToken(`Hawk: ${parsed.reason}`);
    const a = parsed.attributes;
    const missing = missingHawkAttributes(a);
    if (missing.length) throw invalidToken(`Hawk header lacks ${missing.join(', ')}`);
    const id = a.id!.toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(id)) throw invalidToken('Hawk id is not a token id');
    const key = await lookupKey(id);
    if (!key) throw invalidToken('Hawk id names no current token (signed out, expired or deleted)');

    const base = {
      ts: a.ts!,
      nonce: a.nonce!,
      method: req.method,
      hash: a.hash,
      ext: a.ext,
    };
    const mac = (r: HawkRequest) =>
      createHmac('sha256', key).update(normalizedRequestString(r)).digest('base64');
    const publicUrl = this.context.live().publicUrl;
    const signedFor = candidates(req, publicUrl, this.publicOrigin);
    if (!signedFor.some((o) => macsEqual(mac({ ...base, ...o }), a.mac!))) {
      throw new FxaError(
        401,
        ERRNO.INVALID_SIGNATURE,
        'Invalid request signature',
        {},
        this.explain(req, publicUrl, (target) => macsEqual(mac({ ...base, ...target }), a.mac!)),
      );
    }
    if (a.hash && Buffer.isBuffer(req.body)) {
      if (!macsEqual(hawkPayloadHash(String(req.headers['content-type'] ?? ''), req.body), a.hash)) {
        throw new FxaError(
          401,
          ERRNO.INVALID_SIGNATURE,
          'Invalid request signature',
          {},
          'Hawk payload hash does not match the body',
        );
      }
    }
    const now = this.context.clock();
    if (!/^\d{1,15}$/.test(a.ts!) || Math.abs(Number(a.ts) * 1000 - now) > SKEW_MS) {
      throw new FxaError(
        401,
        ERRNO.INVALID_TIMESTAMP,
        'Invalid timestamp in request signature',
        { serverTime: Math.floor(now / 1000) },
        'Hawk timestamp is more than 60 s away from this server’s clock; check the device’s clock',
      );
    }
    if (!this.nonces.add(`${id}:${a.nonce}`, now)) {
      throw new FxaError(
        401,
        ERRNO.INVALID_NONCE,
        'Invalid nonce in request signature',
        {},
        'Hawk nonce reused (a replayed request)',
      );
    }
    return { id };
  }

  /** The log's words for a failed MAC (only computed then); the public URL may be malformed. */
  private explain(req: Request, publicUrl: string, matches: (target: SignedTarget) => boolean): string {
    let configured: SignedOrigin | null = null;
    try {
      configured = this.publicOrigin(publicUrl);
    } catch {
      // Only the Host header was tried.
    }
    const host = splitHostPort(req.headers.host ?? '', `${req.protocol}:`);
    const checked = configured
      ? signedOrigin(req, configured)
      : { host: host?.host ?? '?', port: host?.port ?? 0, prefix: '', source: 'the Host header' };
    return explainMacMismatch(req, checked, configured, matches);
  }
}
