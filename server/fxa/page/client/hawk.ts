/**
 * Hawk request signing for the page (fxa-local.md §4.0): header MAC over the URL the page
 * used, payload hash over the exact JSON sent as `application/json`. Pure JS (no WebCrypto).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export interface HawkCredentials {
  /** 64 lowercase hex characters. */
  id: string;
  key: Uint8Array;
}

export interface HawkRequest {
  method: string;
  url: string;
  nowMs: number;
  payload: { contentType: string; body: string } | null;
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function hawkPayloadHash(contentType: string, body: string): string {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return base64(sha256(utf8ToBytes(`hawk.1.payload\n${type}\n${body}\n`)));
}

export function hawkHeader(
  credentials: HawkCredentials,
  request: HawkRequest,
  nonce = base64(randomBytes(8)),
): string {
  const url = new URL(request.url);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const ts = Math.floor(request.nowMs / 1000).toString();
  const hash = request.payload ? hawkPayloadHash(request.payload.contentType, request.payload.body) : '';
  const normalized =
    `hawk.1.header\n${ts}\n${nonce}\n${request.method.toUpperCase()}\n${url.pathname}${url.search}\n` +
    `${url.hostname.toLowerCase()}\n${port}\n${hash}\n\n`;
  const mac = base64(hmac(sha256, credentials.key, utf8ToBytes(normalized)));
  const hashPart = hash ? `, hash="${hash}"` : '';
  return `Hawk id="${credentials.id}", ts="${ts}", nonce="${nonce}"${hashPart}, mac="${mac}"`;
}
