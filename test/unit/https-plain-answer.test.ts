// The plain-HTTP answer's link (server/http/plain-http-answer.ts): whatever path was asked, the
// link starts with the public https URL, so the page never sends a browser elsewhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpsUrlFor, requestedPath } from '../../server/http/plain-http-answer.js';

function linkFor(publicUrl: string, target: string): string {
  const asked = requestedPath(target);
  assert.ok(asked, target);
  return httpsUrlFor(publicUrl, asked);
}

test('paths that look like another site or a script stay paths under the public URL', () => {
  for (const publicUrl of ['http://foxden.home.arpa:5000/', 'https://foxden.lan/sync/']) {
    const origin = publicUrl.replace(/^http:/, 'https:');
    for (const target of [
      '/https://evil.com/x',
      '//evil.com',
      '//evil.com/x',
      '/javascript:alert(1)',
      '/\\evil.com',
    ]) {
      const link = linkFor(publicUrl, target);
      assert.ok(link.startsWith(origin), `${target} -> ${link}`);
      assert.equal(new URL(link).origin, new URL(origin).origin, link);
    }
  }
  assert.equal(
    linkFor('https://foxden.lan/sync/', '/https://evil.com/x'),
    'https://foxden.lan/sync/https://evil.com/x',
  );
  assert.equal(linkFor('http://foxden.lan:5000', '//evil.com'), 'https://foxden.lan:5000/evil.com');
});

test('the path and query asked keep their place, percent-encoded; an absolute-form target gives only its path', () => {
  assert.equal(
    linkFor('http://127.0.0.1:5000/', '/sync/setup?x=1&y=<b>"'),
    'https://127.0.0.1:5000/sync/setup?x=1&y=%3Cb%3E%22',
  );
  assert.equal(linkFor('http://127.0.0.1:5000/', '/a b/<i>'), 'https://127.0.0.1:5000/a%20b/%3Ci%3E');
  assert.equal(linkFor('http://127.0.0.1:5000/', 'http://elsewhere/p?q'), 'https://127.0.0.1:5000/p?q');
});

test('a target URL cannot read is null (answered 400), not a throw', () => {
  for (const target of ['http://[', 'http://a b/', '*']) assert.equal(requestedPath(target), null, target);
});
