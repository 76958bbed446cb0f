import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { signIn, type SignedIn } from './fxa-client.js';
import { clockedCall, useFxaServer } from './fxa-test-setup.js';

/**
 * The poll Firefox makes from inside its own device-list fetch gets no commands, because a
 * command there deadlocks Firefox ESR 153 (server/fxa/device-commands-list-poll.ts; seen in
 * test/e2e/firefox-devices.test.ts). The commands stay for its next poll.
 */
const SEND_TAB = 'https://identity.mozilla.com/cmd/open-uri';

let offsetMs = 0;
const clock = () => Date.now() + offsetMs;

const fx = useFxaServer({ clock });
const call = clockedCall(fx, clock);

/** Firefox's own device-list fetch always carries filterIdleDevicesTimestamp. */
const firefoxListFetch = (s: SignedIn) =>
  call(s, `account/devices?filterIdleDevicesTimestamp=${clock() - 21 * 86_400_000}`);

async function household(): Promise<{ a: SignedIn; b: SignedIn; bId: string }> {
  const address = `poll-${randomBytes(3).toString('hex')}@example.org`;
  const a = await signIn(fx.auth, 'create', address, 'pw');
  const b = await signIn(fx.auth, 'login', address, 'pw');
  await call(a, 'account/device', { name: 'A', type: 'desktop', availableCommands: { [SEND_TAB]: 'x' } });
  const bDevice = await call(b, 'account/device', {
    name: 'B',
    type: 'desktop',
    availableCommands: { [SEND_TAB]: 'y' },
  });
  const bId = bDevice.body.id as string;
  const sent = await call(a, 'account/devices/invoke_command', {
    command: SEND_TAB,
    target: bId,
    payload: { encrypted: 'abc' },
  });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  return { a, b, bId };
}

const EMPTY = { index: 0, last: true, messages: [] };

describe('the poll inside Firefox’s device-list fetch', () => {
  it('is answered empty once; the next poll gets the waiting command', async () => {
    const { b } = await household();
    assert.equal((await firefoxListFetch(b)).status, 200);
    // What Firefox does next inside that fetch: register again, then poll.
    assert.equal((await call(b, 'account/device', { name: 'B', type: 'desktop' })).status, 200);
    assert.deepEqual((await call(b, 'account/device/commands?index=0')).body, EMPTY);
    const next = await call(b, 'account/device/commands?index=0');
    assert.equal((next.body.messages as unknown[]).length, 1);
  });

  it('only follows Firefox’s fetch of the same session: the account page’s list and other sessions hold nothing back', async () => {
    const { a, b } = await household();
    assert.equal((await call(b, 'account/devices')).status, 200);
    assert.equal(((await call(b, 'account/device/commands')).body.messages as unknown[]).length, 1);
    await firefoxListFetch(a);
    assert.equal(((await call(b, 'account/device/commands')).body.messages as unknown[]).length, 1);
  });

  it('a fetch whose poll never came holds nothing back after 30 s', async () => {
    const { b } = await household();
    await firefoxListFetch(b);
    offsetMs += 31_000;
    try {
      assert.equal(((await call(b, 'account/device/commands')).body.messages as unknown[]).length, 1);
    } finally {
      offsetMs -= 31_000;
    }
  });
});
