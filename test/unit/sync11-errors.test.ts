// The one mapping from what a Sync 1.1 handler throws to its answer (server/sync11/errors.ts):
// the engine's and the password pool's errors, a database outage and a crash, which the
// protocol tests cannot provoke on demand.
import assert from 'node:assert/strict';
import test from 'node:test';
import { HashPoolBusy } from '../../server/accounts/hash-pool.js';
import { Logger } from '../../server/log.js';
import { OverQuota, PreconditionFailed } from '../../server/storage/errors.js';
import type { Sync11Error } from '../../server/sync11/errors.js';
import { toSync11Error, weaveError } from '../../server/sync11/errors.js';

const RETRY_AFTER = 1800;

function mapped(err: unknown): { error: Sync11Error; logged: string[] } {
  const logger = new Logger();
  const error = toSync11Error(err, logger, RETRY_AFTER);
  return { error, logged: logger.tail().map((e) => `${e.level}: ${e.message}`) };
}

test('a thrown Sync11Error is answered as it is', () => {
  const thrown = weaveError(8, 'not a valid WBO');
  assert.equal(mapped(thrown).error, thrown);
  assert.deepEqual(mapped(thrown).logged, []);
});

test("the engine's refusals: 412 and 400 + 14, nothing logged", () => {
  const precondition = mapped(new PreconditionFailed(1000)).error;
  assert.equal(precondition.status, 412);
  assert.deepEqual(precondition.body, {
    text: 'Precondition Failed: the collection was modified since the given time.',
  });
  const quota = mapped(new OverQuota());
  assert.equal(quota.error.status, 400);
  assert.deepEqual(quota.error.body, { code: 14 });
  assert.equal(quota.error.detail, 'over quota');
  assert.deepEqual(quota.logged, []);
});

test('busy password workers and a database outage: 503 + Retry-After, the outage logged', () => {
  const busy = mapped(new HashPoolBusy()).error;
  assert.equal(busy.status, 503);
  assert.deepEqual(busy.body, { json: 'server issue: every password check is busy' });
  assert.deepEqual(busy.headers, [['Retry-After', String(RETRY_AFTER)]]);
  const sqlite = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
  const outage = mapped(sqlite);
  assert.equal(outage.error.status, 503);
  assert.deepEqual(outage.error.body, { json: 'server issue: database unavailable' });
  assert.deepEqual(outage.logged, ['error: Sync 1.1: the database is unavailable']);
  assert.equal(mapped(new Error('database is closed')).error.status, 503);
});

test('anything else: 500 with a crash id that is both answered and logged', () => {
  const { error, logged } = mapped(new TypeError('boom'));
  assert.equal(error.status, 500);
  const body = error.body as { json: string };
  const id = /^application error: crash id ([0-9a-f]{32})$/.exec(body.json)?.[1];
  assert.ok(id, body.json);
  assert.equal(error.detail, `crash id ${id}`);
  assert.deepEqual(logged, [`error: Sync 1.1: unexpected error (crash id ${id})`]);
});
