import { invalidCredentials, TokenserverError, unauthorized } from './errors.js';

export interface KeyId {
  /** Milliseconds; null when 0 or absent (spec §3.2: zero means absent). */
  keysChangedAt: number | null;
  /** Lower-case hex of the key fingerprint. */
  clientState: string;
}

const DECIMAL = /^\d{1,16}$/;
const B64URL_NOPAD = /^[A-Za-z0-9_-]+$/;
const CLIENT_STATE = /^[a-zA-Z0-9._-]{1,32}$/;

/** `X-KeyID: <keys_changed_at>-<b64url(fingerprint)>`, split at the first `-` (spec §3.1). */
export function parseKeyId(header: string | undefined): KeyId {
  if (header === undefined) {
    throw new TokenserverError(
      401,
      'invalid-key-id',
      'header',
      '',
      'Missing X-KeyID header',
      'Firefox sent no X-KeyID header',
    );
  }
  const dash = header.indexOf('-');
  const stamp = dash === -1 ? '' : header.slice(0, dash);
  const fingerprint = dash === -1 ? '' : header.slice(dash + 1);
  if (!DECIMAL.test(stamp) || !B64URL_NOPAD.test(fingerprint) || fingerprint.length % 4 === 1) {
    throw invalidCredentials('the X-KeyID header is malformed');
  }
  const bytes = Buffer.from(fingerprint, 'base64url');
  if (bytes.length === 0 || bytes.length > 16)
    throw invalidCredentials('the X-KeyID fingerprint has the wrong length');
  const keysChangedAt = Number(stamp);
  return { keysChangedAt: keysChangedAt === 0 ? null : keysChangedAt, clientState: bytes.toString('hex') };
}

/** Legacy `X-Client-State`: validated, and must agree with X-KeyID when both are sent (spec §3.1). */
export function checkClientStateHeader(header: string | undefined): string | null {
  if (header === undefined) return null;
  if (!CLIENT_STATE.test(header)) {
    throw new TokenserverError(
      400,
      'error',
      'header',
      'X-Client-State',
      'Invalid client state value',
      'the X-Client-State header is malformed',
    );
  }
  return header;
}

export function checkClientStateAgrees(legacy: string | null, keyId: KeyId): void {
  if (legacy !== null && legacy.toLowerCase() !== keyId.clientState) {
    throw unauthorized('X-Client-State and X-KeyID name different keys', 'invalid-client-state');
  }
}

/** `fxa_kid` = 13-digit zero-padded (K' or G') + "-" + b64url-nopad(client state) (spec §3.5). */
export function formatKeyId(stamp: number, clientState: string): string {
  return `${String(stamp).padStart(13, '0')}-${Buffer.from(clientState, 'hex').toString('base64url')}`;
}
