/**
 * Every table `foxden db copy` moves, in foreign-key order (a parent before its children),
 * with the columns it copies and how a row is attributed to a storage user for the per-user
 * checksum. The names are the same on every backend (server/db/{sqlite,postgres,mysql}/
 * migrations.ts); `bsos.seq` (PostgreSQL, MySQL) and SQLite's rowid are not copied: the
 * target numbers the records itself, in the order they arrive, which is each user's
 * insertion order.
 */
export type BackendKind = 'sqlite' | 'postgres' | 'mysql';

export interface CopyTable {
  readonly name: string;
  /** Copied columns, in a fixed order (also the order they are hashed in). */
  readonly columns: readonly string[];
  /**
   * The unique key pages are read by, as columns of `t` (the table) in the scan's FROM; per
   * backend where the best index differs.
   */
  key(kind: BackendKind): readonly string[];
  /** SQL giving the storage user a row belongs to, or null for the account and shared tables. */
  readonly owner: string | null;
  /** A join needed by `owner` (batch_items belong to the user of their batch). */
  readonly join?: string;
  /** Rows that keep an order of their own within (user, collection): the records. */
  readonly ranked?: boolean;
  /**
   * Text columns a backend may store as UTF-8 bytes (SqlDialect.binaryPayload): read as text
   * from any backend, written as the target stores them.
   */
  readonly utf8?: readonly string[];
}

const fixed =
  (...columns: string[]) =>
  (): readonly string[] =>
    columns;

export const STORAGE_USERS = 'storage_users';
export const COLLECTIONS = 'collections';
export const BSOS = 'bsos';

export const COPY_TABLES: readonly CopyTable[] = [
  { name: STORAGE_USERS, columns: ['id', 'kind', 'created_ms'], key: fixed('id'), owner: 't.id' },
  { name: COLLECTIONS, columns: ['id', 'name'], key: fixed('id'), owner: null },
  {
    name: 'user_collections',
    columns: ['user_id', 'collection_id', 'modified_ms'],
    key: fixed('user_id', 'collection_id'),
    owner: 't.user_id',
  },
  {
    name: BSOS,
    columns: [
      'user_id',
      'collection_id',
      'id',
      'sortindex',
      'payload',
      'payload_bytes',
      'parentid',
      'predecessorid',
      'modified_ms',
      'expiry_ms',
    ],
    utf8: ['payload'],
    // Insertion order, read along an index: SQLite's rowid; MySQL's seq has a unique index of
    // its own; PostgreSQL's is indexed only after (user_id, collection_id).
    key: (kind) =>
      kind === 'sqlite' ? ['rowid'] : kind === 'mysql' ? ['seq'] : ['user_id', 'collection_id', 'seq'],
    owner: 't.user_id',
    ranked: true,
  },
  {
    // Floors of large deletes still being reclaimed: without them a copy would bring the
    // deleted records back.
    name: 'bso_floors',
    columns: ['user_id', 'collection_id', 'floor_ms'],
    key: fixed('user_id', 'collection_id'),
    owner: 't.user_id',
  },
  {
    name: 'batches',
    columns: ['id', 'user_id', 'collection', 'created_ms'],
    key: fixed('id'),
    owner: 't.user_id',
  },
  {
    name: 'batch_items',
    columns: ['batch_id', 'seq', 'id', 'fields'],
    key: fixed('batch_id', 'id'),
    owner: 'b.user_id',
    join: 'LEFT JOIN batches b ON b.id = t.batch_id',
  },
  {
    name: 'sync11_users',
    columns: ['user_id', 'username', 'password_hash', 'email', 'status', 'created_ms'],
    key: fixed('user_id'),
    owner: 't.user_id',
  },
  {
    // Directory people (issue 14) and their storage users: without them a copy would give a
    // person a new, empty storage at their next sign-in.
    name: 'directory_users',
    columns: ['directory_id', 'kind', 'user_id', 'name', 'display_name', 'created_ms', 'last_seen_ms'],
    key: fixed('directory_id', 'kind'),
    owner: 't.user_id',
  },
  {
    name: 'tokenserver_users',
    columns: [
      'uid',
      'service',
      'email',
      'generation',
      'client_state',
      'created_at',
      'replaced_at',
      'nodeid',
      'keys_changed_at',
      'fxa_uid',
      'fxa_email',
      'last_seen_at',
    ],
    key: fixed('uid'),
    owner: 't.uid',
  },
  {
    name: 'fxa_accounts',
    columns: [
      'uid',
      'email',
      'normalized_email',
      'auth_salt',
      'verify_hash',
      'ka',
      'wrap_wrap_kb',
      'verifier_set_at',
      'keys_changed_at',
      'created_at',
      // Device commands' last index: a copy that restarted it would make Firefox skip commands.
      'command_index',
    ],
    key: fixed('uid'),
    owner: null,
  },
  {
    name: 'fxa_session_tokens',
    columns: ['id', 'uid', 'auth_key', 'created_at', 'last_access_at'],
    key: fixed('id'),
    owner: null,
  },
  {
    name: 'fxa_key_fetch_tokens',
    columns: ['id', 'uid', 'auth_key', 'key_bundle', 'created_at'],
    key: fixed('id'),
    owner: null,
  },
  {
    name: 'fxa_oauth_codes',
    columns: [
      'code_hash',
      'uid',
      'session_id',
      'client_id',
      'scope',
      'code_challenge',
      'keys_jwe',
      'offline',
      'auth_at',
      'created_at',
      'expires_at',
    ],
    key: fixed('code_hash'),
    owner: null,
  },
  {
    name: 'fxa_refresh_tokens',
    columns: ['token_hash', 'uid', 'client_id', 'scope', 'created_at', 'last_used_at', 'session_id'],
    key: fixed('token_hash'),
    owner: null,
  },
  {
    name: 'fxa_devices',
    columns: [
      'id',
      'uid',
      'session_id',
      'name',
      'type',
      'push_callback',
      'push_public_key',
      'push_auth_key',
      'available_commands',
      'created_at',
      'last_access_at',
      'delivered_index',
    ],
    key: fixed('id'),
    owner: null,
  },
  {
    // Sent tabs not yet fetched, with their indexes as the receiving Firefox knows them.
    name: 'fxa_device_commands',
    columns: ['device_id', 'idx', 'command', 'payload', 'sender', 'created_at', 'expires_at'],
    key: fixed('device_id', 'idx'),
    owner: null,
  },
];

/** A target "holds data" when any of these has a row (collections are seeded by migrations). */
export const DATA_TABLES: readonly string[] = [
  STORAGE_USERS,
  'sync11_users',
  'directory_users',
  'tokenserver_users',
  'fxa_accounts',
];
