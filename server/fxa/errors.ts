import http from 'node:http';

/**
 * An auth-API failure in FxA's shape (fxa-local spec §4.0): HTTP status plus
 * `{code, errno, error, message}`, and extra fields such as `email` (errno 120) or `retryAfter`.
 */
export class FxaError extends Error {
  constructor(
    readonly status: number,
    readonly errno: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    /** Plain words for the owner's log, when they differ from `message`. */
    readonly logDetail: string = message,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return {
      code: this.status,
      errno: this.errno,
      error: http.STATUS_CODES[this.status] ?? 'Error',
      message: this.message,
      ...this.extra,
    };
  }
}

/** FxA errnos Firefox knows (spec §4.0); OAuth ones are offset by 1000. */
export const ERRNO = {
  ACCOUNT_EXISTS: 101,
  UNKNOWN_ACCOUNT: 102,
  INCORRECT_PASSWORD: 103,
  INVALID_SIGNATURE: 109,
  INVALID_TOKEN: 110,
  INVALID_TIMESTAMP: 111,
  INVALID_PARAMETER: 107,
  MISSING_PARAMETER: 108,
  THROTTLED: 114,
  SERVICE_UNAVAILABLE: 201,
  INVALID_NONCE: 115,
  INCORRECT_EMAIL_CASE: 120,
  UNKNOWN_DEVICE: 123,
  /** The body is over the accounts API's limit (http.ts rawBody). */
  REQUEST_TOO_LARGE: 113,
  /** A device command the target device did not list in its `availableCommands`. */
  DEVICE_COMMAND_UNAVAILABLE: 157,
  /** FxA's FEATURE_NOT_ENABLED: used for closed sign-ups. */
  FEATURE_NOT_ENABLED: 202,
  OAUTH_UNKNOWN_CLIENT: 1101,
  OAUTH_UNKNOWN_CODE: 1105,
  OAUTH_MISMATCH_CODE: 1106,
  OAUTH_EXPIRED_CODE: 1107,
  OAUTH_INVALID_TOKEN: 1108,
  OAUTH_INVALID_PARAMETER: 1109,
  OAUTH_INVALID_RESPONSE_TYPE: 1110,
  OAUTH_INVALID_SCOPES: 1114,
  OAUTH_PKCE_MISMATCH: 1117,
  OAUTH_MISSING_PKCE: 1118,
} as const;

export const invalidParam = (what: string) =>
  new FxaError(400, ERRNO.INVALID_PARAMETER, `Invalid parameter in request body: ${what}`);
export const missingParam = (what: string) =>
  new FxaError(400, ERRNO.MISSING_PARAMETER, `Missing parameter in request body: ${what}`);
export const invalidToken = (detail: string) =>
  new FxaError(401, ERRNO.INVALID_TOKEN, 'The authentication token could not be found', {}, detail);
