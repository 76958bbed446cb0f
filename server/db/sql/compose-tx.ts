import type { Tx } from '../types.js';
import { SqlAccounts, SqlOwners } from './accounts.js';
import { SqlFxa } from './fxa.js';
import type { SqlDialect, SqlRunner } from './runner.js';
import { SqlStorage } from './storage.js';
import { SqlTokenserver } from './tokenserver.js';

/** Mixes the per-concern SQL classes into the one Tx the engine sees, over one connection. */
export function composeTx(runner: SqlRunner, dialect: SqlDialect): Tx {
  const parts: object[] = [
    new SqlStorage(runner, dialect),
    new SqlOwners(runner),
    new SqlAccounts(runner, dialect),
    new SqlTokenserver(runner, dialect),
    new SqlFxa(runner),
  ];
  const tx: Record<string, unknown> = {};
  for (const part of parts) {
    const proto = Object.getPrototypeOf(part) as object;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor') continue;
      const fn = (part as Record<string, unknown>)[name];
      if (typeof fn === 'function') tx[name] = fn.bind(part);
    }
  }
  return tx as unknown as Tx;
}
