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

/** What a refusal adds to its status and code on the wire, and for the request log. */
export interface StorageErrorExtras {
  /** Response headers besides X-Weave-Timestamp: WWW-Authenticate, Allow, Retry-After. */
  headers?: Record<string, string>;
  /** X-Last-Modified of a 412 (spec 1.5 §2.6); such a refusal has no body. */
  lastModified?: number;
  /** The request log's plain-words reason (the Hawk failures have one). */
  logDetail?: string;
  /** The body's Content-Type; the Hawk refusals have always said `; charset=utf-8`. */
  contentType?: string;
}

const NO_EXTRAS: StorageErrorExtras = Object.freeze({});

/**
 * The one error type of the Sync 1.5 storage adapter (syncstorage-rs's ApiError): the HTTP
 * status, the bare-integer body and what else the response carries. Parsers, validators,
 * handlers and Hawk throw it; the storage router alone turns it into a response
 * (router.ts, `sendError`), so "where does a 412 come from" has one answer.
 */
export class StorageHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: WeaveCodeValue = WeaveCode.unknown,
    message = `storage error ${status}/${code}`,
    readonly extras: StorageErrorExtras = NO_EXTRAS,
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

/**
 * The resource changed after the client's X-If-Unmodified-Since (spec 1.5 §2.6): 412 with
 * X-Last-Modified and no body. The only maker of a Sync 1.5 412, for reads (reply.ts) and for
 * the engine's PreconditionFailed on writes (router.ts).
 */
export const preconditionFailed = (lastModified: number): StorageHttpError =>
  new StorageHttpError(412, WeaveCode.unknown, 'precondition failed', { lastModified });
