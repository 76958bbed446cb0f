import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { openHouseholdCa } from '../../server/tls/household-ca.js';
import { runCli } from './cli-process.js';

/** `foxden setup-info` over the built CLI (`npm run build` first), as an owner runs it. */

interface Pref {
  name: string;
  value: string;
}

interface SetupInfoJson {
  publicUrl: string;
  tokenServerUrl: string;
  desktopPrefs: Pref[];
  desktopSteps: string[];
  localAccountsPrefs: Pref[];
  localAccountsSteps: string[];
  androidSteps: string[];
  androidLocalSteps: string[];
  sync11ServerUrl: string;
  warnings: string[];
  trustCa: { caUrl: string; fingerprint256: string | null; firefoxDesktopSteps: string[] } | null;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-cli-setup-'));
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const setupInfo = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(['setup-info', '--data-dir', dataDir, ...args], { env });

async function setupJson(args: string[], env: NodeJS.ProcessEnv = {}): Promise<SetupInfoJson> {
  const result = await setupInfo(['--json', ...args], env);
  assert.equal(result.code, 0, result.stderr.join('\n'));
  return JSON.parse(result.stdout.join('\n')) as SetupInfoJson;
}

const prefMap = (prefs: Pref[]) => Object.fromEntries(prefs.map((p) => [p.name, p.value]));

describe('foxden setup-info', () => {
  test('plain http LAN address: token URL, autoconfig root, allowHttp and the Sync 1.1 URL', async () => {
    const result = await setupInfo(['--public-url', 'http://192.168.1.20:8173/']);
    assert.equal(result.code, 0, result.stderr.join('\n'));
    assert.deepEqual(result.stderr, [], 'a LAN address draws no warning');
    const out = result.stdout;
    assert.equal(out[0], 'Foxden setup for http://192.168.1.20:8173/');
    // Each value on a line of its own, exactly as it goes into about:config.
    assert.ok(out.includes('  identity.sync.tokenserver.uri = http://192.168.1.20:8173/1.0/sync/1.5'));
    assert.ok(out.includes('  identity.fxaccounts.autoconfig.uri = http://192.168.1.20:8173'));
    assert.ok(out.includes('  identity.fxaccounts.allowHttp = true'));
    assert.ok(out.includes('  Custom Sync server = http://192.168.1.20:8173/1.0/sync/1.5'));
    assert.ok(out.includes('  Server URL = http://192.168.1.20:8173/'));
    const text = out.join('\n');
    assert.match(text, /Restart Firefox, then sign in to Sync with your Mozilla account\./);
    assert.match(text, /tap the Firefox logo 5 times/);
    assert.match(text, /Sync Debug \(near the top\), then Custom Sync server/);
  });

  test('https with a path prefix: no allowHttp, the prefix kept in every URL', async () => {
    const info = await setupJson(['--public-url', 'https://sync.example.org/foxden']);
    assert.equal(info.publicUrl, 'https://sync.example.org/foxden/');
    assert.equal(info.tokenServerUrl, 'https://sync.example.org/foxden/1.0/sync/1.5');
    assert.deepEqual(prefMap(info.desktopPrefs), {
      'identity.sync.tokenserver.uri': 'https://sync.example.org/foxden/1.0/sync/1.5',
    });
    assert.deepEqual(prefMap(info.localAccountsPrefs), {
      'identity.fxaccounts.autoconfig.uri': 'https://sync.example.org/foxden',
    });
    assert.ok(!info.localAccountsSteps.some((s) => s.includes('allowHttp')));
    assert.ok(
      info.androidSteps.some((s) => s.includes('https://sync.example.org/foxden/1.0/sync/1.5')),
      info.androidSteps.join('\n'),
    );
    assert.equal(info.sync11ServerUrl, 'https://sync.example.org/foxden/');
    assert.deepEqual(info.warnings, []);

    const text = await setupInfo(['--public-url', 'https://sync.example.org/foxden/']);
    assert.equal(text.code, 0);
    assert.ok(
      text.stdout.includes('  identity.sync.tokenserver.uri = https://sync.example.org/foxden/1.0/sync/1.5'),
    );
    assert.ok(text.stdout.includes('  identity.fxaccounts.autoconfig.uri = https://sync.example.org/foxden'));
    assert.ok(!text.stdout.some((l) => l.includes('identity.fxaccounts.allowHttp =')));
  });

  test('--json for plain http lists allowHttp as a pref and a step', async () => {
    const info = await setupJson(['--public-url', 'http://10.0.0.2:8173/']);
    assert.deepEqual(prefMap(info.localAccountsPrefs), {
      'identity.fxaccounts.autoconfig.uri': 'http://10.0.0.2:8173',
      'identity.fxaccounts.allowHttp': 'true',
    });
    assert.ok(info.localAccountsSteps.some((s) => s.includes('identity.fxaccounts.allowHttp')));
    assert.ok(info.desktopSteps?.some((s) => s.endsWith('http://10.0.0.2:8173/1.0/sync/1.5')));
  });

  test('a localhost public URL warns on stderr that other devices cannot reach it', async () => {
    for (const url of ['http://localhost:8173/', 'http://127.0.0.1:8173/', 'http://[::1]:8173/']) {
      const result = await setupInfo(['--public-url', url]);
      assert.equal(result.code, 0);
      assert.ok(
        result.stderr.some((l) => l.includes('other devices cannot reach this')),
        `${url}: ${result.stderr.join('\n')}`,
      );
      assert.ok(!result.stdout.some((l) => l.includes('cannot reach')), 'the warning stays off stdout');
    }
    const json = await setupInfo(['--json', '--public-url', 'http://127.0.0.1:8173/']);
    assert.ok(json.stderr.some((l) => l.includes('other devices cannot reach this')));
    const parsed = JSON.parse(json.stdout.join('\n')) as SetupInfoJson;
    assert.equal(parsed.warnings.length, 1, 'stdout stays parseable JSON and carries the warning');
  });

  test('takes the public URL from the same sources as serve: env, --config, flags win', async () => {
    const fromEnv = await setupJson([], { FOXDEN_PUBLIC_URL: 'http://192.168.1.30:9000/' });
    assert.equal(fromEnv.tokenServerUrl, 'http://192.168.1.30:9000/1.0/sync/1.5');

    const ini = path.join(dataDir, 'sync.conf');
    fs.writeFileSync(ini, '[nodes]\nfallback_node = https://sync.example.net/\n');
    const fromIni = await setupJson(['--config', ini]);
    assert.equal(fromIni.tokenServerUrl, 'https://sync.example.net/1.0/sync/1.5');

    const flagWins = await setupJson(['--config', ini, '--public-url', 'https://other.example.net/'], {
      FOXDEN_PUBLIC_URL: 'http://192.168.1.30:9000/',
    });
    assert.equal(flagWins.tokenServerUrl, 'https://other.example.net/1.0/sync/1.5');
  });

  test('the public URL saved from the dashboard applies unless the command line sets one', async () => {
    const saved = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-cli-setup-saved-'));
    try {
      fs.writeFileSync(
        path.join(saved, 'settings.json'),
        JSON.stringify({ publicUrl: 'http://192.168.1.40:8173/', bindScope: 'lan' }),
      );
      const base = ['setup-info', '--json', '--data-dir', saved];
      const fromSaved = await runCli(base);
      assert.equal(fromSaved.code, 0, fromSaved.stderr.join('\n'));
      assert.equal(
        (JSON.parse(fromSaved.stdout.join('\n')) as SetupInfoJson).tokenServerUrl,
        'http://192.168.1.40:8173/1.0/sync/1.5',
      );
      const overridden = await runCli([...base, '--public-url', 'https://sync.example.org/']);
      assert.equal(
        (JSON.parse(overridden.stdout.join('\n')) as SetupInfoJson).tokenServerUrl,
        'https://sync.example.org/1.0/sync/1.5',
      );
    } finally {
      fs.rmSync(saved, { recursive: true, force: true });
    }
  });

  test('HTTPS auto: trust the household CA first (its URL and fingerprint), no allowHttp; no server started', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-cli-setup-https-'));
    try {
      const base = ['setup-info', '--data-dir', dir, '--public-url', 'https://192.168.1.20:8173/'];
      // Before the first start with HTTPS there is no CA: said on stderr, the steps still shown.
      const early = await runCli([...base, '--https', 'auto']);
      assert.equal(early.code, 0, early.stderr.join('\n'));
      assert.ok(
        early.stderr.some((l) => l.includes('does not exist yet')),
        early.stderr.join('\n'),
      );
      assert.ok(early.stdout.includes("Trust this server's certificate (once on each device):"));
      assert.ok(!fs.existsSync(path.join(dir, 'tls', 'ca.key')), 'setup-info makes no CA');

      const ca = await openHouseholdCa(dir, {
        hostname: 'foxden-box',
        publicUrl: 'https://192.168.1.20:8173/',
        now: Date.now(),
      });
      const text = await runCli([...base, '--https', 'auto']);
      assert.equal(text.code, 0, text.stderr.join('\n'));
      assert.deepEqual(text.stderr, []);
      // First, before every browser's own steps.
      const trustAt = text.stdout.indexOf("Trust this server's certificate (once on each device):");
      assert.ok(trustAt > 0 && trustAt < text.stdout.findIndex((l) => l.startsWith('Firefox desktop with')));
      assert.ok(text.stdout.includes('  CA certificate = http://192.168.1.20:8173/ca.crt'));
      assert.ok(text.stdout.includes(`  SHA-256 fingerprint = ${ca.info.fingerprint256}`));
      assert.ok(!text.stdout.some((l) => l.includes('identity.fxaccounts.allowHttp')));

      // HTTPS saved from the dashboard counts as serve would take it; a flag still wins.
      fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ https: 'auto' }));
      const fromSaved = await runCli([
        'setup-info',
        '--json',
        '--data-dir',
        dir,
        '--public-url',
        'https://192.168.1.20:8173/',
      ]);
      const info = JSON.parse(fromSaved.stdout.join('\n')) as SetupInfoJson;
      assert.equal(info.trustCa?.fingerprint256, ca.info.fingerprint256);
      assert.equal(info.trustCa?.caUrl, 'http://192.168.1.20:8173/ca.crt');
      const off = await runCli([...base, '--json', '--https', 'off']);
      assert.equal((JSON.parse(off.stdout.join('\n')) as SetupInfoJson).trustCa, null);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad input is a one-line usage error with exit code 2', async () => {
    for (const args of [['--public-url', 'ftp://x/'], ['--bogus'], ['extra'], ['--json=yes']]) {
      const result = await setupInfo(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr.join('\n')}`);
      assert.equal(result.stderr.length, 1);
      assert.match(result.stderr[0]!, /^foxden: /);
      assert.deepEqual(result.stdout, []);
    }
  });
});
