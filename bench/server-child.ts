/**
 * The Foxden server under test, alone in its own process so that its RSS is its own and the
 * load generator does not share its event loop. Started by bench/run.ts (transpiled, without
 * tsx); reports its port over IPC and answers memory / seed / stop messages.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSyncServer } from '../server/app.js';
import { defaultConfig } from '../server/config.js';
import { Logger } from '../server/log.js';
import { insertSync15User } from '../server/sync15/tokenserver/users.js';
import { memoryFigures, type ChildMessage, type ParentMessage } from './ipc.js';
import { makeRecords } from './records.js';

const SEED_CHUNK = 500;

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  // The parent may hand over a directory so a second process can reopen the same data;
  // then the parent owns it and removes it.
  const givenDir = process.env.FOXDEN_BENCH_DATA_DIR;
  const dataDir = givenDir || fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-bench-data-'));
  const config = defaultConfig({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    allowNewUsers: true,
    // The bench creates hundreds of accounts and fills them: no sign-up cap, no quota.
    maxNewUsers: 0,
    quotaKb: null,
    masterSecret: process.env.FOXDEN_BENCH_MASTER_SECRET ?? null,
  });
  // No sinks: the bench measures the server, not a terminal's write speed.
  const server = createSyncServer(config, { logger: new Logger() });
  const { port } = await server.listen();
  // As in test/helpers/server.ts: the public URL (read by node/weave and Hawk) needs the port.
  config.publicUrl = `http://127.0.0.1:${port}/`;

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close().catch(() => undefined);
    if (!givenDir) fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };

  process.on('message', (raw: ParentMessage) => {
    void (async () => {
      try {
        if (raw.type === 'memory') {
          if (raw.gc) (globalThis as { gc?: () => void }).gc?.();
          send({ type: 'memory', ...memoryFigures() });
        } else if (raw.type === 'stop') await stop();
        else if (raw.type === 'seed') {
          const { db, engine } = server.context;
          const user = await db.transaction('read', (tx) => tx.findSync11User(raw.username));
          if (!user) throw new Error(`no Sync 1.1 user ${raw.username}`);
          let written = 0;
          // Bounded: count / SEED_CHUNK transactions.
          while (written < raw.count) {
            const n = Math.min(SEED_CHUNK, raw.count - written);
            const records = makeRecords(raw.firstIndex + written, n, raw.payloadBytes);
            await engine.putItems(user.userId, raw.collection, records, {
              bumpOnSortindex: false,
              touchWhenEmpty: false,
            });
            written += n;
          }
          send({ type: 'seeded', count: written });
        } else if (raw.type === 'createSync15User') {
          const { db, clock } = server.context;
          const row = await db.transaction('write', (tx) =>
            insertSync15User(
              tx,
              {
                email: `${raw.fxaUid}@api.accounts.firefox.com`,
                fxaUid: raw.fxaUid,
                generation: 0,
                clientState: '0'.repeat(32),
                keysChangedAt: null,
              },
              clock(),
            ),
          );
          send({ type: 'sync15User', uid: row.uid });
        }
      } catch (err) {
        send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  // The parent going away (crash, Ctrl-C) must never leave a server running.
  process.on('disconnect', () => void stop());
  send({ type: 'ready', port });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
