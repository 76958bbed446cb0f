/** At most `max` events per key within any `windowMs`. */
export interface WindowRule {
  max: number;
  windowMs: number;
}

/**
 * Counts events per key in a sliding window, in memory (a restart forgets them, which is
 * acceptable for a household server). Bounded: each key keeps at most `max` times, and the
 * least recently touched keys are dropped past `maxKeys` (forgetting an attacker early is
 * the only loss).
 */
export class WindowCounter {
  private readonly events = new Map<string, number[]>();

  constructor(
    readonly rule: WindowRule,
    private readonly maxKeys = 10_000,
  ) {}

  get size(): number {
    return this.events.size;
  }

  /** Events of `key` still inside the window at `now`. */
  count(key: string, now: number): number {
    const times = this.events.get(key);
    if (!times) return 0;
    this.prune(key, times, now);
    return times.length;
  }

  /**
   * Seconds until `key` is below its limit again, counting `extra` events that have not
   * happened yet (checks in flight); 0 when another event is allowed now.
   */
  retryAfter(key: string, now: number, extra = 0): number {
    const times = this.events.get(key);
    const recorded = times ? this.prune(key, times, now) : 0;
    const over = recorded + extra - this.rule.max;
    if (over < 0) return 0;
    // The limit lifts when enough recorded events leave the window; in-flight ones settle soon.
    const oldest = times?.[Math.min(over, recorded - 1)];
    if (oldest === undefined) return 1;
    return Math.max(1, Math.ceil((oldest + this.rule.windowMs - now) / 1000));
  }

  record(key: string, now: number): void {
    let times = this.events.get(key);
    if (times) {
      this.prune(key, times, now);
      this.events.delete(key);
    } else {
      times = [];
    }
    times.push(now);
    if (times.length > this.rule.max) times.shift();
    this.events.set(key, times);
    // Map keeps insertion order and record() re-inserts, so the first key is the stalest.
    while (this.events.size > this.maxKeys) {
      const stalest = this.events.keys().next().value as string;
      this.events.delete(stalest);
    }
  }

  clear(key: string): void {
    this.events.delete(key);
  }

  clearAll(): void {
    this.events.clear();
  }

  /** Drops times that left the window, and the key once none are left; returns how many remain. */
  private prune(key: string, times: number[], now: number): number {
    let drop = 0;
    while (drop < times.length && now - (times[drop] as number) >= this.rule.windowMs) drop++;
    if (drop > 0) times.splice(0, drop);
    if (times.length === 0) this.events.delete(key);
    return times.length;
  }
}
