/**
 * Several nodes (issue 10, "Several nodes"): two real `foxden serve` processes on one
 * PostgreSQL or MariaDB database behave as one server. Clients sign their Hawk requests for the
 * shared public URL (as behind a load balancer) and send them to either node.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../server/db/open-database.js';
import type { Database } from '../../server/db/types.js';
import { databaseProblem, freshDatabase, type FreshDatabase } from '../helpers/databases.js';
import {
  hawkFetch,
  insertSync15TestUser,
  mintToken,
  type HawkCredentials,
} from '../helpers/sync15-client.js';
import { Sync11User, freshEmail } from '../helpers/sync11-client.js';
import { cleanEnv, startServe, type RunningServe } from './cli-process.js';

/** What every client signs for: the load balancer's address, never dialled. */
const PUBLIC = { host: 'sync.foxden.test', port: 8443 };
const PUBLIC_URL = `http://${PUBLIC.host}:${PUBLIC.port}/`;

interface Sync15Client {
  uid: number;
  credentials: HawkCredentials;
}

for (const kind of ['postgres', 'mysql'] as const) {
  const problem = await databaseProblem(kind);
  describe(
    `two nodes on one ${kind === 'postgres' ? 'PostgreSQL' : 'MariaDB'} database`,
    { skip: problem ?? false },
    () => {
      const secret = randomBytes(32).toString('hex');
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `foxden-nodes-${kind}-`));
      let fresh: FreshDatabase;
      let db: Database;
      const nodes: RunningServe[] = [];

      /** A node with its own data directory, sharing the database and the master secret. */
      async function startNode(name: string): Promise<RunningServe> {
        const dataDir = path.join(tmp, name);
        const node = await startServe(
          ['--data-dir', dataDir, '--public-url', PUBLIC_URL, '--allow-new-users', '--max-new-users', '0'],
          {
            env: cleanEnv({
              FOXDEN_DATABASE_URL: fresh.location.kind === 'sqlite' ? '' : fresh.location.url,
              FOXDEN_MASTER_SECRET: secret,
            }),
          },
        );
        nodes.push(node);
        return node;
      }

      before(async () => {
        fresh = await freshDatabase(kind);
        db = await openDatabase(fresh.location);
        await startNode('a');
        await startNode('b');
      });

      after(async () => {
        await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
        await db?.close();
        await fresh?.cleanup();
        fs.rmSync(tmp, { recursive: true, force: true });
      });

      const [a, b] = [() => nodes[0] as RunningServe, () => nodes[1] as RunningServe];

      async function sync15User(): Promise<Sync15Client> {
        const { uid, fxaUid } = await insertSync15TestUser(db);
        return { uid, credentials: mintToken(secret, { uid, node: PUBLIC_URL, fxaUid }) };
      }

      /** A Hawk request to `node`, signed for the public URL. */
      function send(
        node: RunningServe,
        user: Sync15Client,
        rest: string,
        init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
      ) {
        return hawkFetch(`${node.url}1.5/${user.uid}/${rest}`, {
          credentials: user.credentials,
          host: PUBLIC.host,
          port: PUBLIC.port,
          ...init,
        });
      }

      const record = (id: string) => ({ id, payload: JSON.stringify({ ciphertext: id }) });

      test('a record written through node A is read at once through node B', async () => {
        const user = await sync15User();
        // B has answered (and cached) the user's collections before A writes.
        const warm = await send(b(), user, 'info/collections');
        assert.equal(warm.status, 200);
        assert.deepEqual(await warm.json(), {});
        for (let round = 0; round < 5; round++) {
          const written = await send(a(), user, 'storage/bookmarks', {
            method: 'POST',
            body: [record(`r${round}`)],
          });
          assert.equal(written.status, 200);
          const stamp = written.headers.get('x-last-modified');
          const seen = await send(b(), user, 'info/collections');
          assert.equal(seen.status, 200);
          assert.equal(((await seen.json()) as Record<string, number>).bookmarks?.toFixed(2), stamp);
          const item = await send(b(), user, `storage/bookmarks/r${round}`);
          assert.equal(item.status, 200);
          assert.equal(((await item.json()) as { id: string }).id, `r${round}`);
        }
      });

      test('2 × 10 concurrent writers to one user lose nothing; with one precondition only one wins', async () => {
        const user = await sync15User();
        const writes = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            send(i % 2 === 0 ? a() : b(), user, 'storage/history', {
              method: 'POST',
              body: [record(`w${i}`)],
            }),
          ),
        );
        assert.deepEqual(
          writes.map((r) => r.status),
          Array(20).fill(200),
        );
        const stamps = writes.map((r) => Number(r.headers.get('x-last-modified')));
        assert.equal(new Set(stamps).size, 20, 'every write got its own timestamp');
        const ids = await send(a(), user, 'storage/history');
        assert.deepEqual(
          ((await ids.json()) as string[]).sort(),
          Array.from({ length: 20 }, (_, i) => `w${i}`).sort(),
        );
        const info = (await (await send(b(), user, 'info/collections')).json()) as Record<string, number>;
        assert.equal(info.history, Math.max(...stamps));

        // Everyone read the same collection time; only one may write on top of it (spec 1.5 §2.6).
        const since = String(info.history);
        const racing = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            send(i % 2 === 0 ? a() : b(), user, 'storage/history', {
              method: 'POST',
              body: [record(`p${i}`)],
              headers: { 'X-If-Unmodified-Since': since },
            }),
          ),
        );
        const statuses = racing.map((r) => r.status).sort();
        assert.deepEqual(statuses, [200, ...Array(19).fill(412)]);
        const after = (await (await send(b(), user, 'storage/history')).json()) as string[];
        assert.equal(after.length, 21);
      });

      test('a Sync 1.1 password changed through node A is refused by node B at once', async () => {
        const base = (node: RunningServe) => node.url;
        const user = new Sync11User(base(a()), freshEmail('nodes'));
        assert.equal((await user.create()).status, 200);
        const onB = new Sync11User(base(b()), user.email, user.password);
        // B has checked (and remembered) the old password before it changes.
        assert.equal((await onB.req('GET', 'info/collections')).status, 200);
        const changed = await user.userReq('POST', '/password', { body: 'a new password 42' });
        assert.equal(changed.status, 200, changed.text);
        assert.equal((await onB.req('GET', 'info/collections')).status, 401);
        const renewed = new Sync11User(base(b()), user.email, 'a new password 42');
        assert.equal((await renewed.req('GET', 'info/collections')).status, 200);
      });

      test('node A killed during a batch commit leaves node B consistent, with every acknowledged write', async (t) => {
        const user = await sync15User();
        const acknowledged = await send(a(), user, 'storage/tabs', {
          method: 'POST',
          body: [record('before')],
        });
        assert.equal(acknowledged.status, 200);
        // A batch large enough that its commit is still running when A dies.
        let batch = '';
        for (let part = 0; part < 20; part++) {
          const items = Array.from({ length: 100 }, (_, i) => record(`batched${part * 100 + i}`));
          const query = part === 0 ? '?batch=true' : `?batch=${batch}`;
          const staged = await send(a(), user, `storage/tabs${query}`, { method: 'POST', body: items });
          assert.equal(staged.status, 202);
          batch = ((await staged.json()) as { batch: string }).batch;
        }
        const commit = send(a(), user, `storage/tabs?batch=${batch}&commit=true`, {
          method: 'POST',
          body: [],
        }).catch(() => null);
        await new Promise((resolve) => setTimeout(resolve, 15));
        await a().stop('SIGKILL');
        const answered = await commit;
        const ids = (await (await send(b(), user, 'storage/tabs')).json()) as string[];
        assert.ok(ids.includes('before'), 'an acknowledged write is gone');
        const batched = ids.filter((id) => id.startsWith('batched')).length;
        assert.ok(batched === 0 || batched === 2000, `a partial batch is visible: ${batched} of 2000`);
        if (answered?.status === 200)
          assert.equal(batched, 2000, 'the commit was acknowledged but is not there');
        t.diagnostic(
          `commit ${answered ? `answered ${answered.status}` : 'cut off by the kill'}; ${batched} of 2000 visible`,
        );
        const info = (await (await send(b(), user, 'info/collections')).json()) as Record<string, number>;
        const newest = await send(b(), user, 'storage/tabs?sort=newest&limit=1&full=1');
        const [top] = (await newest.json()) as { modified: number }[];
        assert.equal(info.tabs, top?.modified, 'the collection time and its newest record disagree');
      });
    },
  );
}
