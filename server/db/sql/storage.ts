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
import { NULL_SORTINDEX, pageInMemory, seekFor, type PlacedBso } from './bso-pages.js';

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
/**
 * A large delete (more visible records than LARGE_DELETE_ROWS) records a floor for its
 * (user, collection) in `bso_floors`: rows modified at or before it are deleted, read as
 * absent at once, and removed in small slices by `reclaimDeleted` in the background. Every
 * read of a collection's records adds this condition (params: user id, collection id): one
 * primary-key probe of a table that is empty except while a reclaim runs.
 */
const ABOVE_FLOOR =
  'modified_ms > COALESCE((SELECT f.floor_ms FROM bso_floors f WHERE f.user_id = ? AND f.collection_id = ?), 0)';
/**
 * ABOVE_FLOOR as the record reads spell it: the same condition, but `modified_ms + 0` makes it
 * a filter and never an index range, so each read keeps the index of its own order or key (as
 * a range, it made sort=index pages and ids= lookups walk bsos_newest: test/db/query-plan).
 */
const ABOVE_FLOOR_FILTER =
  'modified_ms + 0 > COALESCE((SELECT f.floor_ms FROM bso_floors f WHERE f.user_id = ? AND f.collection_id = ?), 0)';
/** More visible records than this are deleted through a floor and the background reclaimer. */
export const LARGE_DELETE_ROWS = 2_000;
/** The floor of a storage user being dropped: everything of theirs is deleted. */
const FOREVER = Number.MAX_SAFE_INTEGER;
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
    const params: unknown[] = [userId, now];
    const floors = await this.belowFloors(userId, params);
    return (await this.db.all(
      `SELECT c.name AS name, ${aggregate} AS value FROM bsos b JOIN collections c ON c.id = b.collection_id
       WHERE b.user_id = ? AND ${LIVE}${floors} GROUP BY b.collection_id, c.name`,
      params,
    )) as unknown as CollectionFigure[];
  }

  async totalBytes(userId: number, now: Millis): Promise<number> {
    // Every write's quota check: one statement, one round trip. The live rows' bytes less those
    // of the rows below the user's floors (no floor: one probe of an empty table), so the scan
    // of the user's rows pays no per-row lookup either way. CROSS JOIN keeps SQLite's loop
    // starting from the floors (else it walked the user's rows probing bso_floors for each).
    const row = await firstRow(
      this.db,
      `SELECT COALESCE(SUM(payload_bytes), 0) - COALESCE((
         SELECT SUM(d.payload_bytes) FROM bso_floors f CROSS JOIN bsos d
         WHERE f.user_id = ? AND d.user_id = f.user_id AND d.collection_id = f.collection_id
           AND d.modified_ms <= f.floor_ms AND (d.expiry_ms IS NULL OR d.expiry_ms > ?)), 0) AS total
       FROM bsos WHERE user_id = ? AND ${LIVE}`,
      [userId, now, userId, now],
    );
    return Number((row?.total as number | null | undefined) ?? 0);
  }

  /**
   * The condition that leaves out the user's deleted rows in every collection, with its
   * params pushed: nothing when the user has no floor (the usual case), so a scan of all the
   * user's rows pays no per-row lookup.
   */
  private async belowFloors(userId: number, params: unknown[]): Promise<string> {
    const floors = await this.db.all('SELECT collection_id, floor_ms FROM bso_floors WHERE user_id = ?', [
      userId,
    ]);
    let sql = '';
    for (const floor of floors) {
      sql += ' AND NOT (collection_id = ? AND modified_ms <= ?)';
      params.push(floor.collection_id, floor.floor_ms);
    }
    return sql;
  }

  async getBso(userId: number, collectionId: number, id: string): Promise<StoredBso | null> {
    return BSO.one(
      await firstRow(
        this.db,
        `SELECT ${BSO.columns} FROM bsos WHERE user_id = ? AND collection_id = ? AND id = ? AND ${ABOVE_FLOOR}`,
        [userId, collectionId, id, userId, collectionId],
      ),
    );
  }

  async getBsos(userId: number, collectionId: number, ids: readonly string[]): Promise<StoredBso[]> {
    const rows: StoredBso[] = [];
    for (let i = 0; i < ids.length; i += IN_LIST_MAX) {
      const chunk = ids.slice(i, i + IN_LIST_MAX);
      const found = await this.db.all(
        `SELECT ${BSO.columns} FROM bsos WHERE user_id = ? AND collection_id = ? AND id IN (${placeholders(chunk.length)}) AND ${ABOVE_FLOOR_FILTER}`,
        [userId, collectionId, ...chunk, userId, collectionId],
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
    // The query's rows, narrowed by `filter`, then `tail` (seek, ORDER BY, LIMIT) adds its SQL.
    const select = (
      filter: BsoFilter,
      tail: (params: unknown[]) => string,
      columns = query.idsOnly ? BSO_ID_COLUMNS : BSO.columns,
    ) => {
      const params: unknown[] = [userId, collectionId, now, userId, collectionId];
      let sql = `SELECT ${columns}, ${this.dialect.insertionOrder} AS pos FROM bsos WHERE user_id = ? AND collection_id = ? AND ${LIVE} AND ${ABOVE_FLOOR_FILTER}`;
      sql += whereFor(filter, params, this.dialect);
      sql += tail(params);
      return this.db.all(sql, params);
    };
    if (query.ids) {
      // Primary-key lookups, then order and page here: an ORDER BY … LIMIT would tempt the
      // planner to walk the whole collection in index order instead (issue 11 #19).
      const rows: PlacedBso[] = [];
      const ids = [...new Set(query.ids)];
      // More ids than the page holds (a listing past a floor names up to 2,000): order and page
      // their keys, then read whole records for the page's ids only.
      const keysFirst = !query.idsOnly && query.limit !== undefined && ids.length > query.limit;
      for (let i = 0; i < ids.length; i += IN_LIST_MAX) {
        const chunk = { ...query, ids: ids.slice(i, i + IN_LIST_MAX) };
        const found = await select(chunk, () => '', keysFirst ? BSO_ID_COLUMNS : undefined);
        for (const row of found) rows.push({ bso: toBso(row), pos: Number(row.pos) });
      }
      const page = pageInMemory(rows, query);
      if (!keysFirst) return page;
      const whole = new Map<string, StoredBso>();
      const pageIds = page.items.map((bso) => bso.id);
      for (let i = 0; i < pageIds.length; i += IN_LIST_MAX) {
        const found = await select({ ids: pageIds.slice(i, i + IN_LIST_MAX) }, () => '', BSO.columns);
        for (const row of found) whole.set(row.id as string, toBso(row));
      }
      // In one transaction the rows stay what the keys said (a row gone meanwhile is left out).
      const items = page.items.flatMap((bso) => whole.get(bso.id) ?? []);
      return { items, more: page.more };
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
        (params) => seekFor(sort, after, params) + seekOrder + limitFor({ limit }, 1, params),
      );
      if (sort === 'index' && after.value !== null && (limit === undefined || rows.length <= limit)) {
        const left = limit === undefined ? undefined : limit - rows.length;
        rows.push(
          ...(await select(query, (params) => NULL_SORTINDEX + limitFor({ limit: left }, 1, params))),
        );
      }
    }
    const more = limit !== undefined && rows.length > limit;
    if (more) rows.length = limit;
    return { items: rows.map(toBso), more };
  }

  async deleteBsos(userId: number, collectionId: number, query: BsoQuery): Promise<number> {
    // Rows already deleted through a floor are not counted again (the reclaimer removes them).
    const params: unknown[] = [userId, collectionId, userId, collectionId];
    const where =
      `WHERE user_id = ? AND collection_id = ? AND ${ABOVE_FLOOR_FILTER}` +
      whereFor(query, params, this.dialect);
    if (query.limit === undefined && query.sort === undefined && query.ids === undefined) {
      return this.db.run(`DELETE FROM bsos ${where}`, params);
    }
    // A limited delete picks its rows first: no backend deletes with ORDER BY … LIMIT the same way.
    // So does a delete by ids, each looked up by its key: with the floor condition, SQLite took
    // a DELETE (and a SELECT of indexed columns only) through bsos_newest, walking the whole
    // collection; payload_bytes is in no index, so the lookup by key stays the cheapest plan.
    const sql =
      `SELECT id, payload_bytes FROM bsos ${where}` +
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

  async deleteCollectionBsos(userId: number, collectionId: number, floor?: Millis): Promise<number> {
    return this.deleteVisible(userId, collectionId, floor, LARGE_DELETE_ROWS);
  }

  /**
   * Deletes the collection's visible rows, at most `budget` of them by a plain DELETE in this
   * transaction; more than that by raising the collection's floor to `floor` (which is after
   * every stored row's timestamp and before every later write's). Answers how many rows went:
   * exact for a plain DELETE, `budget + 1` (at least that many) through a floor.
   */
  private async deleteVisible(
    userId: number,
    collectionId: number,
    floor: Millis | undefined,
    budget: number,
  ): Promise<number> {
    const current = await this.collectionFloor(userId, collectionId);
    // Along the (user, collection, modified) index: at most `budget` entries are walked.
    const many = await firstRow(
      this.db,
      'SELECT modified_ms FROM bsos WHERE user_id = ? AND collection_id = ? AND modified_ms > ? ORDER BY modified_ms LIMIT 1 OFFSET ?',
      [userId, collectionId, current, budget],
    );
    if (!many) {
      return this.db.run('DELETE FROM bsos WHERE user_id = ? AND collection_id = ? AND modified_ms > ?', [
        userId,
        collectionId,
        current,
      ]);
    }
    // Without a given floor: the newest stored row's time (every later write is newer).
    const newest =
      floor ??
      ((
        await firstRow(
          this.db,
          'SELECT MAX(modified_ms) AS m FROM bsos WHERE user_id = ? AND collection_id = ?',
          [userId, collectionId],
        )
      )?.m as number);
    await this.db.run(
      'INSERT INTO bso_floors (user_id, collection_id, floor_ms) VALUES (?, ?, ?)' +
        this.dialect.upsert(['user_id', 'collection_id'], ['floor_ms']),
      [userId, collectionId, Math.max(newest, current)],
    );
    return budget + 1;
  }

  async deleteUserStorage(userId: number, floor: Millis = FOREVER): Promise<void> {
    // The user's collections with rows, one index seek each (a user has a handful).
    let budget = LARGE_DELETE_ROWS;
    for (let after = -1; ; ) {
      const next = await firstRow(
        this.db,
        'SELECT collection_id FROM bsos WHERE user_id = ? AND collection_id > ? ORDER BY collection_id LIMIT 1',
        [userId, after],
      );
      if (!next) break;
      after = next.collection_id as number;
      // A plain DELETE only while the whole request stays under one large delete's work.
      budget -= Math.min(budget, await this.deleteVisible(userId, after, floor, budget));
    }
    await this.db.run('DELETE FROM user_collections WHERE user_id = ?', [userId]);
    await this.db.run(
      'DELETE FROM batch_items WHERE batch_id IN (SELECT id FROM batches WHERE user_id = ?)',
      [userId],
    );
    await this.db.run('DELETE FROM batches WHERE user_id = ?', [userId]);
  }

  async reclaimDeleted(max: number): Promise<number | null> {
    const floor = await firstRow(
      this.db,
      'SELECT user_id, collection_id, floor_ms FROM bso_floors ORDER BY user_id, collection_id LIMIT 1',
    );
    if (!floor) return null;
    const key = [floor.user_id, floor.collection_id];
    const ids = (
      await this.db.all(
        'SELECT id FROM bsos WHERE user_id = ? AND collection_id = ? AND modified_ms <= ? ORDER BY modified_ms LIMIT ?',
        [...key, floor.floor_ms, max],
      )
    ).map((row) => row.id as string);
    // Where other connections write at once (PostgreSQL, MySQL: READ COMMITTED), each row must
    // still be below the floor: a write since the SELECT may have replaced it. An SQLite write
    // transaction holds the whole file, and there the extra condition made the planner walk the
    // floor's whole range instead of looking each id up by its key.
    const recheck = this.dialect.versionedUsers ? ' AND modified_ms <= ?' : '';
    let removed = 0;
    for (let i = 0; i < ids.length; i += IN_LIST_MAX) {
      const chunk = ids.slice(i, i + IN_LIST_MAX);
      removed += await this.db.run(
        `DELETE FROM bsos WHERE user_id = ? AND collection_id = ? AND id IN (${placeholders(chunk.length)})${recheck}`,
        [...key, ...chunk, ...(recheck ? [floor.floor_ms] : [])],
      );
    }
    // No write lands at or below a floor, so once none is left the floor has done its work
    // (unless a newer delete has raised it meanwhile).
    if (ids.length < max) {
      await this.db.run('DELETE FROM bso_floors WHERE user_id = ? AND collection_id = ? AND floor_ms = ?', [
        ...key,
        floor.floor_ms,
      ]);
    }
    return removed;
  }

  async dropDeleted(userId: number, collectionId: number, ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += IN_LIST_MAX) {
      const chunk = ids.slice(i, i + IN_LIST_MAX);
      // Found by key first (payload_bytes keeps SQLite off bsos_newest, see deleteBsos), then
      // deleted by key: the writer holds the user's lock, so they stay what was found.
      const dead = await this.db.all(
        `SELECT id, payload_bytes FROM bsos WHERE user_id = ? AND collection_id = ? AND id IN (${placeholders(chunk.length)}) AND NOT (${ABOVE_FLOOR_FILTER})`,
        [userId, collectionId, ...chunk, userId, collectionId],
      );
      if (dead.length === 0) continue;
      await this.db.run(
        `DELETE FROM bsos WHERE user_id = ? AND collection_id = ? AND id IN (${placeholders(dead.length)})`,
        [userId, collectionId, ...dead.map((row) => row.id)],
      );
    }
  }

  async collectionFloor(userId: number, collectionId: number): Promise<Millis> {
    const row = await firstRow(
      this.db,
      'SELECT floor_ms FROM bso_floors WHERE user_id = ? AND collection_id = ?',
      [userId, collectionId],
    );
    return (row?.floor_ms as number | undefined) ?? 0;
  }

  async idsAbove(userId: number, collectionId: number, floor: Millis, max: number): Promise<string[] | null> {
    // A range of the (user, collection, modified) index: only the rows written since the floor.
    const rows = await this.db.all(
      'SELECT id FROM bsos WHERE user_id = ? AND collection_id = ? AND modified_ms > ? ORDER BY modified_ms LIMIT ?',
      [userId, collectionId, floor, max + 1],
    );
    return rows.length > max ? null : rows.map((row) => row.id as string);
  }

  async hasDeletedRows(): Promise<boolean> {
    return (await firstRow(this.db, 'SELECT 1 AS x FROM bso_floors LIMIT 1')) !== undefined;
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
