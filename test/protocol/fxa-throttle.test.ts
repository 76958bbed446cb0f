// Local accounts under password guessing (issue 8, finding 3): no lockout of the owner, and
// no quick enumeration of e-mails through /account/status. Real HTTP from chosen loopback addresses.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { stretchPassword, toHex } from '../../server/fxa/crypto/index.js';
import { closeAddressAgents, requestFrom, type AddressedResponse } from '../helpers/from-address.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { signIn } from './fxa-client.js';

let s: TestServer;
let auth: string;

before(async () => {
  s = await startTestServer();
  auth = `${s.url}auth/v1/`;
});
after(async () => {
  closeAddressAgents();
  await s.close();
});

function postFrom(address: string, path: string, body: unknown): Promise<AddressedResponse> {
  return requestFrom(address, auth + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const login = (from: string, email: string, authPW: string) =>
  postFrom(from, 'account/login', { email, authPW });
const wrongPW = () => randomBytes(32).toString('hex');
const errno = (res: AddressedResponse) => (JSON.parse(res.text) as { errno?: number }).errno;

test('after 50 wrong logins from one address, the right password from a fresh address signs in at once', async () => {
  const email = `owner-${randomBytes(3).toString('hex')}@example.org`;
  await signIn(auth, 'create', email, 'the right one');
  const rightPW = toHex(stretchPassword(email, 'the right one').authPW);
  const answers: number[] = [];
  for (let i = 0; i < 50; i++) answers.push((await login('127.0.0.2', email, wrongPW())).status);
  assert.deepEqual(answers.slice(0, 10), Array(10).fill(400), 'ten honest mistakes: errno 103');
  assert.deepEqual(answers.slice(10), Array(40).fill(429), 'then throttled, for that address only');

  const guest = await login('127.0.0.2', email, rightPW);
  assert.equal(guest.status, 429, 'the guest is not told the password was right');
  assert.equal(errno(guest), 114);
  assert.ok(Number(guest.headers['retry-after']) > 0);

  const owner = await login('127.0.0.3', email, rightPW);
  assert.equal(owner.status, 200, owner.text);
  assert.ok(owner.ms < 2000, `owner waited ${owner.ms.toFixed(0)} ms`);
});

test('fifty failures spread over five addresses slow those addresses but never the owner’s fresh one', async () => {
  const email = `spread-${randomBytes(3).toString('hex')}@example.org`;
  await signIn(auth, 'create', email, 'the right one');
  const rightPW = toHex(stretchPassword(email, 'the right one').authPW);
  for (let a = 10; a < 15; a++) {
    for (let i = 0; i < 10; i++) {
      const res = await login(`127.0.0.${a}`, email, wrongPW());
      assert.equal(errno(res), 103, `127.0.0.${a} attempt ${i}`);
    }
  }
  // A repeat offender that is not yet throttled for this account waits its turn after a delay.
  const other = `127.0.0.${20}`;
  const first = await login(other, email, wrongPW());
  assert.equal(errno(first), 103, 'a first failure from a new address is checked at once');
  const slowed = await login(other, email, wrongPW());
  assert.equal(errno(slowed), 103);
  assert.ok(slowed.ms >= 1000, `a repeat offender of an attacked account waits (${slowed.ms.toFixed(0)} ms)`);

  const owner = await login('127.0.0.21', email, rightPW);
  assert.equal(owner.status, 200, owner.text);
  assert.ok(owner.ms < 2000, `owner waited ${owner.ms.toFixed(0)} ms`);
});

test('account/status lookups are throttled per address (errno 114, Retry-After), enough for the sign-in page', async () => {
  const answers: AddressedResponse[] = [];
  const started = performance.now();
  for (let i = 0; i < 300 && performance.now() - started < 20_000; i++)
    answers.push(await postFrom('127.0.0.5', 'account/status', { email: `probe${i}@example.org` }));
  const ok = answers.filter((r) => r.status === 200).length;
  assert.equal(ok, 30, 'thirty lookups per address per ten minutes');
  const refused = answers[answers.length - 1]!;
  assert.equal(refused.status, 429);
  assert.equal(errno(refused), 114);
  assert.ok(Number(refused.headers['retry-after']) > 0);
  const get = await requestFrom('127.0.0.5', `${auth}account/status?uid=${'0'.repeat(32)}`);
  assert.equal(get.status, 429, 'the GET form counts too');
  // Another address (the household's next device) is unaffected.
  const fresh = await postFrom('127.0.0.6', 'account/status', { email: 'someone@example.org' });
  assert.equal(fresh.status, 200);
  assert.deepEqual(JSON.parse(fresh.text), { exists: false });
  const warnings = s.logger
    .tail()
    .filter((e) => e.kind === 'auth' && e.message.includes('127.0.0.5') && e.message.includes('lookups'));
  assert.equal(warnings.length, 1, 'one warning per window, not one per refused lookup');
});
