import { createHash } from 'node:crypto';
import { Router } from 'express';
import type { FxaApi } from '../api-context.js';
import { AccessTokenRejected, verifyAccessToken } from '../access-token.js';
import { ERRNO, FxaError } from '../errors.js';
import { route, sendJson } from '../http.js';

const PROFILE_SCOPE = (s: string) => s === 'profile' || s.startsWith('profile:');

/** `GET PUB/profile/v1/profile` with a Bearer token carrying a profile scope (spec §4.1 #18). */
export function profileRoutes(api: FxaApi): Router {
  const { context } = api;
  const r = Router();
  r.get(
    '/profile',
    route(context.logger, async (req, res) => {
      const header = req.headers.authorization ?? '';
      const m = /^bearer\s+(\S+)$/i.exec(header);
      if (!m)
        throw new FxaError(
          401,
          ERRNO.INVALID_TOKEN,
          'Unauthorized',
          {},
          'profile request without a Bearer token',
        );
      let claims;
      try {
        claims = await verifyAccessToken(api.signingKey(), m[1]!, context.clock());
      } catch (err) {
        if (err instanceof AccessTokenRejected)
          throw new FxaError(
            401,
            ERRNO.INVALID_TOKEN,
            'Unauthorized',
            {},
            `profile token refused: ${err.message}`,
          );
        throw err;
      }
      if (!claims.scopes.some(PROFILE_SCOPE))
        throw new FxaError(403, ERRNO.INVALID_TOKEN, 'Requested scopes are not allowed');
      const account = await api.accounts.byUid(claims.uid);
      if (!account)
        throw new FxaError(
          401,
          ERRNO.INVALID_TOKEN,
          'Unauthorized',
          {},
          'profile token for a deleted account',
        );
      const locale = (req.headers['accept-language'] ?? '').split(',')[0]?.trim() || 'en-US';
      const profile = {
        uid: account.uid,
        email: account.email,
        locale,
        displayName: null,
        avatar: null,
        avatarDefault: true,
        amrValues: ['pwd'],
        twoFactorAuthentication: false,
      };
      const etag = `"${createHash('sha256').update(JSON.stringify(profile)).digest('hex').slice(0, 32)}"`;
      res.setHeader('ETag', etag);
      if (req.headers['if-none-match'] === etag) {
        res.status(304).end();
        return;
      }
      sendJson(res, 200, profile);
    }),
  );
  return r;
}
