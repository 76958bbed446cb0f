/** How a value crosses the driver when it is not stored as it is. */
export interface Conversion<V> {
  read(stored: unknown): V;
  write(value: V): unknown;
}

/** Every driver reads a binary column as a Buffer; callers get a plain Uint8Array that owns its bytes. */
export const BYTES: Conversion<Uint8Array> = {
  read: (stored) => new Uint8Array(stored as Buffer),
  write: (value) => Buffer.from(value),
};

/** Stored as an integer on every backend (SQLite has no boolean): 1 is true, anything else false. */
export const FLAG: Conversion<boolean> = {
  read: (stored) => stored === 1,
  write: (value) => (value ? 1 : 0),
};

/** Each field of T names its column, with a conversion where the stored form differs. */
export type RowSpec<T> = {
  readonly [K in keyof T]-?: string | readonly [column: string, conversion: Conversion<T[K]>];
};

/**
 * One table row shape, declared once: the column list, the INSERT, the row read back and the
 * values written all follow the same field order, so they cannot drift apart.
 */
export interface RowCodec<T> {
  /** The columns in field order, for `SELECT ${codec.columns} FROM …`. */
  readonly columns: string;
  insertSql(table: string): string;
  /** The row a statement's `get()` returned, or null when it found none. */
  one(stored: unknown): T | null;
  /** The rows a statement's `all()` returned. */
  all(stored: unknown[]): T[];
  values(row: T): unknown[];
}

type Entry = string | readonly [column: string, conversion: Conversion<unknown>];

export function rowCodec<T>(spec: RowSpec<T>): RowCodec<T> {
  // The mapped type checked each conversion against its own field; past that, one list serves all.
  const list = (Object.entries(spec) as [string, Entry][]).map(([key, entry]) =>
    typeof entry === 'string'
      ? { key, name: entry, conversion: undefined }
      : { key, name: entry[0], conversion: entry[1] },
  );
  const columns = list.map((c) => c.name).join(', ');
  const placeholders = list.map(() => '?').join(', ');
  const read = (stored: Record<string, unknown>): T => {
    const row: Record<string, unknown> = {};
    for (const c of list) row[c.key] = c.conversion ? c.conversion.read(stored[c.name]) : stored[c.name];
    return row as T;
  };
  return {
    columns,
    insertSql: (table) => `INSERT INTO ${table} (${columns}) VALUES (${placeholders})`,
    one: (stored) => (stored === undefined ? null : read(stored as Record<string, unknown>)),
    all: (stored) => stored.map((row) => read(row as Record<string, unknown>)),
    values(row) {
      const fields = row as Record<string, unknown>;
      return list.map((c) => (c.conversion ? c.conversion.write(fields[c.key]) : fields[c.key]));
    },
  };
}
