import type { IncomingHttpHeaders } from 'node:http';
import type { ServerContext } from '../../context.js';
import { quotaBytesOf } from '../../config.js';
import { stringifyJson, type JsonValue } from '../../http/json.js';
import type { WriteOptions } from '../../storage/engine.js';
import type { Millis } from '../../storage/timestamps.js';
import { preconditionFailed } from './errors.js';
import type { Conditional } from './headers.js';
import type { StorageRoute } from './paths.js';

/** Everything a handler needs from one storage request, already matched and authenticated. */
export interface StorageRequest {
  context: ServerContext;
  route: StorageRoute;
  userId: number;
  /** The user's version Hawk read (Sync15Principal.version), for the engine's cached reads. */
  version: number | null;
  method: string;
  headers: IncomingHttpHeaders;
  params: URLSearchParams;
  body: unknown;
  conditional: Conditional;
  /** The request's time on the 10 ms grid, taken when it arrived. */
  now: Millis;
}

/** What a handler answers; the router turns it into headers and bytes. */
export interface StorageReply {
  status: number;
  /** Serialized body; absent for 304 (and the 412 that router.ts writes from the error). */
  body?: string;
  contentType?: string;
  /** X-Last-Modified; also raises X-Weave-Timestamp to at least this value (§2.5). */
  lastModified?: Millis;
  headers?: Record<string, string>;
}

export function jsonReply(value: JsonValue, lastModified?: Millis, status = 200): StorageReply {
  return { status, body: stringifyJson(value), contentType: 'application/json', lastModified };
}

/**
 * Conditional GET (spec 1.5 §2.6): 304 when the resource has not changed since
 * X-If-Modified-Since; throws the 412 when it changed after X-If-Unmodified-Since. Null: go ahead.
 */
export function readConditionalReply(conditional: Conditional, lastModified: Millis): StorageReply | null {
  if (conditional.kind === 'modifiedSince' && lastModified <= conditional.since) {
    return { status: 304, lastModified };
  }
  if (conditional.kind === 'unmodifiedSince' && lastModified > conditional.since) {
    throw preconditionFailed(lastModified);
  }
  return null;
}

/** The engine precondition for a write to `scope`, from X-If-Unmodified-Since. */
export function writePrecondition(conditional: Conditional, scope: 'collection' | 'item') {
  return conditional.kind === 'unmodifiedSince' ? { unmodifiedSince: conditional.since, scope } : undefined;
}

/** The engine options of a write: the precondition for `scope`, and the quota (none when off). */
export function writeOptions(req: StorageRequest, scope: 'collection' | 'item'): WriteOptions {
  return {
    precondition: writePrecondition(req.conditional, scope),
    quotaBytes: quotaBytesOf(req.context.config),
  };
}
