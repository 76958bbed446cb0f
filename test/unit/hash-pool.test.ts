import assert from 'node:assert/strict';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { HashPool, HashPoolBusy } from '../../server/accounts/hash-pool.js';

/** The longest the event loop stalled (ms) while `work` ran, sampled by a 1 ms timer. */
async function worstStall(work: () => Promise<unknown>): Promise<number> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return worst;
}

test('bcrypt runs in worker threads: the event loop keeps turning during four cost-12 checks', async () => {
  const pool = new HashPool({ size: 2 });
  try {
    const hash = await pool.hash('correct horse battery', 12);
    assert.ok(bcrypt.compareSync('correct horse battery', hash), 'a real bcrypt hash');
    const stall = await worstStall(() =>
      Promise.all([
        pool.verify('correct horse battery', hash),
        pool.verify('wrong', hash),
        pool.verify('wrong again', hash),
        pool.verify('correct horse battery', hash),
      ]).then((results) => assert.deepEqual(results, [true, false, false, true])),
    );
    // A cost-12 bcrypt takes ~250 ms on this machine; on the main thread the timer would wait that long.
    assert.ok(stall < 100, `event loop stalled ${stall.toFixed(1)} ms`);
    assert.equal(pool.threads, 2, 'never more threads than the pool size');
  } finally {
    await pool.close();
  }
});

test('the queue is bounded: past it, HashPoolBusy at once instead of waiting without bound', async () => {
  const pool = new HashPool({ size: 1, maxQueue: 2 });
  try {
    const hash = bcrypt.hashSync('pw', 4);
    const slow = bcrypt.hashSync('pw', 10);
    const accepted = [pool.verify('x', slow), pool.verify('x', slow), pool.verify('x', slow)];
    await assert.rejects(pool.verify('x', hash), HashPoolBusy);
    assert.deepEqual(await Promise.all(accepted), [false, false, false]);
    assert.equal(await pool.verify('pw', hash), true, 'usable again once the queue drains');
  } finally {
    await pool.close();
  }
});

test('close() stops every worker, and the pool starts again on the next task', async () => {
  const pool = new HashPool({ size: 2 });
  await Promise.all([pool.hash('a', 4), pool.hash('b', 4)]);
  assert.equal(pool.threads, 2);
  await pool.close();
  assert.equal(pool.threads, 0);
  assert.ok(bcrypt.compareSync('c', await pool.hash('c', 4)));
  await pool.close();
  assert.equal(pool.threads, 0);
});

test('a worker that cannot start does not fail logins: bcrypt runs on this thread instead', async () => {
  const pool = new HashPool({ size: 1, workerSource: 'this is not JavaScript' });
  try {
    const hash = bcrypt.hashSync('pw', 4);
    assert.equal(await pool.verify('pw', hash), true);
    assert.equal(await pool.verify('nope', hash), false);
  } finally {
    await pool.close();
  }
});

test('idle workers stop after idleMs (their memory goes back), and a later task starts one again', async () => {
  const pool = new HashPool({ size: 2, idleMs: 200 });
  try {
    const hash = await pool.hash('correct horse battery', 4);
    await Promise.all([pool.verify('a', hash), pool.verify('b', hash)]);
    assert.equal(pool.threads, 2);
    const deadline = Date.now() + 5000;
    while (pool.threads > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(pool.threads, 0, 'both idle workers stopped');
    assert.equal(await pool.verify('correct horse battery', hash), true);
    assert.equal(pool.threads, 1);
  } finally {
    await pool.close();
  }
});
