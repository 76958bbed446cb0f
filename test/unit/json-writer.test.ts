import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringifyJson, ts } from '../../server/http/json.js';

test('asciiOnly escapes every non-ASCII character, call after call (no regex state carried over)', () => {
  for (let i = 0; i < 3; i++) {
    assert.equal(stringifyJson({ name: 'café ✓' }, true), '{"name":"caf\\u00e9 \\u2713"}');
    assert.equal(stringifyJson({ name: 'plain' }, true), '{"name":"plain"}');
  }
  assert.equal(stringifyJson({ name: 'café' }), '{"name":"café"}');
  assert.equal(stringifyJson('\u007f', true), '"\\u007f"');
});

test('objects are written like JSON.stringify: own keys in its order, undefined left out, inherited keys ignored', () => {
  const proto = { inherited: 1 };
  const value = Object.assign(Object.create(proto) as Record<string, unknown>, {
    b: 1,
    a: undefined,
    2: 'two',
    c: [1, null],
  });
  assert.equal(stringifyJson(value as never), JSON.stringify(value));
  assert.equal(stringifyJson(value as never), '{"2":"two","b":1,"c":[1,null]}');
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { x: true });
  assert.equal(stringifyJson(bare as never), '{"x":true}');
});

test('timestamps keep two decimals inside objects', () => {
  assert.equal(stringifyJson({ tabs: ts(1278109839900) }), '{"tabs":1278109839.90}');
});
