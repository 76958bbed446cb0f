import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { deriveTokenCredentials, fromHex } from '../../server/fxa/crypto/index.js';
import { LocalAccounts } from '../../server/fxa/local-accounts.js';
import { signIn, type SignedIn } from './fxa-client.js';
import { clockedCall, email, type Answer, useFxaServer } from './fxa-test-setup.js';

/**
 * The device-commands API as FxA answers Firefox (docs/research/firefox-device-commands.md §1):
 * invoke_command, the per-device queue and its indexes, expiry, sizes and errors.
 */
const SEND_TAB = 'https://identity.mozilla.com/cmd/open-uri';
const CLOSE_TABS = 'https://identity.mozilla.com/cmd/close-uri/v1';
const DAY_MS = 86_400_000;

/** Added to the real time by the server's clock (and by the Hawk timestamps we sign). */
let offsetMs = 0;
const clock = () => Date.now() + offsetMs;

const fx = useFxaServer({ clock });
const call = clockedCall(fx, clock);

async function device(s: SignedIn, name: string, commands: Record<string, string>): Promise<string> {
  const res = await call(s, 'account/device', { name, type: 'desktop', availableCommands: commands });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id as string;
}

/** Two signed-in Firefoxes of one account: A sends, B receives Send Tab and Close Tabs. */
async function household(): Promise<{ a: SignedIn; b: SignedIn; aId: string; bId: string }> {
  const address = email('cmd');
  const a = await signIn(fx.auth, 'create', address, 'pw');
  const b = await signIn(fx.auth, 'login', address, 'pw');
  const aId = await device(a, 'A', { [SEND_TAB]: 'bundle-a' });
  const bId = await device(b, 'B', { [SEND_TAB]: 'bundle-b', [CLOSE_TABS]: 'bundle-b2' });
  return { a, b, aId, bId };
}

function send(s: SignedIn, target: string, extra: Record<string, unknown> = {}): Promise<Answer> {
  return call(s, 'account/devices/invoke_command', {
    command: SEND_TAB,
    target,
    payload: { encrypted: randomBytes(120).toString('base64url') },
    ...extra,
  });
}

function assertError(res: Answer, status: number, errno: number): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, status);
  assert.equal(res.body.errno, errno);
}

async function queueRows(deviceId: string): Promise<number> {
  return (
    await fx.server.server.context.db.transaction('read', (tx) =>
      tx.fxaDeviceCommands(deviceId, 0, 0, 10_000),
    )
  ).length;
}

describe('invoke_command and the queue (research §1.3, §1.4)', () => {
  it('queues for the target and answers enqueued and notified; the receiver reads it from index 0', async () => {
    const { a, b, aId, bId } = await household();
    const payload = { encrypted: 'aes128gcm-bytes' };
    const sent = await call(a, 'account/devices/invoke_command', { command: SEND_TAB, target: bId, payload });
    assert.equal(sent.status, 200);
    assert.deepEqual(sent.body, { enqueued: true, notified: true });
    const got = await call(b, 'account/device/commands?index=0');
    assert.equal(got.status, 200);
    const messages = got.body.messages as { index: number; data: unknown }[];
    assert.equal(messages.length, 1);
    assert.deepEqual(messages[0]?.data, { command: SEND_TAB, payload, sender: aId });
    assert.equal(got.body.index, messages[0]?.index);
    assert.equal(got.body.last, true);
    assert.deepEqual((await call(a, 'account/device/commands?index=0')).body, {
      index: 0,
      last: true,
      messages: [],
    });
  });

  it('index is inclusive, the answer names the last one returned, limit and last page through', async () => {
    const { a, b, bId } = await household();
    for (let i = 0; i < 4; i++) assert.equal((await send(a, bId)).status, 200);
    const all = await call(b, 'account/device/commands');
    const indexes = (all.body.messages as { index: number }[]).map((m) => m.index);
    assert.equal(indexes.length, 4);
    assert.deepEqual(
      indexes,
      [...indexes].sort((x, y) => x - y),
    );
    assert.equal(new Set(indexes).size, 4);
    const [first, second, , fourth] = indexes as [number, number, number, number];
    assert.equal(all.body.index, fourth);
    assert.equal(all.body.last, true);

    // What Firefox does: index = last seen + 1.
    const next = await call(b, `account/device/commands?index=${first + 1}`);
    assert.deepEqual(
      (next.body.messages as { index: number }[]).map((m) => m.index),
      indexes.slice(1),
    );
    const exact = await call(b, `account/device/commands?index=${second}&limit=1`);
    assert.deepEqual(
      (exact.body.messages as { index: number }[]).map((m) => m.index),
      [second],
    );
    assert.equal(exact.body.index, second);
    assert.equal(exact.body.last, false);
    const onePage = await call(b, 'account/device/commands?index=0&limit=1');
    assert.equal(onePage.body.index, first);
    assert.equal(onePage.body.last, false);
    const tail = await call(b, `account/device/commands?index=${fourth}&limit=1`);
    assert.equal(tail.body.last, true);
    assert.deepEqual((await call(b, `account/device/commands?index=${fourth + 1}`)).body, {
      index: 0,
      last: true,
      messages: [],
    });
    const none = await call(b, 'account/device/commands?index=0&limit=0');
    assert.deepEqual(none.body, { index: 0, last: true, messages: [] });
    // Reading deletes nothing.
    assert.equal(((await call(b, 'account/device/commands')).body.messages as unknown[]).length, 4);
  });

  it('an index is never handed out twice, even to a device id that comes back', async () => {
    const { a, b, bId } = await household();
    assert.equal((await send(a, bId)).status, 200);
    const before = (await call(b, 'account/device/commands')).body.index as number;
    // The device goes (removed by the owner, say) while B's session lives on; B's session then
    // registers again without an id and gets the same session-bound id, with an empty queue.
    await fx.server.server.context.db.transaction('write', (tx) => tx.fxaDeleteDevice(bId));
    const again = await device(b, 'B', { [SEND_TAB]: 'bundle-b' });
    assert.equal(again, bId);
    assert.equal((await send(a, again)).status, 200);
    const after = await call(b, 'account/device/commands');
    const messages = after.body.messages as { index: number }[];
    assert.equal(messages.length, 1);
    assert.ok((messages[0]?.index ?? 0) > before, `${messages[0]?.index} after ${before}`);
  });

  it('close-tabs is delivered like send-tab; a sender without a device has no sender field', async () => {
    const { a, b, bId } = await household();
    assert.equal((await call(a, 'account/device/commands')).status, 200);
    const c = await signIn(fx.auth, 'login', (await accountEmail(a.uid)) ?? '', 'pw');
    const res = await call(c, 'account/devices/invoke_command', {
      command: CLOSE_TABS,
      target: bId,
      payload: { encrypted: 'x' },
    });
    assert.equal(res.status, 200);
    const got = await call(b, 'account/device/commands');
    assert.deepEqual((got.body.messages as { data: unknown }[])[0]?.data, {
      command: CLOSE_TABS,
      payload: { encrypted: 'x' },
    });
  });
});

async function accountEmail(uid: string): Promise<string | null> {
  const row = await fx.server.server.context.db.transaction('read', (tx) => tx.fxaAccountByUid(uid));
  return row?.email ?? null;
}

describe('invoke_command errors (research §1.3 table)', () => {
  it('a command the target did not list is 157; the sender itself may lack it', async () => {
    const { a, b, aId, bId } = await household();
    assertError(
      await call(a, 'account/devices/invoke_command', {
        command: 'https://example.org/cmd',
        target: bId,
        payload: {},
      }),
      400,
      157,
    );
    assertError(
      await call(b, 'account/devices/invoke_command', { command: CLOSE_TABS, target: aId, payload: {} }),
      400,
      157,
    );
    assert.equal(await queueRows(bId), 0);
  });

  it("another account's device, an unknown id and a removed device are 123, and nothing is queued", async () => {
    const { a, bId } = await household();
    const stranger = await signIn(fx.auth, 'create', email('stranger'), 'pw');
    await device(stranger, 'S', {});
    assertError(await send(stranger, bId), 400, 123);
    assertError(await send(a, randomBytes(16).toString('hex')), 400, 123);
    assert.equal(await queueRows(bId), 0);
    assert.equal((await send(a, bId)).status, 200);
    assert.equal(await queueRows(bId), 1);
    // The stranger reads its own device's queue only.
    assert.deepEqual((await call(stranger, 'account/device/commands')).body.messages, []);
    assert.equal((await call(a, 'account/device/destroy', { id: bId })).status, 200);
    assert.equal(await queueRows(bId), 0, 'the removed device’s queue went with it');
    assertError(await send(a, bId), 400, 123);
  });

  it('bad bodies are 107/108, bad queries 107', async () => {
    const { a, bId } = await household();
    const invoke = (body: unknown) => call(a, 'account/devices/invoke_command', body);
    assertError(await invoke({ command: SEND_TAB, payload: {} }), 400, 108);
    assertError(await invoke({ target: bId, payload: {} }), 400, 108);
    assertError(await invoke({ command: SEND_TAB, target: bId }), 400, 108);
    assertError(await invoke({ command: SEND_TAB, target: 'nothex', payload: {} }), 400, 107);
    assertError(await invoke({ command: SEND_TAB, target: bId, payload: 'text' }), 400, 107);
    assertError(await invoke({ command: SEND_TAB, target: bId, payload: [] }), 400, 107);
    assertError(await invoke({ command: '', target: bId, payload: {} }), 400, 107);
    assertError(await invoke({ command: SEND_TAB, target: bId, payload: {}, ttl: -1 }), 400, 107);
    assertError(await invoke({ command: SEND_TAB, target: bId, payload: {}, ttl: 1.5 }), 400, 107);
    assertError(await invoke({ command: SEND_TAB, target: bId, payload: {}, ttl: 10_000_001 }), 400, 107);
    for (const query of ['index=-1', 'index=x', 'limit=101', 'limit=1.5', 'index=1&index=2'])
      assertError(await call(a, `account/device/commands?${query}`), 400, 107);
    assert.equal(await queueRows(bId), 0);
  });

  it('a body over 64 KiB is 413 errno 113; a Close Tabs chunk and a long Send Tab fit', async () => {
    const { a, b, bId } = await household();
    // Firefox's Close Tabs bodies stay near 16 KiB (COMMAND_MAX_PAYLOAD_SIZE); 40 KiB is a very long URL.
    for (const size of [16 * 1024, 40 * 1024]) {
      const res = await send(a, bId, { payload: { encrypted: 'x'.repeat(size) } });
      assert.equal(res.status, 200, `${size}: ${JSON.stringify(res.body)}`);
    }
    assertError(await send(a, bId, { payload: { encrypted: 'x'.repeat(65 * 1024) } }), 413, 113);
    const got = await call(b, 'account/device/commands');
    assert.deepEqual(
      (got.body.messages as { data: { payload: { encrypted: string } } }[]).map(
        (m) => m.data.payload.encrypted.length,
      ),
      [16 * 1024, 40 * 1024],
    );
  });
});

describe('expiry (research §1.3: TTL, FxA defaults and the 28-day cap)', () => {
  it('a command is returned until its TTL ends, then never; expired rows are purged', async () => {
    offsetMs = 0;
    try {
      const { a, b, bId } = await household();
      assert.equal((await send(a, bId, { ttl: 0 })).status, 200);
      assert.equal((await send(a, bId, { ttl: 60 })).status, 200);
      assert.equal((await send(a, bId)).status, 200); // Send Tab: 30 days, capped to 28
      assert.equal(
        (
          await call(a, 'account/devices/invoke_command', {
            command: CLOSE_TABS,
            target: bId,
            payload: { encrypted: 'c' },
            ttl: 40 * 86_400,
          })
        ).status,
        200,
      );
      const commands = async () =>
        ((await call(b, 'account/device/commands')).body.messages as { data: { command: string } }[]).map(
          (m) => m.data.command,
        );
      assert.deepEqual(await commands(), [SEND_TAB, SEND_TAB, CLOSE_TABS], 'a 0 TTL is gone at once');
      offsetMs = 59_000;
      assert.equal((await commands()).length, 3);
      offsetMs = 61_000;
      assert.deepEqual(await commands(), [SEND_TAB, CLOSE_TABS]);
      offsetMs = 28 * DAY_MS - 5_000;
      assert.deepEqual(await commands(), [SEND_TAB, CLOSE_TABS]);
      offsetMs = 28 * DAY_MS + 5_000;
      const gone = await call(b, 'account/device/commands');
      assert.deepEqual(gone.body, { index: 0, last: true, messages: [] });
      // Nothing is returned, but the rows stay until an invoke purges a slice of them (the
      // 0-TTL one went at its own invoke).
      assert.equal(await queueRows(bId), 3);
      assert.equal((await send(a, bId)).status, 200);
      assert.equal(await queueRows(bId), 1);
    } finally {
      offsetMs = 0;
    }
  });
});

describe('the device list (research §2.1, §5.3)', () => {
  it('lists the caller before it registers, with the id its registration then gets', async () => {
    const address = email('first');
    const a = await signIn(fx.auth, 'create', address, 'pw');
    const early = await call(a, 'account/devices');
    assert.equal(early.status, 200);
    assert.equal(early.body.length, 1, 'never [] for the caller');
    const self = early.body[0] as Record<string, unknown>;
    assert.equal(self.isCurrentDevice, true);
    assert.match(self.id as string, /^[0-9a-f]{32}$/);
    assert.equal(self.pushCallback, null);
    assert.equal(self.pushEndpointExpired, false);
    assert.deepEqual(self.availableCommands, {});
    assert.equal(typeof self.name, 'string');
    assert.equal(typeof self.lastAccessTime, 'number');

    // Firefox registers twice at once after sign-in: one device, the id shown before.
    const [one, two] = await Promise.all([
      call(a, 'account/device', { name: 'Firefox on A', type: 'desktop' }),
      call(a, 'account/device', { name: 'Firefox on A', type: 'desktop', availableCommands: {} }),
    ]);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(two.status, 200, JSON.stringify(two.body));
    assert.equal(one.body.id, self.id);
    assert.equal(two.body.id, self.id);
    const later = await call(a, 'account/devices');
    assert.deepEqual(
      (later.body as Record<string, unknown>[]).map((d) => [d.id, d.name, d.isCurrentDevice]),
      [[self.id, 'Firefox on A', true]],
    );

    // Another session sees A's device and its own entry, never other device-less sessions.
    const b = await signIn(fx.auth, 'login', address, 'pw');
    await signIn(fx.auth, 'login', address, 'pw');
    const fromB = (await call(b, 'account/devices')).body as Record<string, unknown>[];
    assert.deepEqual(
      fromB.map((d) => d.isCurrentDevice),
      [false, true],
    );
    assert.equal(fromB[0]?.id, self.id);
    assert.notEqual(fromB[1]?.id, self.id);
  });

  it('answers pushCallback null whatever Firefox registered, so Firefox fetches missed commands', async () => {
    const a = await signIn(fx.auth, 'create', email('push'), 'pw');
    const reg = await call(a, 'account/device', {
      name: 'A',
      type: 'desktop',
      pushCallback: 'https://updates.push.services.mozilla.com/wpush/v2/gAAAA',
      pushPublicKey:
        'BCp93zru09_hab2Bg37LpTNG__Pw6eMPEP2hrs4O6Wp2kxdiQ7pjAg1CDtsJ2_Qh2aF6MNqs5qC6c4UQtWcNxbI',
      pushAuthKey: 'KGS_vfqbQxWqOQ5ENzmTmA',
    });
    assert.equal(reg.status, 200);
    const list = (await call(a, 'account/devices')).body as Record<string, unknown>[];
    assert.equal(list.length, 1);
    const [self] = list;
    assert.equal(self?.isCurrentDevice, true);
    assert.equal(self?.pushCallback, null);
    assert.equal(self?.pushPublicKey, null);
    assert.equal(self?.pushAuthKey, null);
    assert.equal(self?.pushEndpointExpired, false);
  });
});

describe('account deletion', () => {
  it('drops every queue of the account', async () => {
    const { a, bId } = await household();
    assert.equal((await send(a, bId)).status, 200);
    assert.equal(await queueRows(bId), 1);
    assert.equal(await new LocalAccounts(fx.server.server.context).delete(a.uid), true);
    assert.equal(await queueRows(bId), 0);
  });
});

describe('device ownership (issue 12 review, item 2)', () => {
  it('a session cannot take over another live session’s device, nor lose its own by trying', async () => {
    const { a, b, aId, bId } = await household();
    assert.equal((await send(a, bId)).status, 200);
    assertError(await call(a, 'account/device', { id: bId, name: 'taken' }), 400, 123);
    const rows = await fx.server.server.context.db.transaction('read', (tx) => tx.fxaDevices(a.uid));
    const byId = new Map(rows.map((d) => [d.id, d]));
    assert.equal(byId.get(bId)?.name, 'B', 'B keeps its name');
    assert.equal(
      byId.get(bId)?.sessionId,
      deriveTokenCredentials(fromHex(b.sessionToken), 'sessionToken').id,
      'B stays bound to B’s session',
    );
    assert.ok(byId.has(aId), 'the caller keeps its own device');
    assert.equal(await queueRows(bId), 1, 'and B its queue');
    const mine = await call(b, 'account/device/commands?index=0');
    assert.equal((mine.body.messages as unknown[]).length, 1, 'B still reads its own tab');
    // Its own device by id is fine.
    assert.equal((await call(a, 'account/device', { id: aId, name: 'A renamed' })).status, 200);
  });
});

describe('the pending cap under concurrent senders (issue 12 review, item 5)', () => {
  it('never passes 1,000 even when several sends race for the last place', async () => {
    const { a, bId } = await household();
    const now = clock();
    await fx.server.server.context.db.transaction('write', async (tx) => {
      for (let i = 0; i < 999; i++)
        await tx.fxaEnqueueCommand(a.uid, {
          deviceId: bId,
          command: SEND_TAB,
          payload: '{}',
          sender: null,
          createdAt: now,
          expiresAt: now + DAY_MS,
        });
    });
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(a, bId)));
    assert.equal(
      answers.filter((r) => r.status === 200).length,
      1,
      JSON.stringify(answers.map((r) => r.status)),
    );
    for (const r of answers) if (r.status !== 200) assertError(r, 400, 107);
    assert.equal(await queueRows(bId), 1000);
  });
});

describe('refresh tokens end with their session (issue 12 review, item 8)', () => {
  async function refreshToken(s: SignedIn): Promise<string> {
    const res = await call(s, 'oauth/token', {
      client_id: '5882386c6d801776',
      grant_type: 'fxa-credentials',
      scope: 'https://identity.mozilla.com/apps/oldsync',
      access_type: 'offline',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.refresh_token as string;
  }
  async function refresh(token: string): Promise<number> {
    const res = await fetch(new URL('oauth/token', fx.auth), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: '5882386c6d801776',
        grant_type: 'refresh_token',
        refresh_token: token,
      }),
    });
    await res.arrayBuffer();
    return res.status;
  }

  it('removing a device ends its refresh token, not the others; sign out everywhere ends them all', async () => {
    const { a, b, bId } = await household();
    const aToken = await refreshToken(a);
    const bToken = await refreshToken(b);
    assert.equal(await refresh(bToken), 200);
    assert.equal((await call(a, 'account/device/destroy', { id: bId })).status, 200);
    assert.equal(await refresh(bToken), 400, 'the removed device’s refresh token is refused');
    assert.equal(await refresh(aToken), 200, 'the remover’s own still works');
    assert.equal((await call(a, 'account/sessions/destroy', {})).status, 200);
    assert.equal(await refresh(aToken), 400);
  });

  it('signing a session out ends its refresh token; deleting the account ends every one', async () => {
    const { a, b } = await household();
    const aToken = await refreshToken(a);
    const bToken = await refreshToken(b);
    assert.equal((await call(b, 'session/destroy', {})).status, 200);
    assert.equal(await refresh(bToken), 400);
    assert.equal(await refresh(aToken), 200);
    assert.equal(await new LocalAccounts(fx.server.server.context).delete(a.uid), true);
    assert.equal(await refresh(aToken), 400);
  });
});
