import { Router, type Request, type Response } from 'express';
import { requestAddress } from '../../http/request-log.js';
import { isRefusal } from '../../security/failure-throttle.js';
import { fromHex } from '../crypto/bytes.js';
import type { FxaApi } from '../api-context.js';
import type { DirectoryLink } from '../directory-link.js';
import type { AuthResult } from '../../ldap/result.js';
import { directoryName } from '../../ldap/directory-name.js';
import { ERRNO, FxaError } from '../errors.js';
import {
  HEX64,
  jsonBody,
  requiredStr,
  route,
  sendJson,
  str,
  type FxaLocals,
  type JsonObject,
} from '../http.js';
import { incorrectPassword, MAX_EMAIL_LENGTH } from '../local-accounts.js';
import { throttled } from './password-check.js';

/**
 * `POST /account/directory/login` (issue 14 item 3, Foxden's own route): the sign-in page of
 * a server with `[auth] backend = ldap`. The page sends what `/account/login` takes (the e-mail
 * it stretched the password with, and authPW) and the directory password itself, over the
 * same origin; the server binds as the person with it and forgets it (never stored or logged).
 *
 * - First sign-in: the local account is made, whatever the sign-up setting (the directory
 *   decides who has an account), under the directory's `mail`.
 * - The verifier no longer matches (the directory password changed): answered 400 errno 103
 *   with `directoryPasswordChanged: true`, and the page asks once for the previous password.
 *   It then sends `previousAuthPW` and `keyDelta` (previous unwrapBKey ⊕ new unwrapBKey), so
 *   the same kB is re-wrapped: `wrapKb' = wrapKb ⊕ keyDelta`. Or `reset: true`: new keys.
 */

/** The directory password as typed; bound by a length, as any field. */
const MAX_DIRECTORY_PASSWORD = 1024;
const EMAIL = /^[^\s@]+@[^\s@]+$/u;

interface DirectorySignIn {
  name: string;
  email: string;
  authPW: Uint8Array;
  directoryPassword: string;
  previousAuthPW: Uint8Array | null;
  keyDelta: Uint8Array | null;
  reset: boolean;
}

function signInOf(body: JsonObject): DirectorySignIn {
  const email = requiredStr(body, 'email', { max: MAX_EMAIL_LENGTH });
  const previous = str(body, 'previousAuthPW', { pattern: HEX64 });
  const delta = str(body, 'keyDelta', { pattern: HEX64 });
  if ((previous === undefined) !== (delta === undefined))
    throw new FxaError(400, ERRNO.MISSING_PARAMETER, 'previousAuthPW and keyDelta go together');
  const reset = body.reset;
  if (reset !== undefined && typeof reset !== 'boolean')
    throw new FxaError(400, ERRNO.INVALID_PARAMETER, 'Invalid parameter in request body: reset');
  return {
    name: str(body, 'name', { max: MAX_EMAIL_LENGTH }) ?? email,
    email,
    authPW: fromHex(requiredStr(body, 'authPW', { pattern: HEX64 })),
    directoryPassword: requiredStr(body, 'directoryPassword', { max: MAX_DIRECTORY_PASSWORD }),
    previousAuthPW: previous === undefined ? null : fromHex(previous),
    keyDelta: delta === undefined ? null : fromHex(delta),
    reset: reset === true,
  };
}

const notDirectory = () =>
  new FxaError(
    400,
    ERRNO.FEATURE_NOT_ENABLED,
    'This Foxden server has no account directory; sign in with your Foxden password',
  );

const refusedByDirectory = (name: string, why: string) =>
  new FxaError(
    403,
    ERRNO.FEATURE_NOT_ENABLED,
    'Your directory account may not use this Foxden server. Ask its owner.',
    {},
    `directory sign-in of ${name} refused: ${why}`,
  );

const passwordChanged = () =>
  new FxaError(
    400,
    ERRNO.INCORRECT_PASSWORD,
    'Your directory password changed since you last signed in here. Type your previous password once, so that the data you synced stays readable.',
    { directoryPasswordChanged: true },
  );

const previousPasswordWrong = () =>
  new FxaError(400, ERRNO.INCORRECT_PASSWORD, 'That is not your previous password.', {
    directoryPasswordChanged: true,
    previousPasswordIncorrect: true,
  });

/** The bind, throttled as `/account/login` is; the person as the directory has them. */
async function bindPerson(
  api: FxaApi,
  link: DirectoryLink,
  req: Request,
  res: Response,
  s: DirectorySignIn,
): Promise<Extract<AuthResult, { ok: true }>> {
  const key = throttleKey(s.name);
  const address = requestAddress(req, res);
  const why = `directory sign-in of ${s.name} throttled after repeated wrong passwords`;
  const refused = api.throttle.check(key, address);
  if (refused) throw throttled(refused.retryAfter, why);
  const attempt = await api.throttle.begin(key, address);
  if (isRefusal(attempt)) throw throttled(attempt.retryAfter, why);
  let result: AuthResult;
  try {
    result = await (await link.directory()).authenticate(s.name, s.directoryPassword);
  } catch (err) {
    attempt.cancelled();
    throw err;
  }
  if (result.ok) {
    attempt.succeeded();
    return result;
  }
  if (result.reason === 'throttled') {
    // The person's budget of failed binds (server/ldap/bind-budget.ts): no bind was sent.
    attempt.cancelled();
    throw throttled(
      result.retryAfter,
      `directory sign-in of ${s.name}: the person's failed binds reached Foxden's budget`,
    );
  }
  // No such person, a disabled one (no bind is sent for them, so the password is unknown) and
  // a wrong password read alike and count alike: names and their state cannot be probed here.
  if (result.reason !== 'not-in-group') {
    attempt.failed();
    throw new FxaError(
      400,
      ERRNO.INCORRECT_PASSWORD,
      'Incorrect password',
      {},
      `directory sign-in of ${s.name}: ${result.reason}`,
    );
  }
  attempt.succeeded();
  throw refusedByDirectory(s.name, result.reason);
}

/** The wrong-password throttle's key: the name as the directory compares it (H2). */
function throttleKey(name: string): string {
  return directoryName(name).toLowerCase();
}

/** errno 101 in words: whose account holds the address the directory gives this person. */
async function addressTaken(
  link: DirectoryLink,
  holderUid: string,
  name: string,
  mail: string,
): Promise<FxaError> {
  const other = await link.personOf(holderUid);
  return other
    ? new FxaError(
        400,
        ERRNO.ACCOUNT_EXISTS,
        'Another person of the directory already has a Foxden account with this address (the directory gave it to you since). Ask the owner.',
        {},
        `directory sign-in of ${name} refused: ${mail} is the account of directory person ${other.name}`,
      )
    : new FxaError(
        400,
        ERRNO.ACCOUNT_EXISTS,
        'A Foxden account of its own already uses this address. Ask the owner to delete it, then sign in again.',
        {},
        `directory sign-in of ${name} refused: an own account uses ${mail}`,
      );
}

export function directoryLoginRoutes(api: FxaApi): Router {
  const { context, accounts } = api;
  const { logger } = context;
  const r = Router();

  r.post(
    '/account/directory/login',
    route(logger, async (req, res) => {
      const link = api.directory;
      if (!link) throw notDirectory();
      const s = signInOf(jsonBody(req));
      const person = await bindPerson(api, link, req, res, s);
      // The e-mail Firefox shows and the page stretches with: the directory's `mail`, else the
      // typed name when it is an address.
      const mail = person.mail ?? (EMAIL.test(s.name) ? s.name : null);
      if (mail === null)
        throw new FxaError(
          400,
          ERRNO.INVALID_PARAMETER,
          'Your directory entry has no e-mail address, which Firefox needs. Ask the owner to add one, or sign in with your address.',
          {},
          `directory sign-in of ${s.name} refused: the entry has no mail`,
        );
      const uid = link.uidFor(person.id);
      (res.locals as FxaLocals).user = uid;
      const withKeys = req.query.keys === 'true';
      const account = await accounts.byUid(uid);
      // The address is the onepw salt, so an account keeps the one of its first sign-in even
      // when the directory's `mail` changes later (a new salt would look like a new password
      // and lose the keys). The page stretched with another (the typed name): it stretches
      // again with this one.
      const email = account?.email ?? mail;
      if (s.email !== email)
        throw new FxaError(400, ERRNO.INCORRECT_EMAIL_CASE, 'Incorrect email case', { email });
      if (!account) {
        // An account under the same address is never taken over: an own account stays the
        // owner's business; another directory person's means the directory reused the address.
        const holder = await accounts.findByEmail(mail);
        if (holder) throw await addressTaken(link, holder.uid, s.name, mail);
        await link.remember(person);
        const tokens = await accounts.createWithAuthPW(mail, s.authPW, withKeys, uid);
        logger.info('auth', `New Foxden account ${mail} (${uid}) for directory person ${person.name}`);
        return sendJson(res, 200, { ...tokens, verified: true });
      }
      await link.remember(person);
      const choice = s.reset
        ? ({ reset: true } as const)
        : s.previousAuthPW && s.keyDelta
          ? { previousAuthPW: s.previousAuthPW, keyDelta: s.keyDelta }
          : null;
      const adopted = await link.adoptPassword(accounts, account, s.authPW, choice);
      if (!adopted.ok) {
        if (adopted.why === 'changed') throw passwordChanged();
        if (adopted.why === 'previous-wrong') {
          // Guesses of the previous password count as wrong passwords do.
          api.throttle.fail(throttleKey(s.name), requestAddress(req, res));
          throw previousPasswordWrong();
        }
        throw incorrectPassword();
      }
      if (adopted.how === 'reset')
        logger.warn(
          'auth',
          `Foxden account ${mail} (${uid}) reset after a directory password change: new keys`,
        );
      else if (adopted.how === 'kept')
        logger.info('auth', `Foxden account ${mail} (${uid}) took the new directory password; keys kept`);
      const current = adopted.account;
      const tokens = await accounts.signIn(
        current,
        context.clock(),
        withKeys ? { kA: current.kA, wrapKb: adopted.wrapKb } : null,
      );
      sendJson(res, 200, { ...tokens, verified: true });
    }),
  );

  return r;
}
