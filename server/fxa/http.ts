import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '../log.js';
import { DatabaseUnavailableError } from '../db/errors.js';
import { DIRECTORY_RETRY_AFTER_S, DirectoryError } from '../ldap/errors.js';
import { ERRNO, FxaError, invalidParam, missingParam } from './errors.js';

/** What the request log shows for the auth API. */
export interface FxaLocals {
  protocol?: string;
  user?: string;
  logDetail?: string;
}

const readRaw = express.raw({ type: () => true, limit: '64kb' });

/**
 * The auth API's bodies are small JSON, kept raw so the Hawk payload hash can be checked; an
 * oversized or broken body is an FxA-shaped 4xx, never the app's 500.
 */
export function rawBody(req: Request, res: Response, next: NextFunction): void {
  readRaw(req, res, (err?: unknown) => {
    if (!err) return next();
    const status = (err as { status?: unknown }).status;
    const failure =
      status === 413
        ? new FxaError(413, 113, 'Request body too large')
        : new FxaError(
            400,
            106,
            'Invalid JSON in request body',
            {},
            `unreadable body: ${err instanceof Error ? err.message : String(err)}`,
          );
    (res.locals as FxaLocals).logDetail = failure.logDetail;
    sendJson(res, failure.status, failure.body());
  });
}

export type JsonObject = Record<string, unknown>;

/** The parsed JSON object body ({} when there is none); 400/107 for anything else. */
export function jsonBody(req: Request): JsonObject {
  const raw: unknown = req.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new FxaError(400, 106, 'Invalid JSON in request body');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidParam('the body must be a JSON object');
  return value as JsonObject;
}

export function str(
  body: JsonObject,
  name: string,
  o: { required?: boolean; max?: number; pattern?: RegExp } = {},
): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (o.required) throw missingParam(name);
    return undefined;
  }
  if (typeof value !== 'string') throw invalidParam(`${name} must be a string`);
  if (value.length > (o.max ?? 1024)) throw invalidParam(`${name} is too long`);
  if (o.pattern && !o.pattern.test(value)) throw invalidParam(`${name} is malformed`);
  return value;
}

export function requiredStr(
  body: JsonObject,
  name: string,
  o: { max?: number; pattern?: RegExp } = {},
): string {
  return str(body, name, { ...o, required: true })!;
}

export const HEX32 = /^[0-9a-f]{32}$/;
export const HEX64 = /^[0-9a-fA-F]{64}$/;

/** Sends JSON; never with an `error` key in a 200 (Firefox treats that as a failure, spec §4.0). */
export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json').set('Cache-Control', 'no-store').send(JSON.stringify(body));
}

type Handler = (req: Request, res: Response) => Promise<void> | void;

/** Seconds Firefox waits before signing in again while the database is away. */
const DATABASE_RETRY_AFTER_S = 30;

/**
 * Anything a route threw as an FxaError: a database that cannot be reached is FxA's
 * "service unavailable" (503, errno 201, retryAfter), anything else unexpected a 500.
 */
function asFxaError(err: unknown): FxaError {
  if (err instanceof FxaError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (err instanceof DatabaseUnavailableError) {
    return new FxaError(
      503,
      ERRNO.SERVICE_UNAVAILABLE,
      'Service unavailable',
      { retryAfter: DATABASE_RETRY_AFTER_S },
      detail,
    );
  }
  // The household directory cannot answer (issue 14): a 401 would make Firefox ask the
  // person to sign in again, so it is "try again later", as for the database.
  if (err instanceof DirectoryError) {
    return new FxaError(
      503,
      ERRNO.SERVICE_UNAVAILABLE,
      'The account directory is unavailable; try again in a moment',
      { retryAfter: DIRECTORY_RETRY_AFTER_S },
      `directory unavailable (${err.step}): ${detail}`,
    );
  }
  return new FxaError(500, 999, 'Unspecified error', {}, detail);
}

/** Runs a route and turns FxaError (and anything unexpected) into FxA's JSON error shape. */
export function route(logger: Logger, fn: Handler): RequestHandler {
  return async (req: Request, res: Response, _next: NextFunction) => {
    const locals = res.locals as FxaLocals;
    locals.protocol = 'fxa';
    try {
      await fn(req, res);
    } catch (err) {
      const failure = asFxaError(err);
      if (err instanceof DirectoryError)
        logger.warn('auth', `Accounts API: ${failure.logDetail}`, { path: req.path });
      else if (!(err instanceof FxaError))
        logger.error('error', `Accounts API failed: ${req.method} ${req.path}`, {
          detail: failure.logDetail,
        });
      locals.logDetail = failure.logDetail;
      if ((failure.status === 429 || failure.status === 503) && typeof failure.extra.retryAfter === 'number')
        res.setHeader('Retry-After', String(failure.extra.retryAfter));
      if (!res.headersSent) sendJson(res, failure.status, failure.body());
    }
  };
}
