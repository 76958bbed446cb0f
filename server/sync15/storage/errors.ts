/**
 * Legacy Weave error codes that Sync 1.5 servers still put in error bodies (spec 1.5 §2.12).
 * Only the codes a 1.5 server actually sends are listed; 16 is NOT over-quota.
 */
export const WeaveCode = {
  unknown: 0,
  invalidBso: 8,
  overQuota: 14,
  sizeLimitExceeded: 17,
} as const;

export type WeaveCodeValue = (typeof WeaveCode)[keyof typeof WeaveCode];

/**
 * A protocol-level refusal: the HTTP status and the bare-integer body to answer with.
 * Thrown by parsers and validators so a handler never half-builds a response.
 */
export class StorageHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: WeaveCodeValue = WeaveCode.unknown,
    message = `storage error ${status}/${code}`,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): StorageHttpError =>
  new StorageHttpError(400, WeaveCode.unknown, message);

export const invalidBso = (message: string): StorageHttpError =>
  new StorageHttpError(400, WeaveCode.invalidBso, message);

export const sizeLimit = (message: string, status = 400): StorageHttpError =>
  new StorageHttpError(status, WeaveCode.sizeLimitExceeded, message);
