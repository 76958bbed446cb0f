import { invalidClientState, TokenserverError, unauthorized } from './errors.js';

/** What the request says: G (generation), K (keys_changed_at), C (client state); null = absent. */
export interface ClaimedState {
  generation: number | null;
  keysChangedAt: number | null;
  clientState: string;
}

/** What the current user row says, plus the client states of its older rows. */
export interface KnownState {
  generation: number;
  keysChangedAt: number | null;
  clientState: string;
  oldClientStates: readonly string[];
}

const keysChangedAtError = (why: string) => unauthorized(why, 'invalid-keysChangedAt');

/**
 * The eight checks of spec 1.5 §3.3, first failure wins (RS `TokenserverRequest::validate`).
 * They stop an old device, or one holding stale keys, from resetting everybody's data.
 */
export function checkConsistency(req: ClaimedState, user: KnownState): void {
  const { generation: G, keysChangedAt: K, clientState: C } = req;
  const { generation: uG, keysChangedAt: uK, clientState: uC } = user;
  if (K !== null && uK !== null && K > uK && G !== null && G < K) {
    throw keysChangedAtError('the keys changed later than the account generation says');
  }
  if (uC !== '' && C === '') {
    throw invalidClientState('empty string', 'the device sent no client state but the account has one');
  }
  if (user.oldClientStates.includes(C)) {
    throw invalidClientState(
      'stale value',
      'the device uses encryption keys the account replaced earlier; sign in again on that device',
    );
  }
  if (C !== uC && G !== null && G <= uG) {
    throw invalidClientState(
      'new value with no generation change',
      'new encryption keys without a new account generation',
    );
  }
  if (C !== uC && K !== null && uK !== null && K <= uK) {
    throw invalidClientState(
      'new value with no keys_changed_at change',
      'new encryption keys without a keys-changed time',
    );
  }
  if (G !== null && uG > G) {
    throw new TokenserverError(
      401,
      'invalid-generation',
      'body',
      '',
      'Unauthorized',
      'the device presents an older account generation (password changed since?)',
    );
  }
  if (K !== null && uK !== null && uK > K) {
    throw keysChangedAtError('the device presents keys older than the account’s current keys');
  }
  if (K === null && uK !== null && uK !== 0) {
    throw keysChangedAtError('the device sent no keys-changed time but the account has one');
  }
}

/** New (generation, keys_changed_at) after a request passed the checks (RS `update_user`). */
export function nextState(
  req: ClaimedState,
  user: KnownState,
): { generation: number; keysChangedAt: number | null } {
  const { generation: G, keysChangedAt: K } = req;
  const { generation: uG, keysChangedAt: uK } = user;
  let keysChangedAt: number | null = null;
  if (K !== null && (uK === null || K >= uK)) keysChangedAt = K;
  else if (K === null && uK === 0) keysChangedAt = 0;
  let generation = uG;
  if (G !== null && G >= uG) generation = G;
  else if (G === null && K !== null && (uK === null || K > uK) && K > uG) generation = K;
  return { generation, keysChangedAt };
}
