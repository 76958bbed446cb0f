import type { Awaitable, Database, Tx, TxMode } from './types.js';

/**
 * A Database that counts the write transactions run through it, so that an in-process cache
 * of rows can tell cheaply whether anything may have changed since it read them: a value
 * read inside a read transaction together with `writeGeneration` stays valid for as long as
 * the generation is unchanged. The count moves when a write starts and again when it ends,
 * so a read recorded while a write was under way is stale either way.
 *
 * Only writes made through this object count: use it for data that no other process writes
 * (the CLI changes Sync 1.1 accounts only, so their checks must keep reading the database).
 */
export class WriteCountingDatabase implements Database {
  private writes = 0;

  constructor(private readonly inner: Database) {}

  get kind(): string {
    return this.inner.kind;
  }

  get generation(): number {
    return this.writes;
  }

  transaction<T>(mode: TxMode, fn: (tx: Tx) => Awaitable<T>): Promise<T> {
    if (mode !== 'write') return this.inner.transaction(mode, fn);
    return this.inner.transaction(mode, async (tx) => {
      this.writes++;
      try {
        return await fn(tx);
      } finally {
        this.writes++;
      }
    });
  }

  integrityCheck(): Promise<string> {
    return this.inner.integrityCheck();
  }

  backup(destination: string): Promise<void> {
    return this.inner.backup(destination);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The write generation of `db`, or null when its writes are not counted (then cache nothing). */
export function writeGeneration(db: Database): number | null {
  return db instanceof WriteCountingDatabase ? db.generation : null;
}
