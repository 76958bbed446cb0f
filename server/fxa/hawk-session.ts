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
import { NonceCache } from '../http/hawk/nonce-cache.js';
import { ERRNO, FxaError, invalidToken } from './errors.js';

/** ±60 s (fxa-local spec §4.0). */
const SKEW_MS = 60_000;

export interface HawkVerified {
  /** The token's Hawk id (64 hex): the key its row is stored under. */
  id: string;
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/** Host/port pairs the client may have signed: the public URL's, then the Host header's (spec §4.0). */
function candidateOrigins(req: Request, publicUrl: string): { host: string; port: number }[] {
  const out: { host: string; port: number }[] = [];
  try {
    const url = new URL(publicUrl);
    out.push({
      host: url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase(),
      port: url.port ? Number(url.port) : defaultPort(url.protocol),
    });
  } catch {
    // A malformed public URL leaves only the Host header.
  }
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(req.headers.host ?? '');
  if (m)
    out.push({
      host: m[1]!.replace(/^\[(.*)\]$/, '$1').toLowerCase(),
      port: m[2] ? Number(m[2]) : defaultPort(`${req.protocol}:`),
    });
  return out;
}

/**
 * Hawk for the accounts API (spec §4.0): MAC keyed with the raw 32-byte reqHMACkey derived
 * from a session or key-fetch token, payload hash checked against the raw body, ±60 s skew
 * (401/111), replayed nonces refused (401/115), unknown id 401/110.
 */
export class AccountsHawk {
  private readonly nonces = new NonceCache(2 * SKEW_MS);

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
      resource: req.originalUrl,
      hash: a.hash,
      ext: a.ext,
    };
    const signedFor = (o: { host: string; port: number }): HawkRequest => ({ ...base, ...o });
    const mac = (r: HawkRequest) =>
      createHmac('sha256', key).update(normalizedRequestString(r)).digest('base64');
    if (
      !candidateOrigins(req, this.context.live().publicUrl).some((o) => macsEqual(mac(signedFor(o)), a.mac!))
    ) {
      throw new FxaError(
        401,
        ERRNO.INVALID_SIGNATURE,
        'Invalid request signature',
        {},
        `Hawk MAC mismatch on ${req.method} ${req.path} (wrong key, or signed for another host/port)`,
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
}
