import type { KeyObject } from 'node:crypto';
import {
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type ProtectedHeaderParameters,
} from 'jose';

/**
 * Why an access token was refused. Each verifier words its own answer (the tokenserver's
 * `invalid-credentials`, the auth server's errnos); this is the one place that decides.
 */
export type AccessJwtFault = 'malformed' | 'alg' | 'typ' | 'signature' | 'expired' | 'claims' | 'no-key';

export class AccessJwtRejected extends Error {
  constructor(
    readonly fault: AccessJwtFault,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifiedAccessJwt {
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
}

function fault(err: unknown): AccessJwtRejected | null {
  if (err instanceof errors.JOSEAlgNotAllowed) return new AccessJwtRejected('alg', err.message);
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new AccessJwtRejected('signature', err.message);
  if (err instanceof errors.JWTExpired) return new AccessJwtRejected('expired', err.message);
  if (err instanceof errors.JWTClaimValidationFailed) {
    const which = err.claim === 'typ' ? 'typ' : err.claim === 'exp' ? 'expired' : 'claims';
    return new AccessJwtRejected(which, err.message);
  }
  if (err instanceof errors.JWKSNoMatchingKey) return new AccessJwtRejected('no-key', err.message);
  // A key of the wrong type or size for RS256 (e.g. an RSA key under 2048 bits) cannot have signed it.
  if (
    err instanceof errors.JOSENotSupported ||
    (err instanceof TypeError && /modulusLength/.test(err.message))
  )
    return new AccessJwtRejected('signature', err.message);
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid)
    return new AccessJwtRejected('malformed', err.message);
  return null;
}

/**
 * A token whose `kid` names no key in the set is tried against every key, as before jose:
 * FxA's tokens may carry a kid its JWKS spells differently, and a forged kid still has to verify.
 */
function anyKeyWhenKidUnknown(getKey: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await getKey(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || header.kid === undefined) throw err;
      const { kid: _unknown, ...rest } = header;
      return getKey(rest, token);
    }
  };
}

/**
 * The one RS256 access-token verifier (FxA's tokens at the tokenserver, Foxden's own tokens):
 * `alg` RS256 only, `typ` at+JWT (case-insensitive, `application/` optional), the signature,
 * then `exp` (and `nbf`) against `nowMs`. `keys` is one public key or a JWKS lookup; errors a
 * lookup throws that are not about the token (an unreachable JWKS) are passed through as-is.
 * Claim checks beyond these are the caller's.
 */
export async function verifyAccessJwt(
  token: string,
  keys: KeyObject | JWTVerifyGetKey,
  nowMs: number,
  o: { requireExp?: boolean } = {},
): Promise<VerifiedAccessJwt> {
  const options: JWTVerifyOptions = {
    algorithms: ['RS256'],
    typ: 'at+jwt',
    currentDate: new Date(nowMs),
    requiredClaims: o.requireExp ? ['exp'] : [],
  };
  try {
    const { protectedHeader, payload } =
      typeof keys === 'function'
        ? await jwtVerify(token, anyKeyWhenKidUnknown(keys), options)
        : await jwtVerify(token, keys, options);
    return { header: protectedHeader, claims: payload };
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw fault(err) ?? err;
    // Several keys could have signed it (no kid, or a shared kid): the token is good if one did.
    for await (const key of err) {
      try {
        const { protectedHeader, payload } = await jwtVerify(token, key, options);
        return { header: protectedHeader, claims: payload };
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw fault(inner) ?? inner;
      }
    }
    throw new AccessJwtRejected('signature', 'signature verification failed with every key');
  }
}
