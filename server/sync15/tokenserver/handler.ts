import { decodePathSegment, searchParams } from '../../http/url-parts.js';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ServerContext } from '../../context.js';
import { onGrid } from '../../storage/timestamps.js';
import type { Sync15Locals } from '../principal.js';
import { TokenManager } from '../tokenlib.js';
import { assignUser } from './assign.js';
import { invalidCredentials, TokenserverError, toTokenserverError, unauthorized } from './errors.js';
import { fxaEmailFor, isAllowed, metricsHashes } from './identity.js';
import { checkClientStateAgrees, checkClientStateHeader, formatKeyId, parseKeyId } from './key-id.js';
import type { LocalTokenIssuer } from './local-issuer.js';
import { OAuthVerifier } from './oauth.js';
import type { SignupTicket } from '../../signups.js';
import { DirectoryError } from '../../ldap/errors.js';

function single(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `?duration=N`: honoured when 0 < N ≤ the configured lifetime, otherwise ignored (spec §3.1). */
function durationOf(req: Request, max: number): number {
  const text = searchParams(req.originalUrl).get('duration');
  if (text === null || !/^\d{1,9}$/.test(text)) return max;
  const n = Number(text);
  return n > 0 && n <= max ? n : max;
}

/** `Authorization: Bearer <token>`, scheme case-insensitive, split at the first space (spec §3.1). */
function bearerToken(header: string | undefined): string {
  if (!header) throw unauthorized('no Authorization header');
  const space = header.indexOf(' ');
  if (space === -1) throw unauthorized('the Authorization header has no scheme');
  const scheme = header.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    throw unauthorized(
      `the Authorization scheme ${scheme.slice(0, 20)} is not supported (FxA OAuth Bearer only)`,
      'error',
      'Unsupported',
    );
  }
  const token = header.slice(space + 1).trim();
  if (!token) throw invalidCredentials('the Bearer token is empty');
  return token;
}

/** `/1.0/{application}/{version}`; parsed here so a malformed %-escape is a 404, not a 500. */
const TOKEN_PATH = /^\/1\.0\/([^/]+)\/([^/]+)\/?$/;

/** The owner-facing detail says why, so the log tells them what to change. */
const newUserRefused = (fxaUid: string, why: string) =>
  new TokenserverError(
    403,
    'new-users-disabled',
    'body',
    '',
    'New users are not allowed',
    `new Sync 1.5 account ${fxaUid} refused: ${why}`,
  );

/**
 * `GET /1.0/{application}/{version}`: exchanges a Firefox Accounts OAuth token for a Sync 1.5
 * Hawk token and storage endpoint (spec 1.5 §3).
 */
export function tokenserverHandler(context: ServerContext, localIssuer: LocalTokenIssuer): RequestHandler {
  const verifier = new OAuthVerifier(context.clock);

  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const match = TOKEN_PATH.exec(req.path);
    if (!match) return next();
    const application = decodePathSegment(match[1]!) ?? match[1]!;
    const version = decodePathSegment(match[2]!) ?? match[2]!;
    const authorization = single(req, 'authorization');
    // Only claim other /1.0/x/y paths when they look like tokenserver calls; Sync 1.1 owns the rest.
    if (application !== 'sync' && !/^bearer /i.test(authorization ?? '')) return next();
    const locals = res.locals as Sync15Locals;
    locals.protocol = 'sync1.5';
    // The one clock reading of the request: X-Timestamp, the assignment's time and the token's
    // expiry come from it (the OAuth verifier keeps its own clock for the JWT's exp).
    const clockMs = context.clock();
    res.setHeader('X-Timestamp', String(Math.floor(clockMs / 1000)));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    try {
      if (application !== 'sync') {
        throw new TokenserverError(
          404,
          'error',
          'url',
          'application',
          'Unsupported application',
          `unknown application ${application.slice(0, 30)}`,
        );
      }
      if (version !== '1.5') {
        throw new TokenserverError(
          404,
          'error',
          'url',
          version.slice(0, 64),
          'Unsupported application version',
          `unknown version ${version.slice(0, 30)}`,
        );
      }
      const body = await issueToken(req, context, verifier, localIssuer, locals, clockMs);
      res.status(200).type('application/json').send(body);
    } catch (err) {
      const failure = toTokenserverError(err);
      if (failure.retryAfter !== null) res.setHeader('Retry-After', String(failure.retryAfter));
      if (err instanceof DirectoryError)
        context.logger.warn('auth', `Sync 1.5 tokenserver: ${failure.logDetail}`);
      else if (!(err instanceof TokenserverError))
        context.logger.error('error', 'Sync 1.5 tokenserver failed', { detail: failure.logDetail });
      locals.logDetail = failure.logDetail;
      res.status(failure.httpStatus).type('application/json').send(failure.body());
    }
  };
}

async function issueToken(
  req: Request,
  context: ServerContext,
  verifier: OAuthVerifier,
  localIssuer: LocalTokenIssuer,
  locals: Sync15Locals,
  clockMs: number,
): Promise<string> {
  const { config } = context;
  const legacyState = checkClientStateHeader(single(req, 'x-client-state'));
  const token = bearerToken(single(req, 'authorization'));
  const verified =
    (await localIssuer.verify(token)) ??
    (await verifier.verify(token, {
      jwksFile: config.sync15.fxaJwksFile,
      oauthServerUrl: config.sync15.fxaOauthServerUrl,
    }));
  const local = verified.via === 'local';
  const keyId = parseKeyId(single(req, 'x-keyid'));
  checkClientStateAgrees(legacyState, keyId);

  const email = local ? localIssuer.emailFor(verified.fxaUid) : fxaEmailFor(config, verified.fxaUid);
  const now = onGrid(clockMs);
  // A new Mozilla-account user takes one of this opening's places (config.maxNewUsers); the
  // place is counted once the transaction commits, and given back if it does not.
  let ticket: SignupTicket | null = null;
  let assignment: Awaited<ReturnType<typeof assignUser>>;
  try {
    assignment = await context.db.transaction('write', (tx) =>
      assignUser(
        tx,
        { email, fxaUid: verified.fxaUid },
        {
          generation: verified.generation,
          keysChangedAt: keyId.keysChangedAt,
          clientState: keyId.clientState,
        },
        now,
        () => {
          // A Foxden account was already admitted when it was created (fxa-local spec §9).
          if (local || ticket !== null) return; // a retried transaction keeps its place
          // Read at request time: the owner can open or close sign-ups while the server runs.
          if (!context.live().allowNewUsers) throw newUserRefused(verified.fxaUid, 'sign-ups are closed');
          if (!isAllowed(config.sync15.allowedEmails, [verified.fxaUid, email])) {
            throw newUserRefused(verified.fxaUid, 'not in the allowed list (add this FxA uid to allow it)');
          }
          ticket = context.signups.reserve();
          if (ticket === null) throw newUserRefused(verified.fxaUid, 'sign-ups are full');
        },
      ),
    );
  } catch (err) {
    (ticket as SignupTicket | null)?.cancel();
    throw err;
  }
  if (assignment.created && ticket) (ticket as SignupTicket).commit('sync15', verified.fxaUid);
  else (ticket as SignupTicket | null)?.cancel();
  const { user } = assignment;
  locals.user = String(user.uid);
  if (assignment.created) {
    context.logger.info('auth', `New Sync 1.5 account ${verified.fxaUid} (uid ${user.uid})`);
  }
  if (assignment.reset.length) {
    context.logger.info(
      'auth',
      `Sync 1.5 account ${verified.fxaUid} changed its keys: uid ${assignment.reset.join(', ')} replaced by ${user.uid}, old data deleted`,
    );
    locals.logDetail = `keys changed; new uid ${user.uid}`;
  }

  const secret = context.masterSecret;
  const duration = durationOf(req, config.sync15.tokenDuration);
  const hashes = metricsHashes(secret, verified.fxaUid);
  const { publicUrl: configured } = context.live();
  const publicUrl = configured.endsWith('/') ? configured : configured + '/';
  const { id, key } = new TokenManager(secret).makeToken({
    node: publicUrl.replace(/\/$/, ''),
    uid: user.uid,
    expires: Math.floor(clockMs / 1000) + duration,
    fxa_uid: verified.fxaUid,
    fxa_kid: formatKeyId(user.keysChangedAt ?? user.generation, user.clientState),
    hashed_fxa_uid: hashes.hashedFxaUid,
    hashed_device_id: hashes.hashedDeviceId,
  });
  return JSON.stringify({
    id,
    key,
    uid: user.uid,
    api_endpoint: `${publicUrl}1.5/${user.uid}`,
    duration,
    hashalg: 'sha256',
    hashed_fxa_uid: hashes.hashedFxaUid,
    // The backend's kind, as syncstorage-rs reports its own (mysql, postgres, spanner).
    node_type: context.db.kind,
  });
}
