import type { RequestLogLocals } from '../http/request-log.js';
import type { AuthResult } from './basic-auth.js';
import type { Call } from './call.js';
import { sendText } from './respond.js';

/**
 * 401, with WWW-Authenticate only when no credentials came (spec 1.1 §4.1 steps 1 and 7).
 * The log gets the reason in plain words and the path user, never the password.
 */
export function rejectUnauthorized(call: Call, auth: Extract<AuthResult, { ok: false }>): void {
  (call.res.locals as RequestLogLocals).logDetail = `login refused for ${call.params.user}: ${auth.reason}`;
  if (auth.challenge) call.res.setHeader('WWW-Authenticate', 'Basic realm="Sync"');
  sendText(call.res, 401, 'Unauthorized');
}
