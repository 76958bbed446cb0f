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
