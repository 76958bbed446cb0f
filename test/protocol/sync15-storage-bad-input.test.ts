import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User } from '../helpers/sync15-client.js';
import { StorageClient, type CallOptions } from './sync15-storage-helpers.js';

/**
 * Every storage route fed bad input (spec 1.5 §2.3, §2.6, §2.8–§2.12): each answer has the
 * documented status and bare-integer body, none is a 500, and the stored data is exactly
 * what it was before.
 */

interface Case {
  name: string;
  method: string;
  path: string;
  options?: CallOptions;
  status: number;
  /** Expected body; omitted for 304/412-style empty bodies. */
  body?: string;
}

const hundredAndOneIds = Array.from({ length: 101 }, (_, i) => `i${i}`).join(',');
const json = 'application/json';

const CASES: Case[] = [
  // Paths and methods
  { name: 'unknown info document', method: 'GET', path: '/info/everything', status: 404, body: '0' },
  { name: 'bad collection name', method: 'GET', path: '/storage/no$such', status: 404, body: '0' },
  {
    name: 'too long collection name',
    method: 'GET',
    path: `/storage/${'c'.repeat(33)}`,
    status: 404,
    body: '0',
  },
  {
    name: 'too long item id',
    method: 'PUT',
    path: `/storage/tabs/${'i'.repeat(65)}`,
    options: { body: {} },
    status: 404,
    body: '0',
  },
  {
    name: 'control character in item id',
    method: 'PUT',
    path: '/storage/tabs/a%0Ab',
    options: { body: {} },
    status: 404,
    body: '0',
  },
  { name: 'broken percent-encoding', method: 'GET', path: '/storage/tabs/%zz', status: 404, body: '0' },
  { name: 'path below an item', method: 'GET', path: '/storage/tabs/a/b', status: 404, body: '0' },
  {
    name: 'PATCH on a collection',
    method: 'PATCH',
    path: '/storage/tabs',
    options: { body: [] },
    status: 405,
    body: '0',
  },
  {
    name: 'PUT on a collection',
    method: 'PUT',
    path: '/storage/tabs',
    options: { body: [] },
    status: 405,
    body: '0',
  },
  {
    name: 'POST on an item',
    method: 'POST',
    path: '/storage/tabs/a',
    options: { body: {} },
    status: 405,
    body: '0',
  },
  { name: 'DELETE on info', method: 'DELETE', path: '/info/collections', status: 405, body: '0' },
  { name: 'PUT on storage', method: 'PUT', path: '/storage', options: { body: {} }, status: 405, body: '0' },

  // Precondition headers on every kind of route
  ...['/info/collections', '/info/quota', '/storage/tabs', '/storage/tabs/a'].flatMap((path): Case[] => [
    {
      name: `both X-If headers on GET ${path}`,
      method: 'GET',
      path,
      options: { headers: { 'X-If-Modified-Since': '1', 'X-If-Unmodified-Since': '1' } },
      status: 400,
      body: '0',
    },
    {
      name: `negative X-If-Modified-Since on GET ${path}`,
      method: 'GET',
      path,
      options: { headers: { 'X-If-Modified-Since': '-5' } },
      status: 400,
      body: '0',
    },
    {
      name: `non-numeric X-If-Unmodified-Since on GET ${path}`,
      method: 'GET',
      path,
      options: { headers: { 'X-If-Unmodified-Since': 'yesterday' } },
      status: 400,
      body: '0',
    },
  ]),
  {
    name: 'bad X-If-Unmodified-Since on PUT',
    method: 'PUT',
    path: '/storage/tabs/a',
    options: { body: { payload: 'new' }, headers: { 'X-If-Unmodified-Since': 'abc' } },
    status: 400,
    body: '0',
  },
  {
    name: 'both X-If headers on POST',
    method: 'POST',
    path: '/storage/tabs',
    options: { body: [{ id: 'n' }], headers: { 'X-If-Modified-Since': '1', 'X-If-Unmodified-Since': '1' } },
    status: 400,
    body: '0',
  },
  {
    name: 'bad X-If-Unmodified-Since on DELETE item',
    method: 'DELETE',
    path: '/storage/tabs/a',
    options: { headers: { 'X-If-Unmodified-Since': '1e5' } },
    status: 400,
    body: '0',
  },
  {
    name: 'bad X-If-Unmodified-Since on DELETE collection',
    method: 'DELETE',
    path: '/storage/tabs',
    options: { headers: { 'X-If-Unmodified-Since': '-1' } },
    status: 400,
    body: '0',
  },
  {
    name: 'bad X-If-Unmodified-Since on DELETE storage',
    method: 'DELETE',
    path: '/storage',
    options: { headers: { 'X-If-Unmodified-Since': 'x' } },
    status: 400,
    body: '0',
  },
  {
    name: 'stale X-If-Unmodified-Since on DELETE storage',
    method: 'DELETE',
    path: '',
    options: { headers: { 'X-If-Unmodified-Since': '1.00' } },
    status: 412,
  },
  {
    name: 'stale X-If-Unmodified-Since on DELETE collection',
    method: 'DELETE',
    path: '/storage/tabs',
    options: { headers: { 'X-If-Unmodified-Since': '1.00' } },
    status: 412,
  },
  {
    name: 'stale X-If-Unmodified-Since on DELETE ids',
    method: 'DELETE',
    path: '/storage/tabs?ids=a',
    options: { headers: { 'X-If-Unmodified-Since': '1.00' } },
    status: 412,
  },

  // GET collection parameters
  ...[
    'newer=-1',
    'newer=abc',
    'older=-0.5',
    'older=1,5',
    'limit=-1',
    'limit=1.5',
    'limit=ten',
    'offset=abc',
    'offset=-1',
    'offset=1.5',
    'sort=random',
    'sort=',
    `ids=${hundredAndOneIds}`,
    'ids=a,%09b',
    `ids=${'x'.repeat(65)}`,
    'newer=%zz',
  ].map(
    (query): Case => ({
      name: `GET ?${query.length > 40 ? `${query.slice(0, 40)}…` : query}`,
      method: 'GET',
      path: `/storage/tabs?${query}`,
      status: 400,
      body: '0',
    }),
  ),
  {
    name: 'Accept application/xml',
    method: 'GET',
    path: '/storage/tabs',
    options: { headers: { Accept: 'application/xml' } },
    status: 406,
    body: '0',
  },

  // DELETE collection parameters
  {
    name: 'DELETE with 101 ids',
    method: 'DELETE',
    path: `/storage/tabs?ids=${hundredAndOneIds}`,
    status: 400,
    body: '0',
  },
  {
    name: 'DELETE with an invalid id',
    method: 'DELETE',
    path: '/storage/tabs?ids=a,b%0A',
    status: 400,
    body: '0',
  },

  // PUT bodies
  ...[
    ['not JSON', '{payload'],
    ['empty body', ''],
    ['a JSON array', '[{"payload":"x"}]'],
    ['a JSON string', '"x"'],
    ['a JSON number', '5'],
    ['JSON null', 'null'],
    ['an unknown field', '{"payload":"x","color":"red"}'],
    ['a __proto__ field', '{"__proto__":{"payload":"x"}}'],
    ['a numeric payload', '{"payload":5}'],
    ['an object payload', '{"payload":{"a":1}}'],
    ['a string sortindex', '{"sortindex":"5"}'],
    ['a float sortindex', '{"sortindex":1.5}'],
    ['a huge sortindex', '{"sortindex":1000000000}'],
    ['a negative ttl', '{"ttl":-1}'],
    ['a float ttl', '{"ttl":0.5}'],
    ['a string ttl', '{"ttl":"60"}'],
    ['a numeric id', '{"id":5,"payload":"x"}'],
    ['deep nesting', '['.repeat(200_000) + ']'.repeat(200_000)],
  ].map(
    ([what, body]): Case => ({
      name: `PUT with ${what as string}`,
      method: 'PUT',
      path: '/storage/tabs/a',
      options: { body: body as string, contentType: json },
      status: 400,
      body: '8',
    }),
  ),
  {
    name: 'PUT with an oversize payload',
    method: 'PUT',
    path: '/storage/tabs/a',
    options: { body: { payload: 'x'.repeat(2 * 1024 * 1024 + 1) } },
    status: 400,
    body: '8',
  },
  {
    name: 'PUT with Content-Type application/octet-stream',
    method: 'PUT',
    path: '/storage/tabs/a',
    options: { body: '{"payload":"x"}', contentType: 'application/octet-stream' },
    status: 415,
    body: '0',
  },
  {
    name: 'PUT with Content-Type application/newlines',
    method: 'PUT',
    path: '/storage/tabs/a',
    options: { body: '{"payload":"x"}', contentType: 'application/newlines' },
    status: 415,
    body: '0',
  },
  {
    name: 'PUT of the known-bad crypto payload',
    method: 'PUT',
    path: '/storage/crypto/keys',
    options: { body: { payload: '{"IV":"AAAAAAAAAAAAAAAAAAAAAA=="}' } },
    status: 400,
    body: '8',
  },

  // POST bodies and headers
  ...[
    ['not JSON', '[{"id":', json],
    ['a JSON object', '{"id":"n"}', json],
    ['a non-object element', '[{"id":"n"},5]', json],
    ['a null element', '[null]', json],
    ['an element without id', '[{"id":"n"},{"payload":"x"}]', json],
    ['a numeric id', '[{"id":7}]', json],
    ['duplicate ids', '[{"id":"n"},{"id":"n"}]', json],
    ['a blank line', '{"id":"n"}\n\n{"id":"m"}\n', 'application/newlines'],
    ['an array line', '[{"id":"n"}]\n', 'application/newlines'],
    ['a broken line', '{"id":"n"}\n{"id"\n', 'application/newlines'],
    [
      'the known-bad crypto payload',
      '[{"id":"ok","payload":"x"},{"id":"keys","payload":"{\\"IV\\": \\"AAAAAAAAAAAAAAAAAAAAAA==\\"}"}]',
      json,
    ],
  ].map(
    ([what, body, contentType]): Case => ({
      name: `POST with ${what as string}`,
      method: 'POST',
      path: what === 'the known-bad crypto payload' ? '/storage/crypto' : '/storage/tabs',
      options: { body: body as string, contentType: contentType as string },
      status: 400,
      body: '8',
    }),
  ),
  {
    name: 'POST with Content-Type image/png',
    method: 'POST',
    path: '/storage/tabs',
    options: { body: '[]', contentType: 'image/png' },
    status: 415,
    body: '0',
  },
  {
    name: 'POST with a non-numeric X-Weave-Records',
    method: 'POST',
    path: '/storage/tabs',
    options: { body: [{ id: 'n' }], headers: { 'X-Weave-Records': 'many' } },
    status: 400,
    body: '0',
  },
  {
    name: 'POST with an absurd X-Weave-Bytes',
    method: 'POST',
    path: '/storage/tabs',
    options: { body: [{ id: 'n' }], headers: { 'X-Weave-Bytes': '99999999999999999999' } },
    status: 400,
    body: '0',
  },
  {
    name: 'POST with X-Weave-Records over the limit',
    method: 'POST',
    path: '/storage/tabs',
    options: { body: [{ id: 'n' }], headers: { 'X-Weave-Records': '101' } },
    status: 400,
    body: '17',
  },
  {
    name: 'POST with a negative X-Weave-Total-Bytes',
    method: 'POST',
    path: '/storage/tabs?batch=true',
    options: { body: [{ id: 'n' }], headers: { 'X-Weave-Total-Bytes': '-1' } },
    status: 400,
    body: '0',
  },
  {
    name: 'POST commit without batch',
    method: 'POST',
    path: '/storage/tabs?commit=true',
    options: { body: [{ id: 'n' }] },
    status: 400,
    body: '0',
  },
  {
    name: 'POST commit=false',
    method: 'POST',
    path: '/storage/tabs?batch=true&commit=false',
    options: { body: [{ id: 'n' }] },
    status: 400,
    body: '0',
  },
  {
    name: 'POST unknown batch',
    method: 'POST',
    path: '/storage/tabs?batch=AAAAAAAAAAAAAAAA&commit=true',
    options: { body: [{ id: 'n' }] },
    status: 400,
    body: '0',
  },
  {
    name: 'POST batch id with symbols',
    method: 'POST',
    path: '/storage/tabs?batch=%3Cscript%3E',
    options: { body: [{ id: 'n' }] },
    status: 400,
    body: '0',
  },
  {
    name: 'POST bad batch body',
    method: 'POST',
    path: '/storage/tabs?batch=true',
    options: { body: '{}', contentType: json },
    status: 400,
    body: '8',
  },
];

describe('bad input on every storage route', () => {
  let server: TestServer;
  let c: StorageClient;
  let snapshot: string;

  async function takeSnapshot(): Promise<string> {
    const parts: string[] = [
      (await c.get('/info/collections')).text,
      (await c.get('/info/collection_counts')).text,
    ];
    for (const name of ['tabs', 'crypto', 'bookmarks']) {
      parts.push((await c.get(`/storage/${name}?full=1&sort=oldest`)).text);
    }
    return parts.join('\n');
  }

  before(async () => {
    server = await startTestServer();
    c = new StorageClient(await createSync15User(server));
    await c.post('/storage/tabs', [
      { id: 'a', payload: 'tab a', sortindex: 1 },
      { id: 'b', payload: 'tab b', ttl: 3600 },
    ]);
    await c.put('/storage/crypto/keys', { payload: '{"good":true}' });
    await c.put('/storage/bookmarks/x', { payload: 'bm' });
    snapshot = await takeSnapshot();
  });
  after(() => server.close());

  for (const testCase of CASES) {
    it(`${testCase.name} → ${testCase.status}`, async () => {
      const reply = await c.call(testCase.method, testCase.path, testCase.options);
      assert.equal(reply.status, testCase.status, `${testCase.name}: ${reply.text.slice(0, 100)}`);
      if (testCase.body !== undefined) {
        assert.equal(reply.text, testCase.body);
        assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
      }
      assert.equal(await takeSnapshot(), snapshot, `${testCase.name} changed stored data`);
    });
  }

  it('logged no server error for any of them', () => {
    const events = server.logger.tail();
    assert.ok(events.some((e) => e.kind === 'request' && e.status === 400));
    assert.deepEqual(
      events.filter((e) => e.level === 'error').map((e) => e.message),
      [],
    );
  });
});
