import { VersionedCache } from '../db/versioned-cache.js';

const DEFAULT_MAX_ENTRIES = 1024;

/**
 * Sync 1.5 uids last seen live (a Sync 1.5 storage user whose tokenserver row is not
 * replaced), so that Hawk need not read two rows per request. Every entry belongs to the
 * uid's version (Database.userVersion): any committed write that concerns it — the
 * tokenserver replacing the uid, an admin deleting the account, another process or node —
 * moves the version, so a replaced uid's token is refused by the very next request. Only the
 * live state is kept; refusals are always read afresh.
 */
export class LiveUidCache {
  private readonly uids: VersionedCache<number, true>;

  constructor(maxEntries = DEFAULT_MAX_ENTRIES) {
    this.uids = new VersionedCache(maxEntries);
  }

  /** Whether `uid` was seen live at this version. */
  has(uid: number, version: number | null): boolean {
    return this.uids.get(uid, version) === true;
  }

  /** Records `uid` as live, as read after the change version was `version`. */
  add(uid: number, version: number | null): void {
    this.uids.set(uid, true, version);
  }

  get size(): number {
    return this.uids.size;
  }
}
