/**
 * Wrong-password throttling (errno 114), per account and per client address, in memory: a
 * restart forgets it, which is acceptable for a household server. Bounded in size.
 */
export interface LimitRule {
  max: number;
  windowMs: number;
}

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly rule: LimitRule,
    private readonly maxKeys = 10_000,
  ) {}

  /** Seconds until another attempt is allowed, or 0 when allowed now. */
  retryAfter(key: string, now: number): number {
    const recent = this.recent(key, now);
    if (recent.length < this.rule.max) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.rule.windowMs - now) / 1000));
  }

  record(key: string, now: number): void {
    const recent = this.recent(key, now);
    recent.push(now);
    this.failures.delete(key);
    this.failures.set(key, recent.slice(-this.rule.max));
    // Oldest keys go first when full: forgetting an attacker early is the only loss.
    for (const oldest of this.failures.keys()) {
      if (this.failures.size <= this.maxKeys) break;
      this.failures.delete(oldest);
    }
  }

  clear(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.rule.windowMs);
  }
}
