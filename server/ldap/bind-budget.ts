import { WindowCounter } from '../security/window-counter.js';

/**
 * Failed binds Foxden may send for one directory person per window, whoever asks and from
 * wherever. A failed bind counts towards the directory's own lockout (OpenLDAP ppolicy
 * `pwdMaxFailure`, Active Directory's lockout threshold, usually 5 or more), so a guest
 * guessing through Foxden must run out of Foxden's budget first: four is below every common
 * threshold and still leaves room for typing mistakes. docs/ldap.md says so.
 */
export const DIRECTORY_BIND_FAILURES = { max: 4, windowMs: 15 * 60 * 1000 };

/**
 * Counts failed binds per resolved entry (the directory id, so every spelling of a name and
 * the address share one budget). Binds in flight count as failures until they settle, so a
 * burst of concurrent guesses cannot slip past. A successful bind clears the count, as the
 * directory clears its own failure counter.
 */
export class BindBudget {
  private readonly failures = new WindowCounter(DIRECTORY_BIND_FAILURES);
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Seconds to wait before another bind for `id`; 0 when one may go now (and is reserved). */
  reserve(id: string): number {
    const wait = this.failures.retryAfter(id, this.clock(), this.inFlight.get(id) ?? 0);
    if (wait > 0) return wait;
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
    return 0;
  }

  /** Settles a reserved bind. */
  settle(id: string, outcome: 'failed' | 'succeeded' | 'cancelled'): void {
    const left = (this.inFlight.get(id) ?? 1) - 1;
    if (left > 0) this.inFlight.set(id, left);
    else this.inFlight.delete(id);
    if (outcome === 'failed') this.failures.record(id, this.clock());
    else if (outcome === 'succeeded') this.failures.clear(id);
  }
}
