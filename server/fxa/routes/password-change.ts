import { Router, type Request } from 'express';
import { parseHawkHeader } from '../../http/hawk/signing.js';
import { fromHex } from '../crypto/bytes.js';
import { KEY_FETCH_LIFETIME_MS, type FxaApi } from '../api-context.js';
import { invalidToken } from '../errors.js';
import { HEX64, jsonBody, requiredStr, route, sendJson, str, type FxaLocals } from '../http.js';
import { normalizeEmail, MAX_EMAIL_LENGTH, type PasswordChangeToken } from '../local-accounts.js';
import { newVerifier } from '../password.js';
import { checkPasswordThrottled } from './password-check.js';

/**
 * FxA's password change (FXA lib/routes/password.ts; docs/research/firefox-device-commands.md
 * §4.2): `start` checks the old password with the session and hands out a key fetch token (for
 * kB) and a password change token; `finish`, signed with the latter, stores the new verifier
 * and the client's `wrapKb = kB ⊕ newUnwrapBKey`, so kB survives and Sync data stays readable.
 */
export function passwordChangeRoutes(api: FxaApi): Router {
  const { context, accounts } = api;
  const { logger } = context;
  const r = Router();

  /** Hawk with a password change token that is unused and young enough (FxA: payload hash required). */
  const changeToken = async (req: Request): Promise<PasswordChangeToken> => {
    const parsed = parseHawkHeader(req.headers.authorization);
    if (parsed.ok && !parsed.attributes.hash) throw invalidToken('Hawk header lacks the payload hash');
    let token: PasswordChangeToken | null = null;
    const now = context.clock();
    await api.hawk.verify(req, async (id) => {
      token = await accounts.passwordChangeToken(id);
      return token && now - token.createdAt < KEY_FETCH_LIFETIME_MS ? token.authKey : null;
    });
    const found = token as PasswordChangeToken | null;
    if (!found) throw invalidToken('password change token vanished');
    return found;
  };

  r.post(
    '/password/change/start',
    route(logger, async (req, res) => {
      const session = await api.session(req);
      const body = jsonBody(req);
      const email = requiredStr(body, 'email', { max: MAX_EMAIL_LENGTH });
      const oldAuthPW = fromHex(requiredStr(body, 'oldAuthPW', { pattern: HEX64 }));
      const account = await accounts.byUid(session.uid);
      if (!account) throw invalidToken('account gone');
      (res.locals as FxaLocals).user = account.uid;
      await api.refuseDirectoryPasswordChange(account.uid);
      // FxA: the e-mail must name the session's own account.
      if (normalizeEmail(email) !== account.normalizedEmail)
        throw invalidToken('password change for another account than the session’s');
      const wrapKb = await checkPasswordThrottled(api, req, res, account, oldAuthPW);
      const tokens = await accounts.startPasswordChange(account, wrapKb, context.clock());
      sendJson(res, 200, { ...tokens, verified: true });
    }),
  );

  r.post(
    '/password/change/finish',
    route(logger, async (req, res) => {
      const token = await changeToken(req);
      (res.locals as FxaLocals).user = token.uid;
      const body = jsonBody(req);
      const authPW = fromHex(requiredStr(body, 'authPW', { pattern: HEX64 }));
      const wrapKb = fromHex(requiredStr(body, 'wrapKb', { pattern: HEX64 }));
      const sessionId = str(body, 'sessionToken', { pattern: HEX64 })?.toLowerCase() ?? null;
      const account = await accounts.byUid(token.uid);
      if (!account) throw invalidToken('account gone');
      const verifier = await newVerifier(authPW);
      const tokens = await accounts.finishPasswordChange(
        token,
        verifier,
        wrapKb,
        sessionId,
        req.query.keys === 'true',
        context.clock(),
      );
      logger.info('auth', `Foxden account ${account.email} changed its password; other sessions ended`);
      // FxA answers {} to a "legacy" client that names no session to replace.
      sendJson(res, 200, tokens ? { ...tokens, verified: true } : {});
    }),
  );

  return r;
}
