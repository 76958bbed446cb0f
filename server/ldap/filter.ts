import {
  AndFilter,
  ApproximateFilter,
  EqualityFilter,
  ExtensibleFilter,
  type Filter,
  FilterParser,
  GreaterThanEqualsFilter,
  LessThanEqualsFilter,
  NotFilter,
  OrFilter,
  SubstringFilter,
} from 'ldapts';
import { escapeFilterValue } from './filter-escape.js';

/**
 * A filter string (RFC 4515) as the ldapts filter tree that goes on the wire, with values in
 * UTF-8 as the server compares them.
 *
 * Why not ldapts's `FilterParser` alone: it turns each `\xx` escape into the character with that
 * code (`\c3\b6` into "Ã¶") and then encodes that as UTF-8, so an escaped non-ASCII name would
 * never match. Here every non-ASCII character of the text is escaped first, so every value the
 * parser returns is a string of bytes (one character per byte); those bytes are then read back
 * as the UTF-8 they are. Throws the parser's error for a malformed filter.
 */
export function parseFilter(text: string): Filter {
  const asciiOnly = text.replace(/[^\x20-\x7e]/gu, (char) => escapeFilterValue(char));
  checkBalanced(asciiOnly);
  const filter = FilterParser.parseString(asciiOnly);
  fixValues(filter);
  return filter;
}

/**
 * ldapts accepts a filter whose last parentheses are missing (`(|(uid=a)`); a value's own
 * parentheses are always escaped (`\28`), so every literal one here is structure.
 */
function checkBalanced(text: string): void {
  let depth = 0;
  for (const char of text) {
    if (char === '(') depth += 1;
    else if (char === ')') depth -= 1;
    if (depth < 0) break;
  }
  if (depth !== 0) throw new Error(`Unbalanced parentheses in filter ${text}`);
}

function utf8(byteString: string): string {
  return Buffer.from(byteString, 'latin1').toString('utf8');
}

function fixValues(filter: Filter): void {
  if (filter instanceof AndFilter || filter instanceof OrFilter) {
    for (const child of filter.filters) fixValues(child);
  } else if (filter instanceof NotFilter) {
    fixValues(filter.filter);
  } else if (filter instanceof EqualityFilter) {
    // The exact bytes: an equality value may be binary (the one filter type ldapts lets carry a Buffer).
    if (typeof filter.value === 'string') filter.value = Buffer.from(filter.value, 'latin1');
  } else if (
    filter instanceof ApproximateFilter ||
    filter instanceof GreaterThanEqualsFilter ||
    filter instanceof LessThanEqualsFilter ||
    filter instanceof ExtensibleFilter
  ) {
    filter.value = utf8(filter.value);
  } else if (filter instanceof SubstringFilter) {
    filter.initial = utf8(filter.initial);
    filter.any = filter.any.map(utf8);
    filter.final = utf8(filter.final);
  }
  // PresenceFilter has no value.
}
