import type { ServerContext } from '../context.js';
import { FailureThrottle, LOGIN_RULES, type ThrottleNotice } from './failure-throttle.js';

const perServer = new WeakMap<ServerContext, FailureThrottle>();

/** Plain words for the owner's log: who is throttled, for what, until when. */
export function describeThrottle(notice: ThrottleNotice): string {
  const until = new Date(notice.until).toISOString();
  return notice.account === null
    ? `address ${notice.address} throttled for every account until ${until} after repeated wrong passwords`
    : `address ${notice.address} throttled for account ${notice.account} until ${until} after repeated wrong passwords`;
}

/**
 * The one wrong-password throttle of a running server, shared by Sync 1.1 and local
 * accounts so the per-address limit counts guesses against both. It logs one warning when
 * an address becomes throttled, not one per refused request.
 */
export function loginThrottleFor(context: ServerContext): FailureThrottle {
  let throttle = perServer.get(context);
  if (!throttle) {
    throttle = new FailureThrottle(LOGIN_RULES, {
      clock: context.clock,
      onThrottle: (notice) =>
        context.logger.warn('auth', describeThrottle(notice), { address: notice.address }),
    });
    perServer.set(context, throttle);
  }
  return throttle;
}
