import type { Config } from '../../server/config.js';

/** The SQLite file a Config names, for the tests that look at the file itself. */
export function databaseFile(config: Pick<Config, 'database'>): string {
  const location = config.database;
  if (location.kind !== 'sqlite')
    throw new Error(`this test needs an SQLite database, not ${location.display}`);
  return location.file;
}
