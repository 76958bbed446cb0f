import path from 'node:path';
import { freeSpaceOf, type FreeSpace } from './fs/private-path.js';

/**
 * Below this much free space the dashboard warns before writes start failing. One gigabyte:
 * a household database grows by tens of megabytes a year, so this is weeks of notice, and it
 * leaves room for what needs a second copy of the database on the same disk (a backup, or
 * SQLite's VACUUM). A database bigger than half of the threshold raises it to twice its size
 * for the same reason.
 */
export const LOW_SPACE_BYTES = 1024 ** 3;

/** Free space gained since a write failed that counts as room made (writes are rarely larger). */
const ROOM_MADE_BYTES = 32 * 1024 * 1024;

/** What the dashboard shows about the disk holding the database. */
export interface StorageHealthStatus {
  /** Set while writes fail because the disk is full: since when, and SQLite's words. */
  diskFull: { since: number; detail: string } | null;
  /** Free space of the database's disk; null where it cannot be read (or is a server's). */
  free: FreeSpace | null;
  /** Free space at which the low-space warning starts, for this database. */
  lowSpaceBytes: number;
  /** The folder holding the database file; empty for a database server. */
  dir: string;
}

/** The database file whose disk is watched, and how its backend recognises a full disk. */
export interface WatchedFile {
  file: string;
  isDiskFull(err: unknown): boolean;
}

/** What a database reports after each write transaction. */
export interface WriteOutcomeListener {
  writeSucceeded(): void;
  writeFailed(err: unknown): void;
}

/**
 * The server's record of its storage (issue 8, finding 9): a write that failed because the
 * disk is full is answered 503 by each protocol, and is noted here so Status shows it; the
 * next write that commits clears it.
 */
export class StorageHealth implements WriteOutcomeListener {
  private full: { since: number; detail: string } | null = null;
  /** Free bytes when the disk was found full: clearly more later means the owner made room. */
  private freeWhenFull = 0;

  /** `watched` null: a database server, whose disk is not Foxden's to watch. */
  constructor(
    private readonly watched: WatchedFile | null,
    private readonly clock: () => number = Date.now,
    private readonly dbSize: () => number = () => 0,
  ) {}

  writeSucceeded(): void {
    this.full = null;
  }

  writeFailed(err: unknown): void {
    if (!this.watched?.isDiskFull(err)) return;
    if (this.full === null) {
      this.full = { since: this.clock(), detail: err instanceof Error ? err.message : String(err) };
      this.freeWhenFull = freeSpaceOf(path.dirname(this.watched.file))?.freeBytes ?? 0;
    }
  }

  get diskFull(): boolean {
    return this.full !== null;
  }

  status(): StorageHealthStatus {
    const dir = this.watched ? path.dirname(this.watched.file) : '';
    const free = this.watched ? freeSpaceOf(dir) : null;
    // Clients back off for Retry-After (30 minutes by default) after a 503, so the next write
    // may be far off: once the owner has made room, the warning should not wait for it.
    if (this.full !== null && free !== null && free.freeBytes >= this.freeWhenFull + ROOM_MADE_BYTES) {
      this.full = null;
    }
    return {
      diskFull: this.full,
      free,
      lowSpaceBytes: Math.max(LOW_SPACE_BYTES, 2 * this.dbSize()),
      dir,
    };
  }
}
