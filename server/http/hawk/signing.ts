import { createHash, createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Hawk request signing (spec 1.5 §4.1, §4.2), as pure functions: parsing the Authorization
 * header, the normalized request string, the MAC and the optional payload hash. Shared by
 * Sync 1.5 and the accounts API, which sign requests the same way with different keys.
 */

export interface HawkAttributes {
  id?: string;
  ts?: string;
  nonce?: string;
  mac?: string;
  hash?: string;
  ext?: string;
  app?: string;
  dlg?: string;
}

export type HawkParseResult = { ok: true; attributes: HawkAttributes } | { ok: false; reason: string };

const KNOWN = new Set(['id', 'ts', 'nonce', 'mac', 'hash', 'ext', 'app', 'dlg']);
/**
 * Attribute name, `=`, then a double-quoted value where `\` escapes the next character.
 * Sticky: matched where the previous attribute ended (lastIndex), without slicing the rest.
 */
const ATTRIBUTE = /\s*([A-Za-z]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;
/** Only whitespace from lastIndex to the end (String#trim's and \s's characters are the same). */
const ONLY_SPACE = /\s*$/y;
/** The scheme, then whitespace or the end; sticky from 0, so the attributes are never sliced off. */
const SCHEME = /\s*(\S+)(?:\s+|$)/y;
const MAX_HEADER = 8192;

/**
 * Parses `Hawk id="...", ts="...", ...` tolerantly: the scheme is case-insensitive, commas and
 * spaces between attributes are optional, unknown attributes are ignored; a duplicate or an
 * unquoted value is an error.
 */
export function parseHawkHeader(header: string | undefined): HawkParseResult {
  if (!header) return { ok: false, reason: 'no Authorization header' };
  if (header.length > MAX_HEADER) return { ok: false, reason: 'the Authorization header is too long' };
  SCHEME.lastIndex = 0;
  const match = SCHEME.exec(header);
  if (!match || match[1]!.toLowerCase() !== 'hawk') {
    return {
      ok: false,
      reason: `the Authorization scheme is "${(match?.[1] ?? '').slice(0, 20)}", not Hawk`,
    };
  }
  const attributes: HawkAttributes = {};
  // Unknown names only: a known one is a repeat when `attributes` has it already. Made on the
  // first unknown name, so a header of known names allocates no set.
  let unknownSeen: Set<string> | undefined;
  let at = SCHEME.lastIndex;
  // Each round consumes at least one character, so this ends within header.length rounds.
  for (;;) {
    ONLY_SPACE.lastIndex = at;
    if (ONLY_SPACE.test(header)) break;
    ATTRIBUTE.lastIndex = at;
    const m = ATTRIBUTE.exec(header);
    if (!m) return { ok: false, reason: 'the Hawk header is malformed (expected name="value" pairs)' };
    const name = m[1]!;
    const quoted = m[2]!;
    const value = quoted.includes('\\') ? quoted.replace(/\\(.)/g, '$1') : quoted;
    if (KNOWN.has(name)) {
      const known = name as keyof HawkAttributes;
      if (attributes[known] !== undefined) return repeated(name);
      attributes[known] = value;
    } else {
      unknownSeen ??= new Set();
      if (unknownSeen.has(name)) return repeated(name);
      unknownSeen.add(name);
    }
    at = ATTRIBUTE.lastIndex;
  }
  return { ok: true, attributes };
}

function repeated(name: string): HawkParseResult {
  return { ok: false, reason: `the Hawk header repeats "${name}"` };
}

/** Which of the mandatory attributes are missing or empty. */
export function missingHawkAttributes(a: HawkAttributes): string[] {
  return (['id', 'ts', 'nonce', 'mac'] as const).filter((name) => !a[name]);
}

export interface HawkRequest {
  ts: string;
  nonce: string;
  method: string;
  /** Path plus "?query" exactly as the client sent it (still percent-encoded). */
  resource: string;
  host: string;
  port: number;
  hash?: string | undefined;
  ext?: string | undefined;
}

/** The MAC input of spec §4.2; every line, the last one included, ends in "\n". */
export function normalizedRequestString(r: HawkRequest): string {
  return `hawk.1.header\n${r.ts}\n${r.nonce}\n${r.method.toUpperCase()}\n${r.resource}\n${r.host.toLowerCase()}\n${r.port}\n${r.hash ?? ''}\n${r.ext ?? ''}\n`;
}

/**
 * base64(HMAC-SHA256(key, normalized string)); the key is the ASCII text of the token's key
 * (§4.2), or that text already imported as a KeyObject (a caller that checks many requests
 * with one key imports it once).
 */
export function hawkMac(key: string | KeyObject, request: HawkRequest): string {
  return createHmac('sha256', typeof key === 'string' ? Buffer.from(key, 'utf8') : key)
    .update(normalizedRequestString(request))
    .digest('base64');
}

/** Constant-time comparison of two base64 MACs. */
export function macsEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  // Length is not secret (always 44 for SHA-256); compare anyway so timing does not leak more.
  return a.length === b.length && timingSafeEqual(a, b);
}

/** base64(SHA-256("hawk.1.payload\n" + content type without parameters + "\n" + body + "\n")). */
export function hawkPayloadHash(contentType: string, body: Buffer | string): string {
  const mime = contentType.split(';')[0]!.trim().toLowerCase();
  return createHash('sha256').update(`hawk.1.payload\n${mime}\n`).update(body).update('\n').digest('base64');
}

export interface HawkHeaderOptions {
  id: string;
  key: string;
  ts: number | string;
  nonce: string;
  method: string;
  resource: string;
  host: string;
  port: number;
  hash?: string;
  ext?: string;
}

function quote(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** Builds the Authorization header a client would send (used by tests and tools). */
export function buildHawkHeader(o: HawkHeaderOptions): string {
  const ts = String(o.ts);
  const mac = hawkMac(o.key, { ...o, ts });
  const parts = [`id="${quote(o.id)}"`, `ts="${ts}"`, `nonce="${quote(o.nonce)}"`];
  if (o.hash !== undefined) parts.push(`hash="${quote(o.hash)}"`);
  if (o.ext !== undefined) parts.push(`ext="${quote(o.ext)}"`);
  parts.push(`mac="${mac}"`);
  return `Hawk ${parts.join(', ')}`;
}
