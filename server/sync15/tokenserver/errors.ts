import { DIRECTORY_RETRY_AFTER_S, DirectoryError } from '../../ldap/errors.js';

/**
 * Tokenserver errors in the Cornice shape Firefox expects (spec 1.5 §3.7):
 * `{"status": ..., "errors": [{"location", "name", "description"}]}` with the HTTP status.
 */
export class TokenserverError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly status: string,
    readonly location: 'body' | 'header' | 'url' | 'internal',
    readonly fieldName: string,
    readonly description: string,
    /** Plain words for the owner's log; never a token. */
    readonly logDetail: string,
    /** Seconds for a Retry-After header, when the client should come back later. */
    readonly retryAfter: number | null = null,
  ) {
    super(logDetail);
  }

  body(): string {
    return JSON.stringify({
      status: this.status,
      errors: [{ location: this.location, name: this.fieldName, description: this.description }],
    });
  }
}

export const unauthorized = (logDetail: string, status = 'error', description = 'Unauthorized') =>
  new TokenserverError(401, status, 'body', '', description, logDetail);

export const invalidCredentials = (logDetail: string) => unauthorized(logDetail, 'invalid-credentials');

export const unavailable = (logDetail: string) =>
  new TokenserverError(503, 'error', 'body', '', 'Resource is not available', logDetail);

export const invalidClientState = (reason: string, logDetail: string) =>
  new TokenserverError(
    401,
    'invalid-client-state',
    'header',
    'X-Client-State',
    `Unacceptable client-state value ${reason}`,
    logDetail,
  );

export const internalError = (detail: string) =>
  new TokenserverError(503, 'internal-error', 'internal', '', 'Server error', detail);

/**
 * The household directory (issue 14) cannot say whether the person may sync: try later
 * (503 + Retry-After), never 401, which would make Firefox ask the person to sign in again.
 */
export const directoryUnavailable = (err: DirectoryError) =>
  new TokenserverError(
    503,
    'error',
    'body',
    '',
    'Resource is not available',
    `the directory is unavailable (${err.step}): ${err.message}`,
    DIRECTORY_RETRY_AFTER_S,
  );

/** Whatever a token request threw, as the tokenserver answers it. */
export function toTokenserverError(err: unknown): TokenserverError {
  if (err instanceof TokenserverError) return err;
  if (err instanceof DirectoryError) return directoryUnavailable(err);
  return internalError(`token request failed: ${err instanceof Error ? err.message : String(err)}`);
}
