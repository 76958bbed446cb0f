import type { Millis } from './records.js';
import type { Awaitable } from './types.js';

/**
 * One row of the Sync 1.5 tokenserver's users table (spec 1.5 §6.4). A client-state change
 * adds a new row (new uid) for the same e-mail and marks the older rows replaced.
 */
export interface TokenserverUserRow {
  /** Also the storage user id: storage is keyed by it. */
  uid: number;
  /** `<fxa uid>@<fxa e-mail domain>`, the key upstream looks users up by (spec §3.2). */
  email: string;
  fxaUid: string;
  /** The person's real e-mail address, when some source told us (FxA's tokens do not). */
  fxaEmail: string | null;
  generation: number;
  /** Lower-case hex of the key fingerprint; '' when unknown. */
  clientState: string;
  keysChangedAt: number | null;
  createdAt: Millis;
  replacedAt: Millis | null;
  lastSeenAt: Millis;
}

export interface TokenserverUserUpdate {
  generation: number;
  keysChangedAt: number | null;
  lastSeenAt: Millis;
}

export interface TokenserverTx {
  /** Up to `limit` rows for the e-mail, newest first (created_at DESC, uid DESC; spec §3.4). */
  tokenserverUsersByEmail(email: string, limit: number): Awaitable<TokenserverUserRow[]>;
  tokenserverUserByUid(uid: number): Awaitable<TokenserverUserRow | null>;
  /** Every row that is not replaced, ordered by e-mail. */
  listTokenserverUsers(): Awaitable<TokenserverUserRow[]>;
  insertTokenserverUser(row: TokenserverUserRow): Awaitable<void>;
  updateTokenserverUser(uid: number, update: TokenserverUserUpdate): Awaitable<void>;
  /** Marks every live row of the e-mail except `keepUid` replaced; returns the uids marked. */
  replaceOtherTokenserverUsers(email: string, keepUid: number, now: Millis): Awaitable<number[]>;
  /** Removes the rows of one FxA identity (all its uids); returns their uids. */
  deleteTokenserverUsers(email: string): Awaitable<number[]>;
  /** `storage_users.kind` of a storage user id, null when there is none. */
  storageUserKind(userId: number): Awaitable<string | null>;
}
