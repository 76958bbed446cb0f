import type { Tx } from '../../db/types.js';
import type { TokenserverUserRow } from '../../db/tokenserver-types.js';
import type { Millis } from '../../storage/timestamps.js';

/** The storage_users.kind of every Sync 1.5 user. */
export const SYNC15_KIND = 'sync15';

export interface NewSync15User {
  email: string;
  fxaUid: string;
  fxaEmail?: string | null;
  generation: number;
  clientState: string;
  keysChangedAt: number | null;
}

/**
 * Adds a tokenserver row with a freshly allocated storage user id as its uid: the uid in
 * tokens and URLs is the storage key, so a new row always means new, empty storage (spec §3.4).
 */
export async function insertSync15User(
  tx: Tx,
  user: NewSync15User,
  now: Millis,
): Promise<TokenserverUserRow> {
  const uid = await tx.createStorageUser(SYNC15_KIND, now);
  const row: TokenserverUserRow = {
    uid,
    email: user.email,
    fxaUid: user.fxaUid,
    fxaEmail: user.fxaEmail ?? null,
    generation: user.generation,
    clientState: user.clientState,
    keysChangedAt: user.keysChangedAt,
    createdAt: now,
    replacedAt: null,
    lastSeenAt: now,
  };
  await tx.insertTokenserverUser(row);
  return row;
}
