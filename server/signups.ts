import { EventEmitter } from 'node:events';
import type { LiveSettings, ServerConfig } from './config.js';

/** The sign-up doors a stranger can walk through while sign-ups are open. */
export type SignupDoor = 'sync11' | 'local' | 'sync15';

/** One account created through a sign-up door (never the owner's own additions). */
export interface AccountCreatedEvent {
  door: SignupDoor;
  /** Sync 1.1 username, local-account e-mail or Mozilla account uid. */
  name: string;
  /** Accounts created through sign-up doors since sign-ups were opened (this one included). */
  count: number;
  /** Accounts this opening admits before sign-ups close by themselves; 0: no limit. */
  limit: number;
  /** This account used the last place: sign-ups are closed now. */
  closed: boolean;
}

/** A place held for one sign-up while its account is being created (hashing, inserting). */
export interface SignupTicket {
  /** The account exists: count it (and close sign-ups when it was the last place). */
  commit(door: SignupDoor, name: string): void;
  /** The account was not created: give the place back. Safe to call after commit (no-op). */
  cancel(): void;
}

/**
 * The one place that admits accounts created by strangers while sign-ups are open, so the
 * cap holds under any concurrency: a place is taken synchronously before the (asynchronous)
 * creation starts, and 300 parallel sign-ups never get more than `limit` places. When the
 * last place is used the gate closes sign-ups on the running server at once (its own state,
 * never a write to the Config) and emits 'accountCreated' with `closed: true`; the admin
 * service saves that for the next run.
 *
 * The gate reads the live settings' `allowNewUsers` at every sign-up (the owner can open or
 * close them while the server runs) and `config.maxNewUsers` (0: no cap, for load tests).
 */
export class SignupGate extends EventEmitter<{ accountCreated: [AccountCreatedEvent] }> {
  private created = 0;
  private pending = 0;
  /** The owner's "close sign-ups after the first account": a limit of 1 for this opening. */
  closeAfterFirst = false;

  /**
   * The live settings object that was current when the last place was used: the close holds
   * until the owner gives new live settings (a new object from `source`).
   */
  private closedFor: LiveSettings | null = null;
  /** `closedFor` with sign-ups off, made once: adapters read live() on every request. */
  private closedView: LiveSettings | null = null;

  constructor(
    private readonly source: () => LiveSettings,
    private readonly config: Pick<ServerConfig, 'maxNewUsers'>,
  ) {
    super();
  }

  /** The live settings with this gate's own close applied: what every adapter reads. */
  live(): LiveSettings {
    const now = this.source();
    if (now !== this.closedFor || !now.allowNewUsers) return now;
    this.closedView ??= { ...now, allowNewUsers: false };
    return this.closedView;
  }

  /** Accounts this opening admits in all; 0 means no limit. */
  get limit(): number {
    if (this.closeAfterFirst) return 1;
    return this.config.maxNewUsers;
  }

  /** Accounts created through sign-up doors since sign-ups were last opened. */
  get count(): number {
    return this.created;
  }

  /** Whether a stranger may start creating an account now. */
  get open(): boolean {
    const limit = this.limit;
    const now = this.source();
    return (
      now !== this.closedFor && now.allowNewUsers && (limit === 0 || this.created + this.pending < limit)
    );
  }

  /**
   * Sign-ups were opened (again): the count starts at `created` (0, or the accounts already
   * made in this opening when a restarted server takes over from the previous one).
   */
  reopen(created = 0): void {
    this.created = created;
  }

  /** Takes a place, or returns null when sign-ups are closed or every place is taken. */
  reserve(): SignupTicket | null {
    if (!this.open) return null;
    this.pending++;
    let settled = false;
    return {
      commit: (door, name) => {
        if (settled) return;
        settled = true;
        this.pending--;
        this.created++;
        const limit = this.limit;
        const closed = limit > 0 && this.created >= limit;
        // Closed here, synchronously, so the very next request already finds them closed.
        if (closed) {
          this.closedFor = this.source();
          this.closedView = null;
        }
        this.emit('accountCreated', { door, name, count: this.created, limit, closed });
      },
      cancel: () => {
        if (settled) return;
        settled = true;
        this.pending--;
      },
    };
  }
}
