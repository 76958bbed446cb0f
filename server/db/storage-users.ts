import type { Tx } from './types.js';

/**
 * Deletes a storage user and all its records in the caller's transaction. Shared by the
 * tokenserver (a replaced uid, spec 1.5 §3.4) and local accounts (a deleted account), so that
 * neither imports the other.
 */
export async function dropStorageUser(tx: Tx, uid: number): Promise<void> {
  await tx.deleteUserStorage(uid);
  await tx.deleteStorageUser(uid);
}
