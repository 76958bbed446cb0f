import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSyncServer, type SyncServer } from '../../server/app.js';
import { defaultConfig, type Config } from '../../server/config.js';
import { Logger } from '../../server/log.js';
import { freshDatabase, testDatabaseKind } from './databases.js';
import { giveRunCa, testHttps } from './https-ca.js';

export interface TestServer {
  /** Base URL ending in "/", e.g. http://127.0.0.1:40123/ (https:// when the server speaks HTTPS) */
  url: string;
  port: number;
  server: SyncServer;
  config: Config;
  dataDir: string;
  logger: Logger;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Replaces Date.now for the server and its engine (expiry tests). */
  clock?: () => number;
}

/** A real server on an ephemeral loopback port with its own SQLite file in a temp dir. */
export async function startTestServer(
  overrides: Partial<Config> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-test-'));
  // FOXDEN_TEST_DATABASE=postgres|mysql (scripts/run-tests.js): a brand-new database of that
  // backend instead of the SQLite file, unless the test names its own database.
  const backend = testDatabaseKind();
  const fresh = backend === 'sqlite' || overrides.database ? null : await freshDatabase(backend);
  // No quota and no sign-up cap unless a test sets them: protocol tests create many accounts
  // and large collections; the quota and cap have tests of their own.
  const defaults = defaultConfig({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    allowNewUsers: true,
    quotaKb: null,
    maxNewUsers: 0,
    ...(fresh ? { database: fresh.location } : {}),
  });
  // Tests never reach the internet: an FxA OAuth server on a closed loopback port unless a test sets its own.
  const sync15 = { ...defaults.sync15, fxaOauthServerUrl: 'http://127.0.0.1:9/v1', ...overrides.sync15 };
  const base = defaultConfig({ ...defaults, ...overrides, sync15 });
  // FOXDEN_TEST_HTTPS=1 (scripts/run-tests.js): HTTPS auto from the run's household CA, which
  // this process trusts, unless the test chose its own TLS setting.
  if (testHttps() && !overrides.tls) {
    giveRunCa(dataDir);
    base.tls = { mode: 'auto' };
  }
  const logger = new Logger();
  const server = await openSyncServer(base, { logger, ...(options.clock ? { clock: options.clock } : {}) });
  const { port } = await server.listen();
  const scheme = base.tls.mode === 'off' ? 'http' : 'https';
  const url = overrides.publicUrl ?? `${scheme}://127.0.0.1:${port}/`;
  // The public URL can only be known once the port is; node/weave and Hawk read it from config.
  base.publicUrl = url;
  return {
    url,
    port,
    server,
    config: base,
    dataDir,
    logger,
    async close() {
      await server.close();
      await fresh?.cleanup();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
