import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConsistency, nextState, type KnownState } from '../../server/sync15/tokenserver/consistency.js';
import { TokenserverError } from '../../server/sync15/tokenserver/errors.js';
import { formatKeyId, parseKeyId } from '../../server/sync15/tokenserver/key-id.js';

const user: KnownState = { generation: 100, keysChangedAt: 100, clientState: 'aa', oldClientStates: ['old'] };

function failure(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TokenserverError);
    return `${err.status}${err.status === 'invalid-client-state' ? ':' + err.description : ''}`;
  }
  return 'ok';
}

const check = (generation: number | null, keysChangedAt: number | null, clientState: string, u = user) =>
  failure(() => checkConsistency({ generation, keysChangedAt, clientState }, u));

test('spec 1.5 §3.3 checks, in order', () => {
  assert.equal(check(100, 100, 'aa'), 'ok');
  assert.equal(check(150, 200, 'bb'), 'invalid-keysChangedAt'); // 1: keys changed after the generation
  assert.equal(check(100, 100, ''), 'invalid-client-state:Unacceptable client-state value empty string'); // 2
  assert.equal(check(300, 300, 'old'), 'invalid-client-state:Unacceptable client-state value stale value'); // 3
  assert.equal(
    check(100, null, 'bb', { ...user, keysChangedAt: null }),
    'invalid-client-state:Unacceptable client-state value new value with no generation change',
  ); // 4
  assert.equal(
    check(null, 100, 'bb'),
    'invalid-client-state:Unacceptable client-state value new value with no keys_changed_at change',
  ); // 5
  assert.equal(check(99, 100, 'aa'), 'invalid-generation'); // 6
  assert.equal(check(100, 99, 'aa'), 'invalid-keysChangedAt'); // 7
  assert.equal(check(100, null, 'aa'), 'invalid-keysChangedAt'); // 8
  assert.equal(check(100, null, 'aa', { ...user, keysChangedAt: 0 }), 'ok'); // 8 does not fire for 0
  assert.equal(check(200, 200, 'bb'), 'ok'); // a proper key change
});

test('next generation and keys_changed_at (RS update_user)', () => {
  assert.deepEqual(nextState({ generation: 200, keysChangedAt: 150, clientState: 'aa' }, user), {
    generation: 200,
    keysChangedAt: 150,
  });
  assert.deepEqual(nextState({ generation: null, keysChangedAt: 150, clientState: 'aa' }, user), {
    generation: 150,
    keysChangedAt: 150,
  });
  assert.deepEqual(
    nextState({ generation: null, keysChangedAt: null, clientState: 'aa' }, { ...user, keysChangedAt: 0 }),
    { generation: 100, keysChangedAt: 0 },
  );
  assert.deepEqual(
    nextState({ generation: null, keysChangedAt: null, clientState: 'aa' }, { ...user, keysChangedAt: null }),
    { generation: 100, keysChangedAt: null },
  );
});

test('X-KeyID parsing and fxa_kid formatting', () => {
  assert.deepEqual(parseKeyId('1234-qqo'), { keysChangedAt: 1234, clientState: 'aaaa' });
  assert.deepEqual(parseKeyId('0-qqo'), { keysChangedAt: null, clientState: 'aaaa' });
  // Split at the first '-' only: the fingerprint may contain '-' itself.
  assert.equal(parseKeyId('1-_-_-').clientState, Buffer.from('_-_-', 'base64url').toString('hex'));
  for (const bad of [undefined, '', '1234', '-qqo', 'x-qqo', '1-qq=o', '1-a']) {
    assert.throws(() => parseKeyId(bad), TokenserverError, String(bad));
  }
  assert.equal(formatKeyId(1234, 'aaaa'), '0000000001234-qqo');
});
