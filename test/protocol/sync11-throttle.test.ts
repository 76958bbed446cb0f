// Sync 1.1 Basic auth under password guessing (issue 8, finding 2), over real HTTP from
// chosen loopback addresses: a guest at 127.0.0.2, the owner's other device at 127.0.0.3.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeAddressAgents, requestFrom } from '../helpers/from-address.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basicAuth, newUser, type Sync11User } from '../helpers/sync11-client.js';

let s: TestServer;
let alice: Sync11User;

before(async () => {
  s = await startTestServer();
  alice = await newUser(s.url, 'alice');
});
after(async () => {
  closeAddressAgents();
  await s.close();
});

const info = () => alice.storageUrl('info/collections');
const as = (password: string) => ({ headers: { Authorization: basicAuth(alice.username, password) } });

test('ten wrong passwords are 401; then that address gets 503 + Retry-After for the account, the right password included', async () => {
  for (let i = 0; i < 10; i++) {
    const res = await requestFrom('127.0.0.2', info(), as(`wrong ${i}`));
    assert.equal(res.status, 401, `attempt ${i}`);
  }
  // The right password from the throttled address: not told it was right.
  const right = await requestFrom('127.0.0.2', info(), as(alice.password));
  const wrong = await requestFrom('127.0.0.2', info(), as('wrong again'));
  for (const res of [right, wrong]) {
    // 503 + Retry-After is what old Weave / Pale Moon back off on (a 401 means "wrong password").
    assert.equal(res.status, 503);
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter > 800 && retryAfter <= 900, `Retry-After ${retryAfter}`);
    assert.equal(res.headers['x-weave-backoff'], String(retryAfter));
    assert.equal(res.headers['www-authenticate'], undefined);
  }
  assert.equal(right.text, wrong.text, 'the same answer, right password or not');

  // Meanwhile the right password from another address works at once.
  const owner = await requestFrom('127.0.0.3', info(), as(alice.password));
  assert.equal(owner.status, 200);
  assert.ok(owner.ms < 1000, `owner waited ${owner.ms.toFixed(0)} ms`);
});

test('a concurrent burst cannot slip past: 40 guesses at once from one address get at most 10 checks', async () => {
  const bob = await newUser(s.url, 'bob');
  const burst = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      requestFrom('127.0.0.4', bob.storageUrl('info/collections'), {
        headers: { Authorization: basicAuth(bob.username, `guess ${i}`) },
      }),
    ),
  );
  const checked = burst.filter((r) => r.status === 401).length;
  assert.ok(checked <= 10, `${checked} guesses were checked`);
  assert.equal(burst.filter((r) => r.status === 503).length, 40 - checked);
  assert.equal((await bob.req('GET', 'info/collections')).status, 200, 'bob himself, from 127.0.0.1');
});

test('the log names the address: on every request line, and one throttle warning per window', async () => {
  for (let i = 0; i < 20; i++) await requestFrom('127.0.0.2', info(), as(`more ${i}`));
  const events = s.logger.tail();
  const fromGuest = events.filter((e) => e.kind === 'request' && e.address === '127.0.0.2');
  assert.ok(fromGuest.length >= 30);
  const warnings = events.filter(
    (e) => e.kind === 'auth' && e.message.includes('127.0.0.2') && e.message.includes(alice.username),
  );
  assert.equal(warnings.length, 1, warnings.map((e) => e.message).join('\n'));
  assert.equal(warnings[0]!.level, 'warn');
  assert.match(warnings[0]!.message, /throttled for account .* until \d{4}-\d\d-\d\dT/);
  const owner = events.filter((e) => e.kind === 'request' && e.address === '127.0.0.3');
  assert.ok(owner.length >= 1 && owner.every((e) => e.status === 200));
});
