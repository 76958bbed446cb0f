import type { Awaitable } from './types.js';

/**
 * Foxden local accounts (fxa-local spec §5.3): only the server-side verifier and the wrapped
 * key material are stored, never the password, authPW or kB. All times are milliseconds.
 */
export interface FxaAccountRow {
  /** 32 lowercase hex. */
  uid: string;
  /** As first entered: it is the PBKDF2 salt, so its case matters (spec §5.2, errno 120). */
  email: string;
  normalizedEmail: string;
  authSalt: Uint8Array;
  verifyHash: Uint8Array;
  kA: Uint8Array;
  wrapWrapKb: Uint8Array;
  verifierSetAt: number;
  keysChangedAt: number;
  createdAt: number;
}

export interface FxaCredentialsUpdate {
  authSalt: Uint8Array;
  verifyHash: Uint8Array;
  kA: Uint8Array;
  wrapWrapKb: Uint8Array;
  verifierSetAt: number;
  keysChangedAt: number;
}

/** A session token, stored as its derived Hawk id and key (spec §4.0). */
export interface FxaSessionRow {
  id: string;
  uid: string;
  authKey: Uint8Array;
  createdAt: number;
  lastAccessAt: number;
}

export interface FxaKeyFetchRow {
  id: string;
  uid: string;
  authKey: Uint8Array;
  /** The `/account/keys` bundle (spec §5.5), made at sign-in when wrapKb was known. */
  keyBundle: string;
  createdAt: number;
}

export interface FxaOAuthCodeRow {
  /** Hex SHA-256 of the code: a database copy cannot be replayed. */
  codeHash: string;
  uid: string;
  sessionId: string | null;
  clientId: string;
  scope: string;
  codeChallenge: string;
  keysJwe: string | null;
  offline: boolean;
  /** Seconds: when the session authenticated. */
  authAt: number;
  createdAt: number;
  expiresAt: number;
}

export interface FxaRefreshTokenRow {
  tokenHash: string;
  uid: string;
  clientId: string;
  scope: string;
  createdAt: number;
  lastUsedAt: number;
}

export interface FxaDeviceRow {
  id: string;
  uid: string;
  sessionId: string | null;
  name: string;
  type: string;
  pushCallback: string | null;
  pushPublicKey: string | null;
  pushAuthKey: string | null;
  /** JSON object text. */
  availableCommands: string;
  createdAt: number;
  lastAccessAt: number;
}

/** One queued device command (Send Tab, Close Tabs), as FxA's pushbox keeps it. */
export interface FxaCommandRow {
  deviceId: string;
  /** From the account's counter: increasing per device, with gaps, never reused. */
  index: number;
  command: string;
  /** The JSON object Firefox sent as `payload`, as text. */
  payload: string;
  /** The sending session's device id, null when it had none. */
  sender: string | null;
  createdAt: number;
  /** Absolute (ms): the command is never returned at or after it. */
  expiresAt: number;
}

export interface FxaTx {
  fxaAccountByUid(uid: string): Awaitable<FxaAccountRow | null>;
  fxaAccountByEmail(normalizedEmail: string): Awaitable<FxaAccountRow | null>;
  fxaListAccounts(): Awaitable<FxaAccountRow[]>;
  fxaInsertAccount(row: FxaAccountRow): Awaitable<void>;
  fxaUpdateCredentials(uid: string, update: FxaCredentialsUpdate): Awaitable<boolean>;
  /** Deletes the account and, by cascade, its sessions, tokens, codes and devices. */
  fxaDeleteAccount(uid: string): Awaitable<boolean>;

  fxaInsertSession(row: FxaSessionRow): Awaitable<void>;
  fxaSession(id: string): Awaitable<FxaSessionRow | null>;
  fxaTouchSession(id: string, now: number): Awaitable<void>;
  /** Deletes the session, the device bound to it and the refresh tokens it obtained. */
  fxaDeleteSession(id: string): Awaitable<boolean>;
  /** Deletes every session of the account (and their devices) except `keepId`. */
  fxaDeleteSessions(uid: string, keepId: string | null): Awaitable<number>;
  fxaSessions(uid: string): Awaitable<FxaSessionRow[]>;

  fxaInsertKeyFetch(row: FxaKeyFetchRow): Awaitable<void>;
  fxaKeyFetch(id: string): Awaitable<FxaKeyFetchRow | null>;
  fxaDeleteKeyFetch(id: string): Awaitable<boolean>;
  fxaDeleteKeyFetchTokens(uid: string): Awaitable<void>;

  fxaInsertCode(row: FxaOAuthCodeRow): Awaitable<void>;
  /** Reads and deletes in one step: a code is single use even when the exchange then fails. */
  fxaTakeCode(codeHash: string): Awaitable<FxaOAuthCodeRow | null>;
  fxaDeleteCodes(uid: string): Awaitable<void>;
  /** Removes expired codes and key-fetch tokens; returns how many rows went. */
  fxaPurge(now: number, keyFetchBefore: number): Awaitable<number>;

  /**
   * `sessionId`: the session that obtained it, so that the token ends with that session (its
   * device removed, signed out); null for none.
   */
  fxaInsertRefreshToken(row: FxaRefreshTokenRow, sessionId?: string | null): Awaitable<void>;
  fxaRefreshToken(tokenHash: string): Awaitable<FxaRefreshTokenRow | null>;
  fxaTouchRefreshToken(tokenHash: string, now: number): Awaitable<void>;
  fxaDeleteRefreshToken(tokenHash: string): Awaitable<boolean>;
  fxaDeleteRefreshTokens(uid: string): Awaitable<void>;

  fxaInsertDevice(row: FxaDeviceRow): Awaitable<void>;
  fxaUpdateDevice(row: FxaDeviceRow): Awaitable<void>;
  fxaDevice(id: string): Awaitable<FxaDeviceRow | null>;
  fxaDeviceBySession(sessionId: string): Awaitable<FxaDeviceRow | null>;
  fxaDevices(uid: string): Awaitable<FxaDeviceRow[]>;
  fxaDeleteDevice(id: string): Awaitable<boolean>;

  /**
   * Queues a command for `row.deviceId` of account `uid` with the account's next command index
   * (locking the account row, so concurrent senders get distinct indexes); returns the index.
   * The device's commands go with the device (and so with the account).
   */
  fxaEnqueueCommand(uid: string, row: Omit<FxaCommandRow, 'index'>): Awaitable<number>;
  /**
   * fxaEnqueueCommand in two steps, for a caller that checks something under the lock: the
   * account's next command index (the account row stays locked until commit), then the insert.
   */
  fxaNextCommandIndex(uid: string): Awaitable<number>;
  fxaInsertCommand(row: FxaCommandRow): Awaitable<void>;
  /** Records that the device's Firefox was handed its commands up to `index` (never lowers it). */
  fxaMarkDelivered(deviceId: string, index: number): Awaitable<void>;
  /** Deletes the device's commands at or below its delivered index; returns how many went. */
  fxaDeleteDeliveredCommands(deviceId: string): Awaitable<number>;
  /** The device's unexpired commands with index >= `fromIndex`, ascending, at most `limit`. */
  fxaDeviceCommands(
    deviceId: string,
    fromIndex: number,
    now: number,
    limit: number,
  ): Awaitable<FxaCommandRow[]>;
  /** The device's highest command index, expired or not; 0 when it has none. */
  fxaLastCommandIndex(deviceId: string): Awaitable<number>;
  /** How many unexpired commands wait for the device. */
  fxaPendingCommands(deviceId: string, now: number): Awaitable<number>;
  /** Removes at most `max` expired commands; returns how many went. */
  fxaPurgeCommands(now: number, max: number): Awaitable<number>;
}
