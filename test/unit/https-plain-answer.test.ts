// The plain-HTTP answer's link (server/http/plain-http-answer.ts): whatever path was asked, the
// link starts with the public https URL, so the page never sends a browser elsewhere.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { httpsUrlFor, plainHttpAnswer, requestedPath } from '../../server/http/plain-http-answer.js';

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

test('/ca.crt over plain HTTP also below the public URL path prefix, where the setup help points', async () => {
  const server = http.createServer(
    plainHttpAnswer({ publicUrl: () => 'https://foxden.home:8173/sync/', ca: () => ({ pem: 'PEM' }) }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    for (const where of ['ca.crt', 'sync/ca.crt']) {
      const res = await fetch(`http://127.0.0.1:${port}/${where}`);
      assert.equal(res.status, 200, where);
      assert.equal(await res.text(), 'PEM');
    }
    assert.equal((await fetch(`http://127.0.0.1:${port}/other/ca.crt`)).status, 400);
  } finally {
    server.close();
  }
});
