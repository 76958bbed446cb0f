/**
 * Numbered schema migrations; `PRAGMA user_version` records how many have run. Append only:
 * a released migration is never edited, a change is a new entry.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: storage engine, storage owners, Sync 1.1 accounts.
  `
  CREATE TABLE storage_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    created_ms INTEGER NOT NULL
  );
  CREATE TABLE collections (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
  );
  INSERT INTO collections (id, name) VALUES
    (1, 'clients'), (2, 'crypto'), (3, 'forms'), (4, 'history'), (5, 'keys'), (6, 'meta'),
    (7, 'bookmarks'), (8, 'prefs'), (9, 'tabs'), (10, 'passwords'), (11, 'addons'),
    (12, 'addresses'), (13, 'creditcards'), (100, '');
  CREATE TABLE user_collections (
    user_id INTEGER NOT NULL,
    collection_id INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, collection_id)
  ) WITHOUT ROWID;
  CREATE TABLE bsos (
    user_id INTEGER NOT NULL,
    collection_id INTEGER NOT NULL,
    id TEXT NOT NULL,
    sortindex INTEGER,
    payload TEXT,
    payload_bytes INTEGER NOT NULL DEFAULT 0,
    parentid TEXT,
    predecessorid TEXT,
    modified_ms INTEGER NOT NULL,
    expiry_ms INTEGER,
    PRIMARY KEY (user_id, collection_id, id)
  );
  CREATE INDEX bsos_modified ON bsos (user_id, collection_id, modified_ms);
  CREATE INDEX bsos_expiry ON bsos (expiry_ms) WHERE expiry_ms IS NOT NULL;
  CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    collection TEXT NOT NULL,
    created_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE batch_items (
    batch_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL,
    fields TEXT NOT NULL,
    PRIMARY KEY (batch_id, id)
  );
  CREATE TABLE sync11_users (
    user_id INTEGER PRIMARY KEY REFERENCES storage_users(id),
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    email TEXT,
    status INTEGER NOT NULL DEFAULT 1,
    created_ms INTEGER NOT NULL
  );
  `,
  // 2: Sync 1.5 tokenserver users (spec 1.5 §6.4 columns in upstream order, then Foxden's own).
  // uid is the storage user id (storage_users.id), so it is given, never auto-incremented here.
  `
  CREATE TABLE tokenserver_users (
    uid INTEGER PRIMARY KEY,
    service INTEGER NOT NULL DEFAULT 1,
    email TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    client_state TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    replaced_at INTEGER,
    nodeid INTEGER NOT NULL DEFAULT 1,
    keys_changed_at INTEGER,
    fxa_uid TEXT NOT NULL,
    fxa_email TEXT,
    last_seen_at INTEGER NOT NULL
  );
  CREATE INDEX tokenserver_users_lookup ON tokenserver_users (email, service, created_at);
  CREATE INDEX tokenserver_users_replaced ON tokenserver_users (service, replaced_at);
  `,
];
