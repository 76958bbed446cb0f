import { createHash, randomBytes } from 'node:crypto';
import type { Response } from 'express';
import { HashPoolBusy } from '../accounts/hash-pool.js';
import { isDatabaseFailure } from '../db/server-database.js';
import type { JsonValue } from '../http/json.js';
import type { RequestLogLocals } from '../http/request-log.js';
import { DirectoryError } from '../ldap/errors.js';
import type { Logger } from '../log.js';
import { OverQuota, PreconditionFailed } from '../storage/errors.js';
import type { AuthResult } from './basic-auth.js';
import type { BodyRefusal } from './body.js';
import { send, sendJson, sendText } from './respond.js';

/**
 * Every Sync 1.1 answer that is not a success, in one file: handlers and authentication throw a
 * Sync11Error (or let the engine's errors through), and the one dispatcher in index.ts hands
 * what it caught to `sendSync11Error`, the one place an error becomes a response.
 */

/** Plain text, a JSON value, or a Weave error code: the bare integer as a JSON body (spec 1.1 §1.3). */
export type Sync11ErrorBody = { text: string } | { json: JsonValue } | { code: number };

export class Sync11Error extends Error {
  constructor(
    readonly status: number,
    readonly body: Sync11ErrorBody,
    /** The reason in plain words for the request log (res.locals.logDetail); never sent. */
    readonly detail?: string,
    /** Response headers, set in this order before the body. */
    readonly headers: readonly (readonly [string, string])[] = [],
  ) {
    super(detail ?? `Sync 1.1 answer ${status}`);
    this.name = 'Sync11Error';
  }
}

/** 400 with a Weave error code (spec 1.1 §1.3). */
export function weaveError(code: number, detail: string): Sync11Error {
  return new Sync11Error(400, { code }, detail);
}

/** A plain 400 whose text is also the log's reason. */
export function badRequest(message: string): Sync11Error {
  return new Sync11Error(400, { text: message }, message);
}

export function notFound(): Sync11Error {
  return new Sync11Error(404, { text: 'Not Found' });
}

export function methodNotAllowed(allow: readonly string[]): Sync11Error {
  return new Sync11Error(405, { text: 'Method Not Allowed' }, undefined, [['Allow', allow.join(', ')]]);
}

/** The collection changed after X-If-Unmodified-Since (the engine's PreconditionFailed). */
export function preconditionFailed(): Sync11Error {
  return new Sync11Error(
    412,
    { text: 'Precondition Failed: the collection was modified since the given time.' },
    'the collection changed after X-If-Unmodified-Since',
  );
}

/** 503 with Retry-After: the client backs off instead of reporting a broken server. */
export function serverIssue(retryAfter: number, detail: string, message: string = detail): Sync11Error {
  return new Sync11Error(503, { json: 'server issue: ' + message }, detail, [
    ['Retry-After', String(retryAfter)],
  ]);
}

const UNDECODABLE = 'The request body does not decompress (Content-Encoding).';

/** A Storage API body over the limit (413), cut off or not decompressing (400). */
export function storageBodyRefused(reason: BodyRefusal): Sync11Error {
  if (reason === 'too-large')
    return new Sync11Error(413, { text: 'Request body too large.' }, 'request body too large');
  if (reason === 'undecodable') return badRequest(UNDECODABLE);
  return badRequest('The request body was cut off.');
}

/** A User API body over the limit (413), cut off or not decompressing (400). */
export function userBodyRefused(reason: BodyRefusal): Sync11Error {
  if (reason === 'undecodable') return badRequest(UNDECODABLE);
  const tooLarge = reason === 'too-large';
  return new Sync11Error(
    tooLarge ? 413 : 400,
    { text: 'Invalid request body.' },
    tooLarge ? 'request body too large' : 'request body cut off',
  );
}

/**
 * `[auth] backend = ldap`: accounts and passwords are the directory's, and Foxden changes
 * nothing there. 400 with Weave code 11, "unsupported function" (spec 1.1 §2); the plain words
 * go to the log.
 */
export function managedByDirectory(what: string): Sync11Error {
  return new Sync11Error(
    400,
    { code: 11 },
    `${what}: accounts are managed by the household directory; change them there`,
  );
}

/** No reset-code backend: server-reg's answer is 503 (spec 1.1 §5.7 step 1). */
export function passwordResetNotOffered(): Sync11Error {
  return new Sync11Error(
    503,
    {
      text: 'Password reset by e-mail is not offered by this server. Ask the person who runs it to set a new password for you.',
    },
    'password reset by e-mail is not offered',
  );
}

/**
 * A refused login: 401, with WWW-Authenticate only when no credentials came (spec 1.1 §4.1
 * steps 1 and 7). A throttled address or a busy password pool gets 503 + Retry-After and
 * X-Weave-Backoff instead: old Weave and Pale Moon back off on it (checkServerError), where a
 * 401 logs them out as "login rejected" and a 429 is just an unknown error to them.
 * The log gets the reason in plain words and the path user, never the password.
 */
export function loginRefused(auth: Extract<AuthResult, { ok: false }>, pathUser: string): Sync11Error {
  if (auth.retryAfter !== undefined) {
    const seconds = String(auth.retryAfter);
    return new Sync11Error(
      503,
      { json: 'server issue: try again later' },
      `login not checked for ${pathUser}: ${auth.reason}`,
      [
        ['Retry-After', seconds],
        ['X-Weave-Backoff', seconds],
      ],
    );
  }
  return new Sync11Error(
    401,
    { text: 'Unauthorized' },
    `login refused for ${pathUser}: ${auth.reason}`,
    auth.challenge ? [['WWW-Authenticate', 'Basic realm="Sync"']] : [],
  );
}

/**
 * Whatever a handler threw, as a Sync11Error: the engine's and the password pool's errors get
 * their protocol answers; anything unexpected is logged and answered 500 with a crash id.
 */
export function toSync11Error(err: unknown, logger: Logger, retryAfter: number): Sync11Error {
  if (err instanceof Sync11Error) return err;
  if (err instanceof PreconditionFailed) return preconditionFailed();
  if (err instanceof OverQuota) return weaveError(14, 'over quota');
  // Creating an account or changing a password while every bcrypt worker is busy.
  if (err instanceof HashPoolBusy) return serverIssue(retryAfter, 'every password check is busy');
  const message = err instanceof Error ? err.message : String(err);
  // The household directory cannot answer (down, slow, or its settings no longer fit): a 401
  // would make Firefox ask the person to sign in again, so it is a 503 to retry later.
  if (err instanceof DirectoryError) {
    logger.error('error', `Sync 1.1: the directory could not check a login: ${message}`);
    return serverIssue(
      retryAfter,
      `directory unavailable (${err.step})`,
      'the account directory is unavailable',
    );
  }
  if (isDatabaseFailure(err)) {
    logger.error('error', 'Sync 1.1: the database is unavailable', { detail: message });
    return serverIssue(retryAfter, 'database unavailable');
  }
  // server-core answered "application error: crash id <md5>" (spec 1.1 §1.2 item 8).
  const crashId = createHash('md5').update(randomBytes(16)).digest('hex');
  logger.error('error', `Sync 1.1: unexpected error (crash id ${crashId})`, {
    detail: err instanceof Error && err.stack ? err.stack : message,
  });
  return new Sync11Error(500, { json: `application error: crash id ${crashId}` }, `crash id ${crashId}`);
}

/**
 * The one place a Sync 1.1 error becomes a response: whatever the dispatcher caught, mapped by
 * `toSync11Error` and written. A response already under way can only be cut off.
 */
export function sendSync11Error(res: Response, err: unknown, logger: Logger, retryAfter: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const error = toSync11Error(err, logger, retryAfter);
  if (error.detail) (res.locals as RequestLogLocals).logDetail = error.detail;
  for (const [name, value] of error.headers) res.setHeader(name, value);
  const { body } = error;
  if ('code' in body) send(res, error.status, 'application/json', String(body.code));
  else if ('json' in body) sendJson(res, body.json, error.status);
  else sendText(res, error.status, withStatusLine(error.status, body.text));
}

/** The statuses whose text bodies were WebOb's default error page in the seed's server. */
const WEBOB_STATUS_LINES: Readonly<Record<number, string>> = {
  400: '400 Bad Request',
  401: '401 Unauthorized',
  404: '404 Not Found',
  412: '412 Precondition Failed',
};

/**
 * WebOb's plain-text error page begins with the status line, then a blank line and the
 * explanation (spec 1.1 §1.3); server-full's functional tests look for those words. Foxden's
 * own text follows it, unless it only repeats the reason phrase.
 */
function withStatusLine(status: number, text: string): string {
  const line = WEBOB_STATUS_LINES[status];
  if (line === undefined) return text;
  return line.endsWith(' ' + text) ? line : `${line}\n\n${text}`;
}
