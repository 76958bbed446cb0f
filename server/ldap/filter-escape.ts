/**
 * RFC 4515 escaping of a value inside an LDAP search filter, so that a typed name is only ever
 * compared, never read as filter syntax: `*` cannot become a wildcard, `(`/`)` cannot close the
 * comparison and open another, `\` cannot start an escape of its own, NUL cannot end the string
 * early in a C server.
 */

/** The characters RFC 4515 §3 requires escaped in a value, plus NUL. */
const SPECIAL = new Set(['*', '(', ')', '\\', '\0']);

function hexByte(byte: number): string {
  return `\\${byte.toString(16).padStart(2, '0')}`;
}

/**
 * Escapes `*`, `(`, `)`, `\`, NUL and every non-ASCII character (as its UTF-8 bytes, `\c3\b6`
 * for `ö`). Non-ASCII is escaped too so that the filter text is pure ASCII: nothing between this
 * function and the wire can mistake a character's encoding, and a log line shows what was sent.
 * A lone surrogate (not valid Unicode) becomes U+FFFD's bytes, as UTF-8 encoding makes it.
 */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (SPECIAL.has(char)) out += hexByte(code);
    else if (code > 0x7e || code < 0x20) {
      for (const byte of Buffer.from(char, 'utf8')) out += hexByte(byte);
    } else out += char;
  }
  return out;
}

/** The placeholder a `user_filter` setting writes where the typed name goes. */
export const NAME_PLACEHOLDER = '{name}';

/**
 * The user filter with every `{name}` replaced by the escaped name. The template is the owner's
 * (trusted, checked when the settings are read); only the name is escaped.
 */
export function fillUserFilter(template: string, name: string): string {
  return template.split(NAME_PLACEHOLDER).join(escapeFilterValue(name));
}
