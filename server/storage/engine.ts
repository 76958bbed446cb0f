import { randomBytes } from 'node:crypto';
import type { Database, StagedItem, Tx } from '../db/types.js';
import { VersionedCache } from '../db/versioned-cache.js';
import { BatchNotFound, OverQuota, PreconditionFailed } from './errors.js';
import { Reclaimer, type ReclaimerOptions } from './reclaimer.js';
import { PageEnds } from './page-ends.js';
import { nowMillis, TICK_MS, type Millis } from './timestamps.js';
import type {
  BsoQuery,
  BsoWrite,
  CollectionFigure,
  CollectionStamp,
  QueryResult,
  StoredBso,
  WritePolicy,
} from './types.js';

/** What an X-If-Unmodified-Since header is compared against. */
export interface Precondition {
  unmodifiedSince: Millis;
  /** Sync 1.1 compares with the collection; Sync 1.5 with the addressed resource. */
  scope: 'collection' | 'item';
}

export interface WriteOptions {
  precondition?: Precondition;
  /** Refuse the write when the user's live payloads already use this many bytes. */
  quotaBytes?: number;
}

export interface WriteResult {
  /** The request's timestamp: every record written gets it. */
  modified: Millis;
  /** Each record's `modified` after the write, in input order. */
  itemModified: Millis[];
  /** Bytes in use before the write (only when a quota was given). */
  bytesBefore?: number;
}

export interface DeleteResult {
  modified: Millis;
  removed: number;
}

export interface QueryOptions {
  /**
   * Whether the page after this one may be asked for by a row count (Sync 1.1's `offset=`):
   * only then is where the page ended kept for that request to seek from (PageEnds). Sync 1.5
   * hands on its own cursor, so it says false. Default true.
   */
  rowOffsetsFollow?: boolean;
}

export interface EngineOptions {
  clock?: () => number;
  /** How long a batch stays open (Sync 1.5: two hours). */
  batchLifetimeMs?: number;
}

/**
 * While a deleted collection's rows wait for the reclaimer, a listing of the collection with at
 * most this many records written since reads them by primary key (ordered and paged in memory),
 * instead of walking an index past every deleted row.
 */
const FEW_SINCE_FLOOR = 2_000;

/**
 * Expired records removed per purge transaction, with as long a rest after it: a few
 * milliseconds of work (expired rows are scattered over users and collections, so each
 * touches index pages of its own; whole-collection reclaim slices measured 10-40 µs a row).
 */
const PURGE_SLICE = 200;

const TWO_HOURS = 2 * 60 * 60 * 1000;
/** Users whose collection timestamps stay in memory (info/collections, X-Last-Modified). */
const STAMP_CACHE_USERS = 256;

/**
 * The one quota check of every write (Sync 1.1 and 1.5, single writes and batch commits):
 * the user's bytes before this write, or undefined when quotas are off. A user already at or
 * over `quotaBytes` writes nothing more (OverQuota); a write may carry them past it once.
 */
async function checkQuota(
  tx: Tx,
  userId: number,
  modified: Millis,
  quotaBytes: number | undefined,
): Promise<number | undefined> {
  if (quotaBytes === undefined) return undefined;
  const bytesBefore = await tx.totalBytes(userId, modified);
  if (bytesBefore >= quotaBytes) throw new OverQuota();
  return bytesBefore;
}

/**
 * The storage engine: collections, records, timestamps, TTL, queries, quota and batches,
 * shared by Sync 1.1 and Sync 1.5. It knows nothing of HTTP; it talks to the database only
 * through the Database interface, and each public method is one transaction.
 */
export class StorageEngine {
  private readonly clock: () => number;
  private readonly batchLifetimeMs: number;
  /**
   * Every client polls info/collections; its answer changes only by a committed write —
   * through this engine, another process (the CLI) or another node — and
   * Database.userVersion tells them apart from no write at all. Nothing here depends on the
   * clock.
   */
  private readonly stampCache = new VersionedCache<number, readonly CollectionStamp[]>(STAMP_CACHE_USERS);
  private readonly storageModifiedCache = new VersionedCache<number, Millis>(STAMP_CACHE_USERS);
  private readonly pageEnds = new PageEnds();
  /** Removes what large deletes left, once background work is started (a serving server). */
  private reclaimer: Reclaimer | null = null;
  /**
   * Whether a floor of a large delete may exist (reads then look for their collection's): set
   * by this engine's deletes, at start (a restart may find some) and whenever the reclaimer
   * finds one (another process's or node's, found by its poll); cleared when the reclaimer
   * finds none, unless a delete began while it looked. The SQL hides deleted rows either way.
   */
  private floorsMayExist = true;
  /**
   * Moves when one of this engine's deletes begins and when it ends: a look for floors that saw
   * it move overlapped a delete (whose floor it may not have seen), and clears nothing.
   */
  private deleteTicks = 0;

  constructor(
    readonly db: Database,
    options: EngineOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.batchLifetimeMs = options.batchLifetimeMs ?? TWO_HOURS;
  }

  now(): Millis {
    return nowMillis(this.clock);
  }

  /**
   * Starts reclaiming the rows large deletes leave behind (and resumes what an earlier run
   * left); a serving server calls it, a one-shot CLI command does not.
   */
  startBackgroundWork(options: ReclaimerOptions = {}): void {
    this.reclaimer ??= this.newReclaimer(options);
    this.reclaimer.start();
  }

  private newReclaimer(options: ReclaimerOptions): Reclaimer {
    return new Reclaimer(this.db, {
      ...options,
      onLook: () => this.deleteTicks,
      onIdle: (look) => {
        if (look === this.deleteTicks) this.floorsMayExist = false;
      },
      onFloor: () => (this.floorsMayExist = true),
    });
  }

  async stopBackgroundWork(): Promise<void> {
    await this.reclaimer?.stop();
  }

  /** Reclaims everything large deletes left, now (tests, and a server's last chance). */
  reclaimNow(): Promise<number> {
    this.reclaimer ??= this.newReclaimer({});
    return this.reclaimer.drain();
  }

  /**
   * The user's live collections with their timestamps; frozen, as it may be shared.
   * `version`: the user's version as the caller already read it this request (else read here).
   */
  collectionStamps(userId: number, version?: number | null): Promise<readonly CollectionStamp[]> {
    return this.stampCache.read(
      userId,
      () => (version === undefined ? this.db.userVersion(userId) : version),
      () =>
        this.db.transaction('read', async (tx) =>
          Object.freeze((await tx.collectionStamps(userId)).map((stamp) => Object.freeze(stamp))),
        ),
    );
  }

  storageModified(userId: number, version?: number | null): Promise<Millis> {
    return this.storageModifiedCache.read(
      userId,
      () => (version === undefined ? this.db.userVersion(userId) : version),
      () => this.db.transaction('read', (tx) => tx.storageModified(userId)),
    );
  }

  collectionCounts(userId: number): Promise<CollectionFigure[]> {
    return this.db.transaction('read', (tx) => tx.collectionCounts(userId, this.now()));
  }

  collectionBytes(userId: number): Promise<CollectionFigure[]> {
    return this.db.transaction('read', (tx) => tx.collectionBytes(userId, this.now()));
  }

  totalBytes(userId: number): Promise<number> {
    return this.db.transaction('read', (tx) => tx.totalBytes(userId, this.now()));
  }

  collectionModified(userId: number, collection: string): Promise<Millis> {
    return this.db.transaction('read', async (tx) => {
      const cid = await tx.collectionId(collection, false);
      return cid === null ? 0 : tx.collectionModified(userId, cid);
    });
  }

  /** A live record, or null when it is absent or expired. */
  getItem(userId: number, collection: string, id: string): Promise<StoredBso | null> {
    return this.db.transaction('read', async (tx) => {
      const cid = await tx.collectionId(collection, false);
      if (cid === null) return null;
      const bso = await tx.getBso(userId, cid, id);
      return bso && isLive(bso, this.now()) ? bso : null;
    });
  }

  /** Records matching the query, with the collection's timestamp read in the same snapshot. */
  query(
    userId: number,
    collection: string,
    query: BsoQuery,
    options: QueryOptions = {},
  ): Promise<QueryResult & { collectionModified: Millis }> {
    return this.db.transaction('read', async (tx) => {
      const cid = await tx.collectionId(collection, false);
      if (cid === null) return { items: [], more: false, collectionModified: 0 };
      const collectionModified = await tx.collectionModified(userId, cid);
      // A row-count offset this server's previous page ended at becomes a seek (page-ends.ts).
      const run = this.pageEnds.seek(userId, collection, query, collectionModified);
      const result = await tx.queryBsos(userId, cid, await this.pastFloor(tx, userId, cid, run), this.now());
      if (result.more && options.rowOffsetsFollow !== false)
        this.pageEnds.remember(userId, collection, query, result.items, collectionModified);
      return { ...result, collectionModified };
    });
  }

  /** Writes records with partial-update semantics in one transaction and one timestamp. */
  putItems(
    userId: number,
    collection: string,
    items: readonly BsoWrite[],
    policy: WritePolicy,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    return this.db.transaction('write', async (tx) => {
      await tx.lockStorageUser(userId);
      const cid = (await tx.collectionId(collection, true)) as number;
      const ids = items.length === 1 ? [(items[0] as BsoWrite).id] : undefined;
      const modified = await this.prepareWrite(tx, userId, cid, options.precondition, ids);
      const bytesBefore = await checkQuota(tx, userId, modified, options.quotaBytes);
      const itemModified = await this.applyWrites(tx, userId, cid, items, policy, modified);
      return { modified, itemModified, ...(bytesBefore === undefined ? {} : { bytesBefore }) };
    });
  }

  /**
   * A delete's write transaction. The counter moves at its start and end, so a reclaimer's look
   * that overlapped it does not clear floorsMayExist; a large delete leaves rows below a floor,
   * which the reclaimer then removes in the background.
   */
  private async deleting<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    this.deleteTicks++;
    const result = await this.db.transaction('write', fn);
    this.floorsMayExist = true;
    this.deleteTicks++;
    this.reclaimer?.wake();
    return result;
  }

  /** Deletes the records a query selects; the collection itself stays. */
  async deleteItems(
    userId: number,
    collection: string,
    query: BsoQuery,
    policy: WritePolicy,
    precondition?: Precondition,
  ): Promise<DeleteResult> {
    return this.deleting(async (tx) => {
      await tx.lockStorageUser(userId);
      const cid = await tx.collectionId(collection, false);
      if (cid === null) {
        if (precondition) await this.checkPrecondition(tx, userId, null, precondition);
        return { modified: this.now(), removed: 0 };
      }
      const modified = await this.prepareWrite(tx, userId, cid, precondition, query.ids);
      // All of the collection's records (Sync 1.1 DELETE of a collection without filters):
      // bounded work, whatever its size.
      const removed = selectsAll(query)
        ? await tx.deleteCollectionBsos(userId, cid, modified)
        : await tx.deleteBsos(userId, cid, query);
      const exists = (await tx.collectionModified(userId, cid)) > 0;
      if (removed > 0 || (policy.touchWhenEmpty && exists)) {
        await tx.setCollectionModified(userId, cid, modified);
      }
      return { modified, removed };
    });
  }

  /** Deletes a whole collection and its record (Sync 1.5); storage time still advances. */
  async deleteCollection(
    userId: number,
    collection: string,
    precondition?: Precondition,
  ): Promise<DeleteResult> {
    return this.deleting(async (tx) => {
      await tx.lockStorageUser(userId);
      const cid = await tx.collectionId(collection, false);
      if (cid === null) {
        if (precondition) await this.checkPrecondition(tx, userId, null, precondition);
        return { modified: await tx.storageModified(userId), removed: 0 };
      }
      const existed = (await tx.collectionModified(userId, cid)) > 0;
      const modified = await this.prepareWrite(tx, userId, cid, precondition);
      const removed = await tx.deleteCollectionBsos(userId, cid, modified);
      if (!existed && removed === 0) return { modified: await tx.storageModified(userId), removed };
      await tx.deleteCollectionRecord(userId, cid);
      await tx.setStorageTombstone(userId, modified);
      return { modified, removed };
    });
  }

  /** Deletes every record and collection of the user. */
  async deleteStorage(userId: number): Promise<Millis> {
    return this.deleting(async (tx) => {
      await tx.lockStorageUser(userId);
      const modified = Math.max(this.now(), (await tx.storageModified(userId)) + TICK_MS);
      await tx.deleteUserStorage(userId, modified);
      await tx.setStorageTombstone(userId, modified);
      return modified;
    });
  }

  /** Opens a batch (Sync 1.5) and stages the first records; nothing becomes visible. */
  createBatch(
    userId: number,
    collection: string,
    items: readonly StagedItem[],
    precondition?: Precondition,
  ): Promise<{ batch: string; collectionModified: Millis }> {
    return this.db.transaction('write', async (tx) => {
      await tx.lockStorageUser(userId);
      const cid = await tx.collectionId(collection, false);
      if (precondition) await this.checkPrecondition(tx, userId, cid, precondition);
      const batch = randomBytes(12).toString('base64url').replace(/[-_]/g, 'x');
      await tx.createBatch({ id: batch, userId, collection, created: this.now() });
      await tx.stageBatchItems(batch, items);
      const collectionModified = cid === null ? 0 : await tx.collectionModified(userId, cid);
      return { batch, collectionModified };
    });
  }

  /** Stages more records in an open batch. */
  appendBatch(
    userId: number,
    collection: string,
    batch: string,
    items: readonly StagedItem[],
    precondition?: Precondition,
  ): Promise<{ collectionModified: Millis }> {
    return this.db.transaction('write', async (tx) => {
      await tx.lockStorageUser(userId);
      await this.openBatch(tx, userId, collection, batch);
      const cid = await tx.collectionId(collection, false);
      if (precondition) await this.checkPrecondition(tx, userId, cid, precondition);
      await tx.stageBatchItems(batch, items);
      return { collectionModified: cid === null ? 0 : await tx.collectionModified(userId, cid) };
    });
  }

  /**
   * Applies a batch's staged records and then `items` (which win over staged versions of
   * the same id) in one transaction with one timestamp, and closes the batch.
   */
  commitBatch(
    userId: number,
    collection: string,
    batch: string,
    items: readonly StagedItem[],
    policy: WritePolicy,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    return this.db.transaction('write', async (tx) => {
      await tx.lockStorageUser(userId);
      await this.openBatch(tx, userId, collection, batch);
      const cid = (await tx.collectionId(collection, true)) as number;
      const modified = await this.prepareWrite(tx, userId, cid, options.precondition);
      const bytesBefore = await checkQuota(tx, userId, modified, options.quotaBytes);
      const merged = new Map<string, BsoWrite>();
      for (const item of [...(await tx.batchItems(batch)), ...items]) {
        merged.delete(item.id);
        merged.set(item.id, item);
      }
      const itemModified = await this.applyWrites(tx, userId, cid, [...merged.values()], policy, modified);
      await tx.deleteBatch(batch);
      return { modified, itemModified, ...(bytesBefore === undefined ? {} : { bytesBefore }) };
    });
  }

  /**
   * Removes expired records (at most `maxRecords`) and abandoned batches; returns how many
   * records went. Small transactions with rests between them, so that requests never wait
   * behind a purge for more than a few milliseconds.
   */
  async purge(maxRecords = 10_000): Promise<number> {
    await this.db.transaction('write', (tx) => tx.purgeBatches(this.now() - this.batchLifetimeMs));
    let removed = 0;
    while (removed < maxRecords) {
      const t0 = performance.now();
      const slice = Math.min(PURGE_SLICE, maxRecords - removed);
      const went = await this.db.transaction('write', (tx) => tx.purgeExpired(this.now(), slice));
      removed += went;
      if (went < slice) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(2, performance.now() - t0)));
    }
    return removed;
  }

  /**
   * `query` for a collection a large delete has left rows in: only rows newer than its floor
   * (the same answer, as a range an index can seek), and when few were written since, by their
   * ids, which reads them by primary key instead of walking past every deleted row.
   */
  private async pastFloor(tx: Tx, userId: number, cid: number, query: BsoQuery): Promise<BsoQuery> {
    if (!this.floorsMayExist || query.ids) return query;
    const floor = await tx.collectionFloor(userId, cid);
    if (floor === 0) return query;
    const since = { ...query, newer: Math.max(query.newer ?? 0, floor) };
    const ids = await tx.idsAbove(userId, cid, floor, FEW_SINCE_FLOOR);
    return ids === null ? since : { ...since, ids };
  }

  private async openBatch(tx: Tx, userId: number, collection: string, batch: string): Promise<void> {
    const info = await tx.getBatch(batch);
    if (
      !info ||
      info.userId !== userId ||
      info.collection !== collection ||
      info.created <= this.now() - this.batchLifetimeMs
    ) {
      throw new BatchNotFound();
    }
  }

  private async checkPrecondition(
    tx: Tx,
    userId: number,
    cid: number | null,
    precondition: Precondition,
    itemId?: string,
  ): Promise<void> {
    let last = 0;
    if (cid !== null) {
      if (precondition.scope === 'item' && itemId !== undefined) {
        last = (await tx.getBso(userId, cid, itemId))?.modified ?? 0;
      } else {
        last = await tx.collectionModified(userId, cid);
      }
    }
    if (last > precondition.unmodifiedSince) throw new PreconditionFailed(last);
  }

  /**
   * Checks the precondition and picks the request's timestamp. The timestamp always moves
   * past the user's newest one (any collection), so two writes within one 10 ms tick still
   * order correctly (spec 1.5 §2.11) instead of failing with a conflict, and the storage
   * timestamp stays the one of the latest write.
   */
  private async prepareWrite(
    tx: Tx,
    userId: number,
    cid: number,
    precondition: Precondition | undefined,
    ids?: readonly string[],
  ): Promise<Millis> {
    if (precondition) {
      const itemId = ids?.length === 1 ? ids[0] : undefined;
      await this.checkPrecondition(tx, userId, cid, precondition, itemId);
    }
    const last = await tx.storageModified(userId);
    return Math.max(this.now(), last + TICK_MS);
  }

  private async applyWrites(
    tx: Tx,
    userId: number,
    cid: number,
    items: readonly BsoWrite[],
    policy: WritePolicy,
    modified: Millis,
  ): Promise<Millis[]> {
    // TTLs count from the clock, not from `modified`, which may run a tick or two ahead of it.
    const now = this.now();
    // One bulk read and one bulk write, not two round trips per record on a networked database.
    const byId = new Map<string, StoredBso>();
    if (items.length > 0) {
      const found = await tx.getBsos(
        userId,
        cid,
        items.map((write) => write.id),
      );
      for (const bso of found) {
        if (isLive(bso, now)) byId.set(bso.id, bso);
      }
      // A deleted row waiting for the reclaimer goes first, so a record written again under its
      // id is new in every way, its place in insertion order too.
      if (this.floorsMayExist && found.length < items.length) {
        const seen = new Set(found.map((bso) => bso.id));
        await tx.dropDeleted(
          userId,
          cid,
          items.map((write) => write.id).filter((id) => !seen.has(id)),
        );
      }
    }
    const result: Millis[] = [];
    // A later write of the same id in one request merges onto the earlier one, as if applied in turn.
    const written = new Map<string, StoredBso>();
    for (const write of items) {
      const bso = mergeWrite(byId.get(write.id) ?? null, write, policy, modified, now);
      byId.set(write.id, bso);
      written.set(write.id, bso);
      result.push(bso.modified);
    }
    if (written.size > 0) await tx.putBsos(userId, cid, [...written.values()]);
    if (items.length > 0 || policy.touchWhenEmpty) await tx.setCollectionModified(userId, cid, modified);
    return result;
  }
}

/** A query with no filter and no limit: it selects every record of the collection. */
function selectsAll(query: BsoQuery): boolean {
  // Anything but the order and paging of a listing counts as a filter, including any added later.
  return Object.entries(query).every(
    ([key, value]) => value === undefined || key === 'sort' || key === 'offset' || key === 'idsOnly',
  );
}

export function isLive(bso: StoredBso, now: Millis): boolean {
  return bso.expiry === null || bso.expiry > now;
}

/** Partial-update rule: fields the write leaves out keep their stored values. */
export function mergeWrite(
  existing: StoredBso | null,
  write: BsoWrite,
  policy: WritePolicy,
  modified: Millis,
  now: Millis,
): StoredBso {
  const pick = <K extends 'payload' | 'sortindex' | 'parentid' | 'predecessorid'>(key: K): StoredBso[K] => {
    const value = write[key];
    if (value !== undefined) return value as StoredBso[K];
    return existing ? existing[key] : null;
  };
  let expiry: Millis | null;
  if (write.ttl === undefined) expiry = existing ? existing.expiry : null;
  else expiry = write.ttl === null ? null : now + write.ttl * 1000;
  const bump =
    !existing || write.payload !== undefined || (policy.bumpOnSortindex && write.sortindex !== undefined);
  return {
    id: write.id,
    modified: bump ? modified : (existing as StoredBso).modified,
    payload: pick('payload'),
    sortindex: pick('sortindex'),
    parentid: pick('parentid'),
    predecessorid: pick('predecessorid'),
    expiry,
  };
}
