// The HTTPS options of the real CLI (issue 13): `foxden serve --help` names them, and a bad
// combination is one line on stderr with exit code 2. How loadConfig reads them:
// test/unit/https-config-load.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { COMMAND_USAGE } from '../../server/cli/usage.js';
import { runCli } from './cli-process.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-https-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('foxden serve --help names the options and the environment variables', () => {
  const usage = COMMAND_USAGE.serve as string;
  for (const word of [
    '--https auto|off',
    '--tls-cert FILE',
    '--tls-key FILE',
    'FOXDEN_HTTPS',
    'FOXDEN_TLS_CERT',
    'FOXDEN_TLS_KEY',
  ]) {
    assert.ok(usage.includes(word), word);
  }
});

test('foxden serve --tls-cert without --tls-key: one line on stderr and exit code 2, nothing started', async () => {
  const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
  const result = await runCli([
    'serve',
    '--port',
    '0',
    '--no-admin',
    '--data-dir',
    dataDir,
    '--tls-cert',
    'cert.pem',
  ]);
  assert.equal(result.code, 2);
  assert.deepEqual(result.stderr, [
    'foxden: --tls-cert is given without the key file (tls_key, --tls-key, FOXDEN_TLS_KEY): HTTPS with your own certificate needs both.',
  ]);
  assert.deepEqual(result.stdout, []);
  const bad = await runCli(['serve', '--port', '0', '--no-admin', '--data-dir', dataDir, '--https', 'maybe']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.length, 1);
  assert.match(bad.stderr[0] as string, /^foxden: --https must be auto or off/);
});
