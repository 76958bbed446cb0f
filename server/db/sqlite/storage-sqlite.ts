import type { StorageTx, StagedItem } from '../types.js';
import type {
  BatchInfo,
  BsoFilter,
  BsoQuery,
  CollectionFigure,
  CollectionStamp,
  QueryResult,
  Millis,
  StoredBso,
} from '../records.js';
import { rowCodec } from './row-codec.js';
import type { StatementCache } from './statements.js';

/** Collection id 0 holds the time of the last collection delete, so storage time never goes back. */
const TOMBSTONE = 0;
const FIRST_CUSTOM_COLLECTION = 101;
/** Ids per IN (...) list: well under SQLite's bound-parameter limit. */
const IN_LIST_MAX = 500;

interface BsoRow {
  id: string;
  modified_ms: number;
  payload: string | null;
  sortindex: number | null;
  parentid: string | null;
  predecessorid: string | null;
  expiry_ms: number | null;
}

const BSO_COLUMNS = 'id, modified_ms, payload, sortindex, parentid, predecessorid, expiry_ms';
/** The same row shape without the large columns, for id listings (BsoQuery.idsOnly). */
const BSO_ID_COLUMNS =
  'id, modified_ms, NULL AS payload, sortindex, NULL AS parentid, NULL AS predecessorid, expiry_ms';

function toBso(row: BsoRow): StoredBso {
  return {
    id: row.id,
    modified: row.modified_ms,
    payload: row.payload,
    sortindex: row.sortindex,
    parentid: row.parentid,
    predecessorid: row.predecessorid,
    expiry: row.expiry_ms,
  };
}

const BATCH = rowCodec<BatchInfo>({
  id: 'id',
  userId: 'user_id',
  collection: 'collection',
  created: 'created_ms',
});

const LIVE = '(expiry_ms IS NULL OR expiry_ms > ?)';

/** The single-value filters and the condition each adds; `ids` is a list and handled apart. */
const CONDITIONS: readonly [keyof Omit<BsoFilter, 'ids'>, string][] = [
  ['newer', 'modified_ms > ?'],
  ['older', 'modified_ms < ?'],
  ['indexAbove', 'sortindex > ?'],
  ['indexBelow', 'sortindex < ?'],
  ['parentid', 'parentid = ?'],
  ['predecessorid', 'predecessorid = ?'],
];

function whereFor(filter: BsoFilter, params: unknown[]): string {
  let sql = '';
  if (filter.ids) {
    sql += ` AND id IN (${filter.ids.map(() => '?').join(',')})`;
    params.push(...filter.ids);
  }
  for (const [key, condition] of CONDITIONS) {
    const value = filter[key];
    if (value === undefined) continue;
    sql += ` AND ${condition}`;
    params.push(value);
  }
  return sql;
}

function orderFor(query: BsoQuery): string {
  switch (query.sort) {
    case 'oldest':
      return ' ORDER BY modified_ms ASC, id ASC';
    case 'newest':
      return ' ORDER BY modified_ms DESC, id ASC';
    case 'index':
      return ' ORDER BY sortindex DESC, id ASC';
    default:
      return ' ORDER BY rowid';
  }
}

function limitFor(query: BsoQuery, extra: number, params: unknown[]): string {
  if (query.limit === undefined) {
    if (!query.offset) return '';
    params.push(-1, query.offset);
    return ' LIMIT ? OFFSET ?';
  }
  params.push(query.limit + extra, query.offset ?? 0);
  return ' LIMIT ? OFFSET ?';
}

export class SqliteStorage implements StorageTx {
  constructor(private readonly s: StatementCache) {}

  /** Every write transaction is BEGIN IMMEDIATE: it already holds the whole database. */
  lockStorageUser(): void {}

  collectionId(name: string, create: boolean): number | null {
    const row = this.s.get('SELECT id FROM collections WHERE name = ?').get(name) as
      | { id: number }
      | undefined;
    if (row) return row.id;
    if (!create) return null;
    const max = this.s.get('SELECT MAX(id) AS m FROM collections').get() as { m: number };
    const id = Math.max(max.m + 1, FIRST_CUSTOM_COLLECTION);
    this.s.get('INSERT INTO collections (id, name) VALUES (?, ?)').run(id, name);
    return id;
  }

  collectionModified(userId: number, collectionId: number): Millis {
    const row = this.s
      .get('SELECT modified_ms FROM user_collections WHERE user_id = ? AND collection_id = ?')
      .get(userId, collectionId) as { modified_ms: number } | undefined;
    return row?.modified_ms ?? 0;
  }

  setCollectionModified(userId: number, collectionId: number, modified: Millis): void {
    this.s
      .get(
        `INSERT INTO user_collections (user_id, collection_id, modified_ms) VALUES (?, ?, ?)
         ON CONFLICT (user_id, collection_id) DO UPDATE SET modified_ms = excluded.modified_ms`,
      )
      .run(userId, collectionId, modified);
  }

  deleteCollectionRecord(userId: number, collectionId: number): void {
    this.s
      .get('DELETE FROM user_collections WHERE user_id = ? AND collection_id = ?')
      .run(userId, collectionId);
  }

  collectionStamps(userId: number): CollectionStamp[] {
    return this.s
      .get(
        `SELECT c.name AS name, uc.modified_ms AS modified FROM user_collections uc
         JOIN collections c ON c.id = uc.collection_id
         WHERE uc.user_id = ? AND uc.collection_id <> ${TOMBSTONE}`,
      )
      .all(userId) as CollectionStamp[];
  }

  storageModified(userId: number): Millis {
    const row = this.s
      .get('SELECT MAX(modified_ms) AS m FROM user_collections WHERE user_id = ?')
      .get(userId) as { m: number | null };
    return row.m ?? 0;
  }

  setStorageTombstone(userId: number, modified: Millis): void {
    this.setCollectionModified(userId, TOMBSTONE, modified);
  }

  collectionCounts(userId: number, now: Millis): CollectionFigure[] {
    return this.perCollection('COUNT(*)', userId, now);
  }

  collectionBytes(userId: number, now: Millis): CollectionFigure[] {
    return this.perCollection('SUM(b.payload_bytes)', userId, now);
  }

  /** One figure per collection over the user's live records; `aggregate` is a fixed SQL text. */
  private perCollection(aggregate: string, userId: number, now: Millis): CollectionFigure[] {
    return this.s
      .get(
        `SELECT c.name AS name, ${aggregate} AS value FROM bsos b JOIN collections c ON c.id = b.collection_id
         WHERE b.user_id = ? AND ${LIVE} GROUP BY b.collection_id`,
      )
      .all(userId, now) as CollectionFigure[];
  }

  totalBytes(userId: number, now: Millis): number {
    const row = this.s
      .get(`SELECT SUM(payload_bytes) AS total FROM bsos WHERE user_id = ? AND ${LIVE}`)
      .get(userId, now) as { total: number | null };
    return row.total ?? 0;
  }

  getBso(userId: number, collectionId: number, id: string): StoredBso | null {
    const row = this.s
      .get(`SELECT ${BSO_COLUMNS} FROM bsos WHERE user_id = ? AND collection_id = ? AND id = ?`)
      .get(userId, collectionId, id) as BsoRow | undefined;
    return row ? toBso(row) : null;
  }

  getBsos(userId: number, collectionId: number, ids: readonly string[]): StoredBso[] {
    const rows: StoredBso[] = [];
    for (let i = 0; i < ids.length; i += IN_LIST_MAX) {
      const chunk = ids.slice(i, i + IN_LIST_MAX);
      const found = this.s
        .get(
          `SELECT ${BSO_COLUMNS} FROM bsos WHERE user_id = ? AND collection_id = ? AND id IN (${chunk.map(() => '?').join(',')})`,
        )
        .all(userId, collectionId, ...chunk) as BsoRow[];
      for (const row of found) rows.push(toBso(row));
    }
    return rows;
  }

  putBsos(userId: number, collectionId: number, bsos: readonly StoredBso[]): void {
    // An upsert keeps a replaced row's rowid, so the default sort (insertion order) holds.
    const stmt = this.s.get(
      `INSERT INTO bsos (user_id, collection_id, id, modified_ms, payload, payload_bytes, sortindex,
       parentid, predecessorid, expiry_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id, collection_id, id) DO UPDATE SET modified_ms = excluded.modified_ms,
       payload = excluded.payload, payload_bytes = excluded.payload_bytes, sortindex = excluded.sortindex,
       parentid = excluded.parentid, predecessorid = excluded.predecessorid, expiry_ms = excluded.expiry_ms`,
    );
    for (const bso of bsos) {
      const bytes = bso.payload === null ? 0 : Buffer.byteLength(bso.payload, 'utf8');
      stmt.run(
        userId,
        collectionId,
        bso.id,
        bso.modified,
        bso.payload,
        bytes,
        bso.sortindex,
        bso.parentid,
        bso.predecessorid,
        bso.expiry,
      );
    }
  }

  queryBsos(userId: number, collectionId: number, query: BsoQuery, now: Millis): QueryResult {
    const params: unknown[] = [userId, collectionId, now];
    const columns = query.idsOnly ? BSO_ID_COLUMNS : BSO_COLUMNS;
    let sql = `SELECT ${columns} FROM bsos WHERE user_id = ? AND collection_id = ? AND ${LIVE}`;
    sql += whereFor(query, params) + orderFor(query) + limitFor(query, 1, params);
    const rows = this.s.get(sql).all(...params) as BsoRow[];
    const more = query.limit !== undefined && rows.length > query.limit;
    if (more) rows.pop();
    return { items: rows.map(toBso), more };
  }

  deleteBsos(userId: number, collectionId: number, query: BsoQuery): number {
    const params: unknown[] = [userId, collectionId];
    let inner = 'SELECT rowid FROM bsos WHERE user_id = ? AND collection_id = ?' + whereFor(query, params);
    if (query.limit !== undefined || query.sort !== undefined) {
      inner += orderFor(query) + limitFor({ ...query, offset: undefined }, 0, params);
    }
    return this.s.get(`DELETE FROM bsos WHERE rowid IN (${inner})`).run(...params).changes;
  }

  deleteCollectionBsos(userId: number, collectionId: number): number {
    return this.s.get('DELETE FROM bsos WHERE user_id = ? AND collection_id = ?').run(userId, collectionId)
      .changes;
  }

  deleteUserStorage(userId: number): void {
    this.s.get('DELETE FROM bsos WHERE user_id = ?').run(userId);
    this.s.get('DELETE FROM user_collections WHERE user_id = ?').run(userId);
    this.s
      .get('DELETE FROM batch_items WHERE batch_id IN (SELECT id FROM batches WHERE user_id = ?)')
      .run(userId);
    this.s.get('DELETE FROM batches WHERE user_id = ?').run(userId);
  }

  purgeExpired(now: Millis, max: number): number {
    return this.s
      .get(
        'DELETE FROM bsos WHERE rowid IN (SELECT rowid FROM bsos WHERE expiry_ms IS NOT NULL AND expiry_ms <= ? LIMIT ?)',
      )
      .run(now, max).changes;
  }

  createBatch(batch: BatchInfo): void {
    this.s.get(BATCH.insertSql('batches')).run(...BATCH.values(batch));
  }

  getBatch(id: string): BatchInfo | null {
    return BATCH.one(this.s.get(`SELECT ${BATCH.columns} FROM batches WHERE id = ?`).get(id));
  }

  stageBatchItems(batchId: string, items: readonly StagedItem[]): void {
    const next = this.s
      .get('SELECT COALESCE(MAX(seq), 0) AS m FROM batch_items WHERE batch_id = ?')
      .get(batchId) as { m: number };
    let seq = next.m;
    const stmt = this.s.get(
      `INSERT INTO batch_items (batch_id, seq, id, fields) VALUES (?, ?, ?, ?)
       ON CONFLICT (batch_id, id) DO UPDATE SET seq = excluded.seq, fields = excluded.fields`,
    );
    for (const item of items) stmt.run(batchId, ++seq, item.id, JSON.stringify(item));
  }

  batchItems(batchId: string): StagedItem[] {
    const rows = this.s
      .get('SELECT fields FROM batch_items WHERE batch_id = ? ORDER BY seq')
      .all(batchId) as { fields: string }[];
    return rows.map((r) => JSON.parse(r.fields) as StagedItem);
  }

  deleteBatch(batchId: string): void {
    this.s.get('DELETE FROM batch_items WHERE batch_id = ?').run(batchId);
    this.s.get('DELETE FROM batches WHERE id = ?').run(batchId);
  }

  purgeBatches(createdBefore: Millis): number {
    this.s
      .get('DELETE FROM batch_items WHERE batch_id IN (SELECT id FROM batches WHERE created_ms < ?)')
      .run(createdBefore);
    return this.s.get('DELETE FROM batches WHERE created_ms < ?').run(createdBefore).changes;
  }
}
