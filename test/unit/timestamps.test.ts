import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTimestamp, nowMillis, parseTimestamp } from '../../server/storage/timestamps.js';
import { stringifyJson, ts } from '../../server/http/json.js';

test('formats milliseconds as seconds with exactly two decimals', () => {
  assert.equal(formatTimestamp(1278109839900), '1278109839.90');
  assert.equal(formatTimestamp(1278109839000), '1278109839.00');
  assert.equal(formatTimestamp(1278109839050), '1278109839.05');
  assert.equal(formatTimestamp(0), '0.00');
});

test('now is truncated to the 10 ms grid', () => {
  assert.equal(
    nowMillis(() => 1234567),
    1234560,
  );
  assert.equal(
    nowMillis(() => 1234560),
    1234560,
  );
});

test('Sync 1.1 parsing rounds to the nearest hundredth (server-core vectors)', () => {
  assert.equal(parseTimestamp('129084.198271987', 'nearest'), 129084200);
  assert.equal(parseTimestamp('129084.194', 'nearest'), 129084190);
  assert.equal(parseTimestamp('10', 'nearest'), 10000);
  assert.equal(parseTimestamp('.5', 'nearest'), 500);
  // Half to even, as Decimal.quantize does.
  assert.equal(parseTimestamp('1.125', 'nearest'), 1120);
  assert.equal(parseTimestamp('1.135', 'nearest'), 1140);
  assert.equal(parseTimestamp('1.1251', 'nearest'), 1130);
});

test('Sync 1.5 parsing truncates to 10 ms', () => {
  assert.equal(parseTimestamp('129084.198271987', 'truncate'), 129084190);
  assert.equal(parseTimestamp('1388635807.40', 'truncate'), 1388635807400);
});

test('bad timestamps are refused', () => {
  for (const bad of ['bleh', '-1', '', '1e5', '1.2.3', 'NaN', 'Infinity', '99999999999999999999']) {
    assert.equal(parseTimestamp(bad, 'nearest'), null, bad);
    assert.equal(parseTimestamp(bad, 'truncate'), null, bad);
  }
});

test('JSON output keeps two decimals and can escape non-ASCII', () => {
  assert.equal(stringifyJson({ a: ts(1278109839900), b: [ts(10)] }), '{"a":1278109839.90,"b":[0.01]}');
  assert.equal(stringifyJson({ x: 'é€' }, true), '{"x":"\\u00e9\\u20ac"}');
  assert.equal(stringifyJson({ x: 'é' }), '{"x":"é"}');
  assert.equal(
    stringifyJson({ skip: undefined, n: null, t: true, s: 'q"' }),
    '{"n":null,"t":true,"s":"q\\""}',
  );
});
