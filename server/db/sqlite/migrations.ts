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
  // 3: Foxden local accounts (fxa-local spec §4, §5.3, §5.4, §9). Tokens are stored only as
  // their derived Hawk id/key (session, key fetch) or a SHA-256 (codes, refresh tokens); a key
  // fetch token keeps only the /account/keys bundle, already encrypted to its bundleKey.
  `
  CREATE TABLE fxa_accounts (
    uid TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    normalized_email TEXT NOT NULL UNIQUE,
    auth_salt BLOB NOT NULL,
    verify_hash BLOB NOT NULL,
    ka BLOB NOT NULL,
    wrap_wrap_kb BLOB NOT NULL,
    verifier_set_at INTEGER NOT NULL,
    keys_changed_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE fxa_session_tokens (
    id TEXT PRIMARY KEY,
    uid TEXT NOT NULL REFERENCES fxa_accounts(uid) ON DELETE CASCADE,
    auth_key BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    last_access_at INTEGER NOT NULL
  );
  CREATE INDEX fxa_session_tokens_uid ON fxa_session_tokens (uid);
  CREATE TABLE fxa_key_fetch_tokens (
    id TEXT PRIMARY KEY,
    uid TEXT NOT NULL REFERENCES fxa_accounts(uid) ON DELETE CASCADE,
    auth_key BLOB NOT NULL,
    key_bundle TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX fxa_key_fetch_tokens_uid ON fxa_key_fetch_tokens (uid);
  CREATE TABLE fxa_oauth_codes (
    code_hash TEXT PRIMARY KEY,
    uid TEXT NOT NULL REFERENCES fxa_accounts(uid) ON DELETE CASCADE,
    session_id TEXT,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    keys_jwe TEXT,
    offline INTEGER NOT NULL,
    auth_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX fxa_oauth_codes_uid ON fxa_oauth_codes (uid);
  CREATE TABLE fxa_refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    uid TEXT NOT NULL REFERENCES fxa_accounts(uid) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
  );
  CREATE INDEX fxa_refresh_tokens_uid ON fxa_refresh_tokens (uid);
  CREATE TABLE fxa_devices (
    id TEXT PRIMARY KEY,
    uid TEXT NOT NULL REFERENCES fxa_accounts(uid) ON DELETE CASCADE,
    session_id TEXT,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    push_callback TEXT,
    push_public_key TEXT,
    push_auth_key TEXT,
    available_commands TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    last_access_at INTEGER NOT NULL
  );
  CREATE INDEX fxa_devices_uid ON fxa_devices (uid);
  CREATE UNIQUE INDEX fxa_devices_session ON fxa_devices (session_id) WHERE session_id IS NOT NULL;
  `,
  // 4: one index per record order, each ending in id so the order is total and a page can
  // start where the last one ended (keyset paging, issue 11 #19): oldest and the newer/older
  // filters, newest (ties by id ascending, so a separate descending index), and sort=index
  // (NULL sorts last in a descending SQLite index).
  `
  DROP INDEX bsos_modified;
  CREATE INDEX bsos_modified ON bsos (user_id, collection_id, modified_ms, id);
  CREATE INDEX bsos_newest ON bsos (user_id, collection_id, modified_ms DESC, id);
  CREATE INDEX bsos_sortindex ON bsos (user_id, collection_id, sortindex DESC, id);
  `,
  // 5: floors of large deletes (issue 11 #19): a (user, collection)'s rows modified at or
  // before floor_ms are deleted and read as absent; the server removes them in small slices
  // in the background and then the floor.
  `
  CREATE TABLE bso_floors (
    user_id INTEGER NOT NULL,
    collection_id INTEGER NOT NULL,
    floor_ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, collection_id)
  ) WITHOUT ROWID;
  `,
  // 6: device commands (Send Tab, Close Tabs; issue 12): each device's queue, and the account's
  // last command index. Indexes come from the account, not the device or a rowid, so a device id
  // that comes back (a session registering again) never gets an index its Firefox has seen:
  // Firefox skips every command at or below the last index it stored.
  `
  ALTER TABLE fxa_accounts ADD COLUMN command_index INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE fxa_device_commands (
    device_id TEXT NOT NULL REFERENCES fxa_devices(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    command TEXT NOT NULL,
    payload TEXT NOT NULL,
    sender TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, idx)
  );
  CREATE INDEX fxa_device_commands_expiry ON fxa_device_commands (expires_at);
  `,
  // 7: people of the household directory (issue 14, [auth] backend = ldap) and the storage user
  // their data belongs to, keyed by the directory's stable id (entryUUID by default) so that a
  // renamed person keeps their data. No password is kept.
  `
  CREATE TABLE directory_users (
    directory_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    user_id INTEGER NOT NULL UNIQUE REFERENCES storage_users(id),
    name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    PRIMARY KEY (directory_id, kind)
  ) WITHOUT ROWID;
  `,
  // 8: issue 12 review. delivered_index: the highest command index a device's Firefox was handed,
  // so a password change (after which Firefox asks again from index 0) can drop what it already
  // has instead of replaying every unexpired tab. session_id: the session that obtained a refresh
  // token, so removing its device (or signing it out) ends the token too; older tokens have none.
  `
  ALTER TABLE fxa_devices ADD COLUMN delivered_index INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE fxa_refresh_tokens ADD COLUMN session_id TEXT;
  CREATE INDEX fxa_refresh_tokens_session ON fxa_refresh_tokens (session_id);
  `,
];
