import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ROOT, spawnCli, tempCases } from './cli-process.js';

/**
 * `foxden serve` without HTTPS and without a directory loads neither the certificate code nor
 * the LDAP client (issue 11 item 18: each is megabytes of RSS on every server). The child
 * records every module it resolves through a loader hook given in NODE_OPTIONS; the HTTPS run
 * shows the hook sees the certificate library when it is used.
 */

const { fresh } = tempCases('foxden-lazy-', 'case');
const REGISTER = pathToFileURL(path.join(ROOT, 'test', 'cli', 'module-trace', 'register.mjs')).href;
const HEAVY = ['@peculiar/x509', 'reflect-metadata', 'ldapts'];

/** The specifiers a `foxden serve` with `args` resolved by the time it listened. */
async function specifiersResolvedBy(args: string[]): Promise<Set<string>> {
  const dir = fresh();
  fs.mkdirSync(dir, { mode: 0o700 });
  const trace = path.join(dir, 'modules.txt');
  const serve = spawnCli(
    ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', path.join(dir, 'data'), ...args],
    { env: { NODE_OPTIONS: `--import ${REGISTER}`, FOXDEN_TEST_MODULE_TRACE: trace } },
  );
  try {
    await serve.waitForLine(/Foxden listening on https?:\/\//);
    const lines = fs
      .readFileSync(trace, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    return new Set(lines.map((line) => line.split('\t')[0] as string));
  } finally {
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exit, 0);
  }
}

test('foxden serve over plain HTTP without a directory loads neither the certificate code nor the LDAP client', async () => {
  const resolved = await specifiersResolvedBy(['--admin-port', '0']);
  // The hook ran: the server's own modules are in the trace.
  assert.ok(resolved.has('express'), 'the trace lists the modules the server loaded');
  for (const name of HEAVY) assert.ok(!resolved.has(name), `${name} was loaded`);
  assert.ok(![...resolved].some((s) => s.endsWith('/ldap/index.js') || s.endsWith('/tls-source.js')));
});

test('with HTTPS the certificate code is loaded (the trace sees it), the LDAP client still not', async () => {
  const resolved = await specifiersResolvedBy(['--https', 'auto', '--no-admin']);
  assert.ok(resolved.has('@peculiar/x509'));
  assert.ok(!resolved.has('ldapts'));
});
