/** No LDAP library here: the FxA routes use this without loading ldapts (issue 11 item 18). */

/**
 * The name as the directory compares it: LDAP's string matching ignores surrounding spaces
 * and treats inner runs of spaces as one (RFC 4518 §2.6.1), and the usual matching rules
 * ignore case. Foxden's throttles key on this, lower-cased, so " alice" and "ALICE " are one name.
 */
export function directoryName(name: string): string {
  return name.trim().replace(/\s+/gu, ' ');
}
