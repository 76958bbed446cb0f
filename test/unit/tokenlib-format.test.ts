import { createHmac, hkdfSync } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidToken,
  TokenManager,
  urlsafeB64Decode,
  urlsafeB64Encode,
} from '../../server/sync15/tokenlib.js';

// Minted by an independent Python implementation of tokenlib (json.dumps + HKDF from hmac/hashlib),
// i.e. byte for byte what Mozilla's tools produce for this secret and payload (spec 1.5 §3.5).
const SECRET = 'Ted Koppel is a robot';
const PY_ID =
  'eyJ1aWQiOiA0MiwgIm5vZGUiOiAiaHR0cDovLzEyNy4wLjAuMTo4MTczIiwgImV4cGlyZXMiOiAyMDAwMDAwMDAwLCAic2FsdCI6ICIxYTJiM2MiLCAiZnhhX3VpZCI6ICIwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZiIsICJmeGFfa2lkIjogIjAwMDAwMDEyMzQ1NjctcXFvIiwgImhhc2hlZF9meGFfdWlkIjogImFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5In2ilKi7Yt95MkUTdQfsnfFnbSENX0Ub9_AktzSXdPlBLw==';
const PY_KEY = 'BX8_CuqCWiM3KTcskcLo6QQWJoxR9ALnViXalxDcyoo=';

test('a token minted by Python tokenlib parses and derives the same key', () => {
  const tm = new TokenManager(SECRET);
  const payload = tm.parseToken(PY_ID);
  assert.equal(payload.uid, 42);
  assert.equal(payload.node, 'http://127.0.0.1:8173');
  assert.equal(payload.expires, 2000000000);
  assert.equal(payload.salt, '1a2b3c');
  assert.equal(payload.fxa_uid, '0123456789abcdef0123456789abcdef');
  assert.equal(payload.fxa_kid, '0000001234567-qqo');
  assert.equal(tm.derivedSecret(PY_ID, payload.salt), PY_KEY);
});

test('the id is accepted without its base64 padding', () => {
  const tm = new TokenManager(SECRET);
  assert.equal(tm.parseToken(PY_ID.replace(/=+$/, '')).uid, 42);
});

test('round trip: mint, parse, same derived key; salt and expiry filled in', () => {
  const tm = new TokenManager('s3cret');
  const { id, key, payload } = tm.makeToken({ uid: 7, node: 'http://h:1', fxa_uid: 'abc' }, 1000);
  assert.match(payload.salt, /^[0-9a-f]{6}$/);
  assert.equal(payload.expires, 1300);
  assert.equal(key.length, 44);
  assert.match(key, /=$/);
  const parsed = tm.parseToken(id);
  assert.deepEqual(parsed, { uid: 7, node: 'http://h:1', expires: 1300, salt: payload.salt, fxa_uid: 'abc' });
  assert.equal(tm.derivedSecret(id, parsed.salt), key);
});

test('a token from another secret is rejected', () => {
  const { id } = new TokenManager('one').makeToken({ uid: 1, node: 'n' });
  assert.throws(() => new TokenManager('two').parseToken(id), InvalidToken);
  assert.throws(() => new TokenManager('other').parseToken(PY_ID), InvalidToken);
});

test('tampered, truncated and garbage ids are rejected', () => {
  const tm = new TokenManager(SECRET);
  const raw = urlsafeB64Decode(PY_ID)!;
  const flipped = Buffer.from(raw);
  flipped[5] = flipped[5]! ^ 1;
  assert.throws(() => tm.parseToken(urlsafeB64Encode(flipped)), InvalidToken);
  assert.throws(() => tm.parseToken(PY_ID.slice(0, 40)), InvalidToken);
  assert.throws(() => tm.parseToken(''), InvalidToken);
  assert.throws(() => tm.parseToken('not base64 at all!'), InvalidToken);
  assert.throws(() => tm.parseToken(urlsafeB64Encode(Buffer.alloc(32))), InvalidToken);
});

test('a correctly signed payload with missing or wrong fields is rejected', () => {
  const tm = new TokenManager(SECRET);
  // Sign arbitrary payloads the tokenlib way, independently of makeToken (spec 1.5 §3.5 steps 1, 3, 4).
  const signingKey = Buffer.from(
    hkdfSync('sha256', Buffer.from(SECRET), Buffer.alloc(0), 'services.mozilla.com/tokenlib/v1/signing', 32),
  );
  const sign = (json: string) => {
    const bytes = Buffer.from(json);
    return urlsafeB64Encode(Buffer.concat([bytes, createHmac('sha256', signingKey).update(bytes).digest()]));
  };
  assert.equal(tm.parseToken(sign('{"uid": 3, "node": "n", "expires": 1.5, "salt": "aa"}')).uid, 3);
  for (const bad of [
    '{"node": "n", "expires": 1, "salt": "aa"}',
    '{"uid": -1, "node": "n", "expires": 1, "salt": "aa"}',
    '{"uid": "3", "node": "n", "expires": 1, "salt": "aa"}',
    '{"uid": 3, "expires": 1, "salt": "aa"}',
    '{"uid": 3, "node": "n", "salt": "aa"}',
    '{"uid": 3, "node": "n", "expires": 1}',
    '{"uid": 3, "node": "n", "expires": 1, "salt": "aa", "fxa_uid": "bad uid!"}',
    '[1, 2]',
    'not json',
  ]) {
    assert.throws(() => tm.parseToken(sign(bad)), InvalidToken, bad);
  }
});

test('urlsafe base64 helpers', () => {
  assert.equal(urlsafeB64Encode(Buffer.from([0xfb, 0xff])), '-_8=');
  assert.deepEqual(urlsafeB64Decode('-_8'), Buffer.from([0xfb, 0xff]));
  assert.equal(urlsafeB64Decode('+/8='), null);
});
