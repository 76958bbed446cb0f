import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { startHeadless } from '../../server/admin/headless.js';
import { defaultConfig } from '../../server/config.js';
import { Logger } from '../../server/log.js';
import { occupyPort } from '../helpers/ports.js';

// Issue 11 item 8: whatever fails after startHeadless opened the sync listener closes what
// was opened (listener, database and its lock) before the failure reaches `foxden serve`,
// which then exits non-zero instead of serving half-started.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-headless-fail-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a failure after the sync listener opened closes the listener and the database, then rejects', async () => {
  const config = defaultConfig({ dataDir: path.join(tmp, 'data'), host: '127.0.0.1', port: 0 });
  const logger = new Logger();
  const busy = await occupyPort();
  try {
    // The busy admin port is reported through `warn` after the sync listener opened; a
    // reporter that fails stands for any failure at that point.
    await assert.rejects(
      startHeadless({
        config,
        publicUrlGiven: false,
        logger,
        adminPort: busy.port,
        warn: () => {
          throw new Error('stderr is gone');
        },
      }),
      /stderr is gone/,
    );
  } finally {
    await busy.release();
  }
  const listening = logger
    .tail()
    .map((e) => /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(e.message)?.[1])
    .find((p) => p !== undefined);
  assert.ok(listening, 'the sync listener had opened');
  await assert.rejects(fetch(`http://127.0.0.1:${listening}/__heartbeat__`), 'the sync port is closed');
  assert.ok(
    logger.tail().some((e) => e.message === 'stopped'),
    'the server was closed',
  );

  // The database and its one-server lock were released: the same data directory starts again.
  const again = await startHeadless({
    config,
    publicUrlGiven: false,
    logger,
    adminPort: null,
    warn: () => {},
  });
  try {
    assert.equal((await fetch(`http://127.0.0.1:${again.address.port}/__heartbeat__`)).status, 200);
  } finally {
    await again.close();
  }
});
