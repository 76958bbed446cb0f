import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { usernameFromEmail } from '../../server/accounts/index.js';
import { freePort } from '../helpers/ports.js';
import { spawnCli, type CliProcess } from './cli-process.js';

// Issue 8, finding 6: `foxden serve --allow-new-users`, then any setting saved from the
// dashboard, wrote allowNewUsers: true into settings.json, so a restart without the flag kept
// sign-ups open although the README said it closes them. The rule now: defaults < ini file <
// saved from the dashboard < environment < flags, and a save writes only what it changed.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-precedence-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const LISTENING =
  /Foxden listening on http:\/\/127\.0\.0\.1:(\d+)\/ .*; (sign-ups [^;]+(?:;[^;]+)*?); data in /;
const ADMIN = /admin: (http:\/\/127\.0\.0\.1:\d+\/)#token=([0-9a-f]{64})/;

interface Serve {
  cli: CliProcess;
  port: number;
  signups: string;
  admin: { url: string; token: string };
  stop(): Promise<void>;
}

async function serve(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Serve> {
  const cli = spawnCli(
    ['serve', '--host', '127.0.0.1', '--admin-port', '0', '--data-dir', dataDir, ...args],
    { env },
  );
  try {
    const line = await cli.waitForLine(LISTENING);
    const adminLine = await cli.waitForLine(ADMIN);
    const match = LISTENING.exec(line) as RegExpExecArray;
    const admin = ADMIN.exec(adminLine) as RegExpExecArray;
    return {
      cli,
      port: Number(match[1]),
      signups: match[2] as string,
      admin: { url: admin[1] as string, token: admin[2] as string },
      async stop() {
        cli.child.kill('SIGTERM');
        assert.equal(await cli.exit, 0);
      },
    };
  } catch (err) {
    cli.child.kill('SIGKILL');
    throw err;
  }
}

async function updateSettings(s: Serve, patch: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${s.admin.url}api/updateSettings`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${s.admin.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify([patch]),
  });
  assert.equal(res.status, 200, await res.text());
}

function signUp(port: number, email: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/user/1.0/${usernameFromEmail(email)}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ password: 'correct horse battery', email }),
  });
}

function savedSettings(dataDir: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8')) as Record<string, unknown>;
}

test(
  '--allow-new-users, then a port change saved from the dashboard, then a restart without the flag: sign-ups are closed',
  { timeout: 60_000 },
  async () => {
    const dataDir = path.join(tmp, 'flag-then-dashboard');
    const first = await serve(dataDir, ['--port', '0', '--allow-new-users']);
    const savedPort = await freePort();
    try {
      assert.equal(
        first.signups,
        'sign-ups open (--allow-new-users, this run only; they close by themselves after 10 new accounts)',
      );
      assert.equal((await signUp(first.port, 'first@example.org')).status, 200);
      await updateSettings(first, { port: savedPort });
      // Only what the owner changed is written: the flag's value is not.
      assert.deepEqual(savedSettings(dataDir), { port: savedPort });
    } finally {
      await first.stop();
    }

    const second = await serve(dataDir, []);
    try {
      assert.equal(second.port, savedPort, 'the saved port is used (no flag gives one)');
      assert.equal(second.signups, 'sign-ups closed');
      assert.equal((await signUp(second.port, 'second@example.org')).status, 503, 'closed, spec 1.1 §5.2');

      // Saved from the dashboard, sign-ups stay open across restarts; the start line says why.
      await updateSettings(second, { allowNewUsers: true });
      assert.deepEqual(savedSettings(dataDir), { port: savedPort, allowNewUsers: true });
    } finally {
      await second.stop();
    }

    const third = await serve(dataDir, []);
    try {
      assert.equal(
        third.signups,
        'sign-ups open (saved from the dashboard; --no-allow-new-users closes them; they close after the first new account)',
      );
    } finally {
      await third.stop();
    }

    // The flag wins over the saved choice for its run, and is not saved either.
    const fourth = await serve(dataDir, ['--no-allow-new-users']);
    try {
      assert.equal(fourth.signups, 'sign-ups closed (--no-allow-new-users)');
      assert.equal((await signUp(fourth.port, 'fourth@example.org')).status, 503);
      await updateSettings(fourth, { publicUrl: `http://127.0.0.1:${fourth.port}/` });
      assert.equal(savedSettings(dataDir).allowNewUsers, true, 'the saved choice is untouched');
    } finally {
      await fourth.stop();
    }
  },
);

test('environment beats saved settings, which beat the ini file', { timeout: 60_000 }, async () => {
  const dataDir = path.join(tmp, 'env-ini');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ allowNewUsers: false }), {
    mode: 0o600,
  });
  const ini = path.join(tmp, 'open.conf');
  fs.writeFileSync(ini, '[auth]\nallow_new_users = true\n');

  const fromIni = await serve(dataDir, ['--port', '0', '--config', ini]);
  try {
    assert.equal(fromIni.signups, 'sign-ups closed (saved from the dashboard)', 'saved beats the ini file');
  } finally {
    await fromIni.stop();
  }
  const fromEnv = await serve(dataDir, ['--port', '0', '--config', ini], { FOXDEN_ALLOW_NEW_USERS: 'true' });
  try {
    assert.equal(
      fromEnv.signups,
      'sign-ups open (environment variable FOXDEN_ALLOW_NEW_USERS; --no-allow-new-users closes them; they close after the first new account)',
    );
  } finally {
    await fromEnv.stop();
  }
});

test(
  'config typos reach standard error through the real CLI, naming file:line',
  { timeout: 30_000 },
  async () => {
    const ini = path.join(tmp, 'typo.conf');
    fs.writeFileSync(ini, '[auth]\nallow_new_user = true\n');
    const s = await serve(path.join(tmp, 'typo-data'), ['--port', '0', '--config', ini]);
    try {
      assert.ok(
        s.cli.stderr.includes(
          `foxden: warning: ${ini}:2: unknown setting [auth] allow_new_user is ignored; did you mean allow_new_users?`,
        ),
        s.cli.stderr.join('\n'),
      );
      assert.equal(s.signups, 'sign-ups closed');
    } finally {
      await s.stop();
    }
  },
);
