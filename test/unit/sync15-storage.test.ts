import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchStorageRoute } from '../../server/sync15/storage/paths.js';
import { bsoJson, checkBso, isKnownBadPayload } from '../../server/sync15/storage/bso.js';
import { parseListBody, parseObjectBody } from '../../server/sync15/storage/body.js';
import {
  bodyFormat,
  checkContentLength,
  checkDeclaredSizes,
  parseConditional,
  responseFormat,
} from '../../server/sync15/storage/headers.js';
import { selectPostItems } from '../../server/sync15/storage/post.js';
import { parseBatchMode, parseCollectionQuery, parseIds } from '../../server/sync15/storage/query.js';
import { StorageHttpError } from '../../server/sync15/storage/errors.js';
import { stringifyJson } from '../../server/http/json.js';

function refusal(status: number, code: number) {
  return (err: unknown) => err instanceof StorageHttpError && err.status === status && err.code === code;
}

describe('matchStorageRoute', () => {
  it('maps every route of spec 1.5 §2.1', () => {
    assert.deepEqual(matchStorageRoute('/1.5/42'), { kind: 'storage', uid: 42 });
    assert.deepEqual(matchStorageRoute('/1.5/42/'), { kind: 'storage', uid: 42 });
    assert.deepEqual(matchStorageRoute('/1.5/42/storage'), { kind: 'storage', uid: 42 });
    for (const name of ['collections', 'collection_counts', 'collection_usage', 'configuration', 'quota']) {
      assert.deepEqual(matchStorageRoute(`/1.5/7/info/${name}`), { kind: `info/${name}`, uid: 7 });
    }
    assert.deepEqual(matchStorageRoute('/1.5/7/storage/bookmarks'), {
      kind: 'collection',
      uid: 7,
      collection: 'bookmarks',
    });
    assert.deepEqual(matchStorageRoute('/1.5/7/storage/bookmarks/a%20b%2Fc'), {
      kind: 'item',
      uid: 7,
      collection: 'bookmarks',
      id: 'a b/c',
    });
  });

  it('rejects paths that do not fit the regexes', () => {
    for (const path of [
      '/1.5',
      '/1.5/',
      '/1.5/abc/info/collections',
      '/1.5/12345678901/info/collections',
      '/1.5/1/info/nope',
      '/1.5/1/info/constructor',
      '/1.5/1/info/__proto__',
      '/1.5/1/info/collections/x',
      '/1.5/1/other',
      '/1.5/1/storage/bad!name',
      `/1.5/1/storage/${'c'.repeat(33)}`,
      `/1.5/1/storage/c/${'i'.repeat(65)}`,
      '/1.5/1/storage/c/%09tab',
      '/1.5/1/storage/c/%E2%82%AC',
      '/1.5/1/storage/c/%zz',
      '/1.5/1/storage/c/',
      '/1.5/1/storage/c/i/extra',
      '/1.0/1/storage/c',
    ]) {
      assert.equal(matchStorageRoute(path), null, path);
    }
  });
});

describe('checkBso', () => {
  it('turns a body into a partial write', () => {
    const check = checkBso({ payload: 'x€', sortindex: 5, ttl: null, modified: 1, collection: 'c' }, 'a');
    assert.ok(check.ok);
    assert.deepEqual(check.write, { id: 'a', payload: 'x€', sortindex: 5, ttl: null });
    assert.equal(check.payloadBytes, 4);
    const empty = checkBso({}, 'a');
    assert.ok(empty.ok);
    assert.deepEqual(empty.write, { id: 'a' });
  });

  it('rejects unknown fields and bad values with a reason', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ payloadx: '' }, 'unknown field payloadx'],
      [{ payload: 5 }, 'invalid payload'],
      [{ sortindex: '5' }, 'invalid sortindex'],
      [{ sortindex: 1.5 }, 'invalid sortindex'],
      [{ sortindex: 1_000_000_000 }, 'invalid sortindex'],
      [{ ttl: -1 }, 'invalid ttl'],
      [{ ttl: 1.5 }, 'invalid ttl'],
      [{ ttl: '10' }, 'invalid ttl'],
      [{ id: 5 }, 'invalid id'],
    ];
    for (const [body, reason] of cases) {
      const check = checkBso(body, 'a');
      assert.equal(check.ok, false, JSON.stringify(body));
      assert.equal(!check.ok && check.reason, reason);
    }
    assert.equal(checkBso({}, '').ok, false);
    assert.equal(checkBso({}, 'tab\there').ok, false);
    assert.equal(checkBso(JSON.parse('{"__proto__": 1}') as Record<string, unknown>, 'a').ok, false);
  });

  it('spots the known-bad crypto payload only in crypto', () => {
    const write = { id: 'keys', payload: '{"IV": "AAAAAAAAAAAAAAAAAAAAAA==", "x": 1}' };
    assert.equal(isKnownBadPayload('crypto', write), true);
    assert.equal(isKnownBadPayload('bookmarks', write), false);
    assert.equal(isKnownBadPayload('crypto', { id: 'keys', payload: '{"IV": "AAAB"}' }), false);
  });

  it('renders payload always, sortindex when set, ttl never, two-decimal modified', () => {
    const base = { id: 'a', modified: 1_388_635_807_400, payload: null, parentid: null, predecessorid: null };
    assert.equal(
      stringifyJson(bsoJson({ ...base, sortindex: null, expiry: 5 })),
      '{"id":"a","modified":1388635807.40,"payload":""}',
    );
    assert.equal(
      stringifyJson(bsoJson({ ...base, payload: 'p', sortindex: 0, expiry: null })),
      '{"id":"a","modified":1388635807.40,"payload":"p","sortindex":0}',
    );
  });
});

describe('bodies', () => {
  const buf = (s: string) => Buffer.from(s, 'utf8');
  it('accepts one object for PUT and nothing else', () => {
    assert.deepEqual(parseObjectBody(buf('{"payload":"x"}')), { payload: 'x' });
    for (const text of ['', '[]', '"x"', '5', 'null', '{bad', '[{}]']) {
      assert.throws(() => parseObjectBody(buf(text)), refusal(400, 8), text);
    }
    assert.throws(() => parseObjectBody(Buffer.from([0x7b, 0xff, 0x7d])), refusal(400, 8));
  });

  it('parses JSON lists and newline lists with the empty-commit edge cases of §2.10', () => {
    assert.deepEqual(parseListBody(buf('[]'), 'json'), []);
    assert.deepEqual(parseListBody(buf(''), 'newlines'), []);
    assert.deepEqual(parseListBody(buf('{"id":"a"}\n{"id":"b"}\n'), 'newlines'), [{ id: 'a' }, { id: 'b' }]);
    assert.deepEqual(parseListBody(buf('{"id":"a"}'), 'newlines'), [{ id: 'a' }]);
    for (const text of ['{}', '', '[1]', '[[]]', '[null]', '"x"']) {
      assert.throws(() => parseListBody(buf(text), 'json'), refusal(400, 8), `json ${text}`);
    }
    for (const text of ['\n', '[]', '{"id":"a"}\n\n{"id":"b"}', 'nope', '5']) {
      assert.throws(() => parseListBody(buf(text), 'newlines'), refusal(400, 8), `newlines ${text}`);
    }
  });
});

describe('selectPostItems', () => {
  const limits = { maxPostRecords: 3, maxPostBytes: 10, maxRecordPayloadBytes: 6 };

  it('fails the whole request for missing or duplicate ids and bad crypto payloads', () => {
    assert.throws(() => selectPostItems([{ payload: 'x' }], 'c', limits), refusal(400, 8));
    assert.throws(() => selectPostItems([{ id: 1 }], 'c', limits), refusal(400, 8));
    assert.throws(() => selectPostItems([{ id: 'a' }, { id: 'a' }], 'c', limits), refusal(400, 8));
    const bad = { id: 'keys', payload: '{"IV":"AAAAAAAAAAAAAAAAAAAAAA=="}' };
    assert.throws(
      () => selectPostItems([bad], 'crypto', { ...limits, maxRecordPayloadBytes: 100, maxPostBytes: 100 }),
      refusal(400, 8),
    );
  });

  it('fails single items with reasons and applies the size accounting in order', () => {
    const { writes, failed } = selectPostItems(
      [
        { id: 'a', payload: '1234' },
        { id: 'bad id\n' },
        { id: 'b', payload: 'x', extra: 1 },
        { id: 'c', payload: '1234567' },
        { id: 'd', payload: '1' },
      ],
      'c',
      limits,
    );
    assert.deepEqual(
      writes.map((w) => w.id),
      ['a'],
    );
    assert.equal(failed.get('bad id\n'), 'invalid id');
    assert.equal(failed.get('b'), 'unknown field extra');
    assert.equal(failed.get('c'), 'retry bytes');
    // The refused item's bytes still count, so `d` cannot fit either.
    assert.equal(failed.get('d'), 'retry bytes');
  });

  it('refuses items beyond max_post_records with "retry bso"', () => {
    const items = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, payload: '1' }));
    const { writes, failed } = selectPostItems(items, 'c', limits);
    assert.deepEqual(
      writes.map((w) => w.id),
      ['a', 'b', 'c'],
    );
    assert.equal(failed.get('d'), 'retry bso');
    assert.equal(failed.get('e'), 'retry bso');
  });
});

describe('request headers', () => {
  it('parses X-If-* and refuses both at once or bad values', () => {
    assert.deepEqual(parseConditional({}), { kind: 'none' });
    assert.deepEqual(parseConditional({ 'x-if-modified-since': '12.345' }), {
      kind: 'modifiedSince',
      since: 12340,
    });
    assert.deepEqual(parseConditional({ 'x-if-unmodified-since': '0' }), {
      kind: 'unmodifiedSince',
      since: 0,
    });
    for (const headers of [
      { 'x-if-modified-since': '1', 'x-if-unmodified-since': '1' },
      { 'x-if-modified-since': '-1' },
      { 'x-if-unmodified-since': 'abc' },
      { 'x-if-unmodified-since': '' },
    ]) {
      assert.throws(() => parseConditional(headers), refusal(400, 0), JSON.stringify(headers));
    }
  });

  it('enforces the declared X-Weave-* sizes', () => {
    const limits = { maxPostRecords: 10, maxPostBytes: 100, maxTotalRecords: 20, maxTotalBytes: 200 };
    checkDeclaredSizes({ 'x-weave-records': '10', 'x-weave-bytes': '100' }, limits, false);
    checkDeclaredSizes({ 'x-weave-total-records': '20', 'x-weave-total-bytes': '200' }, limits, true);
    // Totals only matter for batch requests.
    checkDeclaredSizes({ 'x-weave-total-records': '21' }, limits, false);
    assert.throws(() => checkDeclaredSizes({ 'x-weave-records': '11' }, limits, false), refusal(400, 17));
    assert.throws(() => checkDeclaredSizes({ 'x-weave-bytes': '101' }, limits, false), refusal(400, 17));
    assert.throws(
      () => checkDeclaredSizes({ 'x-weave-total-records': '21' }, limits, true),
      refusal(400, 17),
    );
    assert.throws(() => checkDeclaredSizes({ 'x-weave-total-bytes': '201' }, limits, true), refusal(400, 17));
    assert.throws(() => checkDeclaredSizes({ 'x-weave-records': 'ten' }, limits, false), refusal(400, 0));
    assert.throws(() => checkDeclaredSizes({ 'x-weave-bytes': '-1' }, limits, false), refusal(400, 0));
  });

  it('refuses an oversize Content-Length with 413/17', () => {
    checkContentLength({ 'content-length': '100' }, 100);
    assert.throws(() => checkContentLength({ 'content-length': '101' }, 100), refusal(413, 17));
  });

  it('classifies Content-Type and Accept', () => {
    assert.equal(bodyFormat({}, true), 'json');
    assert.equal(bodyFormat({ 'content-type': 'application/json; charset=utf-8' }, false), 'json');
    assert.equal(bodyFormat({ 'content-type': 'text/plain' }, false), 'json');
    assert.equal(bodyFormat({ 'content-type': 'application/newlines' }, true), 'newlines');
    assert.throws(() => bodyFormat({ 'content-type': 'application/newlines' }, false), refusal(415, 0));
    assert.throws(() => bodyFormat({ 'content-type': 'application/octet-stream' }, true), refusal(415, 0));
    assert.equal(responseFormat({}), 'json');
    assert.equal(responseFormat({ accept: '*/*' }), 'json');
    assert.equal(responseFormat({ accept: 'application/newlines' }), 'newlines');
    assert.equal(responseFormat({ accept: 'application/json;q=0.5, application/newlines' }), 'newlines');
    assert.equal(responseFormat({ accept: 'text/html, application/json;q=0.1' }), 'json');
    assert.throws(() => responseFormat({ accept: 'application/xml' }), refusal(406, 0));
    assert.throws(() => responseFormat({ accept: 'application/json;q=0' }), refusal(406, 0));
  });
});

describe('query parameters', () => {
  const q = (s: string) => parseCollectionQuery(new URLSearchParams(s));

  it('parses every parameter of §2.8', () => {
    assert.deepEqual(q(''), { full: false, offset: 0 });
    assert.deepEqual(q('ids=a%2Cb,,c&newer=1.5&older=2&full=&limit=0&offset=20&sort=index&weird=1'), {
      full: true,
      offset: 20,
      ids: ['a', 'b', 'c'],
      newer: 1500,
      older: 2000,
      limit: 0,
      sort: 'index',
    });
  });

  it('refuses bad values with 400/0', () => {
    for (const text of [
      'newer=-1',
      'older=abc',
      'limit=-1',
      'limit=1.5',
      'limit=',
      'offset=x',
      'offset=-1',
      'offset=',
      'sort=up',
      'ids=' + Array.from({ length: 101 }, (_, i) => `i${i}`).join(','),
      'ids=a,%09',
      'ids=' + 'x'.repeat(65),
    ]) {
      assert.throws(() => q(text), refusal(400, 0), text);
    }
    assert.equal(parseIds(Array.from({ length: 100 }, (_, i) => `i${i}`).join(',')).length, 100);
  });

  it('reads batch and commit', () => {
    const b = (s: string) => parseBatchMode(new URLSearchParams(s));
    assert.deepEqual(b(''), { kind: 'none' });
    assert.deepEqual(b('batch=true'), { kind: 'new', commit: false });
    assert.deepEqual(b('batch=TRUE&commit=True'), { kind: 'new', commit: true });
    assert.deepEqual(b('batch='), { kind: 'new', commit: false });
    assert.deepEqual(b('batch=abc123&commit=true'), { kind: 'existing', id: 'abc123', commit: true });
    for (const text of ['commit=true', 'batch=true&commit=false', 'batch=abc&commit=1', 'batch=a%20b']) {
      assert.throws(() => b(text), refusal(400, 0), text);
    }
  });
});
