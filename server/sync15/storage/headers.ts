import type { IncomingHttpHeaders } from 'node:http';
import { parseTimestamp, type Millis } from '../../storage/timestamps.js';
import { badRequest, sizeLimit, StorageHttpError } from './errors.js';

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export type Conditional =
  | { kind: 'none' }
  | { kind: 'modifiedSince'; since: Millis }
  | { kind: 'unmodifiedSince'; since: Millis };

/** No conditional header: one shared answer (read only) rather than a new object per request. */
const NO_CONDITION: Conditional = Object.freeze({ kind: 'none' });

/**
 * X-If-Modified-Since / X-If-Unmodified-Since (spec 1.5 §2.6): non-negative decimals,
 * truncated to 10 ms; both at once, negative or non-numeric → 400.
 */
export function parseConditional(headers: IncomingHttpHeaders): Conditional {
  const modified = single(headers, 'x-if-modified-since');
  const unmodified = single(headers, 'x-if-unmodified-since');
  if (modified !== undefined && unmodified !== undefined) {
    throw badRequest('X-If-Modified-Since and X-If-Unmodified-Since together');
  }
  if (modified !== undefined) return { kind: 'modifiedSince', since: parseHeaderTimestamp(modified) };
  if (unmodified !== undefined) return { kind: 'unmodifiedSince', since: parseHeaderTimestamp(unmodified) };
  return NO_CONDITION;
}

function parseHeaderTimestamp(text: string): Millis {
  const ms = parseTimestamp(text, 'truncate');
  if (ms === null) throw badRequest(`invalid timestamp header: ${text.slice(0, 40)}`);
  return ms;
}

export interface PostLimits {
  maxPostRecords: number;
  maxPostBytes: number;
  maxTotalRecords: number;
  maxTotalBytes: number;
}

const COUNT = /^\s*\d{1,15}\s*$/;

function limitHeader(headers: IncomingHttpHeaders, name: string): number | undefined {
  const value = single(headers, name);
  if (value === undefined) return undefined;
  if (!COUNT.test(value)) throw badRequest(`${name} is not a non-negative integer`);
  return Number(value);
}

/**
 * The client's own declaration of what it is sending (spec 1.5 §2.6): over a limit → 400
 * with body 17 before anything is parsed. The total headers only count for batch requests;
 * equality is allowed.
 */
export function checkDeclaredSizes(headers: IncomingHttpHeaders, limits: PostLimits, batch: boolean): void {
  const records = limitHeader(headers, 'x-weave-records');
  const bytes = limitHeader(headers, 'x-weave-bytes');
  const totalRecords = limitHeader(headers, 'x-weave-total-records');
  const totalBytes = limitHeader(headers, 'x-weave-total-bytes');
  if (records !== undefined && records > limits.maxPostRecords) throw sizeLimit('X-Weave-Records over limit');
  if (bytes !== undefined && bytes > limits.maxPostBytes) throw sizeLimit('X-Weave-Bytes over limit');
  if (!batch) return;
  if (totalRecords !== undefined && totalRecords > limits.maxTotalRecords) {
    throw sizeLimit('X-Weave-Total-Records over limit');
  }
  if (totalBytes !== undefined && totalBytes > limits.maxTotalBytes) {
    throw sizeLimit('X-Weave-Total-Bytes over limit');
  }
}

/**
 * Content-Length over max_request_bytes → 413/17 (spec 1.5 §2.6), decided from the header
 * alone so an oversize body is never buffered.
 */
export function checkContentLength(headers: IncomingHttpHeaders, maxRequestBytes: number): void {
  const value = single(headers, 'content-length');
  if (value === undefined) return;
  if (!/^\d+$/.test(value.trim())) throw badRequest('invalid Content-Length');
  if (Number(value) > maxRequestBytes) throw sizeLimit('request body too large', 413);
}

export type BodyFormat = 'json' | 'newlines';

/**
 * application/json and text/plain are JSON; application/newlines only where a list is
 * expected (POST). A missing Content-Type is read as JSON, as PSS did. Anything else → 415.
 */
export function bodyFormat(headers: IncomingHttpHeaders, allowNewlines: boolean): BodyFormat {
  const value = single(headers, 'content-type');
  if (value === undefined || value.trim() === '') return 'json';
  const type = (value.split(';')[0] ?? '').trim().toLowerCase();
  if (type === 'application/json' || type === 'text/plain') return 'json';
  if (type === 'application/newlines' && allowNewlines) return 'newlines';
  throw new StorageHttpError(415, 0, `unsupported Content-Type ${type.slice(0, 60)}`);
}

interface MediaRange {
  type: string;
  q: number;
  order: number;
}

function parseAccept(value: string): MediaRange[] {
  return value
    .split(',')
    .map((part, order) => {
      const [type = '', ...params] = part.split(';').map((p) => p.trim());
      let q = 1;
      for (const param of params) {
        const m = /^q\s*=\s*([0-9.]+)$/i.exec(param);
        if (m) q = Number(m[1]);
      }
      return { type: type.toLowerCase(), q: Number.isFinite(q) ? q : 0, order };
    })
    .filter((range) => range.type !== '' && range.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
}

/**
 * What a GET collection may answer with (spec 1.5 §2.6): JSON by default (missing header,
 * `*\/*`, `application/*`), application/newlines on request, anything else → 406.
 */
export function responseFormat(headers: IncomingHttpHeaders): BodyFormat {
  const value = single(headers, 'accept');
  if (value === undefined || value.trim() === '') return 'json';
  for (const range of parseAccept(value)) {
    if (range.type === 'application/newlines') return 'newlines';
    if (range.type === 'application/json' || range.type === '*/*' || range.type === 'application/*') {
      return 'json';
    }
  }
  throw new StorageHttpError(406, 0, 'unsupported Accept');
}
