import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { KEY_FETCH_LIFETIME_MS, type FxaApi } from '../api-context.js';
import { AccessTokenRejected, mintAccessToken, verifyAccessToken } from '../access-token.js';
import { scopeWords } from '../../jwt/scopes.js';
import { PKCE_CHALLENGE, PKCE_VERIFIER, pkceChallenge } from '../crypto/pkce.js';
import { OLDSYNC_SCOPE } from '../crypto/scoped-keys.js';
import { ERRNO, FxaError } from '../errors.js';
import { jsonBody, requiredStr, route, sendJson, str, type FxaLocals, type JsonObject } from '../http.js';

/** Codes live 10 minutes (spec §4.1 #5: 5–15) and are single use. */
export const CODE_LIFETIME_MS = 10 * 60 * 1000;
/** Access tokens: the requested ttl up to a day (spec §6); Firefox asks 21600 s for Sync. */
export const MAX_TOKEN_TTL_S = 24 * 60 * 60;
/** The redirect FxA answers for Firefox's WebChannel flow; desktop ignores it. */
const WEBCHANNEL_REDIRECT = 'urn:ietf:wg:oauth:2.0:oob:oauth-redirect-webchannel';

const CLIENT_ID = /^[0-9a-f]{16}$/;
/** What Foxden grants: oldsync and the profile scopes (the ones Firefox's flows use, spec §3.3). */
const ALLOWED_SCOPE = (s: string) =>
  s === OLDSYNC_SCOPE || s === 'profile' || /^profile:[a-z_]+(?::write)?$/.test(s);

const sha256hex = (text: string) => createHash('sha256').update(text).digest('hex');
const oauthParam = (what: string) =>
  new FxaError(400, ERRNO.OAUTH_INVALID_PARAMETER, `Invalid request parameter: ${what}`);

function scopesOf(text: string): string[] {
  const scopes = [...new Set(scopeWords(text))];
  if (scopes.length === 0) throw oauthParam('scope is empty');
  const refused = scopes.filter((s) => !ALLOWED_SCOPE(s));
  if (refused.length)
    throw new FxaError(
      400,
      ERRNO.OAUTH_INVALID_SCOPES,
      `Requested scopes are not allowed: ${refused.join(' ').slice(0, 200)}`,
    );
  return scopes;
}

function clientIdOf(body: JsonObject): string {
  const id = requiredStr(body, 'client_id', { max: 64 });
  if (!CLIENT_ID.test(id)) throw new FxaError(400, ERRNO.OAUTH_UNKNOWN_CLIENT, 'Unknown client');
  return id;
}

function ttlOf(body: JsonObject): number {
  const ttl = body.ttl;
  if (ttl === undefined || ttl === null) return MAX_TOKEN_TTL_S;
  if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl <= 0) throw oauthParam('ttl');
  return Math.min(ttl, MAX_TOKEN_TTL_S);
}

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** OAuth on the auth server (spec §4.1 #5–7) and the optional `/oauth/v1` jwks/verify (#19). */
export function oauthRoutes(api: FxaApi): Router {
  const { context } = api;
  const { logger } = context;
  const r = Router();

  r.post(
    '/oauth/authorization',
    route(logger, async (req, res) => {
      const session = await api.session(req);
      const body = jsonBody(req);
      const clientId = clientIdOf(body);
      const state = requiredStr(body, 'state', { max: 512 });
      const scope = scopesOf(requiredStr(body, 'scope', { max: 1024 })).join(' ');
      const responseType = str(body, 'response_type', { max: 32 }) ?? 'code';
      if (responseType !== 'code')
        throw new FxaError(400, ERRNO.OAUTH_INVALID_RESPONSE_TYPE, 'Invalid response_type');
      const accessType = str(body, 'access_type', { max: 16 }) ?? 'online';
      if (accessType !== 'online' && accessType !== 'offline') throw oauthParam('access_type');
      const challenge = str(body, 'code_challenge', { max: 128 });
      const method = str(body, 'code_challenge_method', { max: 16 });
      // A public client without PKCE could have its code stolen and used (spec §5.9: S256 only).
      if (!challenge || method !== 'S256')
        throw new FxaError(
          400,
          ERRNO.OAUTH_MISSING_PKCE,
          'Public clients require PKCE OAuth parameters (S256)',
        );
      if (!PKCE_CHALLENGE.test(challenge)) throw oauthParam('code_challenge');
      const keysJwe = str(body, 'keys_jwe', { max: 16384, pattern: /^[A-Za-z0-9_.-]+$/ }) ?? null;
      const code = randomBytes(32).toString('hex');
      const now = context.clock();
      // Expired codes and key fetch tokens go here, so no timer is needed to keep tables small.
      await api.accounts.saveCode(
        {
          codeHash: sha256hex(code),
          uid: session.uid,
          sessionId: session.id,
          clientId,
          scope,
          codeChallenge: challenge,
          keysJwe,
          offline: accessType === 'offline',
          authAt: Math.floor(session.createdAt / 1000),
          createdAt: now,
          expiresAt: now + CODE_LIFETIME_MS,
        },
        now,
        KEY_FETCH_LIFETIME_MS,
      );
      (res.locals as FxaLocals).user = session.uid;
      sendJson(res, 200, { code, state, redirect: WEBCHANNEL_REDIRECT, scope });
    }),
  );

  r.post(
    '/oauth/token',
    route(logger, async (req, res) => {
      const body = jsonBody(req);
      const grantType = requiredStr(body, 'grant_type', { max: 64 });
      const clientId = clientIdOf(body);
      const now = context.clock();
      const issue = async (uid: string, scope: string, ttl: number) => {
        const account = await api.accounts.byUid(uid);
        if (!account)
          throw new FxaError(400, ERRNO.OAUTH_INVALID_TOKEN, 'Invalid token', {}, `account ${uid} is gone`);
        return mintAccessToken(
          api.signingKey(),
          { uid, clientId, scope, generation: account.verifierSetAt, ttlSeconds: ttl },
          api.issuer(),
          now,
        );
      };
      /** Bound to the session that asked: removing its device or signing it out ends the token. */
      const newRefreshToken = async (uid: string, scope: string, sessionId: string) => {
        const token = randomBytes(32).toString('hex');
        await api.accounts.saveRefreshToken(
          { tokenHash: sha256hex(token), uid, clientId, scope, createdAt: now, lastUsedAt: now },
          sessionId,
        );
        return token;
      };

      if (grantType === 'authorization_code') {
        const code = requiredStr(body, 'code', { max: 128 });
        const verifier = requiredStr(body, 'code_verifier', { max: 128 });
        // Foxden requires the session too and matches its account (spec §4.1 #6a).
        const session = await api.session(req);
        // Taken (deleted) before any check: a code is used once, whatever the outcome.
        const row = await api.accounts.takeCode(sha256hex(code));
        if (!row) throw new FxaError(400, ERRNO.OAUTH_UNKNOWN_CODE, 'Unknown authorization code');
        if (row.expiresAt <= now)
          throw new FxaError(400, ERRNO.OAUTH_EXPIRED_CODE, 'Expired authorization code');
        if (row.clientId !== clientId || row.uid !== session.uid)
          throw new FxaError(400, ERRNO.OAUTH_MISMATCH_CODE, 'Mismatched authorization code');
        if (!PKCE_VERIFIER.test(verifier) || !equalText(pkceChallenge(verifier), row.codeChallenge)) {
          throw new FxaError(
            400,
            ERRNO.OAUTH_PKCE_MISMATCH,
            'Incorrect code_challenge (PKCE verifier does not match)',
          );
        }
        const ttl = MAX_TOKEN_TTL_S;
        const out: JsonObject = {
          access_token: await issue(row.uid, row.scope, ttl),
          token_type: 'bearer',
          scope: row.scope,
          expires_in: ttl,
          auth_at: row.authAt,
        };
        if (row.offline) out.refresh_token = await newRefreshToken(row.uid, row.scope, session.id);
        if (row.keysJwe) out.keys_jwe = row.keysJwe;
        (res.locals as FxaLocals).user = row.uid;
        return sendJson(res, 200, out);
      }

      if (grantType === 'fxa-credentials') {
        const session = await api.session(req);
        const scope = scopesOf(requiredStr(body, 'scope', { max: 1024 })).join(' ');
        const ttl = ttlOf(body);
        const out: JsonObject = {
          access_token: await issue(session.uid, scope, ttl),
          token_type: 'bearer',
          scope,
          expires_in: ttl,
          auth_at: Math.floor(session.createdAt / 1000),
        };
        if (str(body, 'access_type', { max: 16 }) === 'offline')
          out.refresh_token = await newRefreshToken(session.uid, scope, session.id);
        (res.locals as FxaLocals).user = session.uid;
        return sendJson(res, 200, out);
      }

      if (grantType === 'refresh_token') {
        const token = requiredStr(body, 'refresh_token', { max: 128 });
        const row = await api.accounts.refreshToken(sha256hex(token));
        if (!row || row.clientId !== clientId)
          throw new FxaError(400, ERRNO.OAUTH_INVALID_TOKEN, 'Invalid token');
        // A refresh token is a session too: a person gone from the directory gets nothing new.
        await api.requireStanding(row.uid);
        const granted = scopeWords(row.scope);
        const asked = str(body, 'scope', { max: 1024 });
        const scope = asked ? scopesOf(asked) : granted;
        if (scope.some((s) => !granted.includes(s)))
          throw new FxaError(400, ERRNO.OAUTH_INVALID_SCOPES, 'Requested scopes were not granted');
        const ttl = ttlOf(body);
        await api.accounts.touchRefreshToken(row.tokenHash, now);
        (res.locals as FxaLocals).user = row.uid;
        return sendJson(res, 200, {
          access_token: await issue(row.uid, scope.join(' '), ttl),
          token_type: 'bearer',
          scope: scope.join(' '),
          expires_in: ttl,
        });
      }
      throw oauthParam(`grant_type ${grantType.slice(0, 40)}`);
    }),
  );

  // No auth, 200 even for unknown tokens (spec §4.1 #7). Access tokens are JWTs that simply expire.
  r.post(
    '/oauth/destroy',
    route(logger, async (req, res) => {
      const body = jsonBody(req);
      const token = str(body, 'token', { max: 4096 }) ?? str(body, 'refresh_token', { max: 4096 });
      if (token) await api.accounts.deleteRefreshToken(sha256hex(token));
      sendJson(res, 200, {});
    }),
  );

  return r;
}

/** `PUB/oauth/v1/jwks` and `/verify`: for an external tokenserver pointed at Foxden (spec §4.1 #19). */
export function oauthServerRoutes(api: FxaApi): Router {
  const { context } = api;
  const r = Router();
  r.get(
    '/jwks',
    route(context.logger, (_req, res) => sendJson(res, 200, { keys: [api.signingKey().jwk] })),
  );
  r.post(
    '/verify',
    route(context.logger, async (req, res) => {
      const token = requiredStr(jsonBody(req), 'token', { max: 8192 });
      try {
        const claims = await verifyAccessToken(api.signingKey(), token, context.clock());
        const account = await api.accounts.byUid(claims.uid);
        if (!account) throw new AccessTokenRejected('account gone');
        sendJson(res, 200, {
          user: claims.uid,
          client_id: claims.clientId,
          scope: claims.scopes,
          generation: claims.generation ?? 0,
        });
      } catch (err) {
        if (err instanceof AccessTokenRejected)
          throw new FxaError(400, ERRNO.OAUTH_INVALID_TOKEN, 'Invalid token', {}, err.message);
        throw err;
      }
    }),
  );
  r.post(
    '/destroy',
    route(context.logger, (_req, res) => sendJson(res, 200, {})),
  );
  return r;
}
