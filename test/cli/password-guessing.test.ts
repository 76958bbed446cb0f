// Issue 8, "Done means": a guest on the home network (127.0.0.2) guesses passwords against a
// real `foxden serve`, 300 times over Sync 1.1 Basic auth and 300 times at the local-accounts
// login, while another user syncs from 127.0.0.1. The owner's right password from 127.0.0.3
// still works at once, the other user's latency stays low, and the log names 127.0.0.2.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { stretchPassword, toHex } from '../../server/fxa/crypto/index.js';
import { boundedLoad, percentile } from '../helpers/bounded-load.js';
import { closeAddressAgents, jsonPost, requestFrom } from '../helpers/from-address.js';
import { basicAuth } from '../helpers/sync11-client.js';
import { runCli, startServe } from './cli-process.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-guessing-'));
after(() => {
  closeAddressAgents();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const GUESSES = 300;
const IN_FLIGHT = 8;
const ATTACK_BUDGET_MS = 90_000;

test('300 + 300 wrong passwords from 127.0.0.2: the owner still gets in from 127.0.0.3, others stay fast, the log names the guest', async (t) => {
  const dataDir = path.join(tmp, 'data');
  for (const [name, password] of [
    ['owner', 'owner password 1'],
    ['carol', 'carol password 1'],
  ]) {
    const added = await runCli(['user', 'add', name!, '--data-dir', dataDir], { stdin: `${password}\n` });
    assert.equal(added.code, 0, added.stderr.join('\n'));
  }
  const serve = await startServe(['--data-dir', dataDir, '--allow-new-users']);
  try {
    const base = serve.url;
    const auth = `${base}auth/v1/`;
    const email = `owner-${randomBytes(3).toString('hex')}@example.org`;
    const rightPW = toHex(stretchPassword(email, 'owner local password').authPW);
    const created = await requestFrom(
      '127.0.0.1',
      `${auth}account/create`,
      jsonPost({ email, authPW: rightPW }),
    );
    assert.equal(created.status, 200, created.text);

    const sync11 = (user: string, password: string, from: string) =>
      requestFrom(from, `${base}1.1/${user}/info/collections`, {
        headers: { Authorization: basicAuth(user, password) },
      });
    // Carol's first request pays for bcrypt once; after that her credentials are cached.
    assert.equal((await sync11('carol', 'carol password 1', '127.0.0.1')).status, 200);

    let attacking = true;
    const carolMs: number[] = [];
    const carol = (async () => {
      const started = performance.now();
      while (attacking && performance.now() - started < ATTACK_BUDGET_MS + 10_000) {
        const res = await sync11('carol', 'carol password 1', '127.0.0.1');
        assert.equal(res.status, 200, 'the other user is never refused');
        carolMs.push(res.ms);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const attackStarted = performance.now();
    const [basic, local] = await Promise.all([
      boundedLoad(GUESSES, IN_FLIGHT, ATTACK_BUDGET_MS, (i) => sync11('owner', `guess ${i}`, '127.0.0.2')),
      boundedLoad(GUESSES, IN_FLIGHT, ATTACK_BUDGET_MS, () =>
        requestFrom(
          '127.0.0.2',
          `${auth}account/login`,
          jsonPost({ email, authPW: randomBytes(32).toString('hex') }),
        ),
      ),
    ]);
    const attackMs = performance.now() - attackStarted;
    attacking = false;
    await carol;

    assert.equal(basic.length, GUESSES, 'every Sync 1.1 guess was answered within the time bound');
    assert.equal(local.length, GUESSES, 'every local-account guess was answered within the time bound');
    assert.ok(
      basic.every((r) => r.status === 401 || r.status === 503),
      'Sync 1.1 guesses: 401 or 503 only',
    );
    assert.ok(
      basic.filter((r) => r.status === 401).length <= 10,
      'at most ten Sync 1.1 guesses were checked',
    );
    assert.ok(local.filter((r) => r.status === 400).length <= 10, 'at most ten local guesses were checked');
    assert.ok(local.every((r) => r.status === 400 || r.status === 429));

    // The owner, from another device, at once.
    const owner11 = await sync11('owner', 'owner password 1', '127.0.0.3');
    assert.equal(owner11.status, 200);
    const ownerLocal = await requestFrom(
      '127.0.0.3',
      `${auth}account/login`,
      jsonPost({ email, authPW: rightPW }),
    );
    assert.equal(ownerLocal.status, 200, ownerLocal.text);
    assert.ok(owner11.ms < 1000, `Sync 1.1 owner took ${owner11.ms.toFixed(0)} ms`);
    assert.ok(ownerLocal.ms < 2000, `local-account owner took ${ownerLocal.ms.toFixed(0)} ms`);

    const sorted = [...carolMs].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    t.diagnostic(
      `attack: ${basic.length + local.length} guesses in ${attackMs.toFixed(0)} ms; ` +
        `other user's GET during it: n=${sorted.length} p50=${p50.toFixed(1)} ms p99=${p99.toFixed(1)} ms max=${sorted.at(-1)?.toFixed(1)} ms; ` +
        `owner: Sync 1.1 ${owner11.ms.toFixed(0)} ms, local ${ownerLocal.ms.toFixed(0)} ms`,
    );
    assert.ok(sorted.length >= 20, `the other user made ${sorted.length} requests during the attack`);
    assert.ok(p99 < 300, `other user's p99 ${p99.toFixed(1)} ms`);

    // Give the last log lines a moment to reach the pipe.
    await new Promise((r) => setTimeout(r, 200));
    const log = serve.stdout.join('\n');
    assert.ok(
      log.split('\n').filter((l) => l.includes(' 127.0.0.2 ')).length >= 600,
      'request lines name 127.0.0.2',
    );
    const warnings = serve.stdout.filter((l) => /WARN address 127\.0\.0\.2 throttled/.test(l));
    assert.ok(
      warnings.some((l) => l.includes('account owner ')),
      warnings.join('\n'),
    );
    assert.ok(
      warnings.some((l) => l.includes(`account ${email} `)),
      warnings.join('\n'),
    );
    assert.ok(
      warnings.length <= 3,
      `one warning per throttled key, not per request:\n${warnings.join('\n')}`,
    );
  } finally {
    assert.equal(await serve.stop(), 0, 'SIGTERM still exits 0 (the password workers do not hold it)');
  }
});
