// The password checks behind a session (password change start, account deletion) under the
// same guessing defence as sign-in (docs/security.md): a stolen session is no unthrottled
// oracle, and the owner, from a fresh address, is never locked out. Real HTTP from chosen
// loopback addresses, as fxa-throttle.test.ts does for sign-in.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { stretchPassword, toHex } from '../../server/fxa/crypto/index.js';
import { closeAddressAgents, requestFrom, type AddressedResponse } from '../helpers/from-address.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { hawkHeader, signIn } from './fxa-client.js';

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

/** A Hawk-signed POST with the session token, sent from `address`. */
function hawkFrom(
  address: string,
  path: string,
  sessionToken: string,
  body: unknown,
): Promise<AddressedResponse> {
  const url = new URL(path, auth);
  const bodyText = JSON.stringify(body);
  return requestFrom(address, url.href, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: hawkHeader(url, { token: sessionToken, method: 'POST', bodyText }),
    },
    body: bodyText,
  });
}

const errno = (res: AddressedResponse) => (JSON.parse(res.text) as { errno?: number }).errno;
const wrongPW = () => randomBytes(32).toString('hex');

for (const [path, field, guest, owner] of [
  ['password/change/start', 'oldAuthPW', '127.0.0.31', '127.0.0.32'],
  ['account/destroy', 'authPW', '127.0.0.33', '127.0.0.34'],
] as const) {
  test(`${path}: wrong passwords from one address end in 429/114 with Retry-After; the owner elsewhere succeeds`, async () => {
    const email = `recheck-${randomBytes(3).toString('hex')}@example.org`;
    const session = (await signIn(auth, 'create', email, 'the right one')).sessionToken;
    const rightPW = toHex(stretchPassword(email, 'the right one').authPW);
    const answers: (number | undefined)[] = [];
    for (let i = 0; i < 12; i++)
      answers.push(errno(await hawkFrom(guest, path, session, { email, [field]: wrongPW() })));
    assert.deepEqual(answers.slice(0, 10), Array(10).fill(103), 'ten honest mistakes');
    assert.deepEqual(answers.slice(10), [114, 114], 'then throttled');

    const refused = await hawkFrom(guest, path, session, { email, [field]: rightPW });
    assert.equal(refused.status, 429, 'the guessing address is not told the password was right');
    assert.equal(errno(refused), 114);
    assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After is set');

    const ok = await hawkFrom(owner, path, session, { email, [field]: rightPW });
    assert.equal(ok.status, 200, ok.text);
  });
}
