import type { Migration } from '../sql/migrate.js';

/**
 * MySQL/MariaDB's numbered migrations: the same tables as SQLite's and PostgreSQL's. MySQL's
 * DDL is not transactional, so every statement may run again after a crash half-way
 * (IF NOT EXISTS, INSERT IGNORE). `{TABLE}` is replaced by the table options: InnoDB, utf8mb4
 * and a binary, no-pad collation, so that 'a', 'A' and 'a ' are three different ids as on
 * the other backends. Append only.
 */
export const MYSQL_MIGRATIONS: readonly Migration[] = [
  [
    // change_seq: Database.userVersion. It starts from the clock so that a user replaced by a
    // restore or a copy never comes back with a version a node has cached.
    `CREATE TABLE IF NOT EXISTS storage_users (
      id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      kind VARCHAR(32) NOT NULL,
      created_ms BIGINT NOT NULL,
      change_seq BIGINT NOT NULL DEFAULT (UNIX_TIMESTAMP(NOW(6)) * 1000000)
    ) {TABLE}`,
    `CREATE TABLE IF NOT EXISTS collections (
      id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      name VARCHAR(255) NOT NULL,
      UNIQUE KEY collections_name (name)
    ) {TABLE} AUTO_INCREMENT = 101`,
    `INSERT IGNORE INTO collections (id, name) VALUES
      (1, 'clients'), (2, 'crypto'), (3, 'forms'), (4, 'history'), (5, 'keys'), (6, 'meta'),
      (7, 'bookmarks'), (8, 'prefs'), (9, 'tabs'), (10, 'passwords'), (11, 'addons'),
      (12, 'addresses'), (13, 'creditcards'), (100, '')`,
    `CREATE TABLE IF NOT EXISTS user_collections (
      user_id BIGINT NOT NULL,
      collection_id INT NOT NULL,
      modified_ms BIGINT NOT NULL,
      PRIMARY KEY (user_id, collection_id)
    ) {TABLE}`,
    `CREATE TABLE IF NOT EXISTS bsos (
      user_id BIGINT NOT NULL,
      collection_id INT NOT NULL,
      id VARCHAR(64) NOT NULL,
      seq BIGINT NOT NULL AUTO_INCREMENT,
      sortindex BIGINT NULL,
      payload LONGTEXT NULL,
      payload_bytes BIGINT NOT NULL DEFAULT 0,
      parentid TEXT NULL,
      predecessorid TEXT NULL,
      modified_ms BIGINT NOT NULL,
      expiry_ms BIGINT NULL,
      PRIMARY KEY (user_id, collection_id, id),
      UNIQUE KEY bsos_seq_unique (seq),
      KEY bsos_modified (user_id, collection_id, modified_ms),
      KEY bsos_seq (user_id, collection_id, seq),
      KEY bsos_expiry (expiry_ms)
    ) {TABLE}`,
    `CREATE TABLE IF NOT EXISTS batches (
      id VARCHAR(64) NOT NULL PRIMARY KEY,
      user_id BIGINT NOT NULL,
      collection VARCHAR(255) NOT NULL,
      created_ms BIGINT NOT NULL,
      KEY batches_user (user_id),
      KEY batches_created (created_ms)
    ) {TABLE}`,
    `CREATE TABLE IF NOT EXISTS batch_items (
      batch_id VARCHAR(64) NOT NULL,
      seq INT NOT NULL,
      id VARCHAR(64) NOT NULL,
      fields LONGTEXT NOT NULL,
      PRIMARY KEY (batch_id, id)
    ) {TABLE}`,
    `CREATE TABLE IF NOT EXISTS sync11_users (
      user_id BIGINT NOT NULL PRIMARY KEY,
      username VARCHAR(64) NOT NULL,
      password_hash VARCHAR(255) NOT NULL,
      email VARCHAR(320) NULL,
      status INT NOT NULL DEFAULT 1,
      created_ms BIGINT NOT NULL,
      UNIQUE KEY sync11_users_username (username),
      CONSTRAINT sync11_users_owner FOREIGN KEY (user_id) REFERENCES storage_users (id)
    ) {TABLE}`,
    // Sync 1.5 tokenserver users (spec 1.5 §6.4); uid is the storage user id, never assigned here.
    `CREATE TABLE IF NOT EXISTS tokenserver_users (
      uid BIGINT NOT NULL PRIMARY KEY,
      service INT NOT NULL DEFAULT 1,
      email VARCHAR(320) NOT NULL,
      generation BIGINT NOT NULL DEFAULT 0,
      client_state VARCHAR(64) NOT NULL DEFAULT '',
      created_at BIGINT NOT NULL,
      replaced_at BIGINT NULL,
      nodeid BIGINT NOT NULL DEFAULT 1,
      keys_changed_at BIGINT NULL,
      fxa_uid VARCHAR(64) NOT NULL,
      fxa_email VARCHAR(320) NULL,
      last_seen_at BIGINT NOT NULL,
      KEY tokenserver_users_lookup (email, service, created_at),
      KEY tokenserver_users_replaced (service, replaced_at)
    ) {TABLE}`,
    // Foxden local accounts (fxa-local spec §4, §5.3, §5.4, §9).
    `CREATE TABLE IF NOT EXISTS fxa_accounts (
      uid VARCHAR(64) NOT NULL PRIMARY KEY,
      email VARCHAR(320) NOT NULL,
      normalized_email VARCHAR(320) NOT NULL,
      auth_salt BLOB NOT NULL,
      verify_hash BLOB NOT NULL,
      ka BLOB NOT NULL,
      wrap_wrap_kb BLOB NOT NULL,
      verifier_set_at BIGINT NOT NULL,
      keys_changed_at BIGINT NOT NULL,
      created_at BIGINT NOT NULL,
      UNIQUE KEY fxa_accounts_email (normalized_email)
    ) {TABLE}`,
    `CREATE TABLE IF NOT EXISTS fxa_session_tokens (
      id VARCHAR(128) NOT NULL PRIMARY KEY,
      uid VARCHAR(64) NOT NULL,
      auth_key BLOB NOT NULL,
      created_at BIGINT NOT NULL,
      last_access_at BIGINT NOT NULL,
      KEY fxa_session_tokens_uid (uid),
      CONSTRAINT fxa_session_tokens_account FOREIGN KEY (uid) REFERENCES fxa_accounts (uid) ON DELETE CASCADE
    ) {TABLE}`,
    `CREATE TABLE IF NOT EXISTS fxa_key_fetch_tokens (
      id VARCHAR(128) NOT NULL PRIMARY KEY,
      uid VARCHAR(64) NOT NULL,
      auth_key BLOB NOT NULL,
      key_bundle TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      KEY fxa_key_fetch_tokens_uid (uid),
      CONSTRAINT fxa_key_fetch_tokens_account FOREIGN KEY (uid) REFERENCES fxa_accounts (uid) ON DELETE CASCADE
    ) {TABLE}`,
    `CREATE TABLE IF NOT EXISTS fxa_oauth_codes (
      code_hash VARCHAR(128) NOT NULL PRIMARY KEY,
      uid VARCHAR(64) NOT NULL,
      session_id VARCHAR(128) NULL,
      client_id VARCHAR(64) NOT NULL,
      scope TEXT NOT NULL,
      code_challenge VARCHAR(255) NOT NULL,
      keys_jwe TEXT NULL,
      offline TINYINT NOT NULL,
      auth_at BIGINT NOT NULL,
      created_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      KEY fxa_oauth_codes_uid (uid),
      CONSTRAINT fxa_oauth_codes_account FOREIGN KEY (uid) REFERENCES fxa_accounts (uid) ON DELETE CASCADE
    ) {TABLE}`,
    `CREATE TABLE IF NOT EXISTS fxa_refresh_tokens (
      token_hash VARCHAR(128) NOT NULL PRIMARY KEY,
      uid VARCHAR(64) NOT NULL,
      client_id VARCHAR(64) NOT NULL,
      scope TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      last_used_at BIGINT NOT NULL,
      KEY fxa_refresh_tokens_uid (uid),
      CONSTRAINT fxa_refresh_tokens_account FOREIGN KEY (uid) REFERENCES fxa_accounts (uid) ON DELETE CASCADE
    ) {TABLE}`,
    // A unique session_id still allows many NULLs, as SQLite's partial index does.
    `CREATE TABLE IF NOT EXISTS fxa_devices (
      id VARCHAR(64) NOT NULL PRIMARY KEY,
      uid VARCHAR(64) NOT NULL,
      session_id VARCHAR(128) NULL,
      name TEXT NOT NULL,
      type VARCHAR(64) NOT NULL,
      push_callback TEXT NULL,
      push_public_key TEXT NULL,
      push_auth_key TEXT NULL,
      available_commands TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      last_access_at BIGINT NOT NULL,
      KEY fxa_devices_uid (uid),
      UNIQUE KEY fxa_devices_session (session_id),
      CONSTRAINT fxa_devices_account FOREIGN KEY (uid) REFERENCES fxa_accounts (uid) ON DELETE CASCADE
    ) {TABLE}`,
  ],
  // 2: one index per record order, each ending in id (keyset paging, issue 11 #19), as on SQLite.
  // DDL commits at once on MySQL, so a crash before the schema version is written leaves the
  // indexes made: each step looks first (MySQL 8 has no IF [NOT] EXISTS for indexes).
  // Descending index columns need MariaDB 10.8 or MySQL 8; older servers ignore DESC.
  [
    ...unlessIndex(
      'bsos_modified',
      'id',
      `ALTER TABLE bsos DROP INDEX bsos_modified,
        ADD INDEX bsos_modified (user_id, collection_id, modified_ms, id)`,
    ),
    ...unlessIndex(
      'bsos_newest',
      null,
      'ALTER TABLE bsos ADD INDEX bsos_newest (user_id, collection_id, modified_ms DESC, id)',
    ),
    ...unlessIndex(
      'bsos_sortindex',
      null,
      'ALTER TABLE bsos ADD INDEX bsos_sortindex (user_id, collection_id, sortindex DESC, id)',
    ),
  ],
  // 3: floors of large deletes (issue 11 #19), as on SQLite.
  [
    `CREATE TABLE IF NOT EXISTS bso_floors (
      user_id BIGINT NOT NULL,
      collection_id INT NOT NULL,
      floor_ms BIGINT NOT NULL,
      PRIMARY KEY (user_id, collection_id)
    ) {TABLE}`,
  ],
  // 4: device commands (issue 12), as on SQLite. Re-runnable: the column is added only when
  // missing (MySQL 8 has no ADD COLUMN IF NOT EXISTS). MEDIUMTEXT: a payload may pass TEXT's 64 KB.
  [
    ...unlessColumn(
      'fxa_accounts',
      'command_index',
      'ALTER TABLE fxa_accounts ADD COLUMN command_index BIGINT NOT NULL DEFAULT 0',
    ),
    `CREATE TABLE IF NOT EXISTS fxa_device_commands (
      device_id VARCHAR(64) NOT NULL,
      idx BIGINT NOT NULL,
      command VARCHAR(255) NOT NULL,
      payload MEDIUMTEXT NOT NULL,
      sender VARCHAR(64) NULL,
      created_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      PRIMARY KEY (device_id, idx),
      KEY fxa_device_commands_expiry (expires_at),
      CONSTRAINT fxa_device_commands_device FOREIGN KEY (device_id) REFERENCES fxa_devices (id) ON DELETE CASCADE
    ) {TABLE}`,
  ],
  // 5: people of the household directory (issue 14), as on SQLite. A DN can be long: 512
  // characters of utf8mb4 still fit InnoDB's key limit with kind beside it.
  [
    `CREATE TABLE IF NOT EXISTS directory_users (
      directory_id VARCHAR(512) NOT NULL,
      kind VARCHAR(32) NOT NULL,
      user_id BIGINT NOT NULL,
      name VARCHAR(320) NOT NULL,
      display_name VARCHAR(512) NOT NULL,
      created_ms BIGINT NOT NULL,
      last_seen_ms BIGINT NOT NULL,
      PRIMARY KEY (directory_id, kind),
      UNIQUE KEY directory_users_user (user_id),
      CONSTRAINT directory_users_owner FOREIGN KEY (user_id) REFERENCES storage_users (id)
    ) {TABLE}`,
  ],
  // 6: a device's delivered command index and a refresh token's session (issue 12 review), as on
  // SQLite. Re-runnable like step 4: each column and the index only when missing.
  [
    ...unlessColumn(
      'fxa_devices',
      'delivered_index',
      'ALTER TABLE fxa_devices ADD COLUMN delivered_index BIGINT NOT NULL DEFAULT 0',
    ),
    ...unlessColumn(
      'fxa_refresh_tokens',
      'session_id',
      'ALTER TABLE fxa_refresh_tokens ADD COLUMN session_id VARCHAR(64) NULL',
    ),
    ...unlessIndex(
      'fxa_refresh_tokens_session',
      null,
      'ALTER TABLE fxa_refresh_tokens ADD INDEX fxa_refresh_tokens_session (session_id)',
      'fxa_refresh_tokens',
    ),
  ],
];

/**
 * Statements that run `ddl` (no quote in it) only when the `table` index `name` does not exist
 * yet, or, given `column`, has no such column yet (its older shape): a prepared statement picked
 * by a look at information_schema, in the migration's own session.
 */
function unlessIndex(name: string, column: string | null, ddl: string, table = 'bsos'): string[] {
  const has = column === null ? '' : ` AND column_name = '${column}'`;
  return [
    `SET @foxden_step = IF(EXISTS(SELECT 1 FROM information_schema.STATISTICS
      WHERE table_schema = DATABASE() AND table_name = '${table}' AND index_name = '${name}'${has}),
      'DO 0', '${ddl}')`,
    'PREPARE foxden_step FROM @foxden_step',
    'EXECUTE foxden_step',
    'DEALLOCATE PREPARE foxden_step',
  ];
}

/** Statements that run `ddl` (no quote in it) only when `table` has no column `column` yet. */
function unlessColumn(table: string, column: string, ddl: string): string[] {
  return [
    `SET @foxden_step = IF(EXISTS(SELECT 1 FROM information_schema.COLUMNS
      WHERE table_schema = DATABASE() AND table_name = '${table}' AND column_name = '${column}'),
      'DO 0', '${ddl}')`,
    'PREPARE foxden_step FROM @foxden_step',
    'EXECUTE foxden_step',
    'DEALLOCATE PREPARE foxden_step',
  ];
}
