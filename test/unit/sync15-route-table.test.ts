import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALLOWED_METHODS,
  matchStorageRoute,
  STORAGE_ROUTES,
  type StorageRouteSpec,
} from '../../server/sync15/storage/paths.js';
import { STORAGE_HANDLERS } from '../../server/sync15/storage/router.js';

/** A path the spec's segments describe, with sample values for the parameters. */
function samplePath(spec: StorageRouteSpec): string {
  const rest = spec.segments.map((s) =>
    typeof s === 'string' ? s : s.param === 'collection' ? 'tabs' : 'r1',
  );
  return ['/1.5/9', ...rest].join('/');
}

describe('Sync 1.5 storage route table (issue 9 item 2)', () => {
  it('every route of the table is reached by the matcher, as its own kind', () => {
    for (const spec of STORAGE_ROUTES) {
      assert.equal(matchStorageRoute(samplePath(spec))?.kind, spec.kind, samplePath(spec));
    }
  });

  it('every method a route allows has a handler (HEAD runs GET)', () => {
    for (const spec of STORAGE_ROUTES) {
      for (const method of spec.methods) {
        const handler = STORAGE_HANDLERS[spec.kind][method === 'HEAD' ? 'GET' : method];
        assert.equal(typeof handler, 'function', `${spec.kind} ${method}`);
      }
      // And no handler answers a method the table does not allow.
      for (const method of Object.keys(STORAGE_HANDLERS[spec.kind])) {
        assert.ok(spec.methods.includes(method), `${spec.kind} has a ${method} handler it does not allow`);
      }
    }
  });

  it("the 405's Allow lists come from the table, in the order the server always sent", () => {
    assert.deepEqual(ALLOWED_METHODS.collection, ['GET', 'HEAD', 'POST', 'DELETE']);
    assert.deepEqual(ALLOWED_METHODS.item, ['GET', 'HEAD', 'PUT', 'DELETE']);
    assert.deepEqual(ALLOWED_METHODS.storage, ['DELETE']);
    assert.deepEqual(ALLOWED_METHODS['info/quota'], ['GET', 'HEAD']);
  });
});
