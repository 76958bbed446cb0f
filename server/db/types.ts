import type {
  BatchInfo,
  BsoQuery,
  CollectionFigure,
  CollectionStamp,
  QueryResult,
  Millis,
  StoredBso,
} from './records.js';
import type { TokenserverTx } from './tokenserver-types.js';
import type { FxaTx } from './fxa-types.js';
import type { SqlDialect, SqlRunner } from './sql/runner.js';

export type Awaitable<T> = T | Promise<T>;

/**
 * The storage operations a database backend offers, with no Sync semantics in them: the
 * engine decides timestamps, partial updates and preconditions; a backend only stores.
 * Methods may answer synchronously (SQLite) or with a promise (a future networked backend);
 * callers always await.
 */
export interface StorageTx {
  /**
   * Serialises the writes of one storage user across every connection, process and node: a
   * write transaction of the user's storage calls it first, and it holds until the
   * transaction ends (syncstorage-rs's `lock_for_write`). Everything the engine derives from
   * a read inside the transaction (the next timestamp, batch order) then stays true until
   * commit.
   */
  lockStorageUser(userId: number): Awaitable<void>;
  /** Collection id for a name; allocates one when `create` is set (safe under concurrency). */
  collectionId(name: string, create: boolean): Awaitable<number | null>;
  collectionModified(userId: number, collectionId: number): Awaitable<Millis>;
  setCollectionModified(userId: number, collectionId: number, modified: Millis): Awaitable<void>;
  deleteCollectionRecord(userId: number, collectionId: number): Awaitable<void>;
  /** Every live collection of the user with its last-modified time. */
  collectionStamps(userId: number): Awaitable<CollectionStamp[]>;
  /** Newest timestamp over all collections, including deleted ones' tombstone. */
  storageModified(userId: number): Awaitable<Millis>;
  setStorageTombstone(userId: number, modified: Millis): Awaitable<void>;

  collectionCounts(userId: number, now: Millis): Awaitable<CollectionFigure[]>;
  /** Payload bytes of live records per collection. */
  collectionBytes(userId: number, now: Millis): Awaitable<CollectionFigure[]>;
  totalBytes(userId: number, now: Millis): Awaitable<number>;

  /** The stored row, expired or not (a row a large delete left for reclaiming is absent). */
  getBso(userId: number, collectionId: number, id: string): Awaitable<StoredBso | null>;
  /** The stored rows among `ids` (expired or not), in no particular order. */
  getBsos(userId: number, collectionId: number, ids: readonly string[]): Awaitable<StoredBso[]>;
  /**
   * Inserts each row, or replaces the stored row of the same id. New rows keep their order
   * for the default (insertion-order) sort; replaced rows keep their place.
   */
  putBsos(userId: number, collectionId: number, bsos: readonly StoredBso[]): Awaitable<void>;
  queryBsos(userId: number, collectionId: number, query: BsoQuery, now: Millis): Awaitable<QueryResult>;
  /** Deletes matching rows (expired ones too); `limit`/`sort` pick which when given. */
  deleteBsos(userId: number, collectionId: number, query: BsoQuery): Awaitable<number>;
  /**
   * Deletes every record of the collection, visibly at once and with bounded work: a few
   * thousand rows by a plain DELETE; more by recording `floor` (the delete's timestamp: after
   * every stored row's, before any later write's) below which the collection's rows read as
   * absent everywhere, leaving the rows to `reclaimDeleted`; without `floor`, the newest
   * stored row's time. Answers how many records went (through a floor: a lower bound).
   */
  deleteCollectionBsos(userId: number, collectionId: number, floor?: Millis): Awaitable<number>;
  /**
   * Deletes every record, collection and batch of the user, as deleteCollectionBsos does each
   * collection. Without `floor` the storage user is being dropped: nothing of theirs stays.
   */
  deleteUserStorage(userId: number, floor?: Millis): Awaitable<void>;
  /**
   * Removes up to `max` rows that a large delete left below a floor (one floor at a time),
   * and the floor once none is left. Null when no floor is left at all.
   */
  reclaimDeleted(max: number): Awaitable<number | null>;
  /** Whether a large delete left rows for reclaimDeleted. */
  hasDeletedRows(): Awaitable<boolean>;
  /** Removes the rows among `ids` that a large delete left for reclaiming. */
  dropDeleted(userId: number, collectionId: number, ids: readonly string[]): Awaitable<void>;
  /** The collection's floor (rows at or before it are deleted), or 0 when it has none. */
  collectionFloor(userId: number, collectionId: number): Awaitable<Millis>;
  /** Ids of the collection's rows newer than `floor`, or null when there are more than `max`. */
  idsAbove(userId: number, collectionId: number, floor: Millis, max: number): Awaitable<string[] | null>;
  purgeExpired(now: Millis, max: number): Awaitable<number>;

  createBatch(batch: BatchInfo): Awaitable<void>;
  getBatch(id: string): Awaitable<BatchInfo | null>;
  /** Staged writes keep BsoWrite semantics; `ttl` stays relative until commit. */
  stageBatchItems(batchId: string, items: readonly StagedItem[]): Awaitable<void>;
  batchItems(batchId: string): Awaitable<StagedItem[]>;
  deleteBatch(batchId: string): Awaitable<void>;
  purgeBatches(createdBefore: Millis): Awaitable<number>;
}

/** A BsoWrite as staged in a batch; `undefined` fields are stored as "absent". */
export interface StagedItem {
  id: string;
  payload?: string | null;
  sortindex?: number | null;
  ttl?: number | null;
}

/** Owners of storage: every protocol's user maps to one storage user id. */
export interface OwnersTx {
  createStorageUser(kind: string, now: Millis): Awaitable<number>;
  deleteStorageUser(userId: number): Awaitable<void>;
}

export interface Tx extends StorageTx, OwnersTx, AccountsTx, TokenserverTx, FxaTx {}

export interface Sync11UserRow {
  userId: number;
  username: string;
  passwordHash: string;
  email: string | null;
  status: number;
  created: Millis;
}

/**
 * A person of the household directory (issue 14) and the storage user their data belongs to.
 * Keyed by the directory's stable identifier (entryUUID, uidNumber or DN), never by the typed
 * name, so a renamed person keeps their data. Foxden keeps no password here.
 */
export interface DirectoryUserRow {
  /** `id_attribute`'s value (entryUUID in lower case). */
  directoryId: string;
  /** Which protocol's storage: 'sync11' (one storage user per person and kind). */
  kind: string;
  userId: number;
  /** The login name last used (the typed name, or the directory's uid). */
  name: string;
  displayName: string;
  created: Millis;
  /** Last sign-in checked against the directory (a bind, not a cached credential). */
  lastSeen: Millis;
}

export interface AccountsTx {
  findDirectoryUser(directoryId: string, kind: string): Awaitable<DirectoryUserRow | null>;
  insertDirectoryUser(row: DirectoryUserRow): Awaitable<void>;
  /** A sign-in: the name and display name as the directory says now, and when. */
  touchDirectoryUser(
    directoryId: string,
    kind: string,
    name: string,
    displayName: string,
    lastSeen: Millis,
  ): Awaitable<boolean>;
  /** Every directory person who has signed in, by name. */
  listDirectoryUsers(): Awaitable<DirectoryUserRow[]>;
  findSync11User(username: string): Awaitable<Sync11UserRow | null>;
  listSync11Users(): Awaitable<Sync11UserRow[]>;
  insertSync11User(row: Sync11UserRow): Awaitable<void>;
  updateSync11Password(username: string, passwordHash: string): Awaitable<boolean>;
  updateSync11Email(username: string, email: string): Awaitable<boolean>;
  deleteSync11User(username: string): Awaitable<boolean>;
}

export type TxMode = 'read' | 'write';

export interface Database {
  readonly kind: string;
  /**
   * Runs `fn` as one transaction: all of it or nothing. A 'read' transaction sees one
   * consistent snapshot from its first statement to its last. A 'write' transaction commits
   * only if `fn` resolves and rolls back entirely if it throws; concurrent writers to one
   * user are ordered by `lockStorageUser`, never by the process (several nodes may share
   * one database).
   */
  transaction<T>(mode: TxMode, fn: (tx: Tx) => Awaitable<T>): Promise<T>;
  /**
   * A number that grows whenever a write may have been committed — through this object or
   * by another process (the CLI's `foxden user passwd|delete` while the server runs) — so
   * in-process caches of rows can tell cheaply whether to read again. A cache reads the
   * version BEFORE the rows it stores and keeps them only while the version is unchanged:
   * a write racing in can then only cause a refresh, never keep stale rows. Synchronous
   * because it is asked on every request; a backend that cannot tell cheaply returns a new
   * value on every call, which turns such caches off.
   */
  changeVersion(): number;
  /**
   * The version to keep a cache entry about storage user `userId` under: it changes with
   * every commit that may change what is stored for that user, from this process or any
   * other node. Read it BEFORE the rows the entry keeps (the rule of changeVersion). SQLite
   * answers changeVersion() from memory; a networked backend reads the user's row version,
   * one primary-key lookup, so a write through another node counts at once. Null when the
   * backend has no version for it (no such user, or no user given): keep nothing then.
   */
  userVersion(userId?: number): Awaitable<number | null>;
  /**
   * Runs `fn` as one transaction of `mode`, as `transaction` does, but with the connection's
   * plain SQL runner and dialect instead of a Tx: table-level access for `foxden db copy`
   * (server/db/copy/), which moves every row of every table between backends. Every backend
   * in server/db implements it; optional only so that a test double need not.
   */
  raw?<T>(mode: TxMode, fn: (runner: SqlRunner, dialect: SqlDialect) => Promise<T>): Promise<T>;
  integrityCheck(): Promise<string>;
  /** A consistent copy of the whole database in a new file. */
  backup(destination: string): Promise<void>;
  /**
   * After large deletes have been reclaimed: one small step of giving space back (SQLite:
   * an incremental vacuum of a bounded number of pages, and a checkpoint that truncates the
   * WAL). Answers whether more steps are left. Absent where the server reclaims by itself.
   */
  compactStep?(): Promise<boolean>;
  close(): Promise<void>;
}
