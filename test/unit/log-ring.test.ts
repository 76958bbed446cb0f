import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Logger, type LogEvent } from '../../server/log.js';

function fill(logger: Logger, n: number): void {
  for (let i = 1; i <= n; i++) logger.info('lifecycle', `event ${i}`);
}

const seqs = (events: LogEvent[]) => events.map((e) => e.seq);

test('the ring keeps the newest `capacity` events, oldest first, after wrapping many times', () => {
  const logger = new Logger([], 5);
  fill(logger, 23);
  assert.deepEqual(seqs(logger.tail()), [19, 20, 21, 22, 23]);
  assert.equal(logger.tail().at(-1)!.message, 'event 23');
});

test('tail(afterSeq, limit) returns only newer events and at most `limit` of the newest', () => {
  const logger = new Logger([], 5);
  fill(logger, 3);
  assert.deepEqual(seqs(logger.tail()), [1, 2, 3]);
  assert.deepEqual(seqs(logger.tail(2)), [3]);
  assert.deepEqual(seqs(logger.tail(3)), []);
  assert.deepEqual(seqs(logger.tail(99)), []);
  fill(logger, 9);
  assert.deepEqual(seqs(logger.tail(0)), [8, 9, 10, 11, 12]);
  assert.deepEqual(seqs(logger.tail(4)), [8, 9, 10, 11, 12], 'events that fell out of the ring are gone');
  assert.deepEqual(seqs(logger.tail(9)), [10, 11, 12]);
  assert.deepEqual(seqs(logger.tail(0, 2)), [11, 12]);
  assert.deepEqual(seqs(logger.tail(0, 0)), []);
});

test('sinks and listeners still see every event', () => {
  const written: number[] = [];
  const heard: number[] = [];
  const logger = new Logger([{ write: (e) => written.push(e.seq) }], 2);
  logger.on('event', (e) => heard.push(e.seq));
  fill(logger, 4);
  assert.deepEqual(written, [1, 2, 3, 4]);
  assert.deepEqual(heard, [1, 2, 3, 4]);
});
