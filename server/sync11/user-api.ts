import { createHash, timingSafeEqual } from 'node:crypto';
import {
  AccountError,
  isStrongPassword,
  isValidEmail,
  isValidUsername,
  usernamesForEmail,
} from '../accounts/index.js';
import { requestAddress, type RequestLogLocals } from '../http/request-log.js';
import type { ServerContext } from '../context.js';
import { STATUS_LOOKUPS } from '../fxa/api-context.js';
import { WindowCounter } from '../security/window-counter.js';
import { authenticateCall } from './basic-auth.js';
import { parseJson, readBody, utf8 } from './body.js';
import { USER_API_BODY_LIMIT, type AuthedCall, type Endpoint } from './call.js';
import type { RouteHandlers } from './routes.js';
import {
  loginRefused,
  managedByDirectory,
  notFound,
  passwordResetNotOffered,
  serverIssue,
  userBodyRefused,
  weaveError,
} from './errors.js';
import { send, sendJson, sendText } from './respond.js';

const directoryLookups = new WeakMap<ServerContext, WindowCounter>();

/**
 * Who answers "does this name exist": the household directory when it holds the accounts.
 * Unauthenticated, so directory lookups are limited per client address as local accounts'
 * `/account/status` is (STATUS_LOOKUPS): each one would otherwise be a directory search.
 */
function accountExists(call: AuthedCall, username: string): Promise<boolean> {
  if (!call.directory) return call.accounts.exists(username);
  let lookups = directoryLookups.get(call.context);
  if (!lookups) {
    lookups = new WindowCounter(STATUS_LOOKUPS);
    directoryLookups.set(call.context, lookups);
  }
  const address = requestAddress(call.req, call.res);
  const now = call.context.clock();
  const wait = lookups.retryAfter(address, now);
  if (wait > 0) throw serverIssue(wait, 'directory lookups throttled: too many from this address');
  lookups.record(address, now);
  return call.directory.exists(username);
}

/** The body as UTF-8 text (null when it is not UTF-8); 413 when too large, 400 when cut off. */
async function readText(call: AuthedCall): Promise<string | null> {
  const body = await readBody(call.req, USER_API_BODY_LIMIT);
  if (!body.ok) throw userBodyRefused(body.reason);
  return utf8(body.body);
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** `GET /user/1.0/<u>`: "1" taken, "0" free — also while sign-ups are closed (spec 1.1 §5.1). */
const userExists: Endpoint = {
  auth: false,
  async run(call) {
    const taken = await accountExists(call, call.params.user);
    sendText(call.res, 200, taken ? '1' : '0');
  },
};

/** `PUT /user/1.0/<u>`: account creation with server-reg's checks in order (spec 1.1 §5.2). */
const createUser: Endpoint = {
  auth: false,
  async run(call) {
    const { config } = call.context;
    const username = call.params.user;
    if (!isValidUsername(username)) throw weaveError(3, 'username longer than 32 characters');
    if (call.directory) {
      if (await accountExists(call, username)) throw weaveError(4, 'the name is a person of the directory');
      // As server-full's LDAP backend with sign-ups off: 503 (spec 1.1 §5.2 step 8), in plain words.
      throw serverIssue(
        config.retryAfter,
        'sign-up refused: accounts are managed by the household directory',
        'accounts are managed by the household directory; ask the person who runs it for one',
      );
    }
    if (await call.accounts.exists(username)) throw weaveError(4, 'the account already exists');
    const data = parseJson(await readText(call));
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw weaveError(6, 'body is not a JSON object');
    const fields = data as Record<string, unknown>;
    const email = fields.email;
    if (
      email !== undefined &&
      email !== null &&
      email !== '' &&
      (typeof email !== 'string' || !isValidEmail(email))
    ) {
      throw weaveError(12, 'invalid e-mail address');
    }
    const mail = typeof email === 'string' && email !== '' ? email : null;
    if (config.strictUsernames) {
      // A missing e-mail crashed the original here; 12 is what the docs list ([REC]).
      if (mail === null) throw weaveError(12, 'no e-mail address');
      if (!usernamesForEmail(mail).includes(username))
        throw weaveError(15, 'the e-mail does not hash to the username');
    }
    const password = fields.password;
    if (typeof password !== 'string' || password === '') throw weaveError(7, 'no password');
    if (!isStrongPassword(username, password)) throw weaveError(9, 'password too weak');
    const secret = call.req.headers['x-weave-secret'];
    // The shared secret (Firefox's services.sync.admin-secret) lets the owner create accounts
    // while sign-ups are closed; there is no CAPTCHA to bypass (captcha.use is off).
    const trusted =
      config.sharedSecret !== null && typeof secret === 'string' && sameSecret(secret, config.sharedSecret);
    // The owner's X-Weave-Secret bypasses the gate and is not counted; a stranger takes one of
    // the places this opening of sign-ups has (config.maxNewUsers), before the slow hashing.
    const ticket = trusted ? null : call.context.signups.reserve();
    if (!trusted && ticket === null) {
      // Closed, or every place of this opening is taken: spec 1.1 §5.2 step 8's answer.
      throw serverIssue(
        config.retryAfter,
        call.context.live().allowNewUsers ? 'sign-ups are full' : 'sign-ups are closed',
        'new accounts are not accepted on this server',
      );
    }
    try {
      await call.accounts.create(username, password, mail);
    } catch (err) {
      ticket?.cancel();
      if (!(err instanceof AccountError)) throw err;
      const code = { exists: 4, 'invalid-username': 3, 'weak-password': 9, 'invalid-email': 12 }[err.reason];
      throw weaveError(code, err.message);
    }
    ticket?.commit('sync11', username);
    (call.res.locals as RequestLogLocals).user = username;
    // server-reg echoes the URL segment as-is (spec 1.1 §5.2 step 9).
    send(call.res, 200, 'text/html; charset=UTF-8', username);
  },
};

/** `DELETE /user/1.0/<u>`: the account and (unlike the original) its data (spec 1.1 §5.3 [REC]). */
const deleteUser: Endpoint = {
  auth: true,
  async run(call) {
    if (call.directory) throw managedByDirectory('account deletion refused');
    const deleted = await call.accounts.delete(call.username);
    sendText(call.res, 200, deleted ? '1' : '0');
  },
};

/** The configured public URL as server-reg's clean_location left it (spec 1.1 §5.4). */
export function nodeLocation(publicUrl: string): string | null {
  const url = publicUrl.trim();
  if (url === '') return null;
  const withScheme = url.startsWith('http') ? url : `https://${url}`;
  return withScheme.endsWith('/') ? withScheme : `${withScheme}/`;
}

/** `GET …/node/weave`: read at request time, since the owner can change the URL while running. */
const nodeWeave: Endpoint = {
  auth: false,
  async run(call) {
    if (!(await accountExists(call, call.params.user))) throw notFound();
    const location = nodeLocation(call.context.live().publicUrl);
    if (location === null) return sendJson(call.res, null);
    send(call.res, 200, 'text/html; charset=UTF-8', location);
  },
};

/** No reset-code backend: server-reg's answer is 503 (spec 1.1 §5.7 step 1). */
const passwordResetRequest: Endpoint = {
  auth: false,
  async run() {
    throw passwordResetNotOffered();
  },
};

/** Clearing a reset code: there never is one, so it is always done. */
const passwordResetClear: Endpoint = {
  auth: true,
  async run(call) {
    sendText(call.res, 200, 'success');
  },
};

/**
 * `POST …/password`: strength first, then either a reset code (none exist here) or Basic auth
 * checked by the handler itself (spec 1.1 §5.5).
 */
const changePassword: Endpoint = {
  auth: false,
  async run(call) {
    const text = await readText(call);
    const username = call.params.user;
    // The docs' 400 + 9 also satisfies the code's plain 400 (spec 1.1 §5.5 [REC]).
    if (text === null || !isStrongPassword(username, text)) throw weaveError(9, 'new password too weak');
    if (call.req.headers['x-weave-password-reset'] !== undefined) {
      if (!(await accountExists(call, username))) throw notFound();
      throw weaveError(10, 'password reset codes are not issued by this server');
    }
    const auth = await authenticateCall(call, username);
    if (!auth.ok) throw loginRefused(auth, username);
    (call.res.locals as RequestLogLocals).user = username;
    if (call.directory) throw managedByDirectory('password change refused');
    try {
      if (!(await call.accounts.changePassword(auth.account.username, text))) throw notFound();
    } catch (err) {
      if (err instanceof AccountError) throw weaveError(9, err.message);
      throw err;
    }
    sendText(call.res, 200, 'success');
  },
};

/** `POST …/email`: the raw address as body, echoed on success (spec 1.1 §5.6). */
const changeEmail: Endpoint = {
  auth: true,
  async run(call) {
    const text = await readText(call);
    if (text === null || !isValidEmail(text)) throw weaveError(12, 'invalid e-mail address');
    if (call.directory) throw managedByDirectory('e-mail change refused');
    if (!(await call.accounts.changeEmail(call.username, text))) throw notFound();
    sendText(call.res, 200, text);
  },
};

/** No CAPTCHA is used, so there is no page (spec 1.1 §5.8). */
const captcha: Endpoint = {
  auth: false,
  async run() {
    throw notFound();
  },
};

export const userEndpoints = {
  user: { GET: userExists, PUT: createUser, DELETE: deleteUser },
  'user.node': { GET: nodeWeave },
  'user.passwordReset': { GET: passwordResetRequest, DELETE: passwordResetClear },
  'user.password': { POST: changePassword },
  'user.email': { POST: changeEmail },
  captcha: { GET: captcha, POST: captcha },
} satisfies Partial<RouteHandlers<Endpoint>>;
