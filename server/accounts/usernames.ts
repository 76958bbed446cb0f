import { createHash } from 'node:crypto';
// The userland package, not Node's deprecated builtin (see punycode-package.d.ts).
import punycode from 'punycode/punycode.js';

/** Route and column rule for Sync 1.1 usernames (spec 1.1 §3.3). */
export const USERNAME_PATTERN = /^[a-zA-Z0-9._-]+$/;
/** The original column was VARCHAR(32); longer names are refused (spec 1.1 §3.3 [REC]). */
export const MAX_USERNAME_LENGTH = 32;

export function isValidUsername(username: string): boolean {
  return username.length <= MAX_USERNAME_LENGTH && USERNAME_PATTERN.test(username);
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32 in lowercase without padding (SHA-1's 20 bytes give exactly 32 chars). */
export function base32Lower(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

function hashName(text: string): string {
  return base32Lower(createHash('sha1').update(text, 'utf8').digest());
}

/** What Firefox does with an e-mail: lowercase base32(SHA-1(lowercase e-mail)) (spec 1.1 §3.1). */
export function usernameFromEmail(email: string): string {
  return hashName(email.toLowerCase());
}

/**
 * Firefox's usernameFromAccount: a plain name is lowercased, anything with a character
 * outside [A-Za-z0-9._-] (an e-mail) is hashed (spec 1.1 §3.1).
 */
export function usernameFromAccount(account: string): string {
  return USERNAME_PATTERN.test(account) ? account.toLowerCase() : usernameFromEmail(account);
}

const LABEL_DOTS = /[.\u3002\uff0e\uff61]/;

/**
 * Python's `encodings.idna` ToASCII per dot-separated label. Nameprep is approximated by
 * case folding and NFKC, which covers the e-mail addresses people actually have.
 */
const NON_ASCII = /[\u0080-\uffff]/;

function idnaEncode(text: string): string {
  return text
    .split(LABEL_DOTS)
    .map((label) => {
      let ascii = label;
      if (NON_ASCII.test(label)) {
        const prepared = label.toLowerCase().normalize('NFKC');
        ascii = NON_ASCII.test(prepared) ? 'xn--' + punycode.encode(prepared) : prepared;
      }
      if (ascii.length < 1 || ascii.length > 63) throw new Error('IDNA label empty or too long');
      return ascii;
    })
    .join('.');
}

/** Python 2's urllib.unquote over UTF-8 bytes: malformed escapes stay as they are. */
function percentDecodeBytes(text: string): Buffer {
  const raw = Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i] as number;
    if (byte === 0x25 && i + 2 < raw.length) {
      const hex = raw.subarray(i + 1, i + 3).toString('latin1');
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        out.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
    }
    out.push(byte);
  }
  return Buffer.from(out);
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * server-core's extract_username (spec 1.1 §3.2): an e-mail is percent-decoded, IDNA-encoded
 * on both sides of the first `@`, lowercased and hashed; a plain name must match the route
 * class and is returned unchanged. Throws on anything else.
 */
export function extractUsername(value: string): string {
  if (!value.includes('@')) {
    if (!USERNAME_PATTERN.test(value)) throw new Error('Invalid characters specified in username');
    return value;
  }
  const decoded = STRICT_UTF8.decode(percentDecodeBytes(value));
  const at = decoded.indexOf('@');
  const email = idnaEncode(decoded.slice(0, at)) + '@' + idnaEncode(decoded.slice(at + 1));
  return hashName(email.toLowerCase());
}

/**
 * Usernames an e-mail may legitimately map to. Firefox hashes the raw UTF-8 e-mail while the
 * server hashes its IDNA form; for non-ASCII addresses these differ, so both are accepted
 * (spec 1.1 §3.2 [DISAGREE]/[REC]).
 */
export function usernamesForEmail(email: string): string[] {
  const names = [usernameFromEmail(email)];
  try {
    const server = extractUsername(email);
    if (!names.includes(server)) names.push(server);
  } catch {
    // An address Python's IDNA codec would refuse still has the client's form.
  }
  return names;
}

// server-core emailer.valid_email (spec 1.1 §5.10).
const EMAIL_LOCAL = '(?:[^<>()[\\]\\\\.,;:\\s@"]+(?:\\.[^<>()[\\]\\\\.,;:\\s@"]+)*|".+")';
const EMAIL_DOMAIN =
  '(?:[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}|(?:[a-zA-Z0-9-]+\\.)+[a-zA-Z]{2,})';
const EMAIL = new RegExp(`^${EMAIL_LOCAL}@${EMAIL_DOMAIN}$`);
/** A bound so an address always fits a sane column and the regex never sees megabytes. */
const MAX_EMAIL_LENGTH = 254;

export function isValidEmail(email: string): boolean {
  return email.length <= MAX_EMAIL_LENGTH && EMAIL.test(email);
}

/** server-core valid_password (spec 1.1 §4.3): ≥ 8 UTF-8 bytes and not the username. */
export function isStrongPassword(username: string, password: string): boolean {
  if (Buffer.byteLength(password, 'utf8') < 8) return false;
  return username.trim().toLowerCase() !== password.trim().toLowerCase();
}
