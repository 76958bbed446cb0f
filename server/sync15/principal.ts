/**
 * Who a Hawk-authenticated Sync 1.5 storage request is from (put on res.locals by the storage
 * router once Hawk accepts the request).
 */
export interface Sync15Principal {
  /** The storage user id the engine is keyed by; equal to `uid`. */
  userId: number;
  /** The uid from the token and the URL. */
  uid: number;
  /** FxA account id from the token ('' for tokens minted without one). */
  fxaUid: string;
  fxaKid: string | null;
  hashedFxaUid: string | null;
  /** Token expiry, seconds since the epoch; info/collections admits expired tokens (spec §2.7). */
  expires: number;
  /**
   * The user's version (Database.userVersion) as Hawk read it to check the uid is live: the
   * request's cached reads use it too, so a request asks the database for it once.
   */
  version: number | null;
}

export interface Sync15Locals {
  principal15?: Sync15Principal;
  user?: string;
  protocol?: string;
  logDetail?: string;
}
