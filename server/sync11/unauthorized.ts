import type { RequestLogLocals } from '../http/request-log.js';
import type { AuthResult } from './basic-auth.js';
import type { Call } from './call.js';
import { sendJson, sendText } from './respond.js';

/**
 * 401, with WWW-Authenticate only when no credentials came (spec 1.1 §4.1 steps 1 and 7).
 * A throttled address or a busy password pool gets 503 + Retry-After and X-Weave-Backoff
 * instead: old Weave and Pale Moon back off on it (checkServerError), where a 401 logs
 * them out as "login rejected" and a 429 is just an unknown error to them.
 * The log gets the reason in plain words and the path user, never the password.
 */
export function rejectUnauthorized(call: Call, auth: Extract<AuthResult, { ok: false }>): void {
  if (auth.retryAfter !== undefined) {
    (call.res.locals as RequestLogLocals).logDetail =
      `login not checked for ${call.params.user}: ${auth.reason}`;
    call.res.setHeader('Retry-After', String(auth.retryAfter));
    call.res.setHeader('X-Weave-Backoff', String(auth.retryAfter));
    return sendJson(call.res, 'server issue: try again later', 503);
  }
  (call.res.locals as RequestLogLocals).logDetail = `login refused for ${call.params.user}: ${auth.reason}`;
  if (auth.challenge) call.res.setHeader('WWW-Authenticate', 'Basic realm="Sync"');
  sendText(call.res, 401, 'Unauthorized');
}
