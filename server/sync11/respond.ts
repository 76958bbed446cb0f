import type { Response } from 'express';
import { stringifyJson, type JsonValue } from '../http/json.js';
import { formatTimestamp, type Millis } from '../storage/timestamps.js';

/**
 * Response helpers for successful answers (errors are written by errors.ts). They write with
 * res.end rather than Express's res.send: Sync 1.1 bodies are tiny and this path is the one the
 * benchmark measures.
 */
export function send(res: Response, status: number, contentType: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  res.end(body);
}

/** Non-ASCII escaped as \uXXXX, as the Python servers did (spec 1.1 §6.6 [REC]). */
export function sendJson(res: Response, value: JsonValue, status = 200): void {
  send(res, status, 'application/json', stringifyJson(value, true));
}

export function sendText(res: Response, status: number, text: string): void {
  send(res, status, 'text/plain; charset=utf-8', text);
}

/** The last timestamp formatted: requests within one 10 ms tick share it (every answer sends one). */
let lastMs = NaN;
let lastText = '';

/** The timestamp of the request's writes, in the header and (for writes) the body. */
export function setServerTime(res: Response, ms: Millis): void {
  if (ms !== lastMs) {
    lastText = formatTimestamp(ms);
    lastMs = ms;
  }
  res.setHeader('X-Weave-Timestamp', lastText);
}
