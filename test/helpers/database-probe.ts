/**
 * `node --import tsx test/helpers/database-probe.ts postgres|mysql`: exits 0 when the test
 * database server answers, else prints why in one line and exits 1 (scripts/run-tests.js).
 */
import { databaseProblem, type TestDatabaseKind } from './databases.js';

const kind = process.argv[2] as TestDatabaseKind;
const problem = await databaseProblem(kind);
if (problem) {
  console.log(problem);
  process.exit(1);
}
