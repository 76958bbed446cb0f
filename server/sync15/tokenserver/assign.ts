import type { Tx } from '../../db/types.js';
import type { TokenserverUserRow } from '../../db/tokenserver-types.js';
import type { Millis } from '../../storage/timestamps.js';
import { checkConsistency, nextState, type ClaimedState, type KnownState } from './consistency.js';
import { dropStorageUser } from '../../db/storage-users.js';
import { insertSync15User } from './users.js';

/** RS looks at this many rows per e-mail (spec 1.5 §3.4). */
const MAX_ROWS = 20;

export interface Identity {
  email: string;
  fxaUid: string;
}

export interface Assignment {
  user: TokenserverUserRow;
  /** A brand-new account (admitted by `admitNewUser`). */
  created: boolean;
  /** uids whose storage was dropped because the account's keys changed. */
  reset: number[];
}

/** The current row: greatest (generation, created_at), spec §3.4 (rows arrive newest first). */
function currentOf(rows: TokenserverUserRow[]): TokenserverUserRow {
  return rows.reduce((best, row) =>
    row.generation > best.generation || (row.generation === best.generation && row.createdAt > best.createdAt)
      ? row
      : best,
  );
}

/**
 * Finds or creates the user for a verified FxA identity and applies spec §3.3 inside one
 * transaction: any failed check throws, so nothing is written. A new client state (new keys)
 * gets a new uid, i.e. new empty storage, and the old uid's storage is deleted at once.
 */
export async function assignUser(
  tx: Tx,
  identity: Identity,
  claimed: ClaimedState,
  now: Millis,
  admitNewUser: () => void,
): Promise<Assignment> {
  const rows = await tx.tokenserverUsersByEmail(identity.email, MAX_ROWS);
  if (rows.length === 0) {
    admitNewUser();
    const user = await insertSync15User(
      tx,
      {
        ...identity,
        generation: claimed.generation ?? 0,
        clientState: claimed.clientState,
        keysChangedAt: claimed.keysChangedAt,
      },
      now,
    );
    return { user, created: true, reset: [] };
  }

  let current = currentOf(rows);
  const reset: number[] = [];
  if (current.replacedAt !== null) {
    // Every row was replaced (e.g. by an admin reset): continue on a fresh uid with the same state.
    current = await insertSync15User(tx, { ...current, keysChangedAt: current.keysChangedAt }, now);
  }
  // A replaced uid's storage goes at once: a personal server need not keep it (spec §3.4).
  for (const uid of await tx.replaceOtherTokenserverUsers(identity.email, current.uid, now)) {
    await dropStorageUser(tx, uid);
    reset.push(uid);
  }

  const known: KnownState = {
    generation: current.generation,
    keysChangedAt: current.keysChangedAt,
    clientState: current.clientState,
    oldClientStates: rows
      .filter((r) => r.uid !== current.uid && r.clientState !== current.clientState)
      .map((r) => r.clientState),
  };
  checkConsistency(claimed, known);
  const next = nextState(claimed, known);

  if (claimed.clientState !== current.clientState) {
    const user = await insertSync15User(
      tx,
      { ...identity, fxaEmail: current.fxaEmail, clientState: claimed.clientState, ...next },
      now,
    );
    for (const uid of await tx.replaceOtherTokenserverUsers(identity.email, user.uid, now)) {
      await dropStorageUser(tx, uid);
      reset.push(uid);
    }
    return { user, created: false, reset };
  }
  await tx.updateTokenserverUser(current.uid, { ...next, lastSeenAt: now });
  const user = (await tx.tokenserverUserByUid(current.uid)) ?? current;
  return { user, created: false, reset };
}
