/**
 * The one reading of OAuth scope lists, for the tokenserver (tokens from FxA or from local
 * accounts) and the local accounts' OAuth server alike.
 */

/** A scope parameter as OAuth sends it: words separated by white space (RFC 6749 §3.3). */
export function scopeWords(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/**
 * A `scope` claim or /verify field as FxA servers write it: an array of strings, or one
 * string separated by spaces or commas. Anything else holds no scope.
 */
export function scopesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}
