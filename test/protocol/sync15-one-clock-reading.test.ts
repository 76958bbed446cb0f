import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createSync15User, hawkFetch, type Sync15TestUser } from '../helpers/sync15-client.js';

/**
 * A Sync 1.5 storage request reads the server clock once: X-Weave-Timestamp, the handler's
 * `now` and Hawk's timestamp window all come from that one reading (issue 9 item 2).
 */
describe('Sync 1.5 storage: one clock reading per request', () => {
  let server: TestServer;
  let user: Sync15TestUser;
  // While armed, every clock reading after the first of a request is two hours later than
  // the one before: a second reading would put the client's Hawk ts outside the one-hour window.
  let armed = false;
  let readings = 0;
  let start = 0;
  const clock = (): number => {
    if (!armed) return Date.now();
    return start + 7_200_000 * readings++;
  };

  before(async () => {
    server = await startTestServer({}, { clock });
    user = await createSync15User(server);
  });
  after(() => server.close());

  test('Hawk and X-Weave-Timestamp share the reading; the request is read once', async () => {
    start = Date.now();
    readings = 0;
    armed = true;
    let res: Response;
    try {
      res = await hawkFetch(`${user.endpoint}/info/collections`, {
        credentials: user.credentials,
        ts: Math.floor(start / 1000),
      });
    } finally {
      armed = false;
    }
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    const weave = Number(res.headers.get('x-weave-timestamp')) * 1000;
    assert.equal(weave, start - (start % 10));
    assert.equal(readings, 1);
  });
});
