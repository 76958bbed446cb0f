import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSyncServer, type SyncServer } from '../../server/app.js';
import { defaultConfig, type Config } from '../../server/config.js';
import { Logger } from '../../server/log.js';

export interface TestServer {
  /** Base URL ending in "/", e.g. http://127.0.0.1:40123/ */
  url: string;
  port: number;
  server: SyncServer;
  config: Config;
  dataDir: string;
  logger: Logger;
  close(): Promise<void>;
}

/** A real server on an ephemeral loopback port with its own SQLite file in a temp dir. */
export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-test-'));
  const base = defaultConfig({ dataDir, host: '127.0.0.1', port: 0, allowNewUsers: true, ...overrides });
  const logger = new Logger();
  const server = createSyncServer(base, { logger });
  const { port } = await server.listen();
  const url = overrides.publicUrl ?? `http://127.0.0.1:${port}/`;
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
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
