import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiateListFormat, serializeList } from '../../server/sync11/formats.js';
import { parseCollectionQuery, parseSignedTimestamp } from '../../server/sync11/query.js';
import { matchRoute } from '../../server/sync11/routes.js';
import { asWboObject, checkWbo } from '../../server/sync11/wbo.js';
import { parseBasic } from '../../server/sync11/basic-auth.js';
import { nodeLocation } from '../../server/sync11/user-api.js';
import { ts } from '../../server/http/json.js';

test('routes: 404 / 405 / elsewhere; /1.0/sync/1.5 is never Sync 1.1', () => {
  assert.deepEqual(matchRoute('GET', '/1.0/sync/1.5'), { kind: 'elsewhere' });
  assert.deepEqual(matchRoute('GET', '/1.5/123/storage/bookmarks'), { kind: 'elsewhere' });
  assert.deepEqual(matchRoute('GET', '/__heartbeat__'), { kind: 'elsewhere' });
  assert.equal(matchRoute('GET', '/1.0/bob/info/collections').kind, 'route');
  assert.equal(matchRoute('GET', '/1.0/bob/info/nope').kind, 'not-found');
  assert.equal(matchRoute('GET', '/1.1/bob/nope').kind, 'not-found');
  assert.deepEqual(matchRoute('PUT', '/1/bob/info/quota'), { kind: 'method-not-allowed', allow: ['GET'] });
  assert.equal(matchRoute('PUT', '/1.1/bob/storage').kind, 'not-found');
  const item = matchRoute('HEAD', '/1.1/bob/storage/passwords/%7Babc%7D/');
  assert.deepEqual(item, {
    kind: 'route',
    name: 'item',
    params: { user: 'bob', collection: 'passwords', item: '{abc}' },
  });
  assert.equal(matchRoute('GET', '/1.1/bob/storage/c/a%2Fb').kind, 'not-found');
  assert.equal(matchRoute('GET', '/user/1.0/bob/node/weave').kind, 'route');
  assert.equal(matchRoute('GET', '/user/1.1/bob').kind, 'not-found');
});

test('routes: escaped segments decode, malformed escapes are 404, odd paths are elsewhere', () => {
  assert.deepEqual(matchRoute('GET', '/1.1/b%6Fb/info/collections'), {
    kind: 'route',
    name: 'info.collections',
    params: { user: 'bob', collection: '', item: '' },
  });
  assert.equal(matchRoute('GET', '/1.1/bob/storage/c/%zz').kind, 'not-found');
  assert.equal(matchRoute('GET', '/1.1/%E0%A4%A/info/collections').kind, 'not-found');
  assert.deepEqual(matchRoute('GET', '/'), { kind: 'elsewhere' });
  assert.deepEqual(matchRoute('OPTIONS', '*'), { kind: 'elsewhere' });
  assert.deepEqual(matchRoute('GET', '/1.1/bob/storage/tabs'), {
    kind: 'route',
    name: 'collection',
    params: { user: 'bob', collection: 'tabs', item: '' },
  });
});

test('Accept negotiation', () => {
  assert.equal(negotiateListFormat(undefined), 'application/json');
  assert.equal(negotiateListFormat('application/newlines'), 'application/newlines');
  assert.equal(negotiateListFormat('text/html, application/*;q=0.2'), 'application/json');
  assert.equal(negotiateListFormat('application/whoisi, application/*;q=0.5'), 'application/whoisi');
  assert.equal(negotiateListFormat('garbage;;;,,/'), 'application/json');
});

test('list serialization, whoisi lengths in bytes with non-ASCII escaped', () => {
  assert.equal(serializeList(['a', { modified: ts(10) }], 'application/json'), '["a",{"modified":0.01}]');
  const whoisi = serializeList(['é'], 'application/whoisi') as Buffer;
  assert.equal(whoisi.readUInt32BE(0), 8);
  assert.equal(whoisi.subarray(4).toString(), '"\\u00e9"');
});

test('query parsing', () => {
  const q = parseCollectionQuery(
    new URLSearchParams('ids=a,b&newer=1.005&older=2&index_above=1.5&limit=3&offset=2&sort=index&full=1'),
  );
  assert.deepEqual(q, {
    ok: true,
    full: true,
    query: { ids: ['a', 'b'], newer: 1000, older: 2000, indexAbove: 1.5, limit: 3, offset: 2, sort: 'index' },
  });
  assert.equal(parseCollectionQuery(new URLSearchParams('limit=1e400')).ok, false);
  assert.deepEqual(parseCollectionQuery(new URLSearchParams('offset=5')), {
    ok: true,
    full: false,
    query: {},
  });
  assert.equal(parseSignedTimestamp('129084.198271987'), 129084200);
  assert.equal(parseSignedTimestamp('-1'), -1000);
  assert.equal(parseSignedTimestamp('1.5e2'), 150000);
  assert.equal(parseSignedTimestamp('bleh'), null);
  assert.equal(parseSignedTimestamp('1e999'), null);
});

test('WBO validation order and conversions', () => {
  assert.equal(asWboObject([1]), null);
  assert.equal(asWboObject({ a: [1] }), null);
  assert.deepEqual(asWboObject({ a: null, b: 1 }), { b: 1 });
  assert.deepEqual(checkWbo({ id: 12, sortindex: '5.5', ttl: 3.9, payload: '' }), {
    ok: true,
    id: '12',
    write: { ttl: 3, sortindex: 5, payload: '' },
  });
  assert.deepEqual(
    checkWbo({ id: 'x' }),
    { ok: true, id: 'x', write: { ttl: null } },
    'absent ttl resets to never',
  );
  const long = 'l'.repeat(65);
  assert.deepEqual(checkWbo({ id: 'a', parentid: long, ttl: -1 }), {
    ok: false,
    id: 'a',
    message: 'invalid parentid',
  });
  assert.deepEqual(checkWbo({ id: long }), { ok: false, id: long, message: 'invalid id' });
  assert.deepEqual(checkWbo({ id: 'a', sortindex: 1e9 }), {
    ok: false,
    id: 'a',
    message: 'invalid sortindex',
  });
  assert.deepEqual(checkWbo({ id: 'a', payload: true }), {
    ok: false,
    id: 'a',
    message: 'payload not a string',
  });
});

test('Basic header parsing splits at the first colon', () => {
  assert.deepEqual(parseBasic('Basic ' + Buffer.from('bob:pa:ss').toString('base64')), {
    username: 'bob',
    password: 'pa:ss',
  });
  assert.equal(typeof parseBasic(undefined), 'string');
  assert.equal(typeof parseBasic('Digest x'), 'string');
});

test('node location is cleaned like server-reg clean_location', () => {
  assert.equal(nodeLocation('http://host:8173'), 'http://host:8173/');
  assert.equal(nodeLocation('host.example'), 'https://host.example/');
  assert.equal(nodeLocation(''), null);
});
