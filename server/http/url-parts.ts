/**
 * The two readings of a raw request URL that every adapter makes: a %-decoded path segment
 * and the query string. Each adapter matches its own routes; these are shared so that a
 * malformed escape or a `?` is read the same way everywhere.
 */

/**
 * One %-decoded path segment (or path), or null when its escapes are malformed (`%zz`, a
 * lone `%`, bad UTF-8): every adapter answers that as a 404 of its own, never a 500.
 */
export function decodePathSegment(raw: string): string | null {
  // Most segments have no escape: they decode to themselves, without the call and its try.
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** The query string of a raw request URL, as URLSearchParams (decoded, `%2C` included). */
export function searchParams(url: string): URLSearchParams {
  const at = url.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : url.slice(at + 1));
}
