/**
 * The byte-exact FxA recipes of fxa-local spec §5, pure TS over @noble/* (no node: imports), so
 * the server and the sign-in page's browser bundle share one implementation.
 */
export { bytesEqual, concat, fromB64url, fromHex, toB64url, toHex, utf8, xor } from './bytes.js';
export {
  NS,
  createKeysBundle,
  deriveTokenCredentials,
  hkdfNs,
  openKeysBundle,
  stretchPassword,
  unwrapKb,
  verifierFromStretched,
  type StretchedPassword,
  type TokenCredentials,
  type TokenKind,
} from './onepw.js';
export {
  OLDSYNC_SCOPE,
  clientStateOf,
  deriveOldsyncKey,
  oldsyncKeyMap,
  syncKeyFingerprint,
  type ScopedKeyJwk,
} from './scoped-keys.js';
export { decryptJwe, encryptJwe, encryptScopedKeys, parseKeysJwk, type EcPublicJwk } from './jwe.js';
export { PKCE_CHALLENGE, PKCE_VERIFIER, pkceChallenge } from './pkce.js';
