import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveUidCache } from '../../server/sync15/live-uid-cache.js';
import { VerifiedTokenCache } from '../../server/sync15/token-cache.js';
import { InvalidToken, TokenManager, type TokenPayload } from '../../server/sync15/tokenlib.js';

/** A TokenManager that counts the expensive calls the cache exists to avoid. */
class CountingTokens extends TokenManager {
  parses = 0;
  derivations = 0;
  override parseToken(id: string): TokenPayload {
    this.parses++;
    return super.parseToken(id);
  }
  override derivedSecret(id: string, salt: string): string {
    this.derivations++;
    return super.derivedSecret(id, salt);
  }
}

const SECRET = 'unit-test master secret';
const mint = (uid: number) => new TokenManager(SECRET).makeToken({ uid, node: 'http://127.0.0.1:1' });

describe('VerifiedTokenCache', () => {
  test('the second use of a token skips the signature check and key derivation', () => {
    const tokens = new CountingTokens(SECRET);
    const cache = new VerifiedTokenCache(tokens);
    const minted = mint(7);
    const first = cache.verify(minted.id);
    const second = cache.verify(minted.id);
    assert.equal(first.key, minted.key);
    assert.equal(second.payload.uid, 7);
    assert.equal(second.payload.expires, minted.payload.expires);
    assert.deepEqual([tokens.parses, tokens.derivations], [1, 1]);
  });

  test('is keyed by the full id: a token with one character changed is checked and refused', () => {
    const cache = new VerifiedTokenCache(new TokenManager(SECRET));
    const { id } = mint(8);
    cache.verify(id);
    const last = id.at(-2) === 'A' ? 'B' : 'A';
    const altered = id.slice(0, -2) + last + id.slice(-1);
    assert.throws(() => cache.verify(altered), InvalidToken);
    assert.equal(cache.size, 1);
  });

  test('a refused token is never stored', () => {
    const cache = new VerifiedTokenCache(new TokenManager(SECRET));
    const foreign = new TokenManager('another secret').makeToken({ uid: 1, node: 'x' });
    for (let i = 0; i < 3; i++) assert.throws(() => cache.verify(foreign.id), InvalidToken);
    assert.equal(cache.size, 0);
  });

  test('is bounded: the least recently used token goes first', () => {
    const tokens = new CountingTokens(SECRET);
    const cache = new VerifiedTokenCache(tokens, 2);
    const [a, b, c] = [mint(1), mint(2), mint(3)];
    cache.verify(a.id);
    cache.verify(b.id);
    cache.verify(a.id); // a is now the most recently used
    cache.verify(c.id); // evicts b
    assert.equal(cache.size, 2);
    const before = tokens.parses;
    cache.verify(a.id);
    assert.equal(tokens.parses, before, 'a stayed cached');
    cache.verify(b.id);
    assert.equal(tokens.parses, before + 1, 'b had been evicted and is checked again');
    assert.equal(cache.size, 2);
  });

  test('the cached payload cannot be changed by a caller', () => {
    const cache = new VerifiedTokenCache(new TokenManager(SECRET));
    const { id } = mint(9);
    const payload = cache.verify(id).payload as TokenPayload;
    assert.throws(() => {
      payload.expires = Number.MAX_SAFE_INTEGER;
    }, TypeError);
    assert.notEqual(cache.verify(id).payload.expires, Number.MAX_SAFE_INTEGER);
  });
});

describe('LiveUidCache', () => {
  test('remembers a uid only within the change version it was read at', () => {
    const cache = new LiveUidCache();
    assert.equal(cache.has(5, 0), false);
    cache.add(5, 0);
    assert.equal(cache.has(5, 0), true);
    assert.equal(cache.has(6, 0), false);
    assert.equal(cache.has(5, 2), false, 'a write happened: forgotten');
    assert.equal(cache.size, 0);
  });

  test('a read from an older change version than one already seen is not stored', () => {
    const cache = new LiveUidCache();
    assert.equal(cache.has(1, 4), false);
    cache.add(5, 2);
    assert.equal(cache.has(5, 4), false);
    assert.equal(cache.size, 0);
  });

  test('is bounded', () => {
    const cache = new LiveUidCache(3);
    for (let uid = 1; uid <= 10; uid++) cache.add(uid, 0);
    assert.equal(cache.size, 3);
    assert.equal(cache.has(10, 0), true);
    assert.equal(cache.has(1, 0), false);
  });
});
