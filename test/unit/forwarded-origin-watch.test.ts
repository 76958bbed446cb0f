import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request } from 'express';
import type { LiveSettings } from '../../server/config.js';
import { forwardedOriginWatch } from '../../server/http/forwarded-origin-watch.js';
import { Logger } from '../../server/log.js';

/** A request from a trusted proxy on loopback, as Express presents it to the watch. */
function fromProxy(forwardedHost: string): Request {
  return {
    headers: { 'x-forwarded-host': forwardedHost, 'x-forwarded-proto': 'https' },
    protocol: 'http',
    socket: { remoteAddress: '127.0.0.1' },
    app: { get: (name: string) => (name === 'trust proxy fn' ? () => true : undefined) },
  } as unknown as Request;
}

test('invented forwarded hosts use up the warning budget for an hour, not for good', () => {
  let clock = 1_000_000;
  const logger = new Logger();
  const live = () => ({ publicUrl: 'https://sync.example.org/' }) as LiveSettings;
  const watch = forwardedOriginWatch(live, logger, () => clock);
  const warnings = () => logger.tail().filter((e) => e.level === 'warn').length;

  for (let i = 0; i < 40; i++) watch(fromProxy(`scanner-${i}.example`));
  assert.equal(warnings(), 16);
  // The real misconfiguration, found after the budget is spent: said once the hour has passed.
  watch(fromProxy('foxden.lan:8443'));
  assert.equal(warnings(), 16);
  clock += 60 * 60 * 1000;
  watch(fromProxy('foxden.lan:8443'));
  assert.equal(warnings(), 17);
  assert.match(logger.tail().at(-1)?.message ?? '', /clients reach Foxden at foxden\.lan:8443 /);
});
