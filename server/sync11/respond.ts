import { createHash, randomBytes } from 'node:crypto';
import type { Response } from 'express';
import { HashPoolBusy } from '../accounts/hash-pool.js';
import { stringifyJson, type JsonValue } from '../http/json.js';
import type { RequestLogLocals } from '../http/request-log.js';
import type { Logger } from '../log.js';
import { OverQuota, PreconditionFailed } from '../storage/errors.js';
import { formatTimestamp, type Millis } from '../storage/timestamps.js';

/**
 * Response helpers. They write with res.end rather than Express's res.send: Sync 1.1 bodies
 * are tiny and this path is the one the benchmark measures.
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

/** A Weave error code: status 400, the bare JSON integer as body (spec 1.1 §1.3). */
export function sendCode(res: Response, code: number, detail?: string): void {
  if (detail) (res.locals as RequestLogLocals).logDetail = detail;
  send(res, 400, 'application/json', String(code));
}

/** The timestamp of the request's writes, in the header and (for writes) the body. */
export function setServerTime(res: Response, ms: Millis): void {
  res.setHeader('X-Weave-Timestamp', formatTimestamp(ms));
}

/** 503 with Retry-After: the client backs off instead of reporting a broken server. */
export function sendUnavailable(res: Response, retryAfter: number, detail: string): void {
  (res.locals as RequestLogLocals).logDetail = detail;
  res.setHeader('Retry-After', String(retryAfter));
  sendJson(res, 'server issue: ' + detail, 503);
}

export function sendPreconditionFailed(res: Response): void {
  (res.locals as RequestLogLocals).logDetail = 'the collection changed after X-If-Unmodified-Since';
  sendText(res, 412, 'Precondition Failed: the collection was modified since the given time.');
}

/** SQLite refusing (busy, locked, full, I/O) or the database being closed: an outage, not a bug. */
function isDatabaseError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return (
    err.name === 'SqliteError' ||
    (typeof code === 'string' && code.startsWith('SQLITE_')) ||
    err.message === 'database is closed' ||
    err.message.includes('database connection is not open')
  );
}

/** Maps what the engine throws to Sync 1.1 statuses; anything unexpected is logged. */
export function sendError(res: Response, err: unknown, logger: Logger, retryAfter: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof PreconditionFailed) return sendPreconditionFailed(res);
  if (err instanceof OverQuota) return sendCode(res, 14, 'over quota');
  // Creating an account or changing a password while every bcrypt worker is busy.
  if (err instanceof HashPoolBusy) return sendUnavailable(res, retryAfter, 'every password check is busy');
  const message = err instanceof Error ? err.message : String(err);
  if (isDatabaseError(err)) {
    logger.error('error', 'Sync 1.1: the database is unavailable', { detail: message });
    return sendUnavailable(res, retryAfter, 'database unavailable');
  }
  // server-core answered "application error: crash id <md5>" (spec 1.1 §1.2 item 8).
  const crashId = createHash('md5').update(randomBytes(16)).digest('hex');
  logger.error('error', `Sync 1.1: unexpected error (crash id ${crashId})`, {
    detail: err instanceof Error && err.stack ? err.stack : message,
  });
  (res.locals as RequestLogLocals).logDetail = `crash id ${crashId}`;
  sendJson(res, `application error: crash id ${crashId}`, 500);
}
