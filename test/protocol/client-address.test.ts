// Issue 8, finding 4: the request log names the client, the real one behind a trusted proxy,
// in text and JSON lines; and the throttle counts that real client, not the proxy.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { formatText, type LogEvent } from '../../server/log.js';
import { closeAddressAgents, requestFrom } from '../helpers/from-address.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basicAuth, newUser } from '../helpers/sync11-client.js';

const servers: TestServer[] = [];
after(async () => {
  closeAddressAgents();
  for (const s of servers) await s.close();
});

const requestsFrom = (s: TestServer, address: string): LogEvent[] =>
  s.logger.tail().filter((e) => e.kind === 'request' && e.address === address);

test('without a proxy: the socket peer, in the event, the text line and the JSON line', async () => {
  const s = await startTestServer();
  servers.push(s);
  const res = await requestFrom('127.0.0.7', `${s.url}__heartbeat__`, {
    headers: { 'X-Forwarded-For': '203.0.113.9' },
  });
  assert.equal(res.status, 200);
  const [event] = requestsFrom(s, '127.0.0.7');
  assert.ok(event, 'logged with the socket address; an untrusted X-Forwarded-For is ignored');
  assert.equal(requestsFrom(s, '203.0.113.9').length, 0);
  assert.match(formatText(event), /Z 127\.0\.0\.7 GET \/__heartbeat__ 200 /);
  assert.equal((JSON.parse(JSON.stringify(event)) as LogEvent).address, '127.0.0.7');
});

test('behind a trusted proxy: the forwarded client is logged and throttled, the proxy is not', async () => {
  const s = await startTestServer({ trustProxy: 'loopback' });
  servers.push(s);
  const alice = await newUser(s.url, 'alice');
  const via = (client: string, password: string) =>
    requestFrom('127.0.0.1', alice.storageUrl('info/collections'), {
      headers: { Authorization: basicAuth(alice.username, password), 'X-Forwarded-For': client },
    });
  for (let i = 0; i < 11; i++) await via('192.168.1.57', `guess ${i}`);
  assert.equal((await via('192.168.1.57', alice.password)).status, 503, 'the guesser is throttled');
  assert.equal(
    (await via('192.168.1.20', alice.password)).status,
    200,
    'another client of the same proxy is not',
  );
  assert.ok(requestsFrom(s, '192.168.1.57').length >= 12);
  const warning = s.logger.tail().find((e) => e.kind === 'auth' && e.message.includes('192.168.1.57'));
  assert.ok(warning, 'the throttle warning names the real client');
  assert.equal(warning.address, '192.168.1.57');
});
