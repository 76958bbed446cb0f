import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  extractUsername,
  isStrongPassword,
  isValidEmail,
  isValidUsername,
  usernameFromAccount,
  usernameFromEmail,
  usernamesForEmail,
} from '../../server/accounts/index.js';
import { base32Lower } from '../../server/accounts/usernames.js';
import punycode from 'punycode/punycode.js';

const punycodeEncode = punycode.encode;

test('§3.1 client username vectors', () => {
  assert.equal(usernameFromEmail('test@test.com'), 'u2wqblarhim5su7pxemcbwdyryrghmuk');
  assert.equal(usernameFromEmail('foobar@baz.com'), 'xee7ffonluzpdp66l6xgpyh2v2w6ojkc');
  assert.equal(usernameFromEmail('FooBar@Baz.com'), 'xee7ffonluzpdp66l6xgpyh2v2w6ojkc');
  assert.equal(usernameFromAccount('FOOBAr'), 'foobar');
  assert.equal(usernameFromAccount('FooBar@Baz.com'), 'xee7ffonluzpdp66l6xgpyh2v2w6ojkc');
  assert.match(usernameFromEmail('x@y.org'), /^[a-z2-7]{32}$/);
});

test('§3.2 server extract_username: IDNA vector and plain names', () => {
  assert.equal(extractUsername('Fran%c3%a7ios@valid.test'), 'ym3nccfhvptfrhn7nkhhyvzgf2yl7r5y');
  assert.equal(extractUsername('test@test.com'), 'u2wqblarhim5su7pxemcbwdyryrghmuk');
  // Plain names come back unchanged, not lowercased.
  assert.equal(extractUsername('FooBar'), 'FooBar');
  assert.throws(() => extractUsername('foo bar'));
  assert.throws(() => extractUsername('bad%ff@x.com'), 'invalid UTF-8 is refused');
});

test('§3.2 [REC]: a non-ASCII e-mail maps to both the client and the IDNA form', () => {
  const names = usernamesForEmail('Françios@valid.test');
  assert.equal(names.length, 2);
  assert.ok(names.includes('ym3nccfhvptfrhn7nkhhyvzgf2yl7r5y'));
  assert.ok(names.includes(usernameFromEmail('Françios@valid.test')));
  assert.deepEqual(usernamesForEmail('test@test.com'), ['u2wqblarhim5su7pxemcbwdyryrghmuk']);
});

test('punycode and base32 building blocks', () => {
  assert.equal(punycodeEncode('françios'), 'franios-xxa');
  assert.equal(punycodeEncode('bücher'), 'bcher-kva');
  assert.equal(punycodeEncode('mañana'), 'maana-pta');
  assert.equal(base32Lower(Buffer.from('foobar')), 'mzxw6ytboi');
  assert.equal(base32Lower(Buffer.from('f')), 'my');
});

test('§3.3 username validity', () => {
  assert.ok(isValidUsername('a.b_c-9'));
  assert.ok(isValidUsername('x'.repeat(32)));
  assert.ok(!isValidUsername('x'.repeat(33)));
  assert.ok(!isValidUsername(''));
  assert.ok(!isValidUsername('a@b'));
});

test('§5.10 e-mail validation', () => {
  for (const ok of [
    'a@b.cd',
    'first.last@sub.example.org',
    '"quoted name"@x.io',
    'x@127.0.0.1',
    'tag+x@ex.com',
  ]) {
    assert.ok(isValidEmail(ok), ok);
  }
  for (const bad of [
    '',
    'plain',
    'a@b',
    'a@b.c',
    'a..b@x.com',
    'a b@x.com',
    '@x.com',
    'a@x.com\n',
    `${'a'.repeat(250)}@x.com`,
  ]) {
    assert.ok(!isValidEmail(bad), bad);
  }
});

test('§4.3 password strength: 8 UTF-8 bytes, not the username', () => {
  assert.ok(isStrongPassword('bob', '12345678'));
  assert.ok(!isStrongPassword('bob', '1234567'));
  assert.ok(isStrongPassword('bob', 'ééëë'), 'four two-byte characters are 8 bytes');
  assert.ok(!isStrongPassword('longusername', ' LongUserName '));
});
