import type { Request } from 'express';
import type { ServerContext } from '../context.js';
import type { FxaKeyFetchRow, FxaSessionRow } from '../db/fxa-types.js';
import { AccountsHawk } from './hawk-session.js';
import { invalidToken } from './errors.js';
import { LocalAccounts } from './local-accounts.js';
import { FailureLimiter } from './rate-limit.js';
import { signingKeyFor, type SigningKey } from './signing-key.js';

/** Key fetch tokens are for the sign-in page's immediate `/account/keys` call (spec §4.1 #3). */
export const KEY_FETCH_LIFETIME_MS = 5 * 60 * 1000;

/** What every accounts-API route needs, built once per server. */
export class FxaApi {
  readonly hawk: AccountsHawk;
  readonly accounts: LocalAccounts;
  /** 5 wrong passwords per account per 15 min, 20 per client address (errno 114). */
  readonly perAccount = new FailureLimiter({ max: 5, windowMs: 15 * 60 * 1000 });
  readonly perAddress = new FailureLimiter({ max: 20, windowMs: 15 * 60 * 1000 });

  constructor(readonly context: ServerContext) {
    this.hawk = new AccountsHawk(context);
    this.accounts = new LocalAccounts(context);
  }

  signingKey(): SigningKey {
    return signingKeyFor(this.context.config.dataDir);
  }

  /** The public URL without its trailing slash: the `iss` of our tokens. */
  issuer(): string {
    return this.context.config.publicUrl.replace(/\/+$/, '');
  }

  /** Hawk with a session token; sessions never expire on a timer (spec §5.4). */
  async session(req: Request): Promise<FxaSessionRow> {
    let row: FxaSessionRow | null = null;
    await this.hawk.verify(req, async (id) => {
      row = await this.context.db.transaction('read', (tx) => tx.fxaSession(id));
      return row?.authKey ?? null;
    });
    const session = row as FxaSessionRow | null;
    if (!session) throw invalidToken('session vanished');
    await this.context.db.transaction('write', (tx) => tx.fxaTouchSession(session.id, this.context.clock()));
    return session;
  }

  /** Hawk with a key fetch token that is still young enough. */
  async keyFetch(req: Request): Promise<FxaKeyFetchRow> {
    let row: FxaKeyFetchRow | null = null;
    const now = this.context.clock();
    await this.hawk.verify(req, async (id) => {
      row = await this.context.db.transaction('read', (tx) => tx.fxaKeyFetch(id));
      return row && now - row.createdAt < KEY_FETCH_LIFETIME_MS ? row.authKey : null;
    });
    const token = row as FxaKeyFetchRow | null;
    if (!token) throw invalidToken('key fetch token vanished');
    return token;
  }
}
