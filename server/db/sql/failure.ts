/** The server's own reason for a failure, as one line (Node's AggregateError has no message of its own). */
export function plainReason(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return plainReason(err.errors[0]);
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const message = err.message.split('\n')[0]?.trim() || (typeof code === 'string' ? code : err.name);
    return message;
  }
  return String(err);
}

/** Node's network error codes that mean "the server is not there". */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** The error's code, or the first inner error's (AggregateError), as a string. */
export function errorCode(err: unknown): string | undefined {
  if (err instanceof AggregateError && err.errors.length > 0) return errorCode(err.errors[0]);
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
