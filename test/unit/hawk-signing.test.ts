import { test } from 'node:test';
import { createSecretKey } from 'node:crypto';
import assert from 'node:assert/strict';
import {
  buildHawkHeader,
  hawkMac,
  hawkPayloadHash,
  macsEqual,
  missingHawkAttributes,
  normalizedRequestString,
  parseHawkHeader,
} from '../../server/http/hawk/signing.js';

// The worked example of the Hawk specification (README "Protocol Example").
const HAWK_KEY = 'werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn';
const EXAMPLE = {
  ts: '1353832234',
  nonce: 'j4h3g2',
  method: 'GET',
  resource: '/resource/1?b=1&a=2',
  host: 'example.com',
  port: 8000,
  ext: 'some-app-ext-data',
};

test('normalized request string per spec 1.5 §4.2', () => {
  assert.equal(
    normalizedRequestString(EXAMPLE),
    'hawk.1.header\n1353832234\nj4h3g2\nGET\n/resource/1?b=1&a=2\nexample.com\n8000\n\nsome-app-ext-data\n',
  );
  assert.equal(
    normalizedRequestString({ ...EXAMPLE, method: 'get', host: 'EXAMPLE.com', ext: undefined }),
    'hawk.1.header\n1353832234\nj4h3g2\nGET\n/resource/1?b=1&a=2\nexample.com\n8000\n\n\n',
  );
});

test('MAC of the Hawk spec example', () => {
  assert.equal(hawkMac(HAWK_KEY, EXAMPLE), '6R4rV5iE+NPoym+WwjeHzjAGXUtLNIxmo1vpMofpLAE=');
});

test('payload hash and MAC of the Hawk spec example with payload', () => {
  const hash = hawkPayloadHash('text/plain; charset=utf-8', 'Thank you for flying Hawk');
  assert.equal(hash, 'Yi9LfIIFRtBEPt74PVmbTF/xVAwPn7ub15ePICfgnuY=');
  assert.equal(
    hawkMac(HAWK_KEY, { ...EXAMPLE, method: 'POST', hash }),
    'aSe1DERmZuRl3pI36/9BdZmnErTw3sNzOOAUlfeKjVw=',
  );
});

test('MAC with a tokenlib key uses the ASCII text of the key (cross-checked in Python)', () => {
  const key = 'BX8_CuqCWiM3KTcskcLo6QQWJoxR9ALnViXalxDcyoo=';
  const mac = hawkMac(key, {
    ts: '1353832234',
    nonce: 'j4h3g2',
    method: 'GET',
    resource: '/1.5/42/info/collections',
    host: '127.0.0.1',
    port: 8173,
  });
  assert.equal(mac, 'gKfT2iul+Bz8f+Isb29Kd2vGWBcZT5XdQrQrJM4aNAU=');
});

test('parse: Firefox-style header', () => {
  const r = parseHawkHeader('Hawk id="abc-_=", ts="1353832234", nonce="j4h3g2", mac="6R4r+/="');
  assert.ok(r.ok);
  assert.deepEqual(r.attributes, { id: 'abc-_=', ts: '1353832234', nonce: 'j4h3g2', mac: '6R4r+/=' });
  assert.deepEqual(missingHawkAttributes(r.attributes), []);
});

test('parse: tolerant of case, spacing, missing commas, escapes and unknown attributes', () => {
  const r = parseHawkHeader('hawk  id = "a" ts="1"nonce="n\\"x" , mac="m", ext="e\\\\f", foo="bar"');
  assert.ok(r.ok);
  assert.deepEqual(r.attributes, { id: 'a', ts: '1', nonce: 'n"x', mac: 'm', ext: 'e\\f' });
});

test('parse: rejects other schemes, junk and duplicates; reports missing fields', () => {
  assert.equal(parseHawkHeader(undefined).ok, false);
  assert.equal(parseHawkHeader('Bearer abc').ok, false);
  assert.equal(parseHawkHeader('Hawk id=abc').ok, false);
  assert.equal(parseHawkHeader('Hawk id="a", id="b"').ok, false);
  assert.equal(parseHawkHeader('Hawk id="a" garbage').ok, false);
  const r = parseHawkHeader('Hawk id="a", mac=""');
  assert.ok(r.ok);
  assert.deepEqual(missingHawkAttributes(r.attributes), ['ts', 'nonce', 'mac']);
});

test('parse: ends at trailing whitespace or a trailing comma; a value may hold spaces, commas and = signs', () => {
  const r = parseHawkHeader('Hawk id="a b,c=d", ts="1",\t\n ');
  assert.ok(r.ok);
  assert.deepEqual(r.attributes, { id: 'a b,c=d', ts: '1' });
  assert.equal(parseHawkHeader('Hawk id="a", ts="1" ,x').ok, false);
  // The same header parsed twice in a row gives the same answer (no state carried over).
  const header = 'Hawk id="x\\\\y", mac="m"';
  assert.deepEqual(parseHawkHeader(header), parseHawkHeader(header));
  assert.deepEqual(parseHawkHeader(header), { ok: true, attributes: { id: 'x\\y', mac: 'm' } });
});

test('buildHawkHeader round-trips through the parser and verifies', () => {
  const header = buildHawkHeader({ id: 'i"d', key: HAWK_KEY, ...EXAMPLE });
  const r = parseHawkHeader(header);
  assert.ok(r.ok);
  assert.equal(r.attributes.id, 'i"d');
  assert.ok(macsEqual(hawkMac(HAWK_KEY, EXAMPLE), r.attributes.mac!));
  assert.equal(macsEqual(hawkMac(HAWK_KEY, { ...EXAMPLE, port: 8001 }), r.attributes.mac!), false);
  assert.equal(macsEqual('short', r.attributes.mac!), false);
});

test('parse: a repeat is refused whether the name is known or unknown, empty values included', () => {
  assert.equal(parseHawkHeader('Hawk mac="", mac="m"').ok, false);
  assert.equal(parseHawkHeader('Hawk foo="1", id="a", foo="2"').ok, false);
  assert.deepEqual(parseHawkHeader('Hawk foo="1", bar="2", id="a"'), { ok: true, attributes: { id: 'a' } });
  // The scheme alone, or followed by spaces, is a header with no attributes.
  assert.deepEqual(parseHawkHeader('  Hawk'), { ok: true, attributes: {} });
  assert.deepEqual(parseHawkHeader('Hawk   '), { ok: true, attributes: {} });
  assert.equal(parseHawkHeader('Hawkid="a"').ok, false);
});

test('MAC with the key imported once (KeyObject) equals the MAC with its text', () => {
  const keyObject = createSecretKey(Buffer.from(HAWK_KEY, 'utf8'));
  assert.equal(hawkMac(keyObject, EXAMPLE), hawkMac(HAWK_KEY, EXAMPLE));
  assert.notEqual(hawkMac(keyObject, { ...EXAMPLE, nonce: 'other' }), hawkMac(HAWK_KEY, EXAMPLE));
});
