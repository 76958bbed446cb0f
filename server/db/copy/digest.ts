import crypto from 'node:crypto';
import type { ScannedRow } from './scan.js';
import type { CopyTable } from './tables.js';

const MODULUS = 1n << 256n;

/**
 * Row counts per table and a checksum per storage user (and per account table), computed by
 * the same code from the source as it is read and from the target before commit.
 *
 * Each row's SHA-256 covers its table, every copied field (typed and length-prefixed, so no two
 * rows encode alike) and, for records, its position in the user's insertion order within its
 * collection. A user's checksum is the sum of their rows' hashes modulo 2^256: independent of
 * the order a backend's index hands the rows over in (SQLite reads records in rowid order,
 * PostgreSQL per user and collection), while the positions still make a changed order show.
 */
export class CopyChecksums {
  private readonly counts = new Map<string, number>();
  private readonly sums = new Map<string, bigint>();
  /** Records seen so far per (user, collection): the next record's position. */
  private readonly positions = new Map<string, number>();

  add(table: CopyTable, rows: readonly ScannedRow[]): void {
    this.counts.set(table.name, (this.counts.get(table.name) ?? 0) + rows.length);
    for (const row of rows) {
      const hash = crypto.createHash('sha256');
      hash.update(`${table.name}\n`);
      if (table.ranked) {
        // values[0], values[1]: user_id, collection_id (see tables.ts).
        const group = `${String(row.values[0])}/${String(row.values[1])}`;
        const position = this.positions.get(group) ?? 0;
        this.positions.set(group, position + 1);
        hash.update(`#${position}\n`);
      }
      for (const value of row.values) hash.update(encode(value));
      const bucket = row.owner === null ? `table ${table.name}` : `storage user ${row.owner}`;
      const sum = (this.sums.get(bucket) ?? 0n) + BigInt(`0x${hash.digest('hex')}`);
      this.sums.set(bucket, sum % MODULUS);
    }
  }

  rows(table: string): number {
    return this.counts.get(table) ?? 0;
  }

  /**
   * The first difference from `other` as one line naming the table or storage user, or null.
   * `tables` fixes the order differences are looked for in.
   */
  difference(other: CopyChecksums, tables: readonly string[]): string | null {
    for (const name of tables) {
      const mine = this.rows(name);
      const theirs = other.rows(name);
      if (mine !== theirs) return `table ${name} has ${mine} rows in the source but ${theirs} in the target`;
    }
    const buckets = [...new Set([...this.sums.keys(), ...other.sums.keys()])].sort(byBucket);
    for (const bucket of buckets) {
      if (this.sums.get(bucket) !== other.sums.get(bucket)) {
        return `the checksum of ${bucket} differs between the source and the target`;
      }
    }
    return null;
  }
}

/** Storage users by number, then the tables by name. */
function byBucket(a: string, b: string): number {
  const ua = /^storage user (\d+)$/.exec(a);
  const ub = /^storage user (\d+)$/.exec(b);
  if (ua && ub) return Number(ua[1]) - Number(ub[1]);
  if (ua || ub) return ua ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A field as typed, length-prefixed text: null, an integer, text or bytes never look alike. */
function encode(value: unknown): string {
  if (value === null || value === undefined) return 'n\n';
  if (typeof value === 'number' || typeof value === 'bigint') return `i${String(value)}\n`;
  if (typeof value === 'string') return `s${value.length}:${value}\n`;
  if (value instanceof Uint8Array) return `b${Buffer.from(value).toString('hex')}\n`;
  return `?${JSON.stringify(value)}\n`;
}
