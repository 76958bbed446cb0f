import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AndFilter, EqualityFilter, OrFilter, SubstringFilter } from 'ldapts';
import { escapeFilterValue, fillUserFilter } from '../../server/ldap/filter-escape.js';
import { parseFilter } from '../../server/ldap/filter.js';

describe('RFC 4515 escaping of a typed name', () => {
  it('escapes the filter specials and NUL as \\xx', () => {
    assert.equal(escapeFilterValue('*'), '\\2a');
    assert.equal(escapeFilterValue('('), '\\28');
    assert.equal(escapeFilterValue(')'), '\\29');
    assert.equal(escapeFilterValue('\\'), '\\5c');
    assert.equal(escapeFilterValue('\0'), '\\00');
    assert.equal(escapeFilterValue('*)(uid=*'), '\\2a\\29\\28uid=\\2a');
    assert.equal(escapeFilterValue('a\\2a'), 'a\\5c2a');
  });

  it('escapes non-ASCII as its UTF-8 bytes, and control characters', () => {
    assert.equal(escapeFilterValue('björn'), 'bj\\c3\\b6rn');
    assert.equal(escapeFilterValue('Ångström'), '\\c3\\85ngstr\\c3\\b6m');
    assert.equal(escapeFilterValue('🦊'), '\\f0\\9f\\a6\\8a');
    assert.equal(escapeFilterValue('a\nb\x7f'), 'a\\0ab\\7f');
    // A lone surrogate is not Unicode: it goes as U+FFFD, as UTF-8 encoding writes it.
    assert.equal(escapeFilterValue('x\ud800'), 'x\\ef\\bf\\bd');
  });

  it('leaves printable ASCII (including = & | ! ~ < > : and spaces) as it is', () => {
    const plain = 'alice@foxden.test =&|!~<>: -_.+';
    assert.equal(escapeFilterValue(plain), plain);
    assert.equal(escapeFilterValue(''), '');
  });

  it('puts the escaped name in every {name} of the template, and nothing else', () => {
    assert.equal(
      fillUserFilter('(|(uid={name})(mail={name}))', 'a*)('),
      '(|(uid=a\\2a\\29\\28)(mail=a\\2a\\29\\28))',
    );
    // A name that spells the placeholder is only a name.
    assert.equal(fillUserFilter('(uid={name})', '{name}'), '(uid={name})');
  });
});

describe('parseFilter: the filter tree sent to the directory', () => {
  it('sends an escaped non-ASCII value as its UTF-8 bytes (ldapts alone would not)', () => {
    const filter = parseFilter(fillUserFilter('(|(uid={name})(mail={name}))', 'björn'));
    assert.ok(filter instanceof OrFilter);
    const [uid] = filter.filters;
    assert.ok(uid instanceof EqualityFilter);
    assert.deepEqual(uid.value, Buffer.from('björn', 'utf8'));
  });

  it('keeps escaped specials as values: an escaped * is an equality, not a wildcard', () => {
    const filter = parseFilter(fillUserFilter('(uid={name})', '*'));
    assert.ok(filter instanceof EqualityFilter);
    assert.deepEqual(filter.value, Buffer.from('*'));
    const injected = parseFilter(fillUserFilter('(uid={name})', '*)(uid=*'));
    assert.ok(injected instanceof EqualityFilter);
    assert.deepEqual(injected.value, Buffer.from('*)(uid=*'));
  });

  it('reads literal non-ASCII in the owner’s template as UTF-8 too, also in substrings', () => {
    const filter = parseFilter('(&(ou=Gäste)(cn=Bj*n))');
    assert.ok(filter instanceof AndFilter);
    const [ou] = filter.filters;
    assert.ok(ou instanceof EqualityFilter);
    assert.deepEqual(ou.value, Buffer.from('Gäste', 'utf8'));
    const substring = parseFilter('(cn=*ö*)');
    assert.ok(substring instanceof SubstringFilter);
    assert.deepEqual(substring.any, ['ö']);
  });

  it('throws for a malformed filter', () => {
    assert.throws(() => parseFilter('(uid=alice'));
    assert.throws(() => parseFilter('(uid=\\zz)'));
    assert.throws(() => parseFilter('(|(uid=a)'), /Unbalanced/);
    assert.throws(() => parseFilter('(uid=a))'), /Unbalanced|parens/);
  });
});
