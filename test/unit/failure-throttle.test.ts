import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FailureThrottle,
  LOGIN_RULES,
  isRefusal,
  type Attempt,
  type Refusal,
  type ThrottleNotice,
  type ThrottleRules,
} from '../../server/security/failure-throttle.js';
import { WindowCounter } from '../../server/security/window-counter.js';

const MIN = 60 * 1000;

function fakeClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

async function failOnce(throttle: FailureThrottle, account: string, address: string): Promise<void> {
  const attempt = await throttle.begin(account, address);
  assert.ok(!isRefusal(attempt), `${address} → ${account} refused too early`);
  (attempt as Attempt).failed();
}

test('ten failures per account and address are allowed; the eleventh attempt is refused until the window moves', async () => {
  const clock = fakeClock();
  const throttle = new FailureThrottle(LOGIN_RULES, { clock: clock.now });
  for (let i = 0; i < 10; i++) {
    assert.equal(throttle.check('alice', '10.0.0.2'), null, `attempt ${i}`);
    await failOnce(throttle, 'alice', '10.0.0.2');
    clock.advance(1000);
  }
  const refused = throttle.check('alice', '10.0.0.2');
  assert.equal(refused?.scope, 'account');
  // The first failure leaves the 15-minute window 15 min after it happened (10 s ago).
  assert.equal(refused?.retryAfter, 15 * 60 - 10);
  assert.ok(isRefusal(await throttle.begin('alice', '10.0.0.2')));
  // Another address, and another account from this address, are untouched.
  assert.equal(throttle.check('alice', '10.0.0.3'), null);
  assert.equal(throttle.check('bob', '10.0.0.2'), null);
  clock.advance(15 * MIN);
  assert.equal(throttle.check('alice', '10.0.0.2'), null, 'the window moved on');
});

test('an address is refused for every account after 30 failures across accounts', async () => {
  const clock = fakeClock();
  const throttle = new FailureThrottle(LOGIN_RULES, { clock: clock.now });
  for (let i = 0; i < 30; i++) await failOnce(throttle, `user${i}`, '10.0.0.2');
  assert.equal(throttle.check('someone-new', '10.0.0.2')?.scope, 'address');
  assert.equal(throttle.check('someone-new', '10.0.0.9'), null);
});

test('checks in flight count: a concurrent burst gets at most ten checks', async () => {
  const throttle = new FailureThrottle(LOGIN_RULES, { clock: fakeClock().now });
  const results = await Promise.all(Array.from({ length: 50 }, () => throttle.begin('alice', '10.0.0.2')));
  const admitted = results.filter((r) => !isRefusal(r)) as Attempt[];
  assert.equal(admitted.length, 10);
  for (const a of admitted) a.failed();
  assert.notEqual(throttle.check('alice', '10.0.0.2'), null);
});

test('the right password forgives that address its mistakes on that account, and cancelled checks count nothing', async () => {
  const throttle = new FailureThrottle(LOGIN_RULES, { clock: fakeClock().now });
  for (let i = 0; i < 9; i++) await failOnce(throttle, 'alice', '10.0.0.2');
  const cancelled = (await throttle.begin('alice', '10.0.0.2')) as Attempt;
  cancelled.cancelled();
  const right = (await throttle.begin('alice', '10.0.0.2')) as Attempt;
  right.succeeded();
  for (let i = 0; i < 10; i++) await failOnce(throttle, 'alice', '10.0.0.2');
  assert.notEqual(throttle.check('alice', '10.0.0.2'), null);
});

test('the owner hears of a throttled key once per window, not once per refused request', async () => {
  const clock = fakeClock();
  const notices: ThrottleNotice[] = [];
  const throttle = new FailureThrottle(LOGIN_RULES, { clock: clock.now, onThrottle: (n) => notices.push(n) });
  for (let i = 0; i < 10; i++) await failOnce(throttle, 'alice', '10.0.0.2');
  for (let i = 0; i < 100; i++) assert.notEqual(throttle.check('alice', '10.0.0.2'), null);
  assert.equal(notices.length, 1);
  assert.deepEqual(
    { address: notices[0]!.address, account: notices[0]!.account },
    { address: '10.0.0.2', account: 'alice' },
  );
  assert.equal(notices[0]!.until, clock.now() + 15 * MIN);
  clock.advance(15 * MIN);
  for (let i = 0; i < 10; i++) await failOnce(throttle, 'alice', '10.0.0.2');
  throttle.check('alice', '10.0.0.2');
  assert.equal(notices.length, 2, 'a new window, a new notice');
});

test('an account under attack slows repeat offenders, one at a time, but never a fresh address', async () => {
  const rules: ThrottleRules = {
    ...LOGIN_RULES,
    slowAfter: 10,
    slowStepMs: 40,
    slowMaxMs: 200,
    maxWaiting: 2,
  };
  const throttle = new FailureThrottle(rules, { clock: fakeClock().now });
  for (let i = 0; i < 10; i++) await failOnce(throttle, 'alice', `10.0.1.${i}`);
  assert.equal(throttle.accountFailures('alice'), 10);

  let t = performance.now();
  const fresh = await throttle.begin('alice', '10.0.2.1');
  assert.ok(!isRefusal(fresh));
  assert.ok(performance.now() - t < 20, 'a fresh address is not delayed');
  (fresh as Attempt).succeeded();

  t = performance.now();
  const again = await throttle.begin('alice', '10.0.1.0');
  assert.ok(!isRefusal(again));
  assert.ok(performance.now() - t >= 35, 'an address that already failed waits');
  // While it holds the lane, two may wait and a third is refused rather than queued.
  // Each settles as soon as it gets its turn, as a real check would.
  const settle = (w: Attempt | Refusal): Attempt | Refusal => {
    if (!isRefusal(w)) w.failed();
    return w;
  };
  const waiting = [throttle.begin('alice', '10.0.1.1'), throttle.begin('alice', '10.0.1.2')].map((p) =>
    p.then(settle),
  );
  const third = await throttle.begin('alice', '10.0.1.3');
  assert.ok(isRefusal(third));
  (again as Attempt).failed();
  for (const w of await Promise.all(waiting)) assert.ok(!isRefusal(w));
});

test('memory stays bounded however many addresses fail', async () => {
  const counter = new WindowCounter({ max: 3, windowMs: MIN }, 100);
  for (let i = 0; i < 10_000; i++) counter.record(`10.${i >> 8}.${i & 255}.1`, 1000);
  assert.equal(counter.size, 100);
  for (let i = 0; i < 50; i++) counter.record('one', 1000 + i);
  assert.equal(counter.count('one', 1100), 3, 'per key, only the newest `max` times are kept');
  assert.equal(counter.count('one', 1000 + 60 * 1000 + 100), 0);
});
