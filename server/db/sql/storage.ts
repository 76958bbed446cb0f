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
import { rowCodec, type Conversion } from './row-codec.js';
import { firstRow, IN_LIST_MAX, placeholders, type SqlDialect, type SqlRunner } from './runner.js';
import { limitOnly, NULL_SORTINDEX, pageInMemory, seekFor, type PlacedBso } from './bso-pages.js';

/** Collection id 0 holds the time of the last collection delete, so storage time never goes back. */
const TOMBSTONE = 0;

/** Text on SQLite and MySQL, UTF-8 bytes on PostgreSQL (SqlDialect.binaryPayload). */
const PAYLOAD: Conversion<string | null> = {
  read: (stored) =>
    stored === null || typeof stored === 'string' ? stored : (stored as Buffer).toString('utf8'),
  write: (value) => value,
};

const BSO = rowCodec<StoredBso>({
  id: 'id',
  modified: 'modified_ms',
  payload: ['payload', PAYLOAD],
  sortindex: 'sortindex',
  parentid: 'parentid',
  predecessorid: 'predecessorid',
  expiry: 'expiry_ms',
});

/** The same row shape without the large columns, for id listings (BsoQuery.idsOnly). */
const BSO_ID_COLUMNS =
  'id, modified_ms, NULL AS payload, sortindex, NULL AS parentid, NULL AS predecessorid, expiry_ms';

/** Columns a write sets, in the order `bsoValues` gives them. */
const BSO_WRITTEN = [
  'modified_ms',
  'payload',
  'payload_bytes',
  'sortindex',
  'parentid',
  'predecessorid',
  'expiry_ms',
] as const;
const BSO_KEY = ['user_id', 'collection_id', 'id'] as const;

const BATCH = rowCodec<BatchInfo>({
  id: 'id',
  userId: 'user_id',
  collection: 'collection',
  created: 'created_ms',
});

const LIVE = '(expiry_ms IS NULL OR expiry_ms > ?)';
/** Rows and payload bytes per multi-row INSERT. */
const PUT_MAX_ROWS = 100;
const PUT_MAX_BYTES = 4 * 1024 * 1024;
/** "No limit" with an OFFSET, spelled the same way on every backend. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** The single-value filters and the condition each adds; `ids` is a list and handled apart. */
const CONDITIONS: readonly [keyof Omit<BsoFilter, 'ids'>, (dialect: SqlDialect) => string][] = [
  ['newer', () => 'modified_ms > ?'],
  ['older', () => 'modified_ms < ?'],
  // Sync 1.1 reads index bounds as floats: 1.5 and Infinity are valid.
  ['indexAbove', (d) => `sortindex > ${d.floatParam}`],
  ['indexBelow', (d) => `sortindex < ${d.floatParam}`],
  ['parentid', () => 'parentid = ?'],
  ['predecessorid', () => 'predecessorid = ?'],
];

function whereFor(filter: BsoFilter, params: unknown[], dialect: SqlDialect): string {
  let sql = '';
  if (filter.ids) {
    // An empty list matches nothing; `IN ()` is not valid SQL on every backend.
    sql += filter.ids.length === 0 ? ' AND 1 = 0' : ` AND id IN (${placeholders(filter.ids.length)})`;
    params.push(...filter.ids);
  }
  for (const [key, condition] of CONDITIONS) {
    const value = filter[key];
    if (value === undefined) continue;
    sql += ` AND ${condition(dialect)}`;
    // ±Infinity as the largest finite double: the same comparison, and every driver can send it.
    params.push(
      typeof value === 'number' && !Number.isFinite(value) && !Number.isNaN(value)
        ? Math.sign(value) * Number.MAX_VALUE
        : value,
    );
  }
  return sql;
}

function limitFor(query: BsoQuery, extra: number, params: unknown[]): string {
  if (query.limit === undefined) {
    if (!query.offset) return '';
    params.push(NO_LIMIT, query.offset);
    return ' LIMIT ? OFFSET ?';
  }
  params.push(query.limit + extra, query.offset ?? 0);
  return ' LIMIT ? OFFSET ?';
}

function toBso(row: Record<string, unknown>): StoredBso {
  return BSO.one(row) as StoredBso;
}

/** The storage engine's tables, in the SQL the three backends share. */
export class SqlStorage implements StorageTx {
  constructor(
    private readonly db: SqlRunner,
    private readonly dialect: SqlDialect,
  ) {}

  async lockStorageUser(userId: number): Promise<void> {
    if (!this.dialect.versionedUsers) return;
    // The update is the lock (held to the end of the transaction) and moves userVersion.
    await this.db.run('UPDATE storage_users SET change_seq = change_seq + 1 WHERE id = ?', [userId]);
  }

  async collectionId(name: string, create: boolean): Promise<number | null> {
    const row = await firstRow(this.db, 'SELECT id FROM collections WHERE name = ?', [name]);
    if (row) return row.id as number;
    if (!create) return null;
    // Two writers may add the same name at once: the second one's insert does nothing.
    await this.db.run(`INSERT INTO collections (name) VALUES (?)${this.dialect.ignoreConflict(['name'])}`, [
      name,
    ]);
    return (await firstRow(this.db, 'SELECT id FROM collections WHERE name = ?', [name]))?.id as number;
  }

  async collectionModified(userId: number, collectionId: number): Promise<Millis> {
    const row = await firstRow(
      this.db,
      'SELECT modified_ms FROM user_collections WHERE user_id = ? AND collection_id = ?',
      [userId, collectionId],
    );
    return (row?.modified_ms as number | undefined) ?? 0;
  }

  async setCollectionModified(userId: number, collectionId: number, modified: Millis): Promise<void> {
    await this.db.run(
      'INSERT INTO user_collections (user_id, collection_id, modified_ms) VALUES (?, ?, ?)' +
        this.dialect.upsert(['user_id', 'collection_id'], ['modified_ms']),
      [userId, collectionId, modified],
    );
  }

  async deleteCollectionRecord(userId: number, collectionId: number): Promise<void> {
    await this.db.run('DELETE FROM user_collections WHERE user_id = ? AND collection_id = ?', [
      userId,
      collectionId,
    ]);
  }

  async collectionStamps(userId: number): Promise<CollectionStamp[]> {
    return (await this.db.all(
      `SELECT c.name AS name, uc.modified_ms AS modified FROM user_collections uc
       JOIN collections c ON c.id = uc.collection_id
       WHERE uc.user_id = ? AND uc.collection_id <> ${TOMBSTONE}`,
      [userId],
    )) as unknown as CollectionStamp[];
  }

  async storageModified(userId: number): Promise<Millis> {
    const row = await firstRow(
      this.db,
      'SELECT MAX(modified_ms) AS m FROM user_collections WHERE user_id = ?',
      [userId],
    );
    return (row?.m as number | null | undefined) ?? 0;
  }

  async setStorageTombstone(userId: number, modified: Millis): Promise<void> {
    await this.setCollectionModified(userId, TOMBSTONE, modified);
  }

  collectionCounts(userId: number, now: Millis): Promise<CollectionFigure[]> {
    return this.perCollection('COUNT(*)', userId, now);
  }

  collectionBytes(userId: number, now: Millis): Promise<CollectionFigure[]> {
    return this.perCollection('SUM(b.payload_bytes)', userId, now);
  }

  /** One figure per collection over the user's live records; `aggregate` is a fixed SQL text. */
  private async perCollection(aggregate: string, userId: number, now: Millis): Promise<CollectionFigure[]> {
    return (await this.db.all(
      `SELECT c.name AS name, ${aggregate} AS value FROM bsos b JOIN collections c ON c.id = b.collection_id
       WHERE b.user_id = ? AND ${LIVE} GROUP BY b.collection_id, c.name`,
      [userId, now],
    )) as unknown as CollectionFigure[];
  }

  async totalBytes(userId: number, now: Millis): Promise<number> {
    const row = await firstRow(
      this.db,
      `SELECT SUM(payload_bytes) AS total FROM bsos WHERE user_id = ? AND ${LIVE}`,
      [userId, now],
    );
    return (row?.total as number | null | undefined) ?? 0;
  }

  async getBso(userId: number, collectionId: number, id: string): Promise<StoredBso | null> {
    return BSO.one(
      await firstRow(
        this.db,
        `SELECT ${BSO.columns} FROM bsos WHERE user_id = ? AND collection_id = ? AND id = ?`,
        [userId, collectionId, id],
      ),
    );
  }

  async getBsos(userId: number, collectionId: number, ids: readonly string[]): Promise<StoredBso[]> {
    const rows: StoredBso[] = [];
    for (let i = 0; i < ids.length; i += IN_LIST_MAX) {
      const chunk = ids.slice(i, i + IN_LIST_MAX);
      const found = await this.db.all(
        `SELECT ${BSO.columns} FROM bsos WHERE user_id = ? AND collection_id = ? AND id IN (${placeholders(chunk.length)})`,
        [userId, collectionId, ...chunk],
      );
      for (const row of found) rows.push(toBso(row));
    }
    return rows;
  }

  async putBsos(userId: number, collectionId: number, bsos: readonly StoredBso[]): Promise<void> {
    // Multi-row upserts, bounded in rows and bytes (MySQL refuses a statement over
    // max_allowed_packet). An upsert keeps a replaced row's place in the insertion order.
    const columns = [...BSO_KEY, ...BSO_WRITTEN];
    const row = `(${placeholders(columns.length)})`;
    const upsert = this.dialect.upsert(BSO_KEY, BSO_WRITTEN);
    let params: unknown[] = [];
    let rows = 0;
    let bytes = 0;
    const flush = async () => {
      if (rows === 0) return;
      const values = Array.from({ length: rows }, () => row).join(', ');
      await this.db.run(`INSERT INTO bsos (${columns.join(', ')}) VALUES ${values}${upsert}`, params);
      params = [];
      rows = 0;
      bytes = 0;
    };
    for (const bso of bsos) {
      const size = bso.payload === null ? 0 : Buffer.byteLength(bso.payload, 'utf8');
      if (rows === PUT_MAX_ROWS || (rows > 0 && bytes + size > PUT_MAX_BYTES)) await flush();
      params.push(
        userId,
        collectionId,
        bso.id,
        bso.modified,
        this.dialect.binaryPayload && bso.payload !== null ? Buffer.from(bso.payload, 'utf8') : bso.payload,
        size,
        bso.sortindex,
        bso.parentid,
        bso.predecessorid,
        bso.expiry,
      );
      rows++;
      bytes += size;
    }
    await flush();
  }

  async queryBsos(userId: number, collectionId: number, query: BsoQuery, now: Millis): Promise<QueryResult> {
    const columns = query.idsOnly ? BSO_ID_COLUMNS : BSO.columns;
    // The query's rows, narrowed by `filter`, then `tail` (seek, ORDER BY, LIMIT) adds its SQL.
    const select = (filter: BsoFilter, tail: (params: unknown[]) => string) => {
      const params: unknown[] = [userId, collectionId, now];
      let sql = `SELECT ${columns}, ${this.dialect.insertionOrder} AS pos FROM bsos WHERE user_id = ? AND collection_id = ? AND ${LIVE}`;
      sql += whereFor(filter, params, this.dialect);
      sql += tail(params);
      return this.db.all(sql, params);
    };
    if (query.ids) {
      // Primary-key lookups, then order and page here: an ORDER BY … LIMIT would tempt the
      // planner to walk the whole collection in index order instead (issue 11 #19).
      const rows: PlacedBso[] = [];
      const ids = [...new Set(query.ids)];
      for (let i = 0; i < ids.length; i += IN_LIST_MAX) {
        const found = await select({ ...query, ids: ids.slice(i, i + IN_LIST_MAX) }, () => '');
        for (const row of found) rows.push({ bso: toBso(row), pos: Number(row.pos) });
      }
      return pageInMemory(rows, query);
    }
    const order = this.orderFor(query);
    let rows: Record<string, unknown>[];
    const { after, sort, limit } = query;
    if (!after) {
      rows = await select(query, (params) => order + limitFor(query, 1, params));
    } else {
      if (!sort) throw new Error('a page cursor needs a sort');
      // Past a row without a sortindex only NULLs are left: id alone orders them.
      const seekOrder = sort === 'index' && after.value === null ? ' ORDER BY id ASC' : order;
      rows = await select(
        query,
        (params) => seekFor(sort, after, params) + seekOrder + limitOnly(limit, 1, params),
      );
      if (sort === 'index' && after.value !== null && (limit === undefined || rows.length <= limit)) {
        const left = limit === undefined ? undefined : limit - rows.length;
        rows.push(...(await select(query, (params) => NULL_SORTINDEX + limitOnly(left, 1, params))));
      }
    }
    const more = limit !== undefined && rows.length > limit;
    if (more) rows.length = limit;
    return { items: rows.map(toBso), more };
  }

  async deleteBsos(userId: number, collectionId: number, query: BsoQuery): Promise<number> {
    const params: unknown[] = [userId, collectionId];
    const where = 'WHERE user_id = ? AND collection_id = ?' + whereFor(query, params, this.dialect);
    if (query.limit === undefined && query.sort === undefined) {
      return this.db.run(`DELETE FROM bsos ${where}`, params);
    }
    // A limited delete picks its rows first: no backend deletes with ORDER BY … LIMIT the same way.
    const sql =
      `SELECT id FROM bsos ${where}` +
      this.orderFor(query) +
      limitFor({ ...query, offset: undefined }, 0, params);
    const ids = (await this.db.all(sql, params)).map((row) => row.id as string);
    let removed = 0;
    for (let i = 0; i < ids.length; i += IN_LIST_MAX) {
      const chunk = ids.slice(i, i + IN_LIST_MAX);
      removed += await this.db.run(
        `DELETE FROM bsos WHERE user_id = ? AND collection_id = ? AND id IN (${placeholders(chunk.length)})`,
        [userId, collectionId, ...chunk],
      );
    }
    return removed;
  }

  async deleteCollectionBsos(userId: number, collectionId: number): Promise<number> {
    return this.db.run('DELETE FROM bsos WHERE user_id = ? AND collection_id = ?', [userId, collectionId]);
  }

  async deleteUserStorage(userId: number): Promise<void> {
    await this.db.run('DELETE FROM bsos WHERE user_id = ?', [userId]);
    await this.db.run('DELETE FROM user_collections WHERE user_id = ?', [userId]);
    await this.db.run(
      'DELETE FROM batch_items WHERE batch_id IN (SELECT id FROM batches WHERE user_id = ?)',
      [userId],
    );
    await this.db.run('DELETE FROM batches WHERE user_id = ?', [userId]);
  }

  async purgeExpired(now: Millis, max: number): Promise<number> {
    const rows = await this.db.all(
      'SELECT user_id, collection_id, id FROM bsos WHERE expiry_ms IS NOT NULL AND expiry_ms <= ? LIMIT ?',
      [now, max],
    );
    let removed = 0;
    const perDelete = Math.floor(IN_LIST_MAX / 3);
    for (let i = 0; i < rows.length; i += perDelete) {
      const chunk = rows.slice(i, i + perDelete);
      // Still expired: a write since the SELECT may have given the record a new life.
      removed += await this.db.run(
        `DELETE FROM bsos WHERE (user_id, collection_id, id) IN (${chunk.map(() => '(?, ?, ?)').join(', ')})
         AND expiry_ms IS NOT NULL AND expiry_ms <= ?`,
        [...chunk.flatMap((row) => [row.user_id, row.collection_id, row.id]), now],
      );
    }
    return removed;
  }

  async createBatch(batch: BatchInfo): Promise<void> {
    await this.db.run(BATCH.insertSql('batches'), BATCH.values(batch));
  }

  async getBatch(id: string): Promise<BatchInfo | null> {
    return BATCH.one(await firstRow(this.db, `SELECT ${BATCH.columns} FROM batches WHERE id = ?`, [id]));
  }

  async stageBatchItems(batchId: string, items: readonly StagedItem[]): Promise<void> {
    if (items.length === 0) return;
    // MAX(seq) is safe: the engine stages a user's batch only under lockStorageUser.
    const next = await firstRow(
      this.db,
      'SELECT COALESCE(MAX(seq), 0) AS m FROM batch_items WHERE batch_id = ?',
      [batchId],
    );
    let seq = next?.m as number;
    // A later item of the same id replaces an earlier one and moves to the end.
    const latest = new Map<string, StagedItem>();
    for (const item of items) {
      latest.delete(item.id);
      latest.set(item.id, item);
    }
    const staged = [...latest.values()];
    for (let i = 0; i < staged.length; i += IN_LIST_MAX / 4) {
      const chunk = staged.slice(i, i + IN_LIST_MAX / 4);
      const params = chunk.flatMap((item) => [batchId, ++seq, item.id, JSON.stringify(item)]);
      await this.db.run(
        `INSERT INTO batch_items (batch_id, seq, id, fields) VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}` +
          this.dialect.upsert(['batch_id', 'id'], ['seq', 'fields']),
        params,
      );
    }
  }

  async batchItems(batchId: string): Promise<StagedItem[]> {
    const rows = await this.db.all('SELECT fields FROM batch_items WHERE batch_id = ? ORDER BY seq', [
      batchId,
    ]);
    return rows.map((r) => JSON.parse(r.fields as string) as StagedItem);
  }

  async deleteBatch(batchId: string): Promise<void> {
    await this.db.run('DELETE FROM batch_items WHERE batch_id = ?', [batchId]);
    await this.db.run('DELETE FROM batches WHERE id = ?', [batchId]);
  }

  async purgeBatches(createdBefore: Millis): Promise<number> {
    await this.db.run(
      'DELETE FROM batch_items WHERE batch_id IN (SELECT id FROM batches WHERE created_ms < ?)',
      [createdBefore],
    );
    return this.db.run('DELETE FROM batches WHERE created_ms < ?', [createdBefore]);
  }

  private orderFor(query: BsoQuery): string {
    switch (query.sort) {
      case 'oldest':
        return ' ORDER BY modified_ms ASC, id ASC';
      case 'newest':
        return ' ORDER BY modified_ms DESC, id ASC';
      case 'index':
        return ` ORDER BY ${this.dialect.descNullsLast('sortindex')}, id ASC`;
      default:
        return ` ORDER BY ${this.dialect.insertionOrder}`;
    }
  }
}
