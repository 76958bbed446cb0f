import { WindowCounter } from './window-counter.js';

/**
 * Wrong-password throttling shared by every protocol (Sync 1.1 Basic auth, local accounts),
 * modelled on FxA's customs service: failures are counted per (account, client address) and
 * per client address, in one window; a key over its limit is refused at once, before any
 * slow password check runs. Failures per account across addresses never refuse anyone: they
 * only slow down (one check at a time, after a growing delay) addresses that have already
 * failed on that account, so a guest can neither guess quickly nor lock the owner out.
 */
export interface ThrottleRules {
  windowMs: number;
  /** Failures one address may make on one account per window (room for honest mistakes). */
  perAccountAddress: number;
  /** Failures one address may make across all accounts per window. */
  perAddress: number;
  /** Failures on one account (any address) after which its repeat offenders go one at a time. */
  slowAfter: number;
  /** Delay before each slowed check: step × (failures − slowAfter + 1), at most maxMs. */
  slowStepMs: number;
  slowMaxMs: number;
  /** Slowed checks that may wait per account; more are refused like a throttled key. */
  maxWaiting: number;
}

export const LOGIN_RULES: ThrottleRules = {
  windowMs: 15 * 60 * 1000,
  perAccountAddress: 10,
  perAddress: 30,
  slowAfter: 10,
  slowStepMs: 250,
  slowMaxMs: 3000,
  // So a slowed request waits at most (4 + 1) × 3 s, well inside clients' timeouts.
  maxWaiting: 4,
};

/** Why an attempt is refused without checking the password, and for how long (seconds). */
export interface Refusal {
  retryAfter: number;
  scope: 'account' | 'address';
}

/** A key that just became throttled: logged once per window, not once per request. */
export interface ThrottleNotice {
  address: string;
  /** The account, or null when the address is throttled for every account. */
  account: string | null;
  until: number;
}

export interface FailureThrottleOptions {
  clock?: () => number;
  maxKeys?: number;
  onThrottle?: (notice: ThrottleNotice) => void;
}

interface Lane {
  busy: boolean;
  waiting: (() => void)[];
}

/**
 * Account keys of the protocols never collide: Sync 1.1 usernames cannot contain "@", local
 * accounts are e-mail addresses. So one instance serves a whole server and the per-address
 * limit counts guesses against both.
 */
export class FailureThrottle {
  private readonly byPair: WindowCounter;
  private readonly byAddress: WindowCounter;
  private readonly byAccount: WindowCounter;
  private readonly pendingPair = new Map<string, number>();
  private readonly pendingAddress = new Map<string, number>();
  private readonly announced = new Map<string, number>();
  private readonly lanes = new Map<string, Lane>();
  private readonly clock: () => number;
  private readonly maxKeys: number;

  constructor(
    readonly rules: ThrottleRules = LOGIN_RULES,
    private readonly options: FailureThrottleOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.maxKeys = options.maxKeys ?? 10_000;
    const windowMs = rules.windowMs;
    this.byPair = new WindowCounter({ max: rules.perAccountAddress, windowMs }, this.maxKeys);
    this.byAddress = new WindowCounter({ max: rules.perAddress, windowMs }, this.maxKeys);
    // Enough history for the delay to grow to its maximum.
    const accountMax = rules.slowAfter + Math.ceil(rules.slowMaxMs / Math.max(1, rules.slowStepMs));
    this.byAccount = new WindowCounter({ max: accountMax, windowMs }, this.maxKeys);
  }

  /**
   * Whether `address` is refused for `account` now. On every authenticated request, so an
   * address without recent failures costs one Map lookup and no allocation.
   */
  check(account: string, address: string): Refusal | null {
    const now = this.clock();
    if (!this.pendingAddress.has(address) && this.byAddress.count(address, now) === 0) return null;
    return this.refusal(account, address, pairKey(account, address), now);
  }

  /**
   * Before a slow password check: refuses when over a limit (checks in flight count as
   * failures, so a burst of concurrent guesses cannot slip past), else reserves a place,
   * waiting first in the account's slow lane when the account is under attack. The caller
   * must settle the attempt exactly once.
   */
  async begin(account: string, address: string): Promise<Attempt | Refusal> {
    const now = this.clock();
    const key = pairKey(account, address);
    const refused = this.refusal(account, address, key, now);
    if (refused) return refused;
    const slowed = this.slowDelay(account, key, now);
    let release: (() => void) | null = null;
    if (slowed !== null) {
      release = await this.enterLane(account, slowed);
      if (!release) return { retryAfter: Math.max(1, Math.ceil(slowed / 1000)), scope: 'account' };
      // Others may have failed while this one waited.
      const late = this.refusal(account, address, key, this.clock());
      if (late) {
        release();
        return late;
      }
    }
    increment(this.pendingPair, key);
    increment(this.pendingAddress, address);
    return new Attempt(this, account, address, key, release);
  }

  /** A failure that needed no slow check (an unknown account). */
  fail(account: string, address: string): void {
    this.recordFailure(account, address, pairKey(account, address));
  }

  /**
   * Forgets every recorded failure (checks in flight still settle). For the owner who has
   * found the culprit, and for tests that must send many wrong passwords from one address.
   */
  reset(): void {
    for (const counter of [this.byPair, this.byAddress, this.byAccount]) counter.clearAll();
    this.announced.clear();
  }

  /** Failures on `account` from any address within the window. */
  accountFailures(account: string): number {
    return this.byAccount.count(account, this.clock());
  }

  /** @internal Called by Attempt. */
  settle(attempt: Attempt, outcome: 'failed' | 'succeeded' | 'cancelled'): void {
    decrement(this.pendingPair, attempt.key);
    decrement(this.pendingAddress, attempt.address);
    if (outcome === 'failed') this.recordFailure(attempt.account, attempt.address, attempt.key);
    // The right password forgives this address its mistakes on this account, nothing more.
    if (outcome === 'succeeded') {
      this.byPair.clear(attempt.key);
      this.announced.delete(attempt.key);
    }
  }

  private recordFailure(account: string, address: string, key: string): void {
    const now = this.clock();
    this.byPair.record(key, now);
    this.byAddress.record(address, now);
    this.byAccount.record(account, now);
    // Announce the moment a key crosses its limit, so the owner sees it as it happens.
    this.refusal(account, address, key, now);
  }

  private refusal(account: string, address: string, key: string, now: number): Refusal | null {
    const byAddress = this.byAddress.retryAfter(address, now, this.pendingAddress.get(address) ?? 0);
    if (byAddress > 0) {
      this.announce(address, address, null, now, byAddress);
      return { retryAfter: byAddress, scope: 'address' };
    }
    const byPair = this.byPair.retryAfter(key, now, this.pendingPair.get(key) ?? 0);
    if (byPair > 0) {
      this.announce(key, address, account, now, byPair);
      return { retryAfter: byPair, scope: 'account' };
    }
    return null;
  }

  /** Tells the owner once per throttled period; in-flight-only refusals (1 s) are not news. */
  private announce(key: string, address: string, account: string | null, now: number, seconds: number): void {
    if (seconds <= 1 || (this.announced.get(key) ?? 0) > now) return;
    const until = now + seconds * 1000;
    this.announced.set(key, until);
    if (this.announced.size > this.maxKeys) {
      for (const [k, t] of this.announced) if (t <= now) this.announced.delete(k);
      if (this.announced.size > this.maxKeys) this.announced.clear();
    }
    this.options.onThrottle?.({ address, account, until });
  }

  /** Milliseconds to wait in the slow lane, or null when this attempt need not be slowed. */
  private slowDelay(account: string, key: string, now: number): number | null {
    const failures = this.byAccount.count(account, now);
    if (failures < this.rules.slowAfter) return null;
    // An address with no failures on this account (the owner's other device) goes straight in.
    if (this.byPair.count(key, now) === 0) return null;
    const { slowStepMs, slowMaxMs, slowAfter } = this.rules;
    return Math.min(slowMaxMs, slowStepMs * (failures - slowAfter + 1));
  }

  /** One slowed check at a time per account, each after `delayMs`; null when the lane is full. */
  private async enterLane(account: string, delayMs: number): Promise<(() => void) | null> {
    let lane = this.lanes.get(account);
    if (!lane) {
      lane = { busy: false, waiting: [] };
      this.lanes.set(account, lane);
    }
    if (lane.busy) {
      if (lane.waiting.length >= this.rules.maxWaiting) return null;
      await new Promise<void>((resolve) => lane.waiting.push(resolve));
    }
    lane.busy = true;
    await new Promise<void>((resolve) => setTimeout(resolve, delayMs));
    const owned = lane;
    return () => {
      const next = owned.waiting.shift();
      if (next) return next();
      owned.busy = false;
      if (this.lanes.get(account) === owned) this.lanes.delete(account);
    };
  }
}

/** A reserved password check; settle it once with the result. */
export class Attempt {
  private settled = false;

  constructor(
    private readonly throttle: FailureThrottle,
    readonly account: string,
    readonly address: string,
    readonly key: string,
    private readonly releaseLane: (() => void) | null,
  ) {}

  failed(): void {
    this.finish('failed');
  }

  succeeded(): void {
    this.finish('succeeded');
  }

  /** The check did not happen (an error, a busy pool): nothing is counted. */
  cancelled(): void {
    this.finish('cancelled');
  }

  private finish(outcome: 'failed' | 'succeeded' | 'cancelled'): void {
    if (this.settled) return;
    this.settled = true;
    this.throttle.settle(this, outcome);
    this.releaseLane?.();
  }
}

export function isRefusal(value: Attempt | Refusal): value is Refusal {
  return !(value instanceof Attempt);
}

function pairKey(account: string, address: string): string {
  return `${address}\n${account}`;
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}
