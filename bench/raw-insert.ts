import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlite } from '../server/db/sqlite/open.js';
import { makeRecords } from './records.js';

export interface RawInsertFigures {
  records: number;
  seconds: number;
  recordsPerSecond: number;
}

const HISTORY_COLLECTION_ID = 4;

/**
 * The floor for batch uploads: better-sqlite3 inserting the same kind of records (1 KB
 * payloads, distinct ids) straight into the server's own schema, opened the server's way
 * (openSqlite: WAL, synchronous=NORMAL, same migrations), in transactions of `perTx`.
 */
export function measureRawInsert(options: {
  maxRecords: number;
  maxMs: number;
  perTx: number;
  payloadBytes: number;
}): RawInsertFigures {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-bench-raw-'));
  const db = openSqlite(path.join(dir, 'raw.db'));
  try {
    const insert = db.prepare(
      `INSERT INTO bsos (user_id, collection_id, id, payload, payload_bytes, modified_ms)
       VALUES (1, ${HISTORY_COLLECTION_ID}, ?, ?, ?, ?)`,
    );
    const batches: ReturnType<typeof makeRecords>[] = [];
    for (let i = 0; i < options.maxRecords; i += options.perTx) {
      batches.push(makeRecords(i, Math.min(options.perTx, options.maxRecords - i), options.payloadBytes));
    }
    const writeBatch = db.transaction((records: ReturnType<typeof makeRecords>, modified: number) => {
      for (const r of records) insert.run(r.id, r.payload, Buffer.byteLength(r.payload), modified);
    });
    const start = performance.now();
    const deadline = start + options.maxMs;
    let records = 0;
    for (const batch of batches) {
      if (performance.now() > deadline) break;
      writeBatch(batch, Date.now());
      records += batch.length;
    }
    const seconds = (performance.now() - start) / 1000;
    return { records, seconds, recordsPerSecond: records / seconds };
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
