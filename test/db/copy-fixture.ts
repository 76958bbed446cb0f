/**
 * A database holding users of every kind, for the `foxden db copy` tests, and a view of it
 * read back through the Tx interface only (never through the copy's own checksum), so two
 * databases can be compared field by field.
 */
import type { Database, Tx } from '../../server/db/types.js';
import type { StoredBso } from '../../server/db/records.js';

export const T0 = 1_700_000_000_000;
/** A time after the short-lived records expired: reads at LATER must not show them. */
export const LATER = T0 + 3_600_000;
/** Every byte value: a BLOB column that is text, or truncates, shows. */
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);
const UNICODE = 'Zoë — 東京 🦊𝄞';

export interface Manifest {
  /** Storage users that own something, by name. */
  users: Record<'sync11' | 'tokenserver' | 'local', number>;
  /** A storage user created and deleted: its id must never be handed out again. */
  deletedUser: number;
  collections: string[];
  batchId: string;
  fxaUid: string;
  sessionId: string;
  keyFetchId: string;
  codeHash: string;
  refreshHash: string;
  /** The local account's device, with queued device commands (one expired). */
  deviceId: string;
}

function record(id: string, fields: Partial<StoredBso> = {}): StoredBso {
  return {
    id,
    modified: T0,
    payload: `{"ciphertext":"${id}"}`,
    sortindex: null,
    parentid: null,
    predecessorid: null,
    expiry: null,
    ...fields,
  };
}

/**
 * A Sync 1.1 user with records (sortindex, TTL, parentid, a custom collection, a record
 * replaced in place), a Sync 1.5 tokenserver user with records and an open batch, a local
 * account with a session, key fetch token, OAuth code, refresh token and device (whose Sync
 * 1.5 user also owns records), a replaced tokenserver row, and a deleted storage user.
 */
export async function fillEveryKind(db: Database, tag = 'a'): Promise<Manifest> {
  return db.transaction('write', async (tx) => {
    const sync11 = await tx.createStorageUser('sync11', T0);
    await tx.insertSync11User({
      userId: sync11,
      username: `pale${tag}`,
      passwordHash: '$2b$10$abcdefghijklmnopqrstuv',
      email: `pale-${tag}@example.org`,
      status: 1,
      created: T0,
    });
    const bookmarks = (await tx.collectionId('bookmarks', true)) as number;
    const custom = (await tx.collectionId(`custom-${tag}`, true)) as number;
    // Inserted in an order that is neither id nor time order: the default sort must survive.
    await tx.putBsos(sync11, bookmarks, [
      record('zeta', { sortindex: 5, modified: T0 + 30 }),
      record('alpha', { sortindex: null, modified: T0 + 10, parentid: 'menu' }),
      record('mid', { sortindex: -3, modified: T0 + 20, expiry: T0 + 60_000, payload: UNICODE }),
      record('beta', { sortindex: 100, modified: T0 + 40, predecessorid: 'alpha', payload: null }),
    ]);
    // Replaced in place: keeps its position in the insertion order.
    await tx.putBsos(sync11, bookmarks, [record('zeta', { sortindex: 6, modified: T0 + 50, payload: 'x' })]);
    await tx.putBsos(sync11, custom, [record('only', { sortindex: 1, modified: T0 + 5 })]);
    await tx.setCollectionModified(sync11, bookmarks, T0 + 50);
    await tx.setCollectionModified(sync11, custom, T0 + 5);
    await tx.setStorageTombstone(sync11, T0 + 1);

    const tokenserver = await tx.createStorageUser('sync15', T0 + 1);
    await tx.insertTokenserverUser({
      uid: tokenserver,
      email: `fx-${tag}@api.accounts.firefox.com`,
      fxaUid: `fx${tag}`,
      fxaEmail: `fx-${tag}@example.org`,
      generation: 7,
      clientState: 'aabbccdd',
      keysChangedAt: T0 - 5,
      createdAt: T0 + 1,
      replacedAt: null,
      lastSeenAt: T0 + 2,
    });
    const history = (await tx.collectionId('history', true)) as number;
    await tx.putBsos(
      tokenserver,
      history,
      Array.from({ length: 30 }, (_, i) =>
        record(`h${(i * 7) % 30}`, {
          modified: T0 + i,
          sortindex: i % 4 === 0 ? null : i,
          expiry: i === 3 ? T0 + 1000 : null,
        }),
      ),
    );
    await tx.setCollectionModified(tokenserver, history, T0 + 29);
    const batchId = `batch-${tag}`;
    await tx.createBatch({ id: batchId, userId: tokenserver, collection: 'history', created: T0 + 3 });
    await tx.stageBatchItems(batchId, [
      { id: 'b2', payload: 'two', sortindex: 2, ttl: 60 },
      { id: 'b1', payload: null },
      { id: 'b3' },
    ]);

    const fxaUid = `00f${tag}`.padEnd(32, '0');
    const local = await tx.createStorageUser('sync15', T0 + 2);
    await tx.insertTokenserverUser({
      uid: local,
      email: `${fxaUid}@foxden.local`,
      fxaUid,
      fxaEmail: null,
      generation: 0,
      clientState: '',
      keysChangedAt: null,
      createdAt: T0 + 2,
      replacedAt: null,
      lastSeenAt: T0 + 2,
    });
    // The row a key change replaced: a replaced_at and an older client state.
    const old = await tx.createStorageUser('sync15', T0);
    await tx.insertTokenserverUser({
      uid: old,
      email: `${fxaUid}@foxden.local`,
      fxaUid,
      fxaEmail: null,
      generation: 0,
      clientState: '00',
      keysChangedAt: null,
      createdAt: T0,
      replacedAt: T0 + 2,
      lastSeenAt: T0,
    });
    const tabs = (await tx.collectionId('tabs', true)) as number;
    await tx.putBsos(local, tabs, [record('tab1', { payload: '{"tabs":[]}' })]);
    await tx.setCollectionModified(local, tabs, T0);

    await tx.fxaInsertAccount({
      uid: fxaUid,
      email: `Local-${tag}@Example.org`,
      normalizedEmail: `local-${tag}@example.org`,
      authSalt: ALL_BYTES,
      verifyHash: new Uint8Array(32).fill(1),
      kA: new Uint8Array(32).fill(2),
      wrapWrapKb: new Uint8Array(32).fill(255),
      verifierSetAt: T0,
      keysChangedAt: T0,
      createdAt: T0,
    });
    const sessionId = `5e55${tag}`.padEnd(64, 'e');
    await tx.fxaInsertSession({
      id: sessionId,
      uid: fxaUid,
      authKey: new Uint8Array(32).fill(3),
      createdAt: T0,
      lastAccessAt: T0 + 9,
    });
    const keyFetchId = `cafe${tag}`.padEnd(64, 'f');
    await tx.fxaInsertKeyFetch({
      id: keyFetchId,
      uid: fxaUid,
      authKey: new Uint8Array(32).fill(4),
      keyBundle: 'bundle-hex',
      createdAt: T0,
    });
    const codeHash = `c0de${tag}`.padEnd(64, '0');
    await tx.fxaInsertCode({
      codeHash,
      uid: fxaUid,
      sessionId,
      clientId: '5882386c6d801776',
      scope: 'profile https://identity.mozilla.com/apps/oldsync',
      codeChallenge: 'challenge',
      keysJwe: 'jwe',
      offline: true,
      authAt: T0,
      createdAt: T0,
      expiresAt: T0 + 600_000,
    });
    const refreshHash = `4ef${tag}`.padEnd(64, '4');
    await tx.fxaInsertRefreshToken({
      tokenHash: refreshHash,
      uid: fxaUid,
      clientId: '5882386c6d801776',
      scope: 'https://identity.mozilla.com/apps/oldsync',
      createdAt: T0,
      lastUsedAt: T0 + 1,
    });
    const deviceId = `de${tag}`.padEnd(32, 'd');
    await tx.fxaInsertDevice({
      id: deviceId,
      uid: fxaUid,
      sessionId,
      name: UNICODE,
      type: 'desktop',
      pushCallback: 'https://push.example.org/x',
      pushPublicKey: 'pk',
      pushAuthKey: null,
      availableCommands: '{"cmd":"x"}',
      createdAt: T0,
      lastAccessAt: T0 + 3,
    });
    for (const [command, expiresAt] of [
      ['cmd', T0 - 1],
      ['cmd', T0 + 600_000],
    ] as const) {
      await tx.fxaEnqueueCommand(fxaUid, {
        deviceId,
        command,
        payload: `{"encrypted":"${UNICODE}"}`,
        sender: null,
        createdAt: T0 - 2,
        expiresAt,
      });
    }
    // The highest id handed out belongs to a user deleted since.
    const deleted = await tx.createStorageUser('sync15', T0);
    await tx.deleteStorageUser(deleted);
    return {
      users: { sync11, tokenserver, local },
      deletedUser: deleted,
      collections: ['bookmarks', `custom-${tag}`, 'history', 'tabs'],
      batchId,
      fxaUid,
      sessionId,
      keyFetchId,
      codeHash,
      refreshHash,
      deviceId,
    };
  });
}

const byName = <T extends { name: string }>(rows: T[]): T[] =>
  [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

async function userView(tx: Tx, userId: number, collections: readonly string[]) {
  const perCollection: Record<string, unknown> = {};
  for (const name of collections) {
    const id = await tx.collectionId(name, false);
    if (id === null) {
      perCollection[name] = null;
      continue;
    }
    perCollection[name] = {
      id,
      modified: await tx.collectionModified(userId, id),
      defaultOrder: (await tx.queryBsos(userId, id, {}, T0)).items,
      afterExpiry: (await tx.queryBsos(userId, id, {}, LATER)).items.map((b) => b.id),
      byIndex: (await tx.queryBsos(userId, id, { sort: 'index' }, T0)).items.map((b) => b.id),
      newest: (await tx.queryBsos(userId, id, { sort: 'newest', limit: 3 }, T0)).items.map((b) => b.id),
    };
  }
  return {
    kind: await tx.storageUserKind(userId),
    stamps: byName(await tx.collectionStamps(userId)),
    storageModified: await tx.storageModified(userId),
    counts: byName(await tx.collectionCounts(userId, T0)),
    totalBytes: await tx.totalBytes(userId, T0),
    perCollection,
  };
}

/** Everything the manifest names, read through the Tx interface (plain objects, comparable). */
export async function viewOf(db: Database, m: Manifest): Promise<unknown> {
  const view = await db.transaction('read', async (tx) => {
    const users: Record<string, unknown> = {};
    for (const [name, id] of Object.entries(m.users)) users[name] = await userView(tx, id, m.collections);
    return {
      users,
      deletedUserKind: await tx.storageUserKind(m.deletedUser),
      sync11: await tx.listSync11Users(),
      tokenserver: await tx.listTokenserverUsers(),
      tokenserverAll: await tx.tokenserverUsersByEmail(`${m.fxaUid}@foxden.local`, 10),
      batch: await tx.getBatch(m.batchId),
      batchItems: await tx.batchItems(m.batchId),
      accounts: await tx.fxaListAccounts(),
      sessions: await tx.fxaSessions(m.fxaUid),
      keyFetch: await tx.fxaKeyFetch(m.keyFetchId),
      refresh: await tx.fxaRefreshToken(m.refreshHash),
      devices: await tx.fxaDevices(m.fxaUid),
      commands: await tx.fxaDeviceCommands(m.deviceId, 0, T0, 100),
      lastCommandIndex: await tx.fxaLastCommandIndex(m.deviceId),
    };
  });
  // Taking a code deletes it: read it in a write that is then rolled back.
  let code: unknown = null;
  // The account's next device-command index, likewise: a copy must carry the counter on.
  let nextCommandIndex = 0;
  const rollback = new Error('rollback');
  await db
    .transaction('write', async (tx) => {
      code = await tx.fxaTakeCode(m.codeHash);
      // A view of a database without this fixture's account (a restore that must not have
      // happened) has no counter to read: the index stays 0.
      if (!view.accounts.some((account) => account.uid === m.fxaUid)) throw rollback;
      nextCommandIndex = await tx.fxaEnqueueCommand(m.fxaUid, {
        deviceId: m.deviceId,
        command: 'cmd',
        payload: '{}',
        sender: null,
        createdAt: T0,
        expiresAt: T0 + 1,
      });
      throw rollback;
    })
    .catch((err: unknown) => {
      if (err !== rollback) throw err;
    });
  // Uint8Arrays and Buffers compare alike once they are plain arrays.
  return JSON.parse(
    JSON.stringify({ ...view, code, nextCommandIndex }, (_key, value: unknown) =>
      value instanceof Uint8Array ? Array.from(value) : value,
    ),
  ) as unknown;
}
