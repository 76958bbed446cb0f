import { Router, type Request, type Response } from 'express';
import { requestAddress } from '../../http/request-log.js';
import { scopeWords } from '../../jwt/scopes.js';
import { fromHex } from '../crypto/bytes.js';
import { OLDSYNC_SCOPE } from '../crypto/scoped-keys.js';
import type { FxaApi } from '../api-context.js';
import type { FxaAccountRow, FxaSessionRow } from '../../db/fxa-types.js';
import { ERRNO, FxaError, invalidToken } from '../errors.js';
import { HEX32, HEX64, jsonBody, requiredStr, route, sendJson, type FxaLocals } from '../http.js';
import {
  normalizeEmail,
  passwordChangeTokenOf,
  unknownAccount,
  MAX_EMAIL_LENGTH,
} from '../local-accounts.js';
import { passwordChangeRoutes } from './password-change.js';
import { checkPasswordThrottled, throttled, throttledPasswordCheck } from './password-check.js';

function wantsKeys(req: Request): boolean {
  return req.query.keys === 'true';
}

/** `/account/status` in either form, throttled per client address so e-mails cannot be enumerated quickly. */
function countLookup(api: FxaApi, req: Request, res: Response): void {
  const wait = api.lookupRetryAfter(requestAddress(req, res));
  if (wait > 0) throw throttled(wait, 'account lookup throttled: too many from this address');
}

/** What create and login both take (spec §4.1 #1, #2); the email as typed, since it is the salt. */
function credentialsOf(req: Request): { email: string; authPW: Uint8Array } {
  const body = jsonBody(req);
  return {
    email: requiredStr(body, 'email', { max: MAX_EMAIL_LENGTH }),
    authPW: fromHex(requiredStr(body, 'authPW', { pattern: HEX64 })),
  };
}

/** The account page and Firefox's sign-in page bind a directory person through `/account/directory/login`. */
function directorySignInOnly(email: string): FxaError {
  return new FxaError(
    400,
    ERRNO.FEATURE_NOT_ENABLED,
    'Sign in with your directory password on the sign-in page.',
    { directorySignIn: true },
    `plain sign-in of ${email} refused: the account is a directory person's`,
  );
}

/** Account, session and key routes of fxa-local spec §4.1 (#1–4, 14–17). */
export function accountRoutes(api: FxaApi): Router {
  const { context, accounts } = api;
  const { logger } = context;
  const r = Router();

  /** Sessions go with their account, so a missing one means it was deleted mid-request. */
  const sessionAccount = async (session: FxaSessionRow): Promise<FxaAccountRow> => {
    const account = await accounts.byUid(session.uid);
    if (!account) throw invalidToken('account gone');
    return account;
  };

  r.post(
    '/account/create',
    route(logger, async (req, res) => {
      const { email, authPW } = credentialsOf(req);
      // With a directory (issue 14) it decides who has an account, whatever the sign-up setting:
      // an own account made here could never sign in through the directory sign-in page.
      if (api.directory)
        throw new FxaError(
          403,
          ERRNO.FEATURE_NOT_ENABLED,
          'Accounts on this Foxden server come from the household directory: sign in with your directory name and password.',
          {},
          `sign-up of ${email} refused: accounts come from the directory`,
        );
      // Read per request: the owner can open or close sign-ups while the server runs (spec §9).
      // A place of this opening (config.maxNewUsers) is taken before the slow key stretching.
      const ticket = context.signups.reserve();
      if (ticket === null) {
        throw new FxaError(
          403,
          ERRNO.FEATURE_NOT_ENABLED,
          'Sign-ups are closed on this Foxden server. Ask its owner to create your account.',
          {},
          `sign-up of ${email} refused: sign-ups are ${context.live().allowNewUsers ? 'full' : 'closed'}`,
        );
      }
      let tokens: Awaited<ReturnType<typeof accounts.createWithAuthPW>>;
      try {
        tokens = await accounts.createWithAuthPW(email, authPW, wantsKeys(req));
      } catch (err) {
        ticket.cancel();
        throw err;
      }
      ticket.commit('local', email);
      (res.locals as FxaLocals).user = tokens.uid;
      logger.info('auth', `New Foxden account ${email} (${tokens.uid})`);
      sendJson(res, 200, { ...tokens, verified: true });
    }),
  );

  r.post(
    '/account/login',
    route(logger, async (req, res) => {
      const { email, authPW } = credentialsOf(req);
      const accountKey = normalizeEmail(email);
      const address = requestAddress(req, res);
      const why = `sign-in of ${email} throttled after repeated wrong passwords`;
      // Over a limit: refused before anything is checked, so the right password is not told apart.
      const refused = api.throttle.check(accountKey, address);
      if (refused) throw throttled(refused.retryAfter, why);
      const account = await accounts.findByEmail(email);
      if (!account) {
        api.throttle.fail(accountKey, address);
        throw unknownAccount();
      }
      // The email is the PBKDF2 salt: a different case gives a different authPW (spec §4.0, errno 120).
      if (account.email !== email) {
        throw new FxaError(400, ERRNO.INCORRECT_EMAIL_CASE, 'Incorrect email case', { email: account.email });
      }
      // A directory person's verifier is that of their last directory sign-in: after a
      // directory password change the old one would still open the account, so only a bind
      // signs them in (issue 14). Refused before the check: no verifier is tried here.
      if (await api.directory?.personOf(account.uid)) throw directorySignInOnly(email);
      const wrapKb = await throttledPasswordCheck(api, accountKey, address, why, () =>
        accounts.checkPassword(account, authPW),
      );
      // Refused if the password changed since the check, which would make this wrapKb stale.
      const tokens = await accounts.signIn(
        account,
        context.clock(),
        wantsKeys(req) ? { kA: account.kA, wrapKb } : null,
      );
      (res.locals as FxaLocals).user = account.uid;
      sendJson(res, 200, { ...tokens, verified: true });
    }),
  );

  r.get(
    '/account/status',
    route(logger, async (req, res) => {
      countLookup(api, req, res);
      const uid = typeof req.query.uid === 'string' ? req.query.uid : '';
      if (!HEX32.test(uid))
        throw new FxaError(400, ERRNO.INVALID_PARAMETER, 'Invalid parameter in request query: uid');
      const account = await accounts.byUid(uid);
      sendJson(res, 200, { exists: account !== null });
    }),
  );

  // FxA's email form of the same question; the sign-in page uses it to choose sign-in or sign-up.
  r.post(
    '/account/status',
    route(logger, async (req, res) => {
      countLookup(api, req, res);
      const email = requiredStr(jsonBody(req), 'email', { max: MAX_EMAIL_LENGTH });
      sendJson(res, 200, { exists: (await accounts.findByEmail(email)) !== null });
    }),
  );

  r.get(
    '/account/keys',
    route(logger, async (req, res) => {
      const token = await api.keyFetch(req);
      // A password change token shares the table, never the route.
      if (passwordChangeTokenOf(token))
        throw invalidToken('a password change token is not a key fetch token');
      // Single use: gone before the bundle leaves (spec §4.1 #3).
      const deleted = await accounts.takeKeyFetch(token.id);
      if (!deleted) throw invalidToken('key fetch token already used');
      sendJson(res, 200, { bundle: token.keyBundle });
    }),
  );

  r.post(
    '/account/scoped-key-data',
    route(logger, async (req, res) => {
      const session = await api.session(req);
      const body = jsonBody(req);
      requiredStr(body, 'client_id', { max: 64 });
      const scopes = scopeWords(requiredStr(body, 'scope', { max: 1024 }));
      const account = await sessionAccount(session);
      const out: Record<string, unknown> = {};
      // Only key-bearing scopes appear (spec §4.1 #4).
      if (scopes.includes(OLDSYNC_SCOPE)) {
        out[OLDSYNC_SCOPE] = {
          identifier: OLDSYNC_SCOPE,
          keyRotationSecret: '0'.repeat(64),
          keyRotationTimestamp: account.keysChangedAt,
        };
      }
      sendJson(res, 200, out);
    }),
  );

  r.get(
    '/session/status',
    route(logger, async (req, res) => {
      const session = await api.session(req);
      sendJson(res, 200, { state: 'verified', uid: session.uid });
    }),
  );

  r.post(
    '/session/destroy',
    route(logger, async (req, res) => {
      const session = await api.session(req);
      await accounts.destroySession(session.id);
      sendJson(res, 200, {});
    }),
  );

  r.get(
    '/recovery_email/status',
    route(logger, async (req, res) => {
      const session = await api.session(req);
      const account = await sessionAccount(session);
      sendJson(res, 200, {
        email: account.email,
        verified: true,
        sessionVerified: true,
        emailVerified: true,
      });
    }),
  );

  /**
   * The account page's "Delete account" (FxA's route): the session's account, its password
   * again, then everything goes in one transaction, Sync storage included (spec §9).
   */
  r.post(
    '/account/destroy',
    route(logger, async (req, res) => {
      const session = await api.session(req);
      const body = jsonBody(req);
      const email = requiredStr(body, 'email', { max: MAX_EMAIL_LENGTH });
      const authPW = fromHex(requiredStr(body, 'authPW', { pattern: HEX64 }));
      const account = await sessionAccount(session);
      (res.locals as FxaLocals).user = account.uid;
      if (normalizeEmail(email) !== account.normalizedEmail)
        throw invalidToken('account deletion for another account than the session’s');
      await checkPasswordThrottled(api, req, res, account, authPW);
      await accounts.delete(account.uid);
      logger.info(
        'auth',
        `Foxden account ${account.email} (${account.uid}) deleted itself from its account page`,
      );
      sendJson(res, 200, {});
    }),
  );

  /**
   * "Sign out everywhere" (Foxden's; FxA's page destroys sessions one by one): every session
   * of the account ends, the caller's too, so each Firefox asks for the password again.
   */
  r.post(
    '/account/sessions/destroy',
    route(logger, async (req, res) => {
      const session = await api.session(req);
      jsonBody(req);
      (res.locals as FxaLocals).user = session.uid;
      const ended = await accounts.signOutEverywhere(session.uid);
      logger.info('auth', `Foxden account ${session.uid} signed out everywhere (${ended} sessions)`);
      sendJson(res, 200, {});
    }),
  );

  r.use(passwordChangeRoutes(api));

  return r;
}
